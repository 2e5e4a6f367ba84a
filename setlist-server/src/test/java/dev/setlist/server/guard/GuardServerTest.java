package dev.setlist.server.guard;

import dev.setlist.server.http.Access;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.events.PutEntry;
import dev.setlist.events.Target;
import dev.setlist.server.Extension;
import dev.setlist.server.SetlistServer;
import dev.setlist.server.auth.AuthStore;
import dev.setlist.server.auth.Policy;
import dev.setlist.server.config.ServerConfig;
import dev.setlist.server.http.Json;
import io.javalin.config.RoutesConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The guard in a running server, in front of a workload's routes added through an
 * {@link Extension} and bound to flows by its catalog: cache headers and keys, refresh rules,
 * invalidation by an event rule on the real bus, serve-stale when the origin fails, levers and
 * quotas through the admin API (audited), and the AWS API's ThrottlingException.
 */
class GuardServerTest {
    static final String YAML = """
            workload: shows
            flows:
              - id: list-concerts
                name: List concerts
                kind: user
                description: Customers list the concerts.
                owner: Sales
                stakeholders: [Sales]
                escalation: [{name: On-call, channel: log}]
                businessImpact: No browsing, no sales.
                criticality: high
                targets: {reliability: {availability: 99.9}}
                bindings: {routes: ["GET /api/concerts", "GET /api/concerts/{id}"]}
                guard:
                  cache: {ttl: 300s, keys: [path, role], invalidatedBy: [concert-created], refreshRoles: [developer]}
              - id: prices
                name: Prices
                kind: user
                description: Ticket prices, refreshed often.
                owner: Sales
                stakeholders: [Sales]
                escalation: [{name: On-call, channel: log}]
                businessImpact: Stale prices.
                criticality: high
                targets: {reliability: {availability: 99.9}}
                bindings: {routes: ["GET /api/prices"]}
                guard:
                  cache: {ttl: 1s, staleFor: 1h, refreshDenied: ignore}
              - id: search
                name: Search concerts
                kind: user
                description: Customers search concerts.
                owner: Sales
                stakeholders: [Sales]
                escalation: [{name: On-call, channel: log}]
                businessImpact: Harder browsing.
                criticality: low
                targets: {reliability: {availability: 95}}
                bindings: {routes: ["GET /api/search"]}
                guard:
                  degradedMode: answers from the concert list
                  quota: {limit: 1000, period: day}
              - id: buy
                name: Buy tickets
                kind: user
                description: Customers buy tickets.
                owner: Sales
                stakeholders: [Sales]
                escalation: [{name: On-call, channel: log}]
                businessImpact: No revenue.
                criticality: medium
                targets: {reliability: {availability: 99.5}}
                bindings: {routes: ["POST /api/tickets"]}
            """;

    static SetlistServer server;
    static Path dataDir;
    static String admin;
    static String viewer;
    static String developer;
    static final AtomicInteger listed = new AtomicInteger();
    static final AtomicInteger priced = new AtomicInteger();
    static final AtomicBoolean pricesFail = new AtomicBoolean();
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws IOException {
        dataDir = Files.createTempDirectory("setlist-guard-test");
        ServerConfig d = ServerConfig.defaults();
        ServerConfig config = new ServerConfig("127.0.0.1", 0, dataDir, null, "sa", "", 8, "us-east-1", "000000000000",
                256 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(2), d.sessionTtl(), true);
        Map<String, String> env = new HashMap<>(Map.of("SETLIST_ACCESS_KEY_ID", "SLGUARDADMIN0000001",
                "SETLIST_SECRET_ACCESS_KEY", "guard-secret-0123456789", "SETLIST_ADMIN_PASSWORD", "admin-password-1",
                Guards.ACTION_RATE, "0.001"));
        Extension shows = new Extension() {
            @Override
            public String flowsYaml() {
                return YAML;
            }

            @Override
            public void routes(RoutesConfig routes, SetlistServer s) {
                routes.get("/api/concerts", ctx -> ctx.json(Map.of("listed", listed.incrementAndGet())), Access.signedIn());
                routes.get("/api/concerts/{id}", ctx -> ctx.json(Map.of("id", ctx.pathParam("id"),
                        "listed", listed.incrementAndGet())), Access.signedIn());
                routes.get("/api/prices", ctx -> {
                    if (pricesFail.get()) {
                        throw new dev.setlist.engine.internal.StoreException("read prices",
                                new java.sql.SQLException("Connection refused"));
                    }
                    ctx.json(Map.of("priced", priced.incrementAndGet()));
                }, Access.signedIn());
                routes.get("/api/search", ctx -> ctx.json(Map.of("degraded", s.guard().degraded("search"))), Access.signedIn());
                routes.post("/api/tickets", ctx -> ctx.status(201).json(Map.of("ticket", 1)), Access.signedIn());
            }
        };
        server = SetlistServer.builder(config).env(env).out(new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8)).extension(shows).build().start();
        AuthStore auth = server.authStore();
        admin = auth.createApiKey("setlist", "admin")[1];
        auth.createUser("setlist", "vera", "vera-password-1");
        auth.grant("setlist", "vera", Policy.VIEWER, "*");
        viewer = auth.createApiKey("setlist", "vera")[1];
        auth.createUser("setlist", "dev", "dev-password-12");
        auth.grant("setlist", "dev", Policy.DEVELOPER, "*");
        developer = auth.createApiKey("setlist", "dev")[1];
    }

    @AfterAll
    static void stop() throws IOException {
        server.stop();
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    record Answer(int status, JsonNode body, String raw, HttpResponse<String> response) {
        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }
    }

    static Answer send(String method, String path, String key, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = null;
            try {
                json = r.body().isEmpty() ? null : Json.MAPPER.readTree(r.body());
            } catch (IOException e) {
                // not JSON
            }
            return new Answer(r.statusCode(), json, r.body(), r);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Answer get(String path, String key, String... headers) {
        return send("GET", path, key, null, headers);
    }

    @Test
    void cachedRead_secondCallIsAHitAndRolesSplitEntries() {
        Answer first = get("/api/concerts/1", viewer);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("X-Cache")).isEqualTo("MISS");
        Answer second = get("/api/concerts/1", viewer);
        assertThat(second.header("X-Cache")).isEqualTo("HIT");
        assertThat(second.raw()).isEqualTo(first.raw());
        assertThat(second.header("Content-Type")).startsWith("application/json");

        Answer otherRole = get("/api/concerts/1", admin);
        assertThat(otherRole.header("X-Cache")).isEqualTo("MISS");
        assertThat(otherRole.raw()).isNotEqualTo(first.raw());
        assertThat(get("/api/concerts/2", viewer).header("X-Cache")).isEqualTo("MISS");
    }

    @Test
    void defaultCacheKey_anEntryIsServedOnlyToCallersTheGateAdmitted_withTheSameGrants() {
        // "prices" caches by path and query only: the key must still carry who may see the entry.
        Answer viewerFirst = get("/api/prices?x=private", viewer);
        assertThat(viewerFirst.header("X-Cache")).isEqualTo("MISS");
        assertThat(get("/api/prices?x=private", viewer).header("X-Cache")).isEqualTo("HIT");

        Answer anonymous = get("/api/prices?x=private", null);
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.header("X-Cache")).isNull();
        assertThat(anonymous.raw()).doesNotContain("priced");
        Answer forged = get("/api/prices?x=private", "forged-key-of-nobody");
        assertThat(forged.status()).isEqualTo(401);
        assertThat(forged.header("X-Cache")).isNull();
        // A caller with other grants gets an entry of their own.
        assertThat(get("/api/prices?x=private", developer).header("X-Cache")).isEqualTo("MISS");
    }

    @Test
    void disabledFlow_callersWithoutCredentialsHearTheGate_notTheLever() {
        assertThat(send("PUT", "/api/v1/guard/flows/search/levers", admin, "{\"disabled\": true}").status())
                .isEqualTo(200);
        try {
            Answer anonymous = get("/api/search", null);
            assertThat(anonymous.status()).isEqualTo(401);
            assertThat(anonymous.raw()).doesNotContain("FlowDisabled");
            assertThat(get("/api/search", viewer).status()).isEqualTo(503);
        } finally {
            send("PUT", "/api/v1/guard/flows/search/levers", admin, "{\"disabled\": false}");
        }
    }

    @Test
    void maxAgeZero_refreshesForAllowedCallersOnly() {
        get("/api/concerts/10", viewer);
        Answer denied = get("/api/concerts/10", viewer, "Cache-Control", "max-age=0");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.body().get("message").asText()).isEqualTo("Cache-Control: max-age=0 on flow list-concerts"
                + " needs setlist:ManageGuard or one of the roles [developer]");

        get("/api/concerts/10", developer);
        Answer refreshed = get("/api/concerts/10", developer, "Cache-Control", "max-age=0");
        assertThat(refreshed.status()).isEqualTo(200);
        assertThat(refreshed.header("X-Cache")).isEqualTo("MISS");
        assertThat(get("/api/concerts/10", developer).raw()).isEqualTo(refreshed.raw());

        // A flow that ignores refreshes from others answers from its cache and says so.
        get("/api/prices?x=ignore", viewer);
        Answer ignored = get("/api/prices?x=ignore", viewer, "Cache-Control", "no-cache");
        assertThat(ignored.status()).isEqualTo(200);
        assertThat(ignored.header("X-Cache-Refresh")).isEqualTo("denied");
    }

    @Test
    void eventRuleMatch_invalidatesTheConcertList() throws Exception {
        server.eventBus().putRule("concert-created", null, "{\"detail-type\":[\"ConcertCreated\"]}", null, "ENABLED",
                null);
        server.eventBus().putTargets("concert-created", null, List.of(Target.of("log",
                "arn:aws:logs:us-east-1:000000000000:log-group:/shows/concerts")));
        Answer before = get("/api/concerts", viewer);
        assertThat(get("/api/concerts", viewer).header("X-Cache")).isEqualTo("HIT");

        server.eventBus().putEvents(List.of(PutEntry.of("shows", "ConcertCreated", "{\"id\":\"c-9\"}")));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Answer after = get("/api/concerts", viewer);
        while ("HIT".equals(after.header("X-Cache")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            after = get("/api/concerts", viewer);
        }
        assertThat(after.header("X-Cache")).isEqualTo("MISS");
        assertThat(after.raw()).isNotEqualTo(before.raw());
    }

    @Test
    void originFailure_highCriticalityReadAnswersStale() throws Exception {
        Answer good = get("/api/prices", viewer);
        assertThat(good.status()).isEqualTo(200);
        Thread.sleep(1100); // past the flow's 1 s time to live
        pricesFail.set(true);
        try {
            Answer stale = get("/api/prices", viewer);
            assertThat(stale.status()).isEqualTo(200);
            assertThat(stale.raw()).isEqualTo(good.raw());
            assertThat(stale.header("X-Cache")).isEqualTo("STALE");
            assertThat(stale.header("Warning")).isEqualTo("110 - \"Response is Stale\"");
            assertThat(Long.parseLong(stale.header("X-Cache-Age"))).isGreaterThanOrEqualTo(1);

            Answer none = get("/api/prices?other=1", viewer);
            assertThat(none.status()).isEqualTo(503);
        } finally {
            pricesFail.set(false);
        }
        JsonNode flow = get("/api/v1/guard/flows/prices", viewer).body();
        assertThat(flow.at("/cache/stale").asLong()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void levers_disableDegradeAndRate_areAuditedAndHold() {
        assertThat(send("POST", "/api/tickets", viewer, "{}").status()).isEqualTo(201);
        Answer set = send("PUT", "/api/v1/guard/flows/buy/levers", admin,
                "{\"disabled\": true, \"reason\": \"payment provider outage\"}");
        assertThat(set.status()).isEqualTo(200);
        assertThat(set.body().get("disabled").asBoolean()).isTrue();
        assertThat(set.body().get("leverChangedBy").asText()).isEqualTo("admin");

        Answer off = send("POST", "/api/tickets", viewer, "{}");
        assertThat(off.status()).isEqualTo(503);
        assertThat(off.body().get("__type").asText()).isEqualTo("FlowDisabled");
        assertThat(off.body().get("message").asText()).isEqualTo("Flow buy is disabled by an operator");
        assertThat(off.header("Retry-After")).isEqualTo("30");

        assertThat(send("PUT", "/api/v1/guard/flows/buy/levers", admin, "{\"disabled\": false}").status())
                .isEqualTo(200);
        assertThat(send("POST", "/api/tickets", viewer, "{}").status()).isEqualTo(201);

        assertThat(get("/api/search", viewer).body().get("degraded").asBoolean()).isFalse();
        send("PUT", "/api/v1/guard/flows/search/levers", admin, "{\"degraded\": true}");
        assertThat(get("/api/search", viewer).body().get("degraded").asBoolean()).isTrue();
        send("PUT", "/api/v1/guard/flows/search/levers", admin, "{\"degraded\": false, \"ratePerSecond\": 0.001,"
                + " \"burst\": 1}");
        assertThat(get("/api/search", viewer).status()).isEqualTo(200);
        Answer limited = get("/api/search", developer);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.body().get("message").asText()).isEqualTo("Rate limit of flow search exceeded");
        assertThat(Long.parseLong(limited.header("Retry-After"))).isPositive();
        send("PUT", "/api/v1/guard/flows/search/levers", admin, "{\"ratePerSecond\": null, \"burst\": null}");
        assertThat(get("/api/search", developer).status()).isEqualTo(200);

        JsonNode audit = get("/api/v1/audit", admin).body();
        assertThat(audit.toString()).contains("SetGuardLevers").contains("payment provider outage");
    }

    @Test
    void quotasAndLimits_listedWithUsageAndChangedAtRunTime() {
        get("/api/search?q=a", viewer);
        get("/api/search?q=b", viewer);
        JsonNode limits = get("/api/v1/guard/limits", viewer).body().get("limits");
        assertThat(limits.toString()).contains("\"kind\":\"concurrency\"").contains("\"kind\":\"flow-rate\"");
        boolean found = false;
        for (JsonNode l : limits) {
            if (l.path("kind").asText().equals("quota") && l.path("flow").asText().equals("search")
                    && l.path("used").asLong() >= 2) {
                found = true;
                assertThat(l.get("limit").asLong()).isEqualTo(1000);
                assertThat(l.get("period").asText()).isEqualTo("day");
            }
        }
        assertThat(found).as("search's quota with its usage in %s", limits).isTrue();

        Answer lowered = send("PUT", "/api/v1/guard/quotas/search", admin, "{\"limit\": 0, \"period\": \"week\"}");
        assertThat(lowered.status()).isEqualTo(200);
        assertThat(lowered.body().at("/quota/period").asText()).isEqualTo("week");
        Answer spent = get("/api/search", viewer);
        assertThat(spent.status()).isEqualTo(429);
        assertThat(spent.body().get("__type").asText()).isEqualTo("LimitExceeded");
        assertThat(send("PUT", "/api/v1/guard/quotas/search", admin, "{\"limit\": null}").status()).isEqualTo(200);
        assertThat(get("/api/search", viewer).status()).isEqualTo(200);
        assertThat(get("/api/v1/audit", admin).body().toString()).contains("SetGuardQuota");
    }

    @Test
    void adminApi_badInputAndUnauthorisedCallers_getPreciseErrorsAndChangeNothing() {
        assertThat(send("PUT", "/api/v1/guard/flows/buy/levers", admin, "{\"disabled\": ").body().get("__type").asText())
                .endsWith("SerializationException");
        Answer wrongType = send("PUT", "/api/v1/guard/flows/buy/levers", admin, "{\"disabled\": \"yes\"}");
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.body().get("message").asText()).isEqualTo("disabled must be a boolean, was \"yes\"");
        Answer unknown = send("PUT", "/api/v1/guard/flows/buy/levers", admin, "{\"rate\": 5}");
        assertThat(unknown.body().get("message").asText()).isEqualTo("unknown field \"rate\"; expected one of: disabled,"
                + " degraded, ratePerSecond, burst, reason");
        assertThat(send("PUT", "/api/v1/guard/flows/buy/levers", admin, "{\"ratePerSecond\": -1}").body().get("message")
                .asText()).isEqualTo("ratePerSecond must be a number greater than 0 and at most 1000000, was -1");
        assertThat(send("PUT", "/api/v1/guard/flows/buy/levers", admin, "{\"burst\": 0}").body().get("message").asText())
                .isEqualTo("burst must be a whole number of at least 1, was 0");
        assertThat(send("PUT", "/api/v1/guard/quotas/buy", admin, "{\"limit\": 5, \"period\": \"year\"}").body()
                .get("message").asText()).isEqualTo("period must be day, week or month, was \"year\"");
        assertThat(send("PUT", "/api/v1/guard/quotas/buy", admin, "{}").status()).isEqualTo(400);
        Answer nope = send("PUT", "/api/v1/guard/flows/nope/levers", admin, "{}");
        assertThat(nope.status()).isEqualTo(404);
        assertThat(nope.body().get("message").asText()).isEqualTo("Flow nope does not exist");
        Answer viewerWrites = send("PUT", "/api/v1/guard/flows/buy/levers", viewer, "{\"disabled\": true}");
        assertThat(viewerWrites.status()).isEqualTo(403);
        assertThat(viewerWrites.body().get("message").asText()).contains("setlist:ManageGuard");
        assertThat(send("DELETE", "/api/v1/guard/cache/buy", viewer, null).status()).isEqualTo(403);
        assertThat(get("/api/v1/guard/flows", null).status()).isEqualTo(401);

        JsonNode buy = get("/api/v1/guard/flows/buy", viewer).body();
        assertThat(buy.get("disabled").asBoolean()).isFalse();
        assertThat(buy.at("/rate/overridden").asBoolean()).isFalse();
        assertThat(buy.get("quota").isNull()).isTrue();
        assertThat(get("/api/v1/guard/flows", viewer).body().get("flows")).hasSize(4);
    }

    @Test
    void cacheApi_statsAndInvalidation() {
        get("/api/concerts/77", viewer);
        get("/api/concerts/77", viewer);
        JsonNode cache = get("/api/v1/guard/cache", viewer).body();
        assertThat(cache.get("backend").asText()).isEqualTo("caffeine");
        assertThat(cache.at("/flows/list-concerts/hits").asLong()).isPositive();
        Answer dropped = send("DELETE", "/api/v1/guard/cache/list-concerts", admin, null);
        assertThat(dropped.status()).isEqualTo(200);
        assertThat(get("/api/concerts/77", viewer).header("X-Cache")).isEqualTo("MISS");
        assertThat(get("/api/v1/audit", admin).body().toString()).contains("InvalidateGuardCache");
        assertThat(get("/api/v1/guard/outbound", viewer).body().has("retryBudget")).isTrue();
        String metrics = get("/metrics", null).raw();
        assertThat(metrics).containsPattern("setlist_guard_cache_hits_total\\{flow=\"list-concerts\"\\} [1-9]")
                .contains("setlist_guard_cache_invalidations_total{flow=\"list-concerts\"}")
                .contains("setlist_guard_concurrency_shed_total{criticality=\"low\"}")
                .contains("setlist_guard_concurrency_limit");
    }

    @Test
    void awsApi_overTheActionRate_answersThrottlingException() {
        // The action rate is set to one call per 1000 s with a burst of one for this server.
        Answer first = send("POST", "/", admin, "{}", "X-Amz-Target", "AWSStepFunctions.ListStateMachines",
                "Content-Type", "application/x-amz-json-1.0");
        assertThat(first.status()).isEqualTo(200);
        Answer second = send("POST", "/", admin, "{}", "X-Amz-Target", "AWSStepFunctions.ListStateMachines",
                "Content-Type", "application/x-amz-json-1.0");
        assertThat(second.status()).isEqualTo(400);
        assertThat(second.body().get("__type").asText()).isEqualTo("ThrottlingException");
        assertThat(second.body().get("message").asText()).isEqualTo("Rate exceeded");
        assertThat(Long.parseLong(second.header("Retry-After"))).isPositive();
        assertThat(send("POST", "/", admin, "{}", "X-Amz-Target", "AWSStepFunctions.ListActivities",
                "Content-Type", "application/x-amz-json-1.0").status()).isEqualTo(200);
    }

    @Test
    void badTimeoutHeader_isRefusedWithItsName() {
        Answer bad = get("/api/search", viewer, GuardHttp.TIMEOUT_HEADER, "soon");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().get("message").asText()).isEqualTo("X-Setlist-Timeout-Ms must be a whole number of"
                + " milliseconds, was \"soon\"");
    }

    @Test
    void busHttpTargets_goThroughTheOutboundWrapper() throws Exception {
        AtomicInteger hits = new AtomicInteger();
        com.sun.net.httpserver.HttpServer hook = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext("/hook", ex -> {
            hits.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        hook.start();
        try {
            String dependency = "127.0.0.1:" + hook.getAddress().getPort();
            server.eventBus().putRule("hooked", null, "{\"detail-type\":[\"Hooked\"]}", null, "ENABLED", null);
            server.eventBus().putTargets("hooked", null, List.of(Target.of("hook", "http://" + dependency + "/hook")));
            server.eventBus().putEvents(List.of(PutEntry.of("shows", "Hooked", "{}")));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            JsonNode found = null;
            while (found == null && System.nanoTime() < deadline) {
                for (JsonNode d : get("/api/v1/guard/outbound", viewer).body().get("dependencies")) {
                    if (d.get("dependency").asText().equals(dependency) && d.get("calls").asLong() >= 1) {
                        found = d;
                    }
                }
                Thread.sleep(20);
            }
            assertThat(found).as("the hook's dependency among the outbound ones").isNotNull();
            assertThat(found.get("failureRate").asDouble()).isGreaterThanOrEqualTo(0);
            assertThat(hits.get()).isPositive();
        } finally {
            hook.stop(0);
        }
    }
}
