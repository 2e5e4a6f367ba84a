package dev.setlist.server.telemetry;

import static dev.setlist.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.events.Target;
import dev.setlist.server.TestServer;
import dev.setlist.server.auth.AuthStore;
import dev.setlist.server.http.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Metrics, traces, flows and client reports of a server holding a two-flow catalog: counters read
 * back from {@code /metrics} through a strict Prometheus text reader, one trace id followed from an
 * HTTP request through an execution and an event rule into a second execution.
 */
class TelemetryTest {
    private static final String PASS = "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"End\":true}}}";
    private static final String TASK = "{\"StartAt\":\"Send\",\"States\":{\"Send\":{\"Type\":\"Task\","
            + "\"Resource\":\"arn:aws:states:::sqs:sendMessage\",\"Parameters\":{\"QueueUrl\":\"q\",\"MessageBody\":{}},"
            + "\"End\":true}}}";

    private static TestServer server;
    private static String viewerKey;
    private static String operatorKey;
    private static String reporterKey;

    @BeforeAll
    static void start() throws Exception {
        Path flows = Path.of(TelemetryTest.class.getResource("/telemetry-flows.yaml").toURI());
        server = new TestServer(c -> c.withFlows(flows));
        AuthStore store = server.server.authStore();
        viewerKey = key(store, "viewer");
        operatorKey = key(store, "operator");
        reporterKey = key(store, "viewer", "reporter");
    }

    private static String key(AuthStore store, String role) {
        return key(store, role, role + "-user");
    }

    private static String key(AuthStore store, String role, String user) {
        store.createUser("admin", user, null);
        store.grant("admin", user, role, "*");
        return store.createApiKey("admin", user)[1];
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Map<String, Double> metrics() {
        TestServer.Response r = server.get("/metrics", Map.of());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().get("content-type").get(0)).startsWith("text/plain; version=0.0.4");
        return PrometheusText.parse(r.raw());
    }

    @Test
    void metrics_countRequestsAndExecutionsByFlow() {
        String machine = server.machine("checkout", PASS, "STANDARD");
        Map<String, Double> before = metrics();
        for (int i = 0; i < 3; i++) {
            assertThat(server.get("/healthz", Map.of()).status()).isEqualTo(200);
        }
        String exec = server.ok("StartExecution", json("stateMachineArn", machine)).get("executionArn").asText();
        assertThat(server.await(exec).get("status").asText()).isEqualTo("SUCCEEDED");
        Map<String, Double> after = metrics();

        Map<String, String> health = Map.of("flow", "status", "route", "/healthz", "status", "200");
        assertThat(delta(before, after, "setlist_http_server_requests_seconds_count", health)).isEqualTo(3);
        assertThat(PrometheusText.sum(after, "setlist_http_server_requests_seconds_bucket",
                Map.of("flow", "status", "le", "+Inf"))).isGreaterThanOrEqualTo(3);
        assertThat(delta(before, after, "setlist_http_server_requests_seconds_count",
                Map.of("flow", "checkout", "route", "/", "status", "200"))).isGreaterThanOrEqualTo(1);
        assertThat(delta(before, after, "setlist_executions_started_total", Map.of("flow", "checkout"))).isEqualTo(1);
        assertThat(delta(before, after, "setlist_executions_seconds_count",
                Map.of("flow", "checkout", "status", "SUCCEEDED"))).isEqualTo(1);
        server.server.flowMonitor().flush();
        assertThat(server.server.flowMonitor().slo("status").total()).isGreaterThanOrEqualTo(3);
        assertThat(server.server.flowMonitor().slo("checkout").good()).isGreaterThanOrEqualTo(1);
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String name,
                                Map<String, String> labels) {
        return PrometheusText.sum(after, name, labels) - PrometheusText.sum(before, name, labels);
    }

    @Test
    void traceContext_survivesRequestExecutionEventAndRule() throws Exception {
        String first = server.machine("checkout-traced", TASK, "STANDARD");
        String second = server.machine("fulfil", PASS, "STANDARD");
        server.server.eventBus().putRule("checkout-done", null, "{\"source\": [\"aws.states\"], \"detail\": {"
                + "\"stateMachineArn\": [\"" + first + "\"], \"status\": [\"SUCCEEDED\"]}}", null, null, null);
        server.server.eventBus().putTargets("checkout-done", null, List.of(Target.of("fulfil", second)));

        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String parentSpan = "00f067aa0ba902b7";
        TestServer.Response started = server.callAs(TestServer.KEY_ID, TestServer.SECRET, "StartExecution",
                Json.bytes(json("stateMachineArn", first)), Map.of("traceparent", "00-" + traceId + "-" + parentSpan + "-01"));
        assertThat(started.status()).isEqualTo(200);
        ExecutionInfo firstInfo = server.server.engine().describeExecution(started.body().get("executionArn").asText());
        assertThat(Traceparent.traceId(firstInfo.traceHeader())).isEqualTo(traceId);

        ExecutionInfo secondInfo = awaitExecutionOf(second);
        assertThat(Traceparent.traceId(secondInfo.traceHeader())).isEqualTo(traceId);

        JsonNode trace = awaitSpans(traceId, "deliver checkout-done", "execution fulfil", "task Send");
        List<String> names = new ArrayList<>();
        trace.get("spans").forEach(s -> names.add(s.get("name").asText()));
        assertThat(names).contains("POST / AWSStepFunctions.StartExecution", "execution checkout-traced",
                "deliver checkout-done", "execution fulfil");
        JsonNode server0 = find(trace, "POST / AWSStepFunctions.StartExecution");
        assertThat(server0.get("parentSpanId").asText()).isEqualTo(parentSpan);
        assertThat(server0.get("kind").asText()).isEqualTo("SERVER");
        assertThat(find(trace, "execution checkout-traced").get("parentSpanId").asText())
                .isEqualTo(server0.get("spanId").asText());
        assertThat(find(trace, "task Send").get("parentSpanId").asText())
                .isEqualTo(find(trace, "execution checkout-traced").get("spanId").asText());
        assertThat(find(trace, "deliver checkout-done").get("attributes").get("setlist.flow").asText())
                .isEqualTo("checkout");
        assertThat(server.get("/api/v1/traces/" + traceId, Map.of()).status()).isEqualTo(401);
        assertThat(server.get("/api/v1/traces/not-hex", bearer(viewerKey)).status()).isEqualTo(400);
    }

    private static JsonNode find(JsonNode trace, String name) {
        for (JsonNode s : trace.get("spans")) {
            if (s.get("name").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no span " + name + " in " + trace);
    }

    private static ExecutionInfo awaitExecutionOf(String machine) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            var page = server.server.engine().listExecutions(machine, null, null, 10, null);
            if (!page.items().isEmpty()) {
                return server.server.engine().describeExecution(page.items().get(0).arn());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no execution of " + machine);
    }

    private static JsonNode awaitSpans(String traceId, String... names) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            TestServer.Response r = server.get("/api/v1/traces/" + traceId, bearer(viewerKey));
            if (r.status() == 200) {
                last = r.body();
                String text = r.raw();
                if (java.util.Arrays.stream(names).allMatch(n -> text.contains("\"" + n + "\""))) {
                    return last;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("trace " + traceId + " lacks " + List.of(names) + ": " + last);
    }

    private static Map<String, String> bearer(String key) {
        return Map.of("Authorization", "Bearer " + key);
    }

    @Test
    void flows_listedWithTheirServiceLevelForViewers_acknowledgedByOperators() {
        TestServer.Response r = server.get("/api/v1/flows", bearer(viewerKey));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().get("workload").asText()).isEqualTo("shop");
        JsonNode checkout = r.body().get("flows").get(0);
        assertThat(checkout.get("id").asText()).isEqualTo("checkout");
        assertThat(checkout.at("/slo/objective").asDouble()).isBetween(0.99, 1.0);
        assertThat(checkout.at("/slo/burnRates").size()).isGreaterThan(0);
        assertThat(checkout.get("alarms").size()).isGreaterThan(0);
        assertThat(server.get("/api/v1/flows", Map.of()).status()).isEqualTo(401);

        String ack = "/api/v1/flows/incidents/nope/ack";
        assertThat(server.post(ack, bearer(viewerKey), new byte[0]).errorType()).isEqualTo("AccessDeniedException");
        TestServer.Response missing = server.post(ack, bearer(operatorKey), new byte[0]);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.errorType()).isEqualTo("ResourceNotFoundException");
    }

    @Test
    void alarmStateChange_publishedOnTheBus() throws Exception {
        String sink = server.machine("alarm-sink", PASS, "STANDARD");
        server.server.eventBus().putRule("flow-alarms", null, "{\"source\": [\"setlist.flows\"], \"detail-type\":"
                + " [\"Flow Alarm State Change\"], \"detail\": {\"flow\": [\"status\"], \"state\": [\"ALARM\"]}}",
                null, null, null);
        server.server.eventBus().putTargets("flow-alarms", null, List.of(Target.of("sink", sink)));
        for (int i = 0; i < 50; i++) {
            server.server.flowMonitor().record("status", false, java.time.Duration.ofMillis(5), "HTTP 503");
        }
        server.server.flowMonitor().evaluate();
        JsonNode input = Json.MAPPER.readTree(awaitExecutionOf(sink).input());
        assertThat(input.get("source").asText()).isEqualTo("setlist.flows");
        assertThat(input.at("/detail/alarm").asText()).startsWith("status:burn-rate-");
        assertThat(input.at("/detail/previousState").asText()).isEqualTo("OK");
    }

    @Test
    void clientReports_countedByFlow_badInputRefusedWith4xx() {
        Map<String, Double> before = metrics();
        Map<String, String> h = bearer(viewerKey);
        TestServer.Response ok = server.post("/api/v1/telemetry", h, ("{\"level\": \"error\", \"message\": \"TypeError: x is"
                + " undefined\", \"page\": \"/checkout\", \"flow\": \"checkout\", \"time\": \"2026-11-25T10:00:00Z\"}")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(ok.status()).isEqualTo(202);
        TestServer.Response batch = server.post("/api/v1/telemetry", h, ("[{\"level\": \"warning\", \"message\": \"slow\"},"
                + " {\"level\": \"warn\", \"message\": \"slower\", \"flow\": \"no-such-flow\"}]").getBytes(StandardCharsets.UTF_8));
        assertThat(batch.body().get("accepted").asInt()).isEqualTo(2);
        Map<String, Double> after = metrics();
        assertThat(delta(before, after, "setlist_client_events_total", Map.of("flow", "checkout", "level", "error"))).isEqualTo(1);
        assertThat(delta(before, after, "setlist_client_events_total", Map.of("flow", "none", "level", "warning"))).isEqualTo(2);

        for (String bad : List.of("{", "", "null", "42", "[1]", "{\"level\": \"error\"}", "{\"message\": \"m\"}",
                "{\"level\": \"fatal\", \"message\": \"m\"}", "{\"level\": \"error\", \"message\": 7}",
                "{\"level\": \"error\", \"message\": \"m\", \"time\": \"yesterday\"}",
                "{\"level\": \"error\", \"message\": \"" + "m".repeat(5000) + "\"}")) {
            TestServer.Response r = server.post("/api/v1/telemetry", h, bad.getBytes(StandardCharsets.UTF_8));
            assertThat(r.status()).as(bad.length() > 60 ? bad.substring(0, 60) : bad).isBetween(400, 499);
        }
        byte[] huge = ("{\"level\": \"error\", \"message\": \"" + "m".repeat(200_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(server.post("/api/v1/telemetry", h, huge).status()).isEqualTo(413);
        assertThat(server.post("/api/v1/telemetry", Map.of(), "{}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(401);
    }

    @Test
    void clientReports_overTheRate_429WithRetryAfter() {
        byte[] body = "{\"level\": \"error\", \"message\": \"m\"}".getBytes(StandardCharsets.UTF_8);
        TestServer.Response last = null;
        for (int i = 0; i < 30 && (last == null || last.status() != 429); i++) {
            last = server.post("/api/v1/telemetry", bearer(reporterKey), body);
        }
        assertThat(last.status()).isEqualTo(429);
        assertThat(Long.parseLong(last.headers().get("retry-after").get(0))).isPositive();
    }
}
