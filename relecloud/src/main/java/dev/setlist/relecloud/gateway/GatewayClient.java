package dev.setlist.relecloud.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.StatesException;
import dev.setlist.flows.guard.Outbound;
import dev.setlist.server.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Relecloud's client of the payment gateway. Every call goes out through a {@link Caller}, in the
 * server the traffic guard's outbound wrapper ({@code Guard.call("purchase-ticket", …)}): a timeout
 * per attempt, retries with capped exponential backoff and full jitter within the shared retry
 * budget, and the gateway's own circuit breaker and bulkhead, all visible under
 * {@code /api/v1/guard/outbound}. Retrying is safe: every write carries an idempotency key, one per
 * effect. Only 5xx answers and network errors are retried; a 402 (declined card) or another 4xx is
 * an answer, never retried. Failures become the errors the purchase state machine matches on:
 * {@code Payment.Declined}, {@code Payment.GatewayUnavailable}, {@code Payment.Rejected}.
 * Thread safe.
 */
public final class GatewayClient {
    public static final String DECLINED = "Payment.Declined";
    public static final String UNAVAILABLE = "Payment.GatewayUnavailable";
    public static final String REJECTED = "Payment.Rejected";

    /** Runs the attempts of one call to {@code dependency} under some resilience policy. */
    @FunctionalInterface
    public interface Caller {
        HttpResponse<String> call(String dependency, Outbound.Attempt<HttpResponse<String>> attempt)
                throws Outbound.Failure;
    }

    private final URI base;
    private final String dependency;
    private final Caller caller;
    private final HttpClient http;

    public GatewayClient(URI base, Caller caller) {
        this.base = base;
        this.dependency = "payment-gateway " + base.getHost() + ":" + base.getPort();
        this.caller = caller;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2))
                .build();
    }

    /** A client whose calls go through {@code outbound} under {@code policy} (outside a server). */
    public static GatewayClient of(URI base, Outbound outbound, Outbound.Policy policy) {
        return new GatewayClient(base, (dependency, attempt) -> outbound.call(dependency, policy, attempt));
    }

    public URI base() {
        return base;
    }

    /** The dependency's name in the outbound wrapper (its breaker and bulkhead). */
    public String dependency() {
        return dependency;
    }

    /**
     * Exchanges a card for the gateway's token: the result holds {@code token}, {@code last4},
     * {@code brand} and {@code fingerprint}. The number goes to the gateway only, never into an
     * error message.
     */
    public JsonNode tokenize(String number, String expiry) {
        ObjectNode body = Json.object().put("number", number).put("expiry", expiry);
        return call("POST", "/v1/tokens", "tok-" + java.util.UUID.randomUUID(), body);
    }

    /** Authorizes {@code amountCents} on a tokenized card; the result holds the authorization's {@code id}. */
    public JsonNode authorize(String key, String reference, long amountCents, String currency, String token) {
        ObjectNode body = Json.object().put("amountCents", amountCents).put("currency", currency).put("token", token)
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

    /**
     * Changes the simulator's behaviour. The change is checked here first (known fields only, the
     * values as the gateway reads them) so that a bad one is refused before anything is sent; a
     * refusal, here or by the gateway, comes back as {@code Payment.Rejected} ("HTTP 400 …").
     */
    public JsonNode behaviour(JsonNode change) {
        String bad = checkBehaviour(change);
        if (bad != null) {
            throw new StatesException(REJECTED, "The behaviour change was refused: HTTP 400 " + bad);
        }
        return call("PUT", "/admin/behaviour", null, change);
    }

    private static final java.util.Set<String> BEHAVIOUR = java.util.Set.of("failureRate", "declineRate", "latencyMs",
            "outages", "down");

    /** What is wrong with a behaviour change, or null. */
    static String checkBehaviour(JsonNode change) {
        if (change == null || !change.isObject()) {
            return "The body must be a JSON object";
        }
        for (var it = change.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!BEHAVIOUR.contains(f)) {
                return "Unknown field '" + (f.length() > 40 ? f.substring(0, 40) + "…" : f) + "' (known: "
                        + new java.util.TreeSet<>(BEHAVIOUR) + ")";
            }
        }
        JsonNode latency = change.get("latencyMs");
        if (latency != null && latency.isObject()) {
            for (var it = latency.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!f.equals("median") && !f.equals("p99")) {
                    return "Unknown field 'latencyMs." + (f.length() > 40 ? f.substring(0, 40) + "…" : f) + "'";
                }
            }
        }
        JsonNode outages = change.get("outages");
        if (outages != null && outages.isArray()) {
            for (JsonNode w : outages) {
                if (!w.isObject()) {
                    return "An outage must be an object {\"start\", \"end\"}";
                }
                for (var it = w.fieldNames(); it.hasNext(); ) {
                    String f = it.next();
                    if (!f.equals("start") && !f.equals("end")) {
                        return "Unknown field in an outage: '" + (f.length() > 40 ? f.substring(0, 40) + "…" : f) + "'";
                    }
                }
            }
        }
        try {
            PaymentGateway.parseBehaviour(change, PaymentGateway.Behaviour.RELIABLE);
        } catch (RuntimeException e) {
            if (PaymentGateway.isBadRequest(e)) {
                return e.getMessage();
            }
            throw e;
        }
        return null;
    }

    private JsonNode call(String method, String path, String key, JsonNode body) {
        HttpResponse<String> response;
        try {
            response = caller.call(dependency, () -> attempt(method, path, key, body));
        } catch (Outbound.Failure f) {
            String why = f.getMessage();
            if (why != null && why.startsWith("Circuit breaker")) {
                why += " (circuit open: the gateway failed repeatedly, calls are paused for a moment)";
            }
            throw new StatesException(UNAVAILABLE, "The payment gateway did not answer " + method + " " + path + ": "
                    + why);
        }
        int status = response.statusCode();
        if (status == 402) {
            throw new StatesException(DECLINED, "The card was declined by the payment gateway");
        }
        if (status >= 400) {
            throw new StatesException(REJECTED, "The payment gateway refused " + method + " " + path + ": HTTP "
                    + status + " " + message(response.body()));
        }
        return parse(response.body());
    }

    /** One attempt: an answer below 500 is the gateway's word; a 5xx or a network error may be retried. */
    private HttpResponse<String> attempt(String method, String path, String key, JsonNode body)
            throws Outbound.Failure, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json");
        if (key != null) {
            r.header("Idempotency-Key", key);
        }
        r.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)));
        HttpResponse<String> response;
        try {
            response = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Outbound.Failure(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": "
                    + e.getMessage()), true);
        }
        if (response.statusCode() >= 500) {
            throw new Outbound.Failure("HTTP " + response.statusCode() + " " + message(response.body()), true);
        }
        return response;
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
}
