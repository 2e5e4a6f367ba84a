package dev.setlist.server.sfn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Clock;
import dev.setlist.asl.ErrorNames;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.flows.guard.Outbound;
import dev.setlist.server.config.TaskEndpoint;
import dev.setlist.server.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Task resources answered by HTTP endpoints ({@code endpoints} of the configuration), so that a
 * definition written for AWS runs locally without Java handlers. The task's input is POSTed as
 * JSON; the JSON answer is the function's payload.
 * <ul>
 * <li>{@code arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]}: the result is the payload.</li>
 * <li>{@code arn:aws:states:::lambda:invoke} (and {@code .waitForTaskToken}): {@code Parameters.Payload}
 * is POSTed to the endpoint of {@code Parameters.FunctionName} (a name, a partial or a full ARN) and the
 * result is Lambda Invoke's answer as the optimized integration gives it ({@code ExecutedVersion},
 * {@code Payload} parsed as JSON, {@code SdkHttpMetadata}, {@code SdkResponseMetadata},
 * {@code StatusCode}). {@code InvocationType} {@code Event} answers 202 without a payload,
 * {@code DryRun} 204 without calling.</li>
 * <li>any other mapped resource: the result is the answer, as it is.</li>
 * </ul>
 * A function error, as Lambda reports one, fails the task: an {@code X-Amz-Function-Error} header, a
 * status that is not 2xx, or an answer that is nothing but an error object ({@code errorType},
 * {@code errorMessage}, {@code stackTrace}) fails it with the answer's {@code errorType}
 * ({@code Lambda.Unknown} without one) and the answer as cause. What Lambda itself would fail with
 * gets Lambda's names, which AWS advises retrying: {@code Lambda.TooManyRequestsException} (429, a
 * full bulkhead), {@code Lambda.ServiceException} (502, 503, 504, an open breaker),
 * {@code Lambda.ClientExecutionTimeoutException} (the call timed out),
 * {@code Lambda.SdkClientException} (no connection); a 404 is {@code Lambda.ResourceNotFoundException}.
 * Other resources fail with the answer's {@code errorType} or {@code States.TaskFailed}.
 * <p>
 * Each call is one attempt (Retry of the definition retries) through the server's outbound
 * wrapper, under the endpoint's breaker and bulkhead, with the endpoint's timeout shortened to the
 * Task's {@code TimeoutSeconds}. The request carries {@code Idempotency-Key} (stable for the
 * execution, state and attempt) so the endpoint can make its effect happen once. Unmapped
 * resources go to the next invoker.
 */
public final class LambdaEndpoints implements TaskInvoker {
    static final String INVOKE = "arn:aws:states:::lambda:invoke";
    private static final String WAIT = ".waitForTaskToken";
    private static final Pattern FUNCTION_ARN = Pattern.compile(
            "arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\\d{12}):function:([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9_$-]{1,128}))?");
    private static final Pattern PARTIAL_ARN = Pattern.compile(
            "(\\d{12}):function:([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9_$-]{1,128}))?");
    private static final Pattern NAME = Pattern.compile("([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9_$-]{1,128}))?");
    private static final Set<String> ERROR_FIELDS = Set.of("errorType", "errorMessage", "stackTrace", "trace",
            "requestId", "cause");
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final Map<String, TaskEndpoint> exact = new HashMap<>();
    private final List<TaskEndpoint> prefixes;
    private final String region;
    private final String account;
    private final Clock clock;
    private final TaskInvoker next;
    private final CompletableFuture<Outbound> outbound = new CompletableFuture<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    public LambdaEndpoints(List<TaskEndpoint> endpoints, String region, String account, Clock clock, TaskInvoker next) {
        this.region = region;
        this.account = account;
        this.clock = clock;
        this.next = next;
        List<TaskEndpoint> p = new ArrayList<>();
        for (TaskEndpoint e : endpoints) {
            if (e.prefix()) {
                p.add(e);
            } else {
                exact.put(e.resource(), e);
            }
        }
        p.sort(Comparator.comparingInt((TaskEndpoint e) -> e.stem().length()).reversed());
        this.prefixes = List.copyOf(p);
    }

    /** Supplies the server's outbound wrapper once it has one (calls made before wait for it). */
    public void bind(Outbound outbound) {
        this.outbound.complete(outbound);
    }

    /** Whether any resource is mapped. */
    public boolean isEmpty() {
        return exact.isEmpty() && prefixes.isEmpty();
    }

    /** A function as Lambda names it. */
    record Function(String arn, String name, String qualifier) {
        String unqualified() {
            return qualifier == null ? arn : arn.substring(0, arn.length() - qualifier.length() - 1);
        }

        String executedVersion() {
            return qualifier != null && qualifier.matches("\\d+") ? qualifier : "$LATEST";
        }
    }

    /** A function name, a partial ARN ({@code ACCOUNT:function:NAME}) or an ARN as a full ARN; null if none. */
    Function function(String ref, String qualifier) {
        Matcher m;
        Function f = null;
        if ((m = FUNCTION_ARN.matcher(ref)).matches()) {
            f = new Function(ref, m.group(4), m.group(5));
        } else if ((m = PARTIAL_ARN.matcher(ref)).matches()) {
            f = new Function("arn:aws:lambda:" + region + ":" + ref, m.group(2), m.group(3));
        } else if ((m = NAME.matcher(ref)).matches()) {
            f = new Function("arn:aws:lambda:" + region + ":" + account + ":function:" + ref, m.group(1), m.group(2));
        }
        if (f != null && qualifier != null && !qualifier.isEmpty() && f.qualifier() == null) {
            f = new Function(f.arn() + ":" + qualifier, f.name(), qualifier);
        }
        return f;
    }

    /** The endpoint of a function: its ARN, its unqualified ARN, its name with, then without, qualifier, a prefix. */
    TaskEndpoint endpoint(Function f) {
        for (String k : new String[] {f.arn(), f.unqualified(),
                f.qualifier() == null ? f.name() : f.name() + ":" + f.qualifier(), f.name()}) {
            TaskEndpoint e = exact.get(k);
            if (e != null) {
                return e;
            }
        }
        for (TaskEndpoint e : prefixes) {
            if (f.arn().startsWith(e.stem()) || (!e.stem().startsWith("arn:") && f.name().startsWith(e.stem()))) {
                return e;
            }
        }
        return null;
    }

    private TaskEndpoint endpoint(String resource) {
        TaskEndpoint e = exact.get(resource);
        if (e != null) {
            return e;
        }
        for (TaskEndpoint p : prefixes) {
            if (resource.startsWith(p.stem()) && p.stem().startsWith("arn:") || p.stem().isEmpty()) {
                return p;
            }
        }
        return null;
    }

    @Override
    public JsonNode invoke(Request request) {
        if (isEmpty()) {
            return next.invoke(request);
        }
        String resource = request.resource();
        String base = resource.endsWith(WAIT) ? resource.substring(0, resource.length() - WAIT.length()) : resource;
        if (base.equals(INVOKE)) {
            return lambdaInvoke(request);
        }
        Matcher m = FUNCTION_ARN.matcher(base);
        if (m.matches()) {
            Function f = new Function(base, m.group(4), m.group(5));
            TaskEndpoint e = endpoint(f);
            if (e == null) {
                return next.invoke(request);
            }
            Answer a = call(e, request, request.input(), f.arn(), "RequestResponse", true);
            return a.payload();
        }
        TaskEndpoint e = endpoint(base);
        if (e == null) {
            return next.invoke(request);
        }
        return call(e, request, request.input(), base, "RequestResponse", false).payload();
    }

    private JsonNode lambdaInvoke(Request request) {
        JsonNode p = request.input();
        if (p == null || !p.isObject()) {
            throw new StatesException("Lambda.InvalidParameterValueException", "The Parameters of lambda:invoke must be"
                    + " an object with FunctionName");
        }
        JsonNode name = p.get("FunctionName");
        if (name == null || !name.isTextual() || name.textValue().isEmpty()) {
            throw new StatesException("Lambda.InvalidParameterValueException", "lambda:invoke needs a FunctionName"
                    + " (a function's name, partial ARN or ARN)");
        }
        JsonNode q = p.get("Qualifier");
        Function f = function(name.textValue(), q != null && q.isTextual() ? q.textValue() : null);
        if (f == null) {
            throw new StatesException("Lambda.InvalidParameterValueException", "1 validation error detected: Value '"
                    + name.textValue() + "' at 'functionName' failed to satisfy constraint: Member must satisfy regular"
                    + " expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?"
                    + "(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
        }
        TaskEndpoint e = endpoint(f);
        if (e == null) {
            return next.invoke(request);
        }
        JsonNode t = p.get("InvocationType");
        String type = t == null || t.isNull() ? "RequestResponse" : t.asText();
        if (!Set.of("RequestResponse", "Event", "DryRun").contains(type)) {
            throw new StatesException("Lambda.InvalidParameterValueException", "1 validation error detected: Value '"
                    + type + "' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set:"
                    + " [Event, RequestResponse, DryRun]");
        }
        JsonNode payload = p.get("Payload");
        if (payload != null && payload.isTextual()) {
            // The SDK's Payload is the request's bytes: JSON text is sent as it is.
            try {
                payload = Json.MAPPER.readTree(payload.textValue());
            } catch (IOException ex) {
                throw new StatesException("Lambda.InvalidRequestContentException", "Could not parse request body into"
                        + " json: " + ex.getMessage());
            }
        }
        if (payload == null || payload.isMissingNode()) {
            payload = Json.object();
        }
        Answer a;
        int status;
        if (type.equals("DryRun")) {
            a = new Answer(204, "", null, JsonNodeFactory.instance.textNode(""));
            status = 204;
        } else {
            a = call(e, request, payload, f.arn(), type, true);
            status = type.equals("Event") ? 202 : 200;
            if (type.equals("Event")) {
                a = new Answer(202, "", null, JsonNodeFactory.instance.textNode(""));
            }
        }
        String requestId = requestId(request);
        ObjectNode out = Json.object();
        out.put("ExecutedVersion", f.executedVersion());
        out.set("Payload", a.payload());
        ObjectNode meta = out.putObject("SdkHttpMetadata");
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Connection", "keep-alive");
        headers.put("Content-Length", Integer.toString(a.body().getBytes(StandardCharsets.UTF_8).length));
        headers.put("Content-Type", "application/json");
        headers.put("Date", HTTP_DATE.format(clock.now()));
        headers.put("X-Amz-Executed-Version", f.executedVersion());
        headers.put("x-amzn-Remapped-Content-Length", "0");
        headers.put("x-amzn-RequestId", requestId);
        ObjectNode all = meta.putObject("AllHttpHeaders");
        headers.forEach((k, v) -> all.putArray(k).add(v));
        ObjectNode single = meta.putObject("HttpHeaders");
        headers.forEach(single::put);
        meta.put("HttpStatusCode", status);
        out.putObject("SdkResponseMetadata").put("RequestId", requestId);
        out.put("StatusCode", status);
        return out;
    }

    /** Stable for the attempt, so a re-invoked attempt answers alike. */
    private static String requestId(Request request) {
        String seed = request.idempotencyKey() != null ? request.idempotencyKey()
                : request.executionId() + "/" + request.stateName() + "/" + request.attempt();
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** An endpoint's answer: its status, body, function-error marker and the body as JSON (text if it is not JSON). */
    private record Answer(int status, String body, String functionError, JsonNode payload) {}

    private Answer call(TaskEndpoint e, Request request, JsonNode input, String target, String invocationType,
                        boolean lambda) {
        Duration timeout = e.timeout();
        if (request.deadline() != null) {
            Duration left = Duration.between(clock.now(), request.deadline());
            if (left.compareTo(timeout) < 0) {
                timeout = left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left;
            }
        }
        String body = input == null ? "null" : Json.text(input);
        HttpRequest.Builder rb = HttpRequest.newBuilder(e.url()).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("X-Amz-Invocation-Type", invocationType)
                .header("X-Setlist-Resource", target)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (request.idempotencyKey() != null) {
            rb.header("Idempotency-Key", request.idempotencyKey());
        }
        if (request.executionId() != null) {
            rb.header("X-Setlist-Execution-Arn", request.executionId());
        }
        HttpRequest httpRequest = rb.build();
        AtomicReference<String> kind = new AtomicReference<>();
        AtomicReference<Answer> failed = new AtomicReference<>();
        Outbound.Attempt<Answer> attempt = () -> {
            HttpResponse<String> r;
            try {
                r = http.send(httpRequest, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (HttpTimeoutException ex) {
                kind.set("timeout");
                throw new Outbound.Failure("Timed out waiting for " + e.url(), true);
            } catch (IOException ex) {
                kind.set("connection");
                throw new Outbound.Failure("Unable to execute HTTP request to " + e.url() + ": " + ex, true);
            }
            Answer a = new Answer(r.statusCode(), r.body(), r.headers().firstValue("X-Amz-Function-Error").orElse(null),
                    parse(r.body()));
            int s = r.statusCode();
            if (a.functionError() == null && errorType(a.payload()) == null && (s == 429 || s == 502 || s == 503 || s == 504)) {
                kind.set("status");
                failed.set(a);
                throw new Outbound.Failure("HTTP " + s + " from " + e.url(), true);
            }
            return a;
        };
        Answer a;
        Duration budget = timeout.plusSeconds(1);
        try {
            Outbound o = outbound();
            a = o == null ? attempt.run() : o.call(dependency(e.url()), new Outbound.Policy(budget, 1,
                    Duration.ZERO, Duration.ZERO), attempt);
        } catch (Outbound.Failure f) {
            throw transportError(f, kind.get(), failed.get(), target, lambda);
        } catch (StatesException ex) {
            throw ex;
        } catch (Exception ex) {
            throw new StatesException(lambda ? "Lambda.SdkClientException" : ErrorNames.TASK_FAILED,
                    "Unable to execute HTTP request to " + e.url() + ": " + ex);
        }
        if (isFunctionError(a)) {
            String type = errorType(a.payload());
            if (type == null && a.status() == 404 && a.functionError() == null) {
                throw new StatesException(lambda ? "Lambda.ResourceNotFoundException" : ErrorNames.TASK_FAILED,
                        "Function not found: " + target + " (HTTP 404 from " + e.url() + ")"
                                + " (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException)");
            }
            String cause = a.payload().isObject() ? Json.text(a.payload())
                    : "The cause could not be determined because Lambda did not return an error type. Returned payload: "
                    + (a.body().length() > 1000 ? a.body().substring(0, 1000) + "…" : a.body())
                    + " (HTTP " + a.status() + " from " + e.url() + ")";
            throw new StatesException(type != null ? type : lambda ? "Lambda.Unknown" : ErrorNames.TASK_FAILED, cause);
        }
        return a;
    }

    private static StatesException transportError(Outbound.Failure f, String kind, Answer failed, String target,
                                                  boolean lambda) {
        String message = f.getMessage();
        String name;
        if ("status".equals(kind) && failed != null) {
            name = failed.status() == 429 ? "Lambda.TooManyRequestsException" : "Lambda.ServiceException";
            message = (failed.status() == 429 ? "Rate Exceeded." : "The function's endpoint is unavailable.")
                    + " (Service: AWSLambda; Status Code: " + failed.status() + "; Error Code: "
                    + name.substring("Lambda.".length()) + "; Function: " + target + ")";
        } else if ("timeout".equals(kind) || message.startsWith("Timed out")) {
            name = "Lambda.ClientExecutionTimeoutException";
            message = "Client execution did not complete before the specified timeout configuration: " + message;
        } else if ("connection".equals(kind)) {
            name = "Lambda.SdkClientException";
        } else if (message.startsWith("Bulkhead")) {
            name = "Lambda.TooManyRequestsException";
            message = "Rate Exceeded: " + message;
        } else {
            name = "Lambda.ServiceException";
        }
        return new StatesException(lambda ? name : ErrorNames.TASK_FAILED, message);
    }

    private static boolean isFunctionError(Answer a) {
        if (a.functionError() != null || a.status() / 100 != 2) {
            return true;
        }
        return errorType(a.payload()) != null;
    }

    /** The {@code errorType} of an answer that is nothing but a Lambda error object; null otherwise. */
    private static String errorType(JsonNode payload) {
        if (payload == null || !payload.isObject() || !payload.path("errorType").isTextual()) {
            return null;
        }
        for (var it = payload.fieldNames(); it.hasNext(); ) {
            if (!ERROR_FIELDS.contains(it.next())) {
                return null;
            }
        }
        String t = payload.get("errorType").textValue();
        return t.isBlank() ? null : t;
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return JsonNodeFactory.instance.nullNode();
        }
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            return n == null ? JsonNodeFactory.instance.nullNode() : n;
        } catch (IOException e) {
            return JsonNodeFactory.instance.textNode(body);
        }
    }

    private Outbound outbound() {
        try {
            return outbound.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StatesException(ErrorNames.TASK_FAILED, "Interrupted while the server was starting");
        } catch (ExecutionException | TimeoutException e) {
            throw new StatesException(ErrorNames.TASK_FAILED, "The server's outbound calls are not ready yet");
        }
    }

    /** The dependency an endpoint's breaker and bulkhead are kept for: its host and port. */
    static String dependency(URI url) {
        int port = url.getPort() > 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
        return url.getHost() + ":" + port;
    }
}
