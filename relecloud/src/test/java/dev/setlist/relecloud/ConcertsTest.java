package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.flows.Bindings;
import dev.setlist.flows.Catalog;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Creating concerts asynchronously, listing and searching them, and the flow catalog's bindings. */
class ConcertsTest {
    static Harness h;
    static Harness.User planner;
    static Harness.User agent;

    @BeforeAll
    static void start() {
        h = new Harness();
        planner = h.login("pat");
        agent = h.login("ana");
        h.concert("Midnight Echoes", "Indie", 100, 4500, 20);
        h.concert("Highway Lights", "Rock", 100, 2500, 5);
        h.concert("Blue Hours", "Jazz", 100, 8000, 40);
        h.concert("Rock the Harbor", "Rock", 100, 6000, 60);
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void plannerCreatesConcert_asynchronously_andItIsListedAndFound() {
        String startsAt = h.server.clock().now().plus(Duration.ofDays(30)).toString();
        Harness.Response r = planner.post("/api/relecloud/concerts", "{\"title\":\"Aurora Sessions\",\"artist\":\"Polaris"
                + " Quartet\",\"genre\":\"Classical\",\"venue\":\"Lumen Theater\",\"location\":\"New York, NY\",\"startsAt\":\""
                + startsAt + "\",\"priceCents\":5500,\"capacity\":300}");
        assertThat(r.status()).isEqualTo(202);
        String status = r.json().path("statusUrl").asText();
        assertThat(r.json().path("status").asText()).isEqualTo("PENDING");

        JsonNode done = Harness.eventually(() -> planner.get(status).json(),
                j -> j.path("status").asText().equals("SUCCEEDED") || j.path("status").asText().equals("FAILED"));
        assertThat(done.path("status").asText()).isEqualTo("SUCCEEDED");
        long id = done.path("concertId").asLong();
        assertThat(done.path("executionArn").asText()).contains("create-concert");
        JsonNode concert = agent.get("/api/relecloud/concerts/" + id).json();
        assertThat(concert.path("seatsLeft").asInt()).isEqualTo(300);
        assertThat(concert.path("title").asText()).isEqualTo("Aurora Sessions");
        JsonNode found = agent.get("/api/relecloud/search?q=polaris").json();
        assertThat(found.path("degraded").asBoolean()).isFalse();
        assertThat(found.path("items").findValuesAsText("title")).containsExactly("Aurora Sessions");
        JsonNode list = Harness.eventually(() -> agent.get("/api/relecloud/concerts?size=100").json(),
                j -> j.path("items").findValuesAsText("title").contains("Aurora Sessions"));
        assertThat(list.path("items").findValuesAsText("title")).contains("Aurora Sessions");
        assertThat(planner.get("/api/relecloud/concert-requests").json().path("items").findValuesAsText("requestId"))
                .contains(r.json().path("requestId").asText());
    }

    @Test
    void concertInThePast_isRejectedByTheStateMachine_withItsReason() {
        Harness.Response r = planner.post("/api/relecloud/concerts", "{\"title\":\"Yesterday\",\"artist\":\"Late\","
                + "\"genre\":\"Pop\",\"venue\":\"Nowhere\",\"location\":\"Here\",\"startsAt\":\"2020-01-01T20:00:00Z\","
                + "\"priceCents\":100,\"capacity\":10}");
        assertThat(r.status()).isEqualTo(202);
        JsonNode done = Harness.eventually(() -> planner.get(r.json().path("statusUrl").asText()).json(),
                j -> j.path("status").asText().equals("FAILED") || j.path("status").asText().equals("SUCCEEDED"));
        assertThat(done.path("status").asText()).isEqualTo("FAILED");
        assertThat(done.path("error").asText()).isEqualTo("Concert.Invalid");
        assertThat(done.path("cause").asText()).contains("past");
    }

    @Test
    void upcomingList_isPagedAndSoonestFirst() {
        JsonNode page0 = agent.get("/api/relecloud/concerts?page=0&size=2").json();
        JsonNode page1 = agent.get("/api/relecloud/concerts?page=1&size=2").json();
        assertThat(page0.path("items")).hasSize(2);
        assertThat(page0.path("total").asInt()).isGreaterThanOrEqualTo(4);
        assertThat(page0.path("items").get(0).path("title").asText()).isEqualTo("Highway Lights");
        assertThat(page0.path("items").get(1).path("startsAt").asText())
                .isLessThanOrEqualTo(page1.path("items").get(0).path("startsAt").asText());
        assertThat(page0.has("stale")).isFalse();
    }

    @Test
    void search_filtersSortsAndPages() {
        assertThat(agent.get("/api/relecloud/search?q=rock").json().path("items").findValuesAsText("title"))
                .containsExactlyInAnyOrder("Highway Lights", "Rock the Harbor");
        assertThat(agent.get("/api/relecloud/search?genre=rock&sort=-price").json().path("items").findValuesAsText("title"))
                .containsExactly("Rock the Harbor", "Highway Lights");
        assertThat(agent.get("/api/relecloud/search?minPrice=4000&maxPrice=7000&sort=price").json().path("items")
                .findValuesAsText("title")).containsExactly("Midnight Echoes", "Rock the Harbor");
        String to = h.server.clock().now().plus(Duration.ofDays(10)).toString();
        assertThat(agent.get("/api/relecloud/search?to=" + q(to)).json().path("items").findValuesAsText("title"))
                .containsExactly("Highway Lights");
        assertThat(agent.get("/api/relecloud/search?q=harb*").json().path("items").findValuesAsText("title"))
                .containsExactly("Rock the Harbor");
        JsonNode paged = agent.get("/api/relecloud/search?genre=rock&sort=date&size=1&page=1").json();
        assertThat(paged.path("items").findValuesAsText("title")).containsExactly("Rock the Harbor");
        assertThat(paged.path("total").asInt()).isEqualTo(2);
        assertThat(agent.get("/api/relecloud/search?q=" + q("\"unbalanced (")).status()).isEqualTo(200);
    }

    @Test
    void degradedSearch_followsTheGuardsLever_answersFromTheList_andSaysSo() {
        Harness.User operator = h.login("olu");
        String levers = "/api/v1/guard/flows/search-concerts/levers";
        Harness.Response pulled = operator.put(levers, "{\"degraded\": true, \"reason\": \"index rebuild\"}");
        assertThat(pulled.status()).isEqualTo(200);
        assertThat(pulled.json().path("degraded").asBoolean()).isTrue();
        try {
            JsonNode r = agent.get("/api/relecloud/search?q=rock&sort=price").json();
            assertThat(r.path("degraded").asBoolean()).isTrue();
            assertThat(r.path("reason").asText()).contains("degraded");
            assertThat(r.path("items").findValuesAsText("title")).containsExactly("Highway Lights", "Rock the Harbor");
        } finally {
            assertThat(operator.put(levers, "{\"degraded\": false}").status()).isEqualTo(200);
        }
        assertThat(agent.get("/api/relecloud/search?q=rock").json().path("degraded").asBoolean()).isFalse();
        Harness.Response audit = h.login("admin").get("/api/v1/audit");
        assertThat(audit.bytes()).asString().contains("SetGuardLevers").contains("search-concerts");
    }

    @Test
    void theOldDegradedEndpoint_isGone() {
        assertThat(h.login("olu").put("/api/relecloud/degraded", "{\"search-concerts\": true}").status()).isEqualTo(404);
    }

    @Test
    void rootRedirectsToTheConsole() {
        Harness.Response r = h.anonymous().get("/");
        assertThat(r.status()).isIn(301, 302, 303);
        assertThat(r.raw().headers().firstValue("Location")).hasValue("/console/");
    }

    @Test
    void flowCatalog_bindsEveryFlowToRealRoutesMachinesAndRules() {
        Set<String> machines = new HashSet<>();
        h.server.engine().listStateMachines(1000, null).items().forEach(m -> machines.add(m.name()));
        Set<String> rules = new HashSet<>();
        h.server.eventBus().listRules(null, null).forEach(r -> rules.add(r.name()));
        assertThat(Catalog.check(h.relecloud.flowsYaml(), Bindings.of(h.server.routes(), machines, rules))).isEmpty();
        Catalog catalog = Catalog.parse(h.relecloud.flowsYaml(), Bindings.ANY);
        assertThat(catalog.flows()).hasSize(6);
    }
}
