package dev.setlist.server.sfn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.ErrorNames;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.flows.guard.Outbound;
import dev.setlist.server.events.Connections;
import dev.setlist.server.http.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The HTTP Task, {@code arn:aws:states:::http:invoke}: calls an HTTP API with an EventBridge
 * connection's authorization, as Step Functions does.
 * <ul>
 * <li>Parameters: {@code ApiEndpoint}, {@code Method}, {@code Authentication.ConnectionArn}
 * (all required), {@code Headers}, {@code QueryParameters}, {@code RequestBody} and
 * {@code Transform} ({@code RequestBodyEncoding} NONE or URL_ENCODED,
 * {@code RequestEncodingOptions.ArrayFormat} INDICES (default), REPEAT, COMMAS or BRACKETS).</li>
 * <li>The connection's authorization and its {@code InvocationHttpParameters} join the request;
 * where a header, query parameter or body key is given by both, the connection's value wins.</li>
 * <li>The result is {@code {ResponseBody, StatusCode, StatusText, Headers}} (a JSON body parsed,
 * any other as text; each header a list of values). A status other than 2xx fails the task with
 * {@code States.Http.StatusCode.<code>}, the cause that result as JSON text; a call that gets no
 * answer (connection refused, timeout, an open breaker) fails with {@code States.Http.Socket}.</li>
 * </ul>
 * Every call goes through the outbound wrapper (one attempt under the endpoint host's breaker and
 * bulkhead; the state's {@code Retry} retries). Secrets stay out of the task's input and result.
 */
public final class HttpInvoke {
    public static final String RESOURCE = "arn:aws:states:::http:invoke";
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD");
    private static final List<String> ARRAY_FORMATS = List.of("INDICES", "REPEAT", "COMMAS", "BRACKETS");
    /** Headers the task may not set: the HTTP machinery sets them. */
    private static final Set<String> RESERVED = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "te", "trailer", "keep-alive", "proxy-connection");
    /** Step Functions waits at most 60 seconds for an HTTP answer. */
    static final Duration MAX_WAIT = Duration.ofSeconds(60);

    private final CompletableFuture<Bound> bound = new CompletableFuture<>();

    private record Bound(Connections connections, String region) {}

    /** Supplies the connections once the server has them (tasks invoked before wait for them). */
    public void bind(Connections connections, String region) {
        bound.complete(new Bound(connections, region));
    }

    public JsonNode invoke(TaskInvoker.Request request) {
        JsonNode p = request.input();
        if (p == null || !p.isObject()) {
            throw bad("The Parameters of http:invoke must be an object with ApiEndpoint, Method and Authentication");
        }
        String endpoint = text(p, "ApiEndpoint", true);
        URI base;
        try {
            base = URI.create(endpoint);
            if (base.getHost() == null || !(endpoint.startsWith("https://") || endpoint.startsWith("http://"))) {
                throw new IllegalArgumentException("not an http(s) URL with a host");
            }
        } catch (IllegalArgumentException e) {
            throw bad("The ApiEndpoint '" + endpoint + "' is not an http(s) URL: " + e.getMessage());
        }
        String method = text(p, "Method", true).toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            throw bad("The Method '" + method + "' is not one of " + METHODS);
        }
        JsonNode authentication = p.get("Authentication");
        if (authentication == null || !authentication.isObject()) {
            throw bad("The Parameters of http:invoke need Authentication.ConnectionArn: an HTTP Task authorizes with an"
                    + " EventBridge connection");
        }
        String connectionArn = text(authentication, "ConnectionArn", true);
        String encoding = "NONE";
        String arrayFormat = "INDICES";
        JsonNode transform = p.get("Transform");
        if (transform != null && !transform.isNull()) {
            if (!transform.isObject()) {
                throw bad("Transform must be an object");
            }
            String e = text(transform, "RequestBodyEncoding", false);
            if (e != null) {
                if (!List.of("NONE", "URL_ENCODED").contains(e)) {
                    throw bad("Transform.RequestBodyEncoding must be NONE or URL_ENCODED, was '" + e + "'");
                }
                encoding = e;
            }
            JsonNode options = transform.get("RequestEncodingOptions");
            if (options != null && !options.isNull()) {
                String f = text(options, "ArrayFormat", false);
                if (f != null) {
                    if (!ARRAY_FORMATS.contains(f)) {
                        throw bad("Transform.RequestEncodingOptions.ArrayFormat must be one of " + ARRAY_FORMATS
                                + ", was '" + f + "'");
                    }
                    arrayFormat = f;
                }
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode h = p.get("Headers");
        if (h != null && !h.isNull()) {
            if (!h.isObject()) {
                throw bad("Headers must be an object of header names and values");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (RESERVED.contains(e.getKey().toLowerCase(Locale.ROOT))) {
                    throw bad("The header '" + e.getKey() + "' cannot be set by an HTTP Task");
                }
                if (e.getValue().isContainerNode()) {
                    throw bad("The header '" + e.getKey() + "' must have a string value");
                }
                Connections.putCaseInsensitive(headers, e.getKey(), e.getValue().asText());
            }
        }
        List<String[]> query = new ArrayList<>();
        JsonNode q = p.get("QueryParameters");
        if (q != null && !q.isNull()) {
            if (!q.isObject()) {
                throw bad("QueryParameters must be an object of names and values");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = q.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isArray()) {
                    for (JsonNode v : e.getValue()) {
                        query.add(new String[] {e.getKey(), v.asText()});
                    }
                } else if (e.getValue().isObject()) {
                    throw bad("The query parameter '" + e.getKey() + "' must be a string or a list of strings");
                } else {
                    query.add(new String[] {e.getKey(), e.getValue().asText()});
                }
            }
        }
        JsonNode body = p.get("RequestBody");

        Bound b = bound();
        Connections.Auth auth;
        try {
            auth = b.connections().authorize(connectionArn);
        } catch (Connections.Unusable e) {
            throw new StatesException(ErrorNames.TASK_FAILED, e.getMessage());
        }
        // The connection's values win over the task's.
        auth.headers().forEach((k, v) -> Connections.putCaseInsensitive(headers, k, v));
        auth.query().forEach((k, v) -> {
            query.removeIf(e -> e[0].equals(k));
            query.add(new String[] {k, v});
        });
        if (!auth.body().isEmpty() && (body == null || body.isNull() || body.isObject())) {
            ObjectNode merged = body == null || body.isNull() ? Json.object() : ((ObjectNode) body).deepCopy();
            auth.body().forEach(merged::put);
            body = merged;
        }
        String payload = null;
        String contentType = null;
        if (body != null && !body.isNull()) {
            if (encoding.equals("URL_ENCODED")) {
                if (!body.isObject()) {
                    throw bad("A URL_ENCODED RequestBody must be an object, was " + body.getNodeType().name()
                            .toLowerCase(Locale.ROOT));
                }
                StringBuilder form = new StringBuilder();
                encode(form, null, body, arrayFormat);
                payload = form.toString();
                contentType = "application/x-www-form-urlencoded";
            } else if (body.isTextual()) {
                payload = body.textValue();
                contentType = "text/plain; charset=UTF-8";
            } else {
                payload = Json.text(body);
                contentType = "application/json; charset=UTF-8";
            }
        }
        StringBuilder url = new StringBuilder(endpoint);
        char sep = endpoint.contains("?") ? '&' : '?';
        for (String[] e : query) {
            url.append(sep).append(form(e[0])).append('=').append(form(e[1]));
            sep = '&';
        }
        URI uri;
        try {
            uri = URI.create(url.toString());
        } catch (IllegalArgumentException e) {
            throw bad("The ApiEndpoint with its QueryParameters is not a valid URL: " + e.getMessage());
        }
        Duration timeout = MAX_WAIT;
        if (request.deadline() != null) {
            Duration left = Duration.between(Instant.now(), request.deadline());
            if (left.compareTo(timeout) < 0) {
                timeout = left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left;
            }
        }
        HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("User-Agent", "Amazon|StepFunctions|HttpInvoke|" + b.region());
        if (contentType != null && headers.keySet().stream().noneMatch(k -> k.equalsIgnoreCase("Content-Type"))) {
            r.header("Content-Type", contentType);
        }
        headers.forEach(r::setHeader);
        r.method(method, payload == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(payload));
        HttpRequest built;
        try {
            built = r.build();
        } catch (IllegalArgumentException e) {
            throw bad("The request cannot be sent: " + e.getMessage());
        }
        AtomicReference<HttpResponse<String>> answered = new AtomicReference<>();
        try {
            b.connections().outbound().call(Connections.dependency(uri), new Outbound.Policy(timeout, 1, Duration.ZERO,
                    Duration.ZERO), () -> {
                HttpResponse<String> response;
                try {
                    response = b.connections().http().send(built, HttpResponse.BodyHandlers.ofString());
                } catch (java.io.IOException e) {
                    throw new Outbound.Failure("The HTTP request to " + uri.getHost() + " failed: " + e, true);
                }
                answered.set(response);
                int status = response.statusCode();
                if (status >= 500 || status == 429) {
                    // Counted against the endpoint's breaker; the answer is still the task's.
                    throw new Outbound.Failure("HTTP " + status, true);
                }
                return null;
            });
        } catch (Outbound.Failure f) {
            if (answered.get() == null) {
                throw new StatesException("States.Http.Socket", f.getMessage());
            }
        }
        HttpResponse<String> response = answered.get();
        ObjectNode result = result(response);
        int status = response.statusCode();
        if (status == 401) {
            b.connections().refused(connectionArn);
        }
        if (status / 100 != 2) {
            throw new StatesException("States.Http.StatusCode." + status, Json.text(result));
        }
        return result;
    }

    private static ObjectNode result(HttpResponse<String> response) {
        ObjectNode out = Json.object();
        ObjectNode headers = Json.object();
        response.headers().map().forEach((k, values) -> {
            if (!k.startsWith(":")) {
                ArrayNode list = headers.putArray(k.toLowerCase(Locale.ROOT));
                values.forEach(list::add);
            }
        });
        String text = response.body() == null ? "" : response.body();
        String type = response.headers().firstValue("content-type").orElse("").toLowerCase(Locale.ROOT);
        JsonNode body = null;
        if (type.contains("json") && !text.isBlank()) {
            try {
                body = Json.MAPPER.readTree(text);
            } catch (java.io.IOException e) {
                // not JSON after all: the text
            }
        }
        out.set("ResponseBody", body != null ? body : Json.MAPPER.getNodeFactory().textNode(text));
        out.put("StatusCode", response.statusCode());
        out.put("StatusText", statusText(response.statusCode()));
        out.set("Headers", headers);
        return out;
    }

    /** The form encoding of a JSON object: nested objects as {@code a[b]=v}, arrays as the format says. */
    static void encode(StringBuilder out, String prefix, JsonNode n, String arrayFormat) {
        if (n.isObject()) {
            n.fields().forEachRemaining(e -> encode(out, prefix == null ? e.getKey() : prefix + "[" + e.getKey() + "]",
                    e.getValue(), arrayFormat));
        } else if (n.isArray()) {
            if (arrayFormat.equals("COMMAS")) {
                List<String> values = new ArrayList<>();
                n.forEach(v -> values.add(v.isContainerNode() ? Json.text(v) : v.asText()));
                pair(out, prefix, String.join(",", values));
                return;
            }
            for (int i = 0; i < n.size(); i++) {
                String key = switch (arrayFormat) {
                    case "REPEAT" -> prefix;
                    case "BRACKETS" -> prefix + "[]";
                    default -> prefix + "[" + i + "]";
                };
                encode(out, key, n.get(i), arrayFormat);
            }
        } else {
            pair(out, prefix, n.isNull() ? "" : n.asText());
        }
    }

    private static void pair(StringBuilder out, String key, String value) {
        if (!out.isEmpty()) {
            out.append('&');
        }
        out.append(form(key).replace("%5B", "[").replace("%5D", "]")).append('=').append(form(value));
    }

    private static String form(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String text(JsonNode o, String field, boolean required) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw bad("The Parameters of http:invoke need " + field);
            }
            return null;
        }
        if (!v.isTextual()) {
            throw bad(field + " must be a string, was " + v.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        return v.textValue();
    }

    private static StatesException bad(String message) {
        return new StatesException(ErrorNames.RUNTIME, message);
    }

    private Bound bound() {
        try {
            return bound.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StatesException(ErrorNames.TASK_FAILED, "Interrupted while the server was starting");
        } catch (ExecutionException | TimeoutException e) {
            throw new StatesException(ErrorNames.TASK_FAILED, "The server's HTTP Task is not ready yet");
        }
    }

    static String statusText(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 203 -> "Non-Authoritative Information";
            case 204 -> "No Content";
            case 206 -> "Partial Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 304 -> "Not Modified";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 402 -> "Payment Required";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 410 -> "Gone";
            case 412 -> "Precondition Failed";
            case 413 -> "Payload Too Large";
            case 415 -> "Unsupported Media Type";
            case 422 -> "Unprocessable Entity";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "";
        };
    }
}
