package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who may do what (only agents buy, only planners create concerts, only operators pull levers,
 * administrators grant and revoke roles) and bad input on every endpoint: a precise 4xx that
 * changes nothing.
 */
class AccessAndBadInputTest {
    static Harness h;
    static Harness.User agent;
    static Harness.User planner;
    static Harness.User operator;
    static Harness.User viewer;
    static long concert;
    static long customer;

    @BeforeAll
    static void start() {
        h = new Harness();
        agent = h.login("ana");
        planner = h.login("pat");
        operator = h.login("olu");
        viewer = h.login("vic");
        concert = h.concert("Guarded", "Rock", 10, 1000, 10);
        customer = agent.post("/api/relecloud/customers", "{\"email\":\"lee@example.com\",\"name\":\"Lee\"}").json()
                .path("id").asLong();
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static String cart() {
        return "{\"customerId\":" + customer + ",\"items\":[{\"concertId\":" + concert + ",\"quantity\":1}]}";
    }

    private static String concertBody() {
        return "{\"title\":\"T\",\"artist\":\"A\",\"genre\":\"G\",\"venue\":\"V\",\"location\":\"L\","
                + "\"startsAt\":\"2099-01-01T20:00:00Z\",\"priceCents\":100,\"capacity\":10}";
    }

    @Test
    void onlyAgentsBuy() {
        for (Harness.User u : List.of(planner, operator, viewer)) {
            Harness.Response r = u.post("/api/relecloud/purchases", cart(), Map.of("Idempotency-Key", "k-" + UUID.randomUUID()));
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.error()).isEqualTo("AccessDeniedException");
            assertThat(r.json().path("message").asText()).contains("relecloud:BuyTickets");
        }
        assertThat(h.anonymous().post("/api/relecloud/purchases", cart(), Map.of("Idempotency-Key", "k-12345678"))
                .status()).isEqualTo(401);
        assertThat(h.relecloud.store().concert(concert).seatsLeft()).isEqualTo(10);
        assertThat(agent.post("/api/relecloud/purchases", cart(), Map.of("Idempotency-Key", "k-" + UUID.randomUUID()))
                .status()).isEqualTo(202);
    }

    @Test
    void onlyPlannersCreateConcerts() {
        for (Harness.User u : List.of(agent, operator, viewer)) {
            Harness.Response r = u.post("/api/relecloud/concerts", concertBody());
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.json().path("message").asText()).contains("relecloud:CreateConcert");
        }
        assertThat(planner.post("/api/relecloud/concerts", concertBody()).status()).isEqualTo(202);
    }

    @Test
    void onlyOperatorsPullLevers() {
        for (Harness.User u : List.of(agent, planner, viewer)) {
            assertThat(u.put("/api/relecloud/gateway", "{\"failureRate\": 1}").status()).isEqualTo(403);
            assertThat(u.put("/api/v1/guard/flows/search-concerts/levers", "{\"degraded\": true}").status())
                    .isEqualTo(403);
        }
        assertThat(h.gateway.behaviour().failureRate()).isZero();
        Harness.Response r = operator.put("/api/relecloud/gateway", "{\"latencyMs\": {\"median\": 1, \"p99\": 2}}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("latencyMs").path("p99").asLong()).isEqualTo(2);
        operator.put("/api/relecloud/gateway", "{\"latencyMs\": {\"median\": 0, \"p99\": 0}}");
        assertThat(operator.get("/api/relecloud/gateway").json().path("failureRate").asDouble()).isZero();
    }

    @Test
    void sessionWritesNeedTheCsrfToken() {
        Harness.Response login = h.request("POST", "/api/v1/session", "{\"user\":\"ana\",\"password\":\""
                + Harness.PASSWORD + "\"}", Map.of(), null, null);
        String cookie = login.raw().headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        Harness.Response r = h.request("POST", "/api/relecloud/purchases", cart(), Map.of("Cookie", cookie,
                "Idempotency-Key", "k-" + UUID.randomUUID()), null, null);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.error()).isEqualTo("InvalidCsrfToken");
    }

    @Test
    void meSaysWhatTheCallerMayDo() {
        var me = agent.get("/api/relecloud/me").json();
        assertThat(me.path("roles").toString()).contains("agent");
        assertThat(me.path("can").path("buyTickets").asBoolean()).isTrue();
        assertThat(me.path("can").path("createConcert").asBoolean()).isFalse();
        assertThat(h.login("admin").get("/api/relecloud/me").json().path("can").path("administer").asBoolean()).isTrue();
    }

    @Test
    void administratorGrantsAndRevokesRoles() {
        Harness.User admin = h.login("admin");
        assertThat(admin.post("/api/v1/users", "{\"name\":\"newbie\",\"password\":\"" + Harness.PASSWORD + "\"}").status())
                .isEqualTo(200);
        assertThat(admin.post("/api/v1/users/newbie/grants", "{\"role\":\"agent\"}").status()).isEqualTo(200);
        Harness.User newbie = h.login("newbie");
        assertThat(newbie.get("/api/relecloud/concerts").status()).isEqualTo(200);
        assertThat(admin.send("DELETE", "/api/v1/users/newbie/grants?role=agent&resources=*", null, Map.of()).status())
                .isEqualTo(200);
        assertThat(newbie.get("/api/relecloud/concerts").status()).isEqualTo(403);
        assertThat(agent.post("/api/v1/users/newbie/grants", "{\"role\":\"agent\"}").status()).isIn(400, 403);
    }

    record Case(String method, String path, String body, Map<String, String> headers, int status, String error,
                String mentions) {}

    @Test
    void badInput_isAPrecise4xx_onEveryEndpoint() {
        String key = "k-" + UUID.randomUUID();
        Map<String, String> k = Map.of("Idempotency-Key", key);
        String huge = "{\"title\":\"" + "x".repeat(70_000) + "\"}";
        List<Case> cases = List.of(
                new Case("GET", "/api/relecloud/concerts?page=x", null, Map.of(), 400, "ValidationException", "page"),
                new Case("GET", "/api/relecloud/concerts?size=1000", null, Map.of(), 400, "ValidationException", "size"),
                new Case("GET", "/api/relecloud/concerts/abc", null, Map.of(), 400, "ValidationException", "id"),
                new Case("GET", "/api/relecloud/concerts/999999", null, Map.of(), 404, "NotFound", "999999"),
                new Case("GET", "/api/relecloud/search?from=tomorrow", null, Map.of(), 400, "ValidationException", "from"),
                new Case("GET", "/api/relecloud/search?minPrice=-1", null, Map.of(), 400, "ValidationException", "minPrice"),
                new Case("GET", "/api/relecloud/search?sort=random", null, Map.of(), 400, "ValidationException", "sort"),
                new Case("GET", "/api/relecloud/search?q=" + "a".repeat(201), null, Map.of(), 400, "ValidationException", "q"),
                new Case("GET", "/api/relecloud/search?from=2030-01-03&to=2030-01-01", null, Map.of(), 400,
                        "ValidationException", "to"),
                new Case("GET", "/api/relecloud/customers", null, Map.of(), 400, "ValidationException", "email"),
                new Case("GET", "/api/relecloud/customers/77777", null, Map.of(), 404, "NotFound", "77777"),
                new Case("GET", "/api/relecloud/customers/x/tickets", null, Map.of(), 400, "ValidationException", "id"),
                new Case("POST", "/api/relecloud/customers", "{\"email\":\"not-an-email\",\"name\":\"X\"}", Map.of(), 400,
                        "ValidationException", "email"),
                new Case("POST", "/api/relecloud/customers", "{\"email\":\"a@b.example\"}", Map.of(), 400,
                        "ValidationException", "name"),
                new Case("POST", "/api/relecloud/customers", "[1,2]", Map.of(), 400, "SerializationException", "object"),
                new Case("POST", "/api/relecloud/purchases", cart(), Map.of(), 400, "ValidationException", "Idempotency-Key"),
                new Case("POST", "/api/relecloud/purchases", cart(), Map.of("Idempotency-Key", "short"), 400,
                        "ValidationException", "Idempotency-Key"),
                new Case("POST", "/api/relecloud/purchases", "{not json", k, 400, "SerializationException", "JSON"),
                new Case("POST", "/api/relecloud/purchases", "{\"customerId\":" + customer + "}", k, 400,
                        "ValidationException", "items"),
                new Case("POST", "/api/relecloud/purchases", "{\"customerId\":" + customer + ",\"items\":[{\"concertId\":"
                        + concert + ",\"quantity\":0}]}", k, 400, "ValidationException", "quantity"),
                new Case("POST", "/api/relecloud/purchases", "{\"customerId\":" + customer + ",\"items\":[{\"concertId\":"
                        + concert + ",\"quantity\":\"two\"}]}", k, 400, "SerializationException", "quantity"),
                new Case("POST", "/api/relecloud/purchases", "{\"customerId\":" + customer + ",\"items\":[{\"concertId\":"
                        + "424242,\"quantity\":1}]}", k, 400, "ValidationException", "424242"),
                new Case("POST", "/api/relecloud/purchases", "{\"items\":[{\"concertId\":" + concert + ",\"quantity\":1}]}",
                        k, 400, "ValidationException", "customer"),
                new Case("POST", "/api/relecloud/purchases", "{\"customerId\":" + customer + ",\"items\":[{\"concertId\":"
                        + concert + ",\"quantity\":1},{\"concertId\":" + concert + ",\"quantity\":1}]}", k, 400,
                        "ValidationException", "twice"),
                new Case("POST", "/api/relecloud/purchases", "{\"customerId\":" + customer + ",\"items\":[{\"concertId\":"
                        + concert + ",\"quantity\":1}],\"card\":{\"number\":\"abc\"}}", k, 400, "ValidationException", "card"),
                new Case("POST", "/api/relecloud/purchases", "{\"customerId\":" + customer + ",\"items\":[],\"x\":1}", k, 400,
                        "ValidationException", "x"),
                new Case("GET", "/api/relecloud/purchases", null, Map.of(), 400, "ValidationException", "customerId"),
                new Case("GET", "/api/relecloud/purchases/NOPE", null, Map.of(), 404, "NotFound", "NOPE"),
                new Case("GET", "/api/relecloud/tickets/T-NOPE-1/image", null, Map.of(), 404, "NotFound", "T-NOPE-1"),
                new Case("GET", "/api/relecloud/concert-requests/cr-nope", null, Map.of(), 404, "NotFound", "cr-nope"),
                new Case("POST", "/api/relecloud/concerts", huge, Map.of(), 413, "RequestEntityTooLargeException", "limit"));
        for (Case c : cases) {
            Harness.User who = c.path().startsWith("/api/relecloud/concert") && c.method().equals("POST")
                    || c.path().startsWith("/api/relecloud/concert-requests") ? planner : agent;
            Harness.Response r = who.send(c.method(), c.path(), c.body(), c.headers());
            assertThat(r.status()).as(c.method() + " " + c.path() + " " + c.body()).isEqualTo(c.status());
            assertThat(r.error()).as(c.path()).isEqualTo(c.error());
            assertThat(r.json().path("message").asText()).as(c.path()).containsIgnoringCase(c.mentions());
        }
        List<Case> concerts = List.of(
                new Case("POST", "/api/relecloud/concerts", "{}", Map.of(), 400, "ValidationException", "title"),
                new Case("POST", "/api/relecloud/concerts", concertBody().replace("\"capacity\":10", "\"capacity\":0"),
                        Map.of(), 400, "ValidationException", "capacity"),
                new Case("POST", "/api/relecloud/concerts", concertBody().replace("2099-01-01T20:00:00Z", "soon"),
                        Map.of(), 400, "ValidationException", "startsAt"),
                new Case("POST", "/api/relecloud/concerts", concertBody().replace("\"priceCents\":100",
                        "\"priceCents\":\"cheap\""), Map.of(), 400, "ValidationException", "priceCents"),
                new Case("POST", "/api/relecloud/concerts", concertBody().replace("\"title\":\"T\"", "\"title\":\" \""),
                        Map.of(), 400, "ValidationException", "title"),
                new Case("POST", "/api/relecloud/concerts", concertBody().replace("}", ",\"colour\":\"red\"}"), Map.of(),
                        400, "ValidationException", "colour"));
        for (Case c : concerts) {
            Harness.Response r = planner.send(c.method(), c.path(), c.body(), c.headers());
            assertThat(r.status()).as(c.body()).isEqualTo(c.status());
            assertThat(r.json().path("message").asText()).as(c.body()).containsIgnoringCase(c.mentions());
        }
        List<Case> levers = List.of(
                new Case("PUT", "/api/relecloud/gateway", "{\"failureRate\": 2}", Map.of(), 400, "ValidationException",
                        "failureRate"),
                new Case("PUT", "/api/relecloud/gateway", "{\"outages\": [{\"start\": \"2030-01-02T00:00:00Z\", \"end\":"
                        + " \"2030-01-01T00:00:00Z\"}]}", Map.of(), 400, "ValidationException", "end"),
                new Case("PUT", "/api/v1/guard/flows/checkout/levers", "{\"degraded\": true}", Map.of(), 404,
                        "ResourceNotFoundException", "checkout"),
                new Case("PUT", "/api/v1/guard/flows/search-concerts/levers", "{\"degraded\": \"yes\"}", Map.of(), 400,
                        "ValidationException", "degraded"));
        for (Case c : levers) {
            Harness.Response r = operator.send(c.method(), c.path(), c.body(), c.headers());
            assertThat(r.status()).as(c.body()).isEqualTo(c.status());
            assertThat(r.json().path("message").asText()).as(c.body()).containsIgnoringCase(c.mentions());
        }
        assertThat(h.relecloud.store().concert(concert).seatsLeft()).isGreaterThanOrEqualTo(9);
        assertThat(h.relecloud.store().purchaseByKey(key)).isNull();
        assertThat(h.gateway.behaviour().failureRate()).isZero();
        assertThat(h.server.guard().degraded("search-concerts")).isFalse();
    }
}
