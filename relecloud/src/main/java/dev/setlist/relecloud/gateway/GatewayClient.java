package dev.setlist.relecloud.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.StatesException;
import dev.setlist.server.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Relecloud's client of the payment gateway: a timeout per call, a few retries with capped
 * exponential back-off and full jitter for 5xx answers and network errors (safe: every write
 * carries an idempotency key), and a circuit breaker that fails fast for a while after a run of
 * failures instead of piling calls onto a gateway that is down. Failures become the errors the
 * purchase state machine matches on: {@code Payment.Declined}, {@code Payment.GatewayUnavailable},
 * {@code Payment.Rejected}. Thread safe.
 */
public final class GatewayClient {
    public static final String DECLINED = "Payment.Declined";
    public static final String UNAVAILABLE = "Payment.GatewayUnavailable";
    public static final String REJECTED = "Payment.Rejected";

    /** Timeouts, retries and the breaker's thresholds. */
    public record Settings(Duration timeout, int attempts, Duration backoff, int breakerThreshold, Duration breakerOpen) {
        public static final Settings DEFAULT = new Settings(Duration.ofSeconds(2), 3, Duration.ofMillis(100), 5,
                Duration.ofSeconds(5));
    }

    private final URI base;
    private final Settings settings;
    private final HttpClient http;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private volatile long openUntilNanos;

    public GatewayClient(URI base, Settings settings) {
        this.base = base;
        this.settings = settings;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(settings.timeout()).build();
    }

    public URI base() {
        return base;
    }

    /** Authorizes {@code amountCents}; the result holds the authorization's {@code id}. */
    public JsonNode authorize(String key, String reference, long amountCents, String currency, String card) {
        ObjectNode body = Json.object().put("amountCents", amountCents).put("currency", currency).put("card", card)
                .put("reference", reference);
        return call("POST", "/v1/authorizations", key, body);
    }

    public JsonNode capture(String key, String authorizationId, long amountCents) {
        return call("POST", "/v1/authorizations/" + authorizationId + "/capture", key,
                Json.object().put("amountCents", amountCents));
    }

    public JsonNode voidAuthorization(String key, String authorizationId) {
        return call("POST", "/v1/authorizations/" + authorizationId + "/void", key, Json.object());
    }

    /** Every authorization the gateway made for {@code reference} (a purchase id). */
    public List<JsonNode> byReference(String reference) {
        JsonNode out = call("GET", "/v1/authorizations?reference=" + reference, null, null);
        List<JsonNode> items = new ArrayList<>();
        out.path("items").forEach(items::add);
        return items;
    }

    /** The gateway's behaviour (the simulator's admin endpoint). */
    public JsonNode behaviour() {
        return call("GET", "/admin/behaviour", null, null);
    }

    /** Changes the simulator's behaviour; a 400 of the gateway comes back as {@code Payment.Rejected}. */
    public JsonNode behaviour(JsonNode change) {
        return call("PUT", "/admin/behaviour", null, change);
    }

    private JsonNode call(String method, String path, String key, JsonNode body) {
        if (System.nanoTime() < openUntilNanos) {
            throw new StatesException(UNAVAILABLE, "The payment gateway failed repeatedly; calls are paused for a moment"
                    + " (circuit open)");
        }
        String last = null;
        for (int attempt = 1; attempt <= settings.attempts(); attempt++) {
            if (attempt > 1) {
                long cap = settings.backoff().toMillis() << Math.min(attempt - 2, 10);
                sleep(ThreadLocalRandom.current().nextLong(cap + 1));
            }
            HttpRequest.Builder r = HttpRequest.newBuilder(base.resolve(path)).timeout(settings.timeout())
                    .header("Content-Type", "application/json");
            if (key != null) {
                r.header("Idempotency-Key", key);
            }
            r.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)));
            try {
                HttpResponse<String> response = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status >= 500) {
                    last = "HTTP " + status + " " + message(response.body());
                    continue;
                }
                consecutiveFailures.set(0);
                JsonNode answer = parse(response.body());
                if (status == 402) {
                    throw new StatesException(DECLINED, "The card was declined by the payment gateway");
                }
                if (status >= 400) {
                    throw new StatesException(REJECTED, "The payment gateway refused " + method + " " + path + ": HTTP "
                            + status + " " + message(response.body()));
                }
                return answer;
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StatesException(UNAVAILABLE, "Interrupted while calling the payment gateway");
            }
        }
        if (consecutiveFailures.incrementAndGet() >= settings.breakerThreshold()) {
            openUntilNanos = System.nanoTime() + settings.breakerOpen().toNanos();
            consecutiveFailures.set(0);
        }
        throw new StatesException(UNAVAILABLE, "The payment gateway did not answer " + method + " " + path + " after "
                + settings.attempts() + " attempts (last: " + last + ")");
    }

    private static JsonNode parse(String body) {
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            return n == null ? Json.object() : n;
        } catch (IOException e) {
            return Json.object();
        }
    }

    private static String message(String body) {
        JsonNode n = parse(body);
        return n.path("message").asText(n.path("error").asText(""));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
