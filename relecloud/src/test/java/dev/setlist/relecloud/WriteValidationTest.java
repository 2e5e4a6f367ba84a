package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every write route checks every parameter (query, headers, body, the card) before its first
 * effect: each bad parameter is a 400 naming it, and afterwards no table row, no execution, no
 * card token and no gateway authorization or behaviour has changed.
 */
class WriteValidationTest {
    static Harness h;
    static Harness.User agent;
    static Harness.User planner;
    static Harness.User operator;
    static long concert;
    static long customer;

    @BeforeAll
    static void start() {
        h = new Harness();
        agent = h.login("ana");
        planner = h.login("pat");
        operator = h.login("olu");
        concert = h.concert("Checked", "Rock", 10, 1000, 10);
        customer = agent.post("/api/relecloud/customers", "{\"email\":\"val@example.com\",\"name\":\"Val\"}").json()
                .path("id").asLong();
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    record Case(Harness.User who, String method, String path, String body, Map<String, String> headers,
                String mentions) {}

    private static String cart(String extra) {
        return "{\"customerId\":" + customer + ",\"items\":[{\"concertId\":" + concert + ",\"quantity\":1}]" + extra + "}";
    }

    private static String card(String number, String expiry) {
        return cart(",\"card\":{\"number\":" + number + ",\"expiry\":" + expiry + "}");
    }

    private static String concertBody() {
        return "{\"title\":\"T\",\"artist\":\"A\",\"genre\":\"G\",\"venue\":\"V\",\"location\":\"L\",\"startsAt\":\""
                + h.server.clock().now().plus(java.time.Duration.ofDays(30)) + "\",\"priceCents\":100,\"capacity\":10}";
    }

    @Test
    void everyBadParameter_ofEveryWriteRoute_isA400_thatChangesNothing() throws Exception {
        Map<String, String> key = Map.of("Idempotency-Key", "key-" + UUID.randomUUID());
        String p = "/api/relecloud/purchases";
        YearMonth lastMonth = YearMonth.from(h.server.clock().now().atZone(ZoneOffset.UTC)).minusMonths(1);
        String past = "\"" + String.format("%02d/%02d", lastMonth.getMonthValue(), lastMonth.getYear() % 100) + "\"";
        String newFan = "{\"customer\":{\"email\":\"brand.new@example.com\",\"name\":\"New\"},\"items\":[{\"concertId\":"
                + "424242,\"quantity\":1}]}";
        List<Case> cases = List.of(
                new Case(agent, "POST", p + "?wait=abc", cart(""), key, "wait"),
                new Case(agent, "POST", p + "?wait=-1", cart(""), key, "wait"),
                new Case(agent, "POST", p + "?wait=21", cart(""), key, "wait"),
                new Case(agent, "POST", p + "?wait=1&wait=2", cart(""), key, "wait"),
                new Case(agent, "POST", p + "?colour=red", cart(""), key, "colour"),
                new Case(agent, "POST", p, cart(""), Map.of(), "Idempotency-Key"),
                new Case(agent, "POST", p, cart(""), Map.of("Idempotency-Key", "short"), "Idempotency-Key"),
                new Case(agent, "POST", p, "{not json", key, "JSON"),
                new Case(agent, "POST", p, cart(",\"x\":1"), key, "'x'"),
                new Case(agent, "POST", p, "{\"customerId\":" + customer + "}", key, "items"),
                new Case(agent, "POST", p, "{\"customerId\":" + customer + ",\"items\":[{\"concertId\":" + concert
                        + ",\"quantity\":0}]}", key, "quantity"),
                new Case(agent, "POST", p, "{\"customerId\":" + customer + ",\"items\":[{\"concertId\":" + concert
                        + ",\"quantity\":1,\"priceCents\":0}]}", key, "items[0].priceCents"),
                new Case(agent, "POST", p, "{\"customerId\":" + customer + ",\"items\":[{\"concertId\":424242,"
                        + "\"quantity\":1}]}", key, "424242"),
                new Case(agent, "POST", p, "{\"customerId\":424242,\"items\":[{\"concertId\":" + concert
                        + ",\"quantity\":1}]}", key, "424242"),
                new Case(agent, "POST", p, newFan, key, "424242"),
                new Case(agent, "POST", p, newFan.replace("brand.new@example.com", "nope"), key, "customer.email"),
                new Case(agent, "POST", p, newFan.replace("\"name\":\"New\"", "\"name\":\"New\",\"vip\":true"), key,
                        "vip"),
                new Case(agent, "POST", p, cart(",\"card\":\"4242424242424242\""), key, "card"),
                new Case(agent, "POST", p, cart(",\"card\":{\"expiry\":\"12/99\"}"), key, "card.number"),
                new Case(agent, "POST", p, card("\"4242x42424242424\"", "\"12/99\""), key, "card.number"),
                new Case(agent, "POST", p, card("4242424242424242", "\"12/99\""), key, "card.number"),
                new Case(agent, "POST", p, card("\"4242424242424241\"", "\"12/99\""), key, "Luhn"),
                new Case(agent, "POST", p, cart(",\"card\":{\"number\":\"4242424242424242\"}"), key, "card.expiry"),
                new Case(agent, "POST", p, card("\"4242424242424242\"", "\"13/99\""), key, "card.expiry"),
                new Case(agent, "POST", p, card("\"4242424242424242\"", past), key, "past"),
                new Case(agent, "POST", p, cart(",\"card\":{\"number\":\"4242424242424242\",\"expiry\":\"12/99\","
                        + "\"cvc\":\"123\"}"), key, "card.cvc"),
                new Case(agent, "POST", p, cart(",\"card\":{\"number\":\"4242424242424242\",\"expiry\":\"12/99\","
                        + "\"holder\":\"" + "x".repeat(201) + "\"}"), key, "card.holder"),
                new Case(agent, "POST", "/api/relecloud/customers", "{\"email\":\"not-an-email\",\"name\":\"X\"}",
                        Map.of(), "email"),
                new Case(agent, "POST", "/api/relecloud/customers", "{\"email\":\"a@b.example\"}", Map.of(), "name"),
                new Case(agent, "POST", "/api/relecloud/customers", "{\"email\":\"a@b.example\",\"name\":\"A\","
                        + "\"admin\":true}", Map.of(), "admin"),
                new Case(agent, "POST", "/api/relecloud/customers?force=1", "{\"email\":\"a@b.example\",\"name\":\"A\"}",
                        Map.of(), "force"),
                new Case(planner, "POST", "/api/relecloud/concerts", "{}", Map.of(), "title"),
                new Case(planner, "POST", "/api/relecloud/concerts", concertBody().replace("\"capacity\":10",
                        "\"capacity\":0"), Map.of(), "capacity"),
                new Case(planner, "POST", "/api/relecloud/concerts", concertBody().replace("}", ",\"colour\":\"red\"}"),
                        Map.of(), "colour"),
                new Case(planner, "POST", "/api/relecloud/concerts?dryRun=false", concertBody(), Map.of(), "dryRun"),
                new Case(operator, "PUT", "/api/relecloud/gateway", "{\"failureRate\": 2}", Map.of(), "failureRate"),
                new Case(operator, "PUT", "/api/relecloud/gateway", "{\"failureRate\": 1, \"blackhole\": true}", Map.of(),
                        "blackhole"),
                new Case(operator, "PUT", "/api/relecloud/gateway", "{\"declineRate\": 1, \"latencyMs\": {\"median\": 1,"
                        + " \"p95\": 5}}", Map.of(), "p95"),
                new Case(operator, "PUT", "/api/relecloud/gateway", "{\"down\": true, \"outages\": [{\"start\":"
                        + " \"2030-01-02T00:00:00Z\", \"end\": \"2030-01-01T00:00:00Z\"}]}", Map.of(), "end"));
        Map<String, Long> before = snapshot();
        for (Case c : cases) {
            Harness.Response r = c.who().send(c.method(), c.path(), c.body(), c.headers());
            String what = c.method() + " " + c.path() + " " + c.body() + " " + c.headers();
            assertThat(r.status()).as(what).isEqualTo(400);
            assertThat(r.json().path("message").asText()).as(what).containsIgnoringCase(c.mentions());
            assertThat(r.json().path("message").asText()).as(what).doesNotContain("4242424242424242");
            assertThat(snapshot()).as("nothing changed after " + what).isEqualTo(before);
        }
        // The same purchase with good parameters does buy: the cases failed for their bad parameter alone.
        Harness.Response ok = agent.post(p + "?wait=20", card("\"4242 4242 4242 4242\"", "\"12/99\""), key);
        assertThat(ok.status()).isEqualTo(201);
        assertThat(ok.json().path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(snapshot()).isNotEqualTo(before);
    }

    /** Rows per Relecloud table, executions per state machine, card tokens, authorizations, the gateway's behaviour. */
    static Map<String, Long> snapshot() throws SQLException {
        Map<String, Long> counts = new TreeMap<>();
        try (Connection c = h.server.engine().dataSource().getConnection(); Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getTables(null, null, "%", null)) {
                while (rs.next()) {
                    String t = rs.getString("TABLE_NAME");
                    if (t.toLowerCase().startsWith("relecloud_") && !t.toLowerCase().contains("schema_history")) {
                        tables.add(t);
                    }
                }
            }
            assertThat(tables).hasSizeGreaterThanOrEqualTo(6);
            for (String t : tables) {
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + t)) {
                    rs.next();
                    counts.put(t.toLowerCase(), rs.getLong(1));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT state_machine_arn, COUNT(*) FROM sl_execution GROUP BY"
                    + " state_machine_arn")) {
                while (rs.next()) {
                    counts.put("executions of " + rs.getString(1), rs.getLong(2));
                }
            }
        }
        counts.put("card tokens", (long) h.gateway.tokenCount());
        counts.put("authorizations", (long) h.gateway.authorizations().size());
        counts.put("gateway behaviour", (long) h.gateway.behaviour().hashCode());
        return counts;
    }
}
