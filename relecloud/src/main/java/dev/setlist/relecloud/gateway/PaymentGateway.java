package dev.setlist.relecloud.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.setlist.server.http.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;

/**
 * A simulated card payment gateway with its own HTTP server: card tokenization (a card number and
 * expiry become an opaque token, the only thing its clients keep), authorize (by token), capture
 * and void, each idempotent by its {@code Idempotency-Key} header, and consistent (capture at most the authorized
 * amount, once; void only what is not captured). It fails the way real ones do, as its
 * {@link Behaviour} says: a share of requests answered 503 (half of them after the work was done,
 * as when a response is lost), outage windows, a log-normal latency, and declines (the failures hit
 * the payment calls; the card vault only shares the latency). The behaviour
 * changes at run time through {@code PUT /admin/behaviour}. State is kept in memory: it is an
 * external system, not part of Relecloud.
 */
public final class PaymentGateway implements AutoCloseable {
    /** Card numbers with this prefix are always declined. */
    public static final String DECLINED_CARD = "4000000000000002";
    private static final int MAX_BODY = 16 * 1024;

    /** An outage window: every request between start and end is answered 503. */
    public record Outage(Instant start, Instant end) {}

    /**
     * How the gateway behaves: the share of requests that fail with 503, the share of
     * authorizations declined, the latency's median and 99th percentile, outage windows, and
     * {@code down} (an outage until switched off).
     */
    public record Behaviour(double failureRate, double declineRate, long medianMs, long p99Ms, List<Outage> outages,
                            boolean down) {
        public static final Behaviour RELIABLE = new Behaviour(0, 0, 0, 0, List.of(), false);

        public Behaviour {
            outages = List.copyOf(outages);
        }

        ObjectNode json() {
            ObjectNode o = Json.object().put("failureRate", failureRate).put("declineRate", declineRate).put("down", down);
            o.putObject("latencyMs").put("median", medianMs).put("p99", p99Ms);
            ArrayNode a = o.putArray("outages");
            outages.forEach(w -> a.addObject().put("start", w.start().toString()).put("end", w.end().toString()));
            return o;
        }
    }

    private record Answer(int status, String body) {}

    private static final class Authorization {
        final String id;
        final String reference;
        final long amountCents;
        final String currency;
        String status = "AUTHORIZED";
        long capturedCents;

        Authorization(String id, String reference, long amountCents, String currency) {
            this.id = id;
            this.reference = reference;
            this.amountCents = amountCents;
            this.currency = currency;
        }

        ObjectNode json() {
            return Json.object().put("id", id).put("reference", reference).put("amountCents", amountCents)
                    .put("currency", currency).put("status", status).put("capturedCents", capturedCents);
        }
    }

    /** A tokenized card: only the gateway holds the number. */
    private record Vaulted(String number, String expiry) {}

    private final HttpServer http;
    private final Random random;
    private final java.security.SecureRandom tokens = new java.security.SecureRandom();
    private final byte[] fingerprintKey = new byte[32];
    private final Map<String, Authorization> authorizations = new LinkedHashMap<>();
    private final Map<String, Vaulted> vault = new HashMap<>();
    private final Map<String, Answer> answered = new HashMap<>();
    private volatile Behaviour behaviour = Behaviour.RELIABLE;
    private long nextId = 1;

    private PaymentGateway(HttpServer http, long seed) {
        this.http = http;
        this.random = new Random(seed);
        tokens.nextBytes(fingerprintKey);
    }

    /** Starts a gateway on {@code port} (0 for a free one) of the loopback interface. */
    public static PaymentGateway start(int port, long seed) {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
            PaymentGateway g = new PaymentGateway(http, seed);
            http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            http.createContext("/", g::handle);
            http.start();
            return g;
        } catch (IOException e) {
            throw new IllegalStateException("The payment gateway cannot listen on port " + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return http.getAddress().getPort();
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    public Behaviour behaviour() {
        return behaviour;
    }

    public void behaviour(Behaviour b) {
        this.behaviour = b;
    }

    /** Authorizations as the gateway holds them (for tests and the proving ground's invariants). */
    public synchronized List<JsonNode> authorizations() {
        List<JsonNode> out = new ArrayList<>();
        authorizations.values().forEach(a -> out.add(a.json()));
        return out;
    }

    /** How many cards were tokenized (for tests: a refused request tokenizes nothing). */
    public synchronized int tokenCount() {
        return vault.size();
    }

    @Override
    public void close() {
        http.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            Answer a;
            try {
                a = route(x);
            } catch (BadRequest e) {
                a = error(400, "invalid_request", e.getMessage());
            }
            byte[] body = a.body().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", "application/json");
            x.sendResponseHeaders(a.status(), body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    private Answer route(HttpExchange x) throws IOException {
        String method = x.getRequestMethod();
        String path = x.getRequestURI().getPath();
        byte[] raw = read(x.getRequestBody());
        if (path.equals("/admin/behaviour")) {
            if (method.equals("PUT")) {
                behaviour = parseBehaviour(object(raw), behaviour);
            } else if (!method.equals("GET")) {
                return error(405, "method_not_allowed", method + " " + path);
            }
            return new Answer(200, behaviour.json().toString());
        }
        if (!path.startsWith("/v1/authorizations") && !path.equals("/v1/tokens")) {
            return error(404, "not_found", "No resource at " + path);
        }
        sleep(latency());
        if (path.equals("/v1/tokens")) {
            // The card vault is a service of its own: the injected failures are the payment network's.
            return serve(method, path, x.getRequestHeaders().getFirst("Idempotency-Key"), x.getRequestURI().getQuery(), raw);
        }
        if (unavailable()) {
            return error(503, "unavailable", "The gateway is unavailable; retry later");
        }
        boolean loseAnswer = random() < behaviour.failureRate() / 2;
        if (!loseAnswer && random() < behaviour.failureRate() / 2) {
            return error(503, "unavailable", "The gateway is overloaded; retry later");
        }
        Answer a = serve(method, path, x.getRequestHeaders().getFirst("Idempotency-Key"), x.getRequestURI().getQuery(), raw);
        return loseAnswer ? error(503, "unavailable", "The gateway timed out upstream; retry later") : a;
    }

    private synchronized Answer serve(String method, String path, String key, String query, byte[] raw) {
        String[] parts = path.split("/");
        boolean tokenize = parts[2].equals("tokens");
        // /v1/authorizations[/id[/capture|/void]], /v1/tokens
        if (parts.length == 3 && method.equals("GET") && !tokenize) {
            String reference = query != null && query.startsWith("reference=") ? query.substring(10) : null;
            ArrayNode items = Json.array();
            authorizations.values().stream().filter(a -> reference == null || a.reference.equals(reference))
                    .forEach(a -> items.add(a.json()));
            ObjectNode out = Json.object();
            out.set("items", items);
            return new Answer(200, out.toString());
        }
        if (parts.length == 4 && method.equals("GET")) {
            Authorization a = authorizations.get(parts[3]);
            return a == null ? error(404, "not_found", "No authorization " + parts[3]) : new Answer(200, a.json().toString());
        }
        if (!method.equals("POST")) {
            return error(405, "method_not_allowed", method + " " + path);
        }
        if (key == null || key.isBlank() || key.length() > 200) {
            return error(400, "invalid_request", "An Idempotency-Key header (1-200 characters) is required");
        }
        String scope = path + " " + key;
        Answer seen = answered.get(scope);
        if (seen != null) {
            return seen;
        }
        Answer a;
        if (tokenize) {
            a = tokenize(object(raw));
        } else if (parts.length == 3) {
            a = authorize(object(raw));
        } else if (parts.length == 5 && parts[4].equals("capture")) {
            a = capture(parts[3], object(raw));
        } else if (parts.length == 5 && parts[4].equals("void")) {
            a = voidAuthorization(parts[3]);
        } else {
            return error(404, "not_found", "No resource at " + path);
        }
        if (a.status() < 500) {
            answered.put(scope, a);
        }
        return a;
    }

    /**
     * Keeps a card and answers its token, last four digits, brand and fingerprint (the same for
     * the same number at this gateway, a keyed hash: it tells two cards apart without revealing
     * either). Error messages never repeat the number.
     */
    private Answer tokenize(JsonNode body) {
        String number = body.path("number").isTextual() ? body.path("number").textValue() : "";
        if (!Cards.wellFormed(number)) {
            throw new BadRequest("number must be 12 to 19 digits");
        }
        if (!Cards.luhn(number)) {
            throw new BadRequest("number fails the Luhn check");
        }
        String expiry = body.path("expiry").asText("");
        if (Cards.expiry(expiry) == null) {
            throw new BadRequest("expiry must be MM/YY or MM/YYYY");
        }
        byte[] t = new byte[18];
        tokens.nextBytes(t);
        String token = "tok_" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(t);
        vault.put(token, new Vaulted(number, expiry));
        return new Answer(201, Json.object().put("token", token).put("last4", Cards.last4(number))
                .put("brand", Cards.brand(number)).put("expiry", expiry).put("fingerprint", fingerprint(number))
                .toString());
    }

    private String fingerprint(String number) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(fingerprintKey, "HmacSHA256"));
            byte[] h = mac.doFinal(number.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return "fp_" + java.util.HexFormat.of().formatHex(h, 0, 16);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private Answer authorize(JsonNode body) {
        long amount = body.path("amountCents").asLong(-1);
        if (!body.path("amountCents").canConvertToLong() || amount <= 0) {
            throw new BadRequest("amountCents must be a positive integer");
        }
        String reference = body.path("reference").asText("");
        if (reference.isEmpty()) {
            throw new BadRequest("reference is required");
        }
        Vaulted card = vault.get(body.path("token").asText(""));
        if (card == null) {
            throw new BadRequest("token is not a card token of this gateway (tokenize the card with POST /v1/tokens)");
        }
        if (card.number().startsWith(DECLINED_CARD) || random() < behaviour.declineRate()) {
            return new Answer(402, Json.object().put("error", "card_declined").put("message", "The card was declined")
                    .toString());
        }
        Authorization a = new Authorization("auth_" + (nextId++), reference, amount, body.path("currency").asText("USD"));
        authorizations.put(a.id, a);
        return new Answer(201, a.json().toString());
    }

    private Answer capture(String id, JsonNode body) {
        Authorization a = authorizations.get(id);
        if (a == null) {
            return error(404, "not_found", "No authorization " + id);
        }
        long amount = body.path("amountCents").asLong(a.amountCents);
        if (!a.status.equals("AUTHORIZED")) {
            return error(409, "invalid_state", "The authorization is " + a.status);
        }
        if (amount <= 0 || amount > a.amountCents) {
            return error(409, "amount_exceeds_authorization", "Capture of " + amount + " is more than the authorized "
                    + a.amountCents);
        }
        a.status = "CAPTURED";
        a.capturedCents = amount;
        return new Answer(200, a.json().toString());
    }

    private Answer voidAuthorization(String id) {
        Authorization a = authorizations.get(id);
        if (a == null) {
            return error(404, "not_found", "No authorization " + id);
        }
        if (a.status.equals("CAPTURED")) {
            return error(409, "invalid_state", "The authorization is captured and cannot be voided");
        }
        a.status = "VOIDED";
        return new Answer(200, a.json().toString());
    }

    private boolean unavailable() {
        Behaviour b = behaviour;
        if (b.down()) {
            return true;
        }
        Instant now = Instant.now();
        return b.outages().stream().anyMatch(w -> !now.isBefore(w.start()) && now.isBefore(w.end()));
    }

    private long latency() {
        Behaviour b = behaviour;
        if (b.medianMs() <= 0) {
            return 0;
        }
        double sigma = b.p99Ms() > b.medianMs() ? Math.log((double) b.p99Ms() / b.medianMs()) / 2.326 : 0;
        double g;
        synchronized (random) {
            g = random.nextGaussian();
        }
        return Math.min(30_000, Math.round(b.medianMs() * Math.exp(sigma * g)));
    }

    private double random() {
        synchronized (random) {
            return random.nextDouble();
        }
    }

    private static void sleep(long ms) {
        if (ms > 0) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static byte[] read(InputStream in) throws IOException {
        byte[] b = in.readNBytes(MAX_BODY + 1);
        if (b.length > MAX_BODY) {
            throw new BadRequest("The body is larger than " + MAX_BODY + " bytes");
        }
        return b;
    }

    private static JsonNode object(byte[] raw) {
        if (raw.length == 0) {
            return Json.object();
        }
        try {
            JsonNode n = Json.MAPPER.readTree(raw);
            if (n == null || !n.isObject()) {
                throw new BadRequest("The body must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new BadRequest("The body is not valid JSON");
        }
    }

    /** Reads a behaviour change: the fields given replace those of {@code current}. */
    public static Behaviour parseBehaviour(JsonNode b, Behaviour current) {
        double failure = rate(b, "failureRate", current.failureRate());
        double decline = rate(b, "declineRate", current.declineRate());
        long median = current.medianMs();
        long p99 = current.p99Ms();
        JsonNode latency = b.get("latencyMs");
        if (latency != null && !latency.isNull()) {
            if (!latency.isObject()) {
                throw new BadRequest("latencyMs must be an object {\"median\": ms, \"p99\": ms}");
            }
            median = millis(latency, "median", median);
            p99 = millis(latency, "p99", Math.max(p99, median));
            if (p99 < median) {
                throw new BadRequest("latencyMs.p99 must not be below latencyMs.median");
            }
        }
        List<Outage> outages = current.outages();
        JsonNode o = b.get("outages");
        if (o != null && !o.isNull()) {
            if (!o.isArray() || o.size() > 100) {
                throw new BadRequest("outages must be an array of at most 100 {\"start\", \"end\"} windows");
            }
            outages = new ArrayList<>();
            for (JsonNode w : o) {
                Instant start = instant(w, "start");
                Instant end = instant(w, "end");
                if (!end.isAfter(start)) {
                    throw new BadRequest("An outage's end must be after its start");
                }
                outages.add(new Outage(start, end));
            }
        }
        boolean down = current.down();
        JsonNode d = b.get("down");
        if (d != null && !d.isNull()) {
            if (!d.isBoolean()) {
                throw new BadRequest("down must be true or false");
            }
            down = d.booleanValue();
        }
        return new Behaviour(failure, decline, median, p99, outages, down);
    }

    private static double rate(JsonNode b, String name, double dflt) {
        JsonNode n = b.get(name);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isNumber() || n.doubleValue() < 0 || n.doubleValue() > 1) {
            throw new BadRequest(name + " must be a number between 0 and 1");
        }
        return n.doubleValue();
    }

    private static long millis(JsonNode b, String name, long dflt) {
        JsonNode n = b.get(name);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.canConvertToLong() || !n.isIntegralNumber() || n.longValue() < 0 || n.longValue() > 30_000) {
            throw new BadRequest("latencyMs." + name + " must be an integer between 0 and 30000");
        }
        return n.longValue();
    }

    private static Instant instant(JsonNode w, String name) {
        JsonNode n = w.get(name);
        if (n == null || !n.isTextual()) {
            throw new BadRequest("An outage needs '" + name + "' as an ISO-8601 instant");
        }
        try {
            return Instant.parse(n.textValue());
        } catch (java.time.format.DateTimeParseException e) {
            throw new BadRequest("Outage " + name + " is not an ISO-8601 instant: " + n.textValue());
        }
    }

    private static Answer error(int status, String code, String message) {
        return new Answer(status, Json.object().put("error", code).put("message", message).toString());
    }

    /** The exception the admin parser throws for bad input; its message says what is wrong. */
    public static boolean isBadRequest(RuntimeException e) {
        return e instanceof BadRequest;
    }
}
