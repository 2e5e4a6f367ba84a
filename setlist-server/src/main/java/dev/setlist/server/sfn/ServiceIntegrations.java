package dev.setlist.server.sfn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.ErrorNames;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.engine.EngineException;
import dev.setlist.events.EventBus;
import dev.setlist.events.EventsException;
import dev.setlist.events.PutEntry;
import dev.setlist.events.PutResult;
import dev.setlist.server.auth.Policy;
import dev.setlist.server.auth.Principal;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The service integrations Setlist runs against itself, before the workload's own task handlers:
 * <ul>
 * <li>{@code arn:aws:states:::events:putEvents} (and {@code .waitForTaskToken}): the entries go onto
 * Setlist's own buses, the execution's and state machine's ARNs appended to each entry's
 * {@code Resources}; the result is PutEvents' answer ({@code Entries}, {@code FailedEntryCount}),
 * and a failed entry fails the task with {@code EventBridge.FailedEntry}, as the optimized
 * EventBridge integration does. The events are staged with the task's result: published once it
 * commits (a task run again after a crash does not publish twice), none of them when the task
 * fails.</li>
 * <li>{@code arn:aws:states:::aws-sdk:sfn:<action>}: a Step Functions action on Setlist's own
 * engine, as the AWS SDK integration calls it: parameters in PascalCase ({@code StateMachineArn}),
 * the answer in PascalCase with timestamps as ISO-8601 text, errors named
 * {@code Sfn.<Name>Exception}.</li>
 * </ul>
 * and {@code arn:aws:states:::http:invoke}, the HTTP Task ({@link HttpInvoke}).
 * Anything else goes to the next invoker. The integrations run as the execution's state machine,
 * which may act on every resource that no workload owns.
 */
public final class ServiceIntegrations implements TaskInvoker {
    static final String PUT_EVENTS = "arn:aws:states:::events:putEvents";
    static final String SDK_SFN = "arn:aws:states:::aws-sdk:sfn:";
    private static final String WAIT = ".waitForTaskToken";

    private final TaskInvoker next;
    private final CompletableFuture<Bound> bound = new CompletableFuture<>();
    private final HttpInvoke http = new HttpInvoke();

    private record Bound(StepFunctions stepFunctions, EventBus bus) {}

    public ServiceIntegrations(TaskInvoker next) {
        this.next = next;
    }

    /** Supplies the API and the bus once the server has them (tasks invoked before wait for them). */
    public void bind(StepFunctions stepFunctions, EventBus bus) {
        bound.complete(new Bound(stepFunctions, bus));
    }

    /** The HTTP Task, bound to the connections by the server. */
    public HttpInvoke http() {
        return http;
    }

    @Override
    public JsonNode invoke(Request request) {
        String resource = request.resource();
        String base = resource.endsWith(WAIT) ? resource.substring(0, resource.length() - WAIT.length()) : resource;
        if (base.equals(PUT_EVENTS)) {
            return putEvents(request, bound().bus());
        }
        if (resource.equals(HttpInvoke.RESOURCE)) {
            return http.invoke(request);
        }
        if (base.startsWith(SDK_SFN) && base.length() > SDK_SFN.length()) {
            return sfn(base.substring(SDK_SFN.length()), request, bound().stepFunctions());
        }
        return next.invoke(request);
    }

    private Bound bound() {
        try {
            return bound.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StatesException(ErrorNames.TASK_FAILED, "Interrupted while the server was starting");
        } catch (ExecutionException | TimeoutException e) {
            throw new StatesException(ErrorNames.TASK_FAILED, "The server's integrations are not ready yet");
        }
    }

    // ---- events:putEvents ------------------------------------------------------------------------

    private static JsonNode putEvents(Request request, EventBus bus) {
        JsonNode entries = request.input().get("Entries");
        if (entries == null || !entries.isArray()) {
            throw new StatesException("EventBridge.ValidationException", "The Parameters of events:putEvents need an"
                    + " Entries array, was " + (entries == null ? "missing" : entries.getNodeType().name().toLowerCase()));
        }
        String executionArn = request.executionId();
        String stateMachineArn = StepFunctions.machineOf(executionArn);
        List<PutEntry> put = new ArrayList<>();
        for (JsonNode e : entries) {
            if (!e.isObject()) {
                throw new StatesException("EventBridge.ValidationException", "Each entry of Entries must be an object");
            }
            JsonNode detail = e.get("Detail");
            List<String> resources = new ArrayList<>();
            e.path("Resources").forEach(r -> resources.add(r.asText()));
            resources.add(executionArn);
            resources.add(stateMachineArn);
            put.add(new PutEntry(text(e, "Source"), text(e, "DetailType"),
                    detail == null || detail.isNull() ? null : detail.isTextual() ? detail.textValue() : Json.text(detail),
                    resources, null, text(e, "EventBusName"), text(e, "TraceHeader")));
        }
        List<PutResult> results;
        try {
            // Staged with the task's result: published once it commits, never twice for one attempt.
            results = bus.emitAll(request, put);
        } catch (EventsException e) {
            throw new StatesException("EventBridge." + exceptionName(e.code().name()), e.getMessage());
        }
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray("Entries");
        int failed = 0;
        for (PutResult r : results) {
            ObjectNode o = list.addObject();
            if (r.failed()) {
                failed++;
                o.put("ErrorCode", r.errorCode());
                o.put("ErrorMessage", r.errorMessage());
            } else {
                o.put("EventId", r.eventId());
            }
        }
        out.put("FailedEntryCount", failed);
        if (failed > 0) {
            throw new StatesException("EventBridge.FailedEntry", Json.text(out));
        }
        return out;
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.isTextual() ? v.textValue() : v.toString();
    }

    // ---- aws-sdk:sfn ------------------------------------------------------------------------------

    private static JsonNode sfn(String apiAction, Request request, StepFunctions api) {
        String action = Character.toUpperCase(apiAction.charAt(0)) + apiAction.substring(1);
        if (!Character.isLowerCase(apiAction.charAt(0)) || !api.actions().contains(action) || action.equals("TestState")) {
            throw new StatesException(ErrorNames.RUNTIME, "The resource 'arn:aws:states:::aws-sdk:sfn:" + apiAction
                    + "' is not a Step Functions API action");
        }
        JsonNode parameters = request.input() == null || request.input().isNull() ? Json.object() : request.input();
        if (!parameters.isObject()) {
            throw new StatesException("Sfn.SerializationException", "The Parameters of aws-sdk:sfn:" + apiAction
                    + " must be an object");
        }
        ObjectNode body = (ObjectNode) camel(parameters);
        // The SDK's string members that carry JSON (Input, Output) may be given as JSON values.
        for (String member : List.of("input", "output")) {
            JsonNode v = body.get(member);
            if (v != null && !v.isTextual() && !v.isNull()) {
                body.put(member, Json.text(v));
            }
        }
        String stateMachine = StepFunctions.machineOf(request.executionId());
        Principal caller = new Principal(stateMachine, List.of(new Policy.Grant(Policy.ADMINISTRATOR, "*")), "execution");
        ObjectNode answer;
        try {
            answer = api.handle(action, Req.of(body), caller);
        } catch (ApiException e) {
            throw sdkError(e.type(), e.status(), e.getMessage());
        } catch (EngineException e) {
            throw sdkError(e.code().name(), e.code() == EngineException.Code.ServiceUnavailable ? 503 : 400, e.getMessage());
        }
        return pascal(answer, null);
    }

    /** An error as the AWS SDK integration reports it: {@code Sfn.<Name>Exception} and the SDK's message. */
    private static StatesException sdkError(String type, int status, String message) {
        return new StatesException("Sfn." + exceptionName(type), message + " (Service: Sfn, Status Code: " + status
                + ", Request ID: " + java.util.UUID.randomUUID() + ")");
    }

    private static String exceptionName(String type) {
        return type.endsWith("Exception") ? type : type + "Exception";
    }

    /** PascalCase member names to the API's camelCase, all the way down. */
    private static JsonNode camel(JsonNode n) {
        if (n.isObject()) {
            ObjectNode out = Json.object();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String k = e.getKey();
                out.set(k.isEmpty() ? k : Character.toLowerCase(k.charAt(0)) + k.substring(1), camel(e.getValue()));
            }
            return out;
        }
        if (n.isArray()) {
            ArrayNode out = Json.MAPPER.createArrayNode();
            n.forEach(x -> out.add(camel(x)));
            return out;
        }
        return n;
    }

    /** The API's answer as the SDK returns it: PascalCase names, timestamps as ISO-8601 text. */
    private static JsonNode pascal(JsonNode n, String name) {
        if (n.isObject()) {
            ObjectNode out = Json.object();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String k = e.getKey();
                out.set(k.isEmpty() ? k : Character.toUpperCase(k.charAt(0)) + k.substring(1), pascal(e.getValue(), k));
            }
            return out;
        }
        if (n.isArray()) {
            ArrayNode out = Json.MAPPER.createArrayNode();
            n.forEach(x -> out.add(pascal(x, null)));
            return out;
        }
        if (name != null && n.isNumber() && (name.endsWith("Date") || name.equals("timestamp"))) {
            return Json.MAPPER.getNodeFactory().textNode(Instant.ofEpochMilli(Math.round(n.doubleValue() * 1000)).toString());
        }
        return n;
    }
}
