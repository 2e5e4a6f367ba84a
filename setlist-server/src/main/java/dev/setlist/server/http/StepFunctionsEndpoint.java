package dev.setlist.server.http;

import dev.setlist.server.auth.Principal;
import dev.setlist.server.events.EventBridge;
import dev.setlist.server.sfn.Req;
import dev.setlist.server.sfn.StepFunctions;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * {@code POST /} with {@code X-Amz-Target: AWSStepFunctions.<Action>} (the Step Functions JSON
 * 1.0 protocol) or {@code AWSEvents.<Action>} (EventBridge, JSON 1.1). Reads the body (refusing one
 * larger than the limit), authenticates the caller, parses the JSON and hands it to
 * {@link StepFunctions} or {@link EventBridge}.
 */
public final class StepFunctionsEndpoint {
    public static final String PREFIX = "AWSStepFunctions.";
    public static final String CONTENT_TYPE = "application/x-amz-json-1.0";
    public static final String EVENTS_PREFIX = "AWSEvents.";
    public static final String EVENTS_CONTENT_TYPE = "application/x-amz-json-1.1";

    private final StepFunctions api;
    private final EventBridge events;
    private final int maxBodyBytes;

    public StepFunctionsEndpoint(StepFunctions api, EventBridge events, int maxBodyBytes) {
        this.api = api;
        this.events = events;
        this.maxBodyBytes = maxBodyBytes;
    }

    public void routing(RoutesConfig routes) {
        routes.post("/", this::handle, Access.awsApi());
    }

    private void handle(Context ctx) {
        byte[] body = Bodies.read(ctx, maxBodyBytes);
        Principal caller = Gate.principal(ctx);
        String target = ctx.header("X-Amz-Target");
        if (target == null || target.isBlank()) {
            throw ApiException.badRequest("UnknownOperationException", "Missing X-Amz-Target header: name the action as"
                    + " AWSStepFunctions.<Action>");
        }
        if (events != null && target.startsWith(EVENTS_PREFIX)) {
            var out = events.handle(target.substring(EVENTS_PREFIX.length()), Req.parse(body), caller);
            ctx.contentType(EVENTS_CONTENT_TYPE);
            ctx.result(Json.bytes(out));
            return;
        }
        if (!target.startsWith(PREFIX)) {
            throw ApiException.badRequest("UnknownOperationException", "Unknown operation: '" + abbreviate(target)
                    + "' (this endpoint answers AWSStepFunctions.<Action> and AWSEvents.<Action>)");
        }
        String action = target.substring(PREFIX.length());
        Req request = Req.parse(body);
        if (request.body().path("stateMachineArn").isTextual()) {
            ctx.attribute(dev.setlist.server.telemetry.Telemetry.STATE_MACHINE_ATTRIBUTE,
                    request.body().path("stateMachineArn").textValue());
        }
        var out = api.handle(action, request, caller);
        ctx.contentType(CONTENT_TYPE);
        ctx.result(Json.bytes(out));
    }

    static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
