package dev.setlist.server.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.events.Target;
import dev.setlist.events.TargetSender;
import dev.setlist.events.internal.HttpTargetSender;
import dev.setlist.flows.guard.Outbound;
import dev.setlist.server.http.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Delivers events to API destinations: the event (or what the target's input shaping made of it)
 * goes to the destination's endpoint with its HTTP method and its connection's authorization, at
 * most {@code InvocationRateLimitPerSecond} per second on this node, through the outbound
 * wrapper (one attempt; the bus retries durably and dead-letters). As EventBridge does, 401, 407,
 * 409, 429 and 5xx answers and network errors are retried, other statuses refuse the event for
 * good. Any other target (an http(s) URL) goes to {@code fallback}.
 */
public final class ApiDestinationSender implements TargetSender {
    /** EventBridge gives an API destination 5 seconds to answer. */
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** A delivery waits at most this long for its turn under the rate limit, else it is retried later. */
    static final long MAX_WAIT_NANOS = Duration.ofSeconds(1).toNanos();

    private final Connections connections;
    private final TargetSender fallback;
    private final Outbound.Policy policy = new Outbound.Policy(TIMEOUT, 1, Duration.ZERO, Duration.ZERO);
    private final Map<String, long[]> nextSlot = new ConcurrentHashMap<>();

    public ApiDestinationSender(Connections connections, TargetSender fallback) {
        this.connections = connections;
        this.fallback = fallback;
    }

    @Override
    public void send(String targetArn, String payload, String traceHeader) throws Failure {
        send(targetArn, payload, traceHeader, null);
    }

    /**
     * The target's {@code HttpParameters} fill the endpoint's {@code *} wildcards in order and add
     * headers and query string parameters; the connection's own parameters win over them.
     */
    @Override
    public void send(String targetArn, String payload, String traceHeader, Target.HttpParameters http) throws Failure {
        if (!connections.isDestinationArn(targetArn)) {
            fallback.send(targetArn, payload, traceHeader, http);
            return;
        }
        Connections.Destination d = connections.destinationByArn(targetArn);
        if (d == null) {
            throw new Failure("The api-destination " + targetArn + " does not exist", false);
        }
        Target.HttpParameters params = http == null ? new Target.HttpParameters(null, null, null) : http;
        String endpoint;
        try {
            endpoint = HttpTargetSender.withPath(d.endpoint(), params.pathParameterValues());
        } catch (Failure f) {
            throw new Failure("The api-destination " + d.name() + ": " + f.getMessage(), false);
        }
        Connections.Auth auth;
        try {
            auth = connections.authorize(d.connectionArn());
        } catch (Connections.Unusable e) {
            throw new Failure(e.getMessage(), true);
        }
        pace(d);
        Map<String, String> query = new LinkedHashMap<>(params.queryStringParameters());
        query.putAll(auth.query());
        URI uri = URI.create(withQuery(endpoint, query));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT);
        HttpTargetSender.headers(request, params.headerParameters());
        request.setHeader("Content-Type", "application/json; charset=utf-8")
                .setHeader("User-Agent", "Amazon/EventBridge/ApiDestinations");
        if (traceHeader != null) {
            request.setHeader("traceparent", traceHeader);
        }
        auth.headers().forEach(request::setHeader);
        boolean withBody = !d.method().equals("GET") && !d.method().equals("HEAD");
        request.method(d.method(), withBody ? HttpRequest.BodyPublishers.ofString(body(payload, auth.body()))
                : HttpRequest.BodyPublishers.noBody());
        try {
            connections.outbound().call(Connections.dependency(uri), policy, () -> {
                HttpResponse<Void> response;
                try {
                    response = connections.http().send(request.build(), HttpResponse.BodyHandlers.discarding());
                } catch (java.io.IOException e) {
                    throw new Outbound.Failure("HTTP request to the api-destination " + d.name() + " failed: " + e, true);
                }
                int status = response.statusCode();
                if (status / 100 == 2) {
                    return null;
                }
                if (status == 401) {
                    connections.refused(d.connectionArn());
                }
                throw new Outbound.Failure("HTTP " + status + " from the api-destination " + d.name(), status == 401
                        || status == 407 || status == 409 || status == 429 || status >= 500);
            });
        } catch (Outbound.Failure f) {
            throw new Failure(f.getMessage(), f.retriable());
        }
    }

    /** The connection's body parameters join a JSON object payload (the connection's values win). */
    private static String body(String payload, Map<String, String> parameters) {
        if (parameters.isEmpty()) {
            return payload;
        }
        try {
            JsonNode n = Json.MAPPER.readTree(payload);
            if (n instanceof ObjectNode o) {
                parameters.forEach(o::put);
                return Json.text(o);
            }
        } catch (java.io.IOException e) {
            // not JSON: sent as it is
        }
        return payload;
    }

    static String withQuery(String endpoint, Map<String, String> query) {
        if (query.isEmpty()) {
            return endpoint;
        }
        StringBuilder url = new StringBuilder(endpoint);
        char sep = endpoint.contains("?") ? '&' : '?';
        for (Map.Entry<String, String> e : new LinkedHashMap<>(query).entrySet()) {
            url.append(sep).append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            sep = '&';
        }
        return url.toString();
    }

    /**
     * Waits for this delivery's turn: deliveries to one destination are spaced {@code 1 / rate}
     * seconds apart. A turn more than a second away is not waited for: the delivery fails
     * (retriable) and the bus tries it again after its back-off.
     */
    private void pace(Connections.Destination d) throws Failure {
        long interval = 1_000_000_000L / Math.max(1, d.rate());
        long[] slot = nextSlot.computeIfAbsent(d.arn(), k -> new long[] {Long.MIN_VALUE});
        long wait;
        synchronized (slot) {
            long now = System.nanoTime();
            long at = slot[0] == Long.MIN_VALUE || slot[0] - now < 0 ? now : slot[0];
            wait = at - now;
            if (wait > MAX_WAIT_NANOS) {
                throw new Failure("The api-destination " + d.name() + " is at its InvocationRateLimitPerSecond ("
                        + d.rate() + ")", true);
            }
            slot[0] = at + interval;
        }
        if (wait > 0) {
            try {
                Thread.sleep(Duration.ofNanos(wait));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Failure("interrupted", true);
            }
        }
    }
}
