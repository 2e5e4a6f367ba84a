package dev.setlist.relecloud.prove;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.relecloud.DemoData;
import dev.setlist.relecloud.gateway.PaymentGateway;
import dev.setlist.server.http.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mixed traffic over Relecloud's six flows, as call-center agents, planners, sign-ins, browsers
 * and a metrics scraper make it: each virtual user is a virtual thread that acts, thinks for a
 * moment and acts again, until {@link #stop}. Every request goes to the {@link Recorder} with its
 * flow and whether its outcome was right — refused calls must be refused, purchases are followed
 * to their final state, concert requests to theirs. Purchases acknowledged with a 2xx are kept for
 * the invariants.
 */
final class Traffic {
    static final String CREATE = "create-concerts";
    static final String SEARCH = "search-concerts";
    static final String LIST = "list-concerts";
    static final String PURCHASE = "purchase-ticket";
    static final String AUTH = "authentication";
    static final String TELEMETRY = "collect-telemetry";
    static final List<String> FLOWS = List.of(CREATE, SEARCH, LIST, PURCHASE, AUTH, TELEMETRY);
    /** Operations whose right outcome is a refusal. */
    static final Set<String> REFUSALS = Set.of("refused", "purchase-key-reuse");

    private static final String CARD = "4242424242424242";
    private static final Duration TRACK = Duration.ofSeconds(90);
    private static final String[] TERMS = {"rock", "jazz", "Lanterns", "Harbor*", "\"Midnight Echoes\"", "tour",
        "Seattle", "Night", "Indie", "Vega", "folk", "Proving", "blue", "electronic", "Pines"};
    private static final String[] GENRES = {"Rock", "Jazz", "Indie", "Folk", "Pop", "Latin"};
    private static final String[] SORTS = {"relevance", "date", "price", "-price", "title"};

    /** A purchase the server acknowledged with a 2xx: its key, the tickets asked for, every purchase id answered. */
    record Ack(String key, int tickets, Set<String> purchaseIds) {}

    private final Client client;
    private final Recorder rec;
    private final String runId;
    private final Map<String, Ack> acks = new ConcurrentHashMap<>();
    private final List<Long> concerts = new CopyOnWriteArrayList<>();
    private final List<Long> hot = new CopyOnWriteArrayList<>();
    private final List<Long> customers = new CopyOnWriteArrayList<>();
    private final AtomicLong counter = new AtomicLong();
    private final ExecutorService users = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Future<?>> running = new ArrayList<>();
    private volatile boolean stopping;

    Traffic(Client client, Recorder rec, String runId) {
        this.client = client;
        this.rec = rec;
        this.runId = runId;
    }

    Map<String, Ack> acks() {
        return acks;
    }

    /** Reads the concerts and customers the traffic uses. */
    void prepare() {
        Client.Session agent = session("ana");
        for (int page = 0; page < 5; page++) {
            Client.Answer a = client.get(agent, "/api/relecloud/concerts?size=100&page=" + page);
            if (!a.ok()) {
                throw new IllegalStateException("Listing the concerts failed: " + a.describe());
            }
            for (JsonNode c : a.json().path("items")) {
                concerts.add(c.path("id").asLong());
                if (c.path("capacity").asInt() <= 120) {
                    hot.add(c.path("id").asLong());
                }
            }
            if (a.json().path("items").size() < 100) {
                break;
            }
        }
        for (String email : List.of("kim.lee@", "raj.patel@", "maria.garcia@", "tom.okafor@", "yuki.tanaka@")) {
            Client.Answer c = client.get(agent, "/api/relecloud/customers?email=" + enc(email));
            c.json().path("items").forEach(x -> customers.add(x.path("id").asLong()));
        }
        if (concerts.isEmpty() || customers.isEmpty()) {
            throw new IllegalStateException("No concerts or customers to buy for");
        }
    }

    /** Starts the virtual users; {@code scale} multiplies their number (1 is the default mix). */
    void start(int scale) {
        for (int i = 0; i < 5 * scale; i++) {
            String who = i % 2 == 0 ? "ana" : "sam";
            loop(300, () -> session(who), this::list);
        }
        for (int i = 0; i < 3 * scale; i++) {
            String who = i % 2 == 0 ? "sam" : "pat";
            loop(600, () -> session(who), this::search);
        }
        for (int i = 0; i < 4 * scale; i++) {
            String who = i % 2 == 0 ? "ana" : "sam";
            loop(1000, () -> session(who), this::purchase);
        }
        loop(3000, () -> session("pat"), this::create);
        for (int i = 0; i < 2 * scale; i++) {
            loop(1500, () -> null, s -> auth());
        }
        for (String who : List.of("ana", "sam", "pat")) {
            loop(1000, () -> session(who), this::report);
        }
        loop(5000, () -> null, s -> scrape());
    }

    /** Lets every user finish what it is doing (a purchase being followed to its end) and stops them. */
    void stop(Duration wait) throws InterruptedException {
        stopping = true;
        users.shutdown();
        if (!users.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            users.shutdownNow();
            users.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private interface Op {
        void run(Client.Session s);
    }

    private void loop(long thinkMs, java.util.function.Supplier<Client.Session> signIn, Op op) {
        running.add(users.submit(() -> {
            Client.Session s = signIn.get();
            while (!stopping) {
                try {
                    op.run(s);
                } catch (RuntimeException e) {
                    rec.add("harness", "error", System.nanoTime(), 0, false, 1, e.toString());
                }
                if (!sleep(thinkMs / 2 + ThreadLocalRandom.current().nextLong(thinkMs + 1))) {
                    return;
                }
            }
        }));
    }

    /** A signed-in session of a demo user (the sign-in is recorded as the authentication flow's). */
    private Client.Session session(String user) {
        Client.Session s = new Client.Session(user, DemoData.USERS.get(user)[1]);
        long t0 = System.nanoTime();
        Client.Answer a = client.signIn(s);
        record(AUTH, "sign-in", t0, a, a.status() == 200, null);
        return s;
    }

    // ---- list-concerts and search-concerts -----------------------------------------------------

    private void list(Client.Session s) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long t0 = System.nanoTime();
        if (r.nextDouble() < 0.7) {
            Client.Answer a = client.get(s, "/api/relecloud/concerts?size=20&page=" + (r.nextDouble() < 0.8 ? 0 : 1));
            boolean good = a.status() == 200 && a.json().path("items").isArray();
            record(LIST, "list", t0, a, good, a.json().path("stale").asBoolean() ? "stale" : null);
        } else {
            Client.Answer a = client.get(s, "/api/relecloud/concerts/" + pick(concerts));
            record(LIST, "concert", t0, a, a.status() == 200, null);
        }
    }

    private void search(Client.Session s) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        StringBuilder q = new StringBuilder("/api/relecloud/search?q=").append(enc(TERMS[r.nextInt(TERMS.length)]));
        if (r.nextDouble() < 0.3) {
            q.append("&genre=").append(enc(GENRES[r.nextInt(GENRES.length)]));
        }
        if (r.nextDouble() < 0.3) {
            q.append("&maxPrice=").append(4000 + r.nextInt(8000));
        }
        q.append("&sort=").append(SORTS[r.nextInt(SORTS.length)]);
        long t0 = System.nanoTime();
        Client.Answer a = client.get(s, q.toString());
        record(SEARCH, "search", t0, a, a.status() == 200, a.json().path("degraded").asBoolean() ? "degraded" : null);
    }

    // ---- purchase-ticket -----------------------------------------------------------------------

    private void purchase(Client.Session s) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long n = counter.incrementAndGet();
        String key = "prove-" + runId + "-" + n;
        boolean decline = r.nextDouble() < 0.05;
        ObjectNode body = Json.object();
        if (r.nextDouble() < 0.1) {
            body.putObject("customer").put("email", "prove-" + runId + "-" + n + "@example.com").put("name",
                    "Prove Customer " + n);
        } else {
            body.put("customerId", pick(customers));
        }
        ArrayNode items = body.putArray("items");
        long first = r.nextDouble() < 0.5 && !hot.isEmpty() ? pick(hot) : pick(concerts);
        int tickets = 1 + r.nextInt(4);
        items.addObject().put("concertId", first).put("quantity", tickets);
        if (r.nextDouble() < 0.15) {
            long second = pick(concerts);
            if (second != first) {
                items.addObject().put("concertId", second).put("quantity", 1);
                tickets++;
            }
        }
        body.putObject("card").put("number", decline ? PaymentGateway.DECLINED_CARD : CARD).put("expiry",
                "12/99").put("holder", "Prove Customer");
        String json = body.toString();
        Map<String, String> headers = Map.of("Idempotency-Key", key);
        String path = "/api/relecloud/purchases?wait=5";
        long t0 = System.nanoTime();
        FutureTask<Client.Answer> twin = null;
        if (r.nextDouble() < 0.05) { // the same click sent twice at once
            twin = new FutureTask<>(() -> client.send(s, "POST", path, json, headers, Client.Retry.IDEMPOTENT,
                    Duration.ofSeconds(30)));
            Thread.ofVirtual().start(twin);
        }
        Client.Answer a = client.send(s, "POST", path, json, headers, Client.Retry.IDEMPOTENT, Duration.ofSeconds(30));
        if (!a.ok()) {
            record(PURCHASE, "purchase", t0, a, false, null);
        } else {
            String id = ack(key, tickets, a);
            JsonNode p = a.json();
            long end = t0 + TRACK.toNanos();
            while ("RUNNING".equals(p.path("status").asText()) && System.nanoTime() < end) {
                sleep(250);
                Client.Answer g = client.get(s, "/api/relecloud/purchases/" + id);
                if (g.ok()) {
                    p = g.json();
                }
            }
            String status = p.path("status").asText();
            String error = p.path("error").asText(null);
            // Sold out is a right answer for any card (seats are held before the payment); the declined card
            // must end declined unless the seats ran out first.
            boolean soldOut = "FAILED".equals(status) && "Purchase.SoldOut".equals(error);
            boolean good = soldOut || (decline ? "FAILED".equals(status) && "Payment.Declined".equals(error)
                    : "SUCCEEDED".equals(status));
            rec.add(PURCHASE, "purchase", t0, a.status(), good, a.attempts(), status + (error == null ? "" : " " + error));
        }
        if (twin != null) {
            try {
                Client.Answer b = twin.get();
                boolean same = b.ok() && a.ok() && b.json().path("purchaseId").asText().equals(a.json().path("purchaseId")
                        .asText());
                if (b.ok()) {
                    ack(key, tickets, b);
                }
                record(PURCHASE, "purchase-twin", t0, b, same || b.ok() && !a.ok(), b.ok() && a.ok() && !same
                        ? "another purchase id" : null);
            } catch (Exception e) {
                rec.add("harness", "error", t0, 0, false, 1, e.toString());
            }
        }
        if (a.ok() && r.nextDouble() < 0.15) {
            long t1 = System.nanoTime();
            Client.Answer again = client.send(s, "POST", path, json, headers, Client.Retry.IDEMPOTENT, Duration.ofSeconds(30));
            boolean same = again.status() == 200 && again.json().path("purchaseId").asText().equals(a.json()
                    .path("purchaseId").asText());
            if (again.ok()) {
                ack(key, tickets, again);
            }
            record(PURCHASE, "purchase-retry", t1, again, same, same ? null : "not the same purchase");
        }
        if (a.ok() && r.nextDouble() < 0.03) {
            ObjectNode other = body.deepCopy();
            ObjectNode line = (ObjectNode) other.path("items").get(0);
            line.put("quantity", line.path("quantity").asInt() == 10 ? 1 : line.path("quantity").asInt() + 1);
            long t1 = System.nanoTime();
            Client.Answer reuse = client.send(s, "POST", "/api/relecloud/purchases", other.toString(), headers,
                    Client.Retry.IDEMPOTENT, Duration.ofSeconds(30));
            if (reuse.ok()) {
                ack(key, tickets, reuse);
            }
            record(PURCHASE, "purchase-key-reuse", t1, reuse, reuse.status() == 409, reuse.ok() ? "ALLOWED" : null);
        }
    }

    private String ack(String key, int tickets, Client.Answer a) {
        String id = a.json().path("purchaseId").asText();
        acks.computeIfAbsent(key, k -> new Ack(k, tickets, ConcurrentHashMap.newKeySet())).purchaseIds().add(id);
        return id;
    }

    // ---- create-concerts -----------------------------------------------------------------------

    private void create(Client.Session planner) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long n = counter.incrementAndGet();
        boolean invalid = r.nextDouble() < 0.1;
        Instant startsAt = invalid ? Instant.now().minus(Duration.ofDays(1))
                : Instant.now().plus(Duration.ofDays(7 + n % 60)).plus(Duration.ofMinutes(n));
        ObjectNode body = Json.object().put("title", "Proving Night " + n).put("artist", "Prove Band " + runId + "-" + n)
                .put("genre", GENRES[r.nextInt(GENRES.length)]).put("venue", "Proving Hall").put("location", "Testville, TX")
                .put("startsAt", startsAt.toString()).put("priceCents", 3000 + r.nextInt(5000))
                .put("capacity", 5 + r.nextInt(36)).put("description", "A concert of the proving ground.");
        long t0 = System.nanoTime();
        Client.Answer a = client.send(planner, "POST", "/api/relecloud/concerts", body.toString(), Map.of(),
                Client.Retry.UNSENT, Duration.ofSeconds(10));
        if (a.status() != 202) {
            record(CREATE, "create", t0, a, false, null);
            return;
        }
        String id = a.json().path("requestId").asText();
        JsonNode req = a.json();
        long end = t0 + TRACK.toNanos();
        while (!Set.of("SUCCEEDED", "FAILED").contains(req.path("status").asText()) && System.nanoTime() < end) {
            sleep(200);
            Client.Answer g = client.get(planner, "/api/relecloud/concert-requests/" + id);
            if (g.ok()) {
                req = g.json();
            }
        }
        String status = req.path("status").asText();
        String error = req.path("error").asText(null);
        boolean good = invalid ? "FAILED".equals(status) && "Concert.Invalid".equals(error) : "SUCCEEDED".equals(status);
        if ("SUCCEEDED".equals(status)) {
            long concert = req.path("concertId").asLong();
            concerts.add(concert);
            hot.add(concert);
        }
        rec.add(CREATE, "create", t0, a.status(), good, a.attempts(), status + (error == null ? "" : " " + error));
    }

    // ---- authentication ------------------------------------------------------------------------

    private static final List<String> SIGN_INS = List.of("ana", "sam", "pat", "olu");

    private void auth() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String user = SIGN_INS.get(r.nextInt(SIGN_INS.size()));
        String role = DemoData.USERS.get(user)[0];
        Client.Session s = new Client.Session(user, DemoData.USERS.get(user)[1]);
        long t0 = System.nanoTime();
        Client.Answer in = client.signIn(s);
        boolean granted = false;
        for (JsonNode g : in.json().path("grants")) {
            granted |= role.equals(g.path("role").asText());
        }
        record(AUTH, "sign-in", t0, in, in.status() == 200 && granted, in.status() == 200 && !granted ? "no grant " + role
                : null);
        if (in.status() != 200) {
            return;
        }
        t0 = System.nanoTime();
        Client.Answer me = client.get(s, "/api/relecloud/me");
        boolean hasRole = false;
        for (JsonNode x : me.json().path("roles")) {
            hasRole |= role.equals(x.asText());
        }
        record(AUTH, "me", t0, me, me.status() == 200 && hasRole, null);
        refused(s, r.nextInt(4));
        t0 = System.nanoTime();
        Client.Answer out = client.send(s, "DELETE", "/api/v1/session", null, Map.of(), Client.Retry.IDEMPOTENT,
                Duration.ofSeconds(10));
        record(AUTH, "sign-out", t0, out, out.ok(), null);
    }

    /** A call that must be refused, with the status it must be refused with. */
    private void refused(Client.Session s, int kind) {
        String role = DemoData.USERS.get(s.user)[0];
        long t0 = System.nanoTime();
        Client.Answer a;
        int expected;
        String what;
        switch (kind) {
            case 0 -> {
                what = "wrong password";
                a = client.signIn(new Client.Session(s.user, "not-" + s.password));
                expected = 401;
            }
            case 1 -> {
                what = "no credentials";
                a = client.get(null, "/api/relecloud/concerts");
                expected = 401;
            }
            case 2 -> {
                what = role + " without the role's grant";
                a = role.equals("planner") || role.equals("operator")
                        ? client.send(s, "POST", "/api/relecloud/purchases", "{\"customerId\": 1, \"items\": [{\"concertId\": 1,"
                        + " \"quantity\": 1}]}", Map.of("Idempotency-Key", "prove-refused-" + runId + "-" + counter
                        .incrementAndGet()), Client.Retry.UNSENT, Duration.ofSeconds(10))
                        : client.send(s, "POST", "/api/relecloud/concerts", concertBody(), Map.of(), Client.Retry.UNSENT,
                        Duration.ofSeconds(10));
                expected = 403;
            }
            default -> {
                what = "write without the CSRF token";
                Client.Session forged = new Client.Session(s.user, s.password);
                forged.cookie = s.cookie;
                forged.csrf = "forged-token";
                a = switch (role) {
                    case "planner" -> client.send(forged, "POST", "/api/relecloud/concerts", concertBody(), Map.of(),
                            Client.Retry.UNSENT, Duration.ofSeconds(10));
                    case "operator" -> client.send(forged, "PUT", "/api/relecloud/gateway", "{\"failureRate\": 0}",
                            Map.of(), Client.Retry.UNSENT, Duration.ofSeconds(10));
                    default -> client.send(forged, "POST", "/api/relecloud/customers", "{\"email\": \"forged-" + runId
                            + "@example.com\", \"name\": \"Forged\"}", Map.of(), Client.Retry.UNSENT, Duration.ofSeconds(10));
                };
                expected = 403;
            }
        }
        boolean good = a.status() == expected;
        rec.add(AUTH, "refused", t0, a.status(), good, a.attempts(), a.ok() ? "ALLOWED: " + what
                : good ? what : what + ": " + a.describe());
    }

    private String concertBody() {
        return Json.object().put("title", "Refused Night").put("artist", "Nobody " + runId).put("genre", "Rock")
                .put("venue", "Nowhere").put("location", "Nowhere, NV")
                .put("startsAt", Instant.now().plus(Duration.ofDays(30)).toString()).put("priceCents", 1000)
                .put("capacity", 10).toString();
    }

    // ---- collect-telemetry ---------------------------------------------------------------------

    private void report(Client.Session s) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        ArrayNode reports = Json.array();
        int n = r.nextDouble() < 0.2 ? 5 : 1;
        for (int i = 0; i < n; i++) {
            reports.addObject().put("level", r.nextBoolean() ? "error" : "warning")
                    .put("message", "TypeError: cannot read properties of undefined (reading 'seatsLeft')")
                    .put("page", "/console/relecloud/concerts.html").put("flow", FLOWS.get(r.nextInt(FLOWS.size())))
                    .put("time", Instant.now().toString());
        }
        long t0 = System.nanoTime();
        Client.Answer a = client.send(s, "POST", "/api/v1/telemetry", n == 1 ? reports.get(0).toString() : reports.toString(),
                Map.of(), Client.Retry.IDEMPOTENT, Duration.ofSeconds(10));
        record(TELEMETRY, "report", t0, a, a.status() == 202, null);
    }

    private void scrape() {
        long t0 = System.nanoTime();
        Client.Answer a = client.send(null, "GET", "/metrics", null, Map.of(), Client.Retry.IDEMPOTENT, Duration.ofSeconds(10));
        record(TELEMETRY, "scrape", t0, a, a.status() == 200, null);
    }

    // ---- plumbing ------------------------------------------------------------------------------

    private void record(String flow, String op, long t0, Client.Answer a, boolean good, String note) {
        rec.add(flow, op, t0, a.status(), good, a.attempts(), good ? note : note != null ? note : a.describe());
    }

    private static long pick(List<Long> from) {
        return from.get(ThreadLocalRandom.current().nextInt(from.size()));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static boolean sleep(long ms) {
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
