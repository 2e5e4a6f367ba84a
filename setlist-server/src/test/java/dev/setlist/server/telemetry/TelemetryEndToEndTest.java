package dev.setlist.server.telemetry;

import static dev.setlist.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.engine.ExecutionStatus;
import dev.setlist.flows.AlarmState;
import dev.setlist.flows.FlowMonitor;
import dev.setlist.flows.Incident;
import dev.setlist.flows.SloStatus;
import dev.setlist.server.TestServer;
import dev.setlist.server.auth.AuthStore;
import dev.setlist.server.http.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A server with a flow catalog and an OTLP collector configured, driven over HTTP: executions with
 * injected failures counted exactly by the flow's SLI and burning its budget into an alarm that an
 * operator acknowledges through the API; spans exported over OTLP/HTTP to a real local receiver;
 * the log line of a request carrying the request's trace id into the JSON log.
 */
class TelemetryEndToEndTest {
    /** Pays unless the input says {@code "fail": true}. */
    private static final String CHECKOUT = """
            {"StartAt": "Pay", "States": {
              "Pay": {"Type": "Choice", "Choices": [{"Variable": "$.fail", "BooleanEquals": true, "Next": "Declined"}],
                      "Default": "Paid"},
              "Declined": {"Type": "Fail", "Error": "PaymentDeclined", "Cause": "card refused"},
              "Paid": {"Type": "Succeed"}}}""";

    private static OtlpReceiver collector;
    private static TestServer server;
    private static String operatorKey;
    private static String viewerKey;

    @BeforeAll
    static void start() throws Exception {
        collector = new OtlpReceiver();
        Path flows = Path.of(TelemetryEndToEndTest.class.getResource("/telemetry-flows.yaml").toURI());
        server = new TestServer(c -> c.withFlows(flows).withTelemetry(true, collector.endpoint()));
        AuthStore store = server.server.authStore();
        operatorKey = key(store, "operator");
        viewerKey = key(store, "viewer");
    }

    private static String key(AuthStore store, String role) {
        store.createUser("admin", role + "-user", null);
        store.grant("admin", role + "-user", role, "*");
        return store.createApiKey("admin", role + "-user")[1];
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (collector != null) {
            collector.close();
        }
    }

    private static Map<String, String> bearer(String key) {
        return Map.of("Authorization", "Bearer " + key);
    }

    @Test
    void sli_executionsWithInjectedFailures_countedExactly_alarmAcknowledgedThroughTheApi() throws Exception {
        String machine = server.machine("checkout", CHECKOUT, "STANDARD");
        List<String> started = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String input = i % 7 == 3 ? "{\"fail\": true}" : "{\"fail\": false}"; // runs 3, 10 and 17 fail
            started.add(server.ok("StartExecution", json("stateMachineArn", machine, "input", input))
                    .get("executionArn").asText());
        }
        int failed = 0;
        for (String arn : started) {
            ExecutionInfo end = server.server.engine().awaitExecution(arn, Duration.ofSeconds(30));
            assertThat(end.status()).isIn(ExecutionStatus.SUCCEEDED, ExecutionStatus.FAILED);
            failed += end.status() == ExecutionStatus.FAILED ? 1 : 0;
        }
        assertThat(failed).isEqualTo(3);
        FlowMonitor monitor = server.server.flowMonitor();
        monitor.flush();

        // 20 StartExecution requests answered 200 and 20 executions, 3 of them FAILED.
        SloStatus s = monitor.slo("checkout");
        assertThat(s.good()).isEqualTo(37);
        assertThat(s.bad()).isEqualTo(3);
        assertThat(s.availability()).isCloseTo(37 / 40.0, within(1e-9));
        // A 99.5% objective allows 0.2 bad outcomes of 40; 3 spent 15 budgets.
        assertThat(s.budgetRemaining()).isCloseTo(1 - 3 / (0.005 * 40), within(1e-9));
        assertThat(s.burnRates().getFirst().longRate()).isCloseTo(15.0, within(1e-9));

        monitor.evaluate();
        assertThat(monitor.alarm("checkout:burn-rate-1h").state()).isEqualTo(AlarmState.ALARM);
        Incident incident = monitor.openIncidents().stream().filter(i -> i.alarm().equals("checkout:burn-rate-1h"))
                .findFirst().orElseThrow();

        String ack = "/api/v1/flows/incidents/" + incident.id() + "/ack";
        assertThat(server.post(ack, bearer(viewerKey), new byte[0]).errorType()).isEqualTo("AccessDeniedException");
        TestServer.Response acked = server.post(ack, bearer(operatorKey), new byte[0]);
        assertThat(acked.status()).isEqualTo(200);
        assertThat(acked.body().get("state").asText()).isEqualTo("ACKNOWLEDGED");
        assertThat(acked.body().get("acknowledgedBy").asText()).isEqualTo("operator-user");
        assertThat(monitor.incident(incident.id()).state()).isEqualTo(Incident.State.ACKNOWLEDGED);
        TestServer.Response again = server.post(ack, bearer(operatorKey), new byte[0]);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.errorType()).isEqualTo("ConflictException");
    }

    @Test
    void otlp_spansOfARequestReachTheConfiguredCollector() throws Exception {
        String traceId = "0af7651916cd43dd8448eb211c80319c";
        String parent = "b7ad6b7169203331";
        TestServer.Response r = server.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(server.endpoint() + "/healthz")).header("traceparent", "00-" + traceId + "-" + parent
                + "-01").GET().build());
        assertThat(r.status()).isEqualTo(200);

        OtlpReceiver.ReceivedSpan span = awaitSpan(traceId, "GET /healthz");
        assertThat(span.parentSpanId()).isEqualTo(parent);
        assertThat(span.kind()).isEqualTo(2); // SPAN_KIND_SERVER
        assertThat(span.attributes()).containsEntry("setlist.flow", "status").containsEntry("http.route", "/healthz")
                .containsEntry("http.response.status_code", "200");
        assertThat(span.resource()).containsEntry("service.name", "setlist");
        assertThat(collector.contentTypes).allMatch(t -> t.startsWith("application/x-protobuf"));
    }

    private static OtlpReceiver.ReceivedSpan awaitSpan(String traceId, String name) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (OtlpReceiver.ReceivedSpan s : collector.spans) {
                if (s.traceId().equals(traceId) && s.name().equals(name)) {
                    return s;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no span " + name + " of trace " + traceId + " among " + collector.spans);
    }

    @Test
    void jsonLogs_aRequestsLogLineCarriesItsTraceId() throws Exception {
        Logger clientLog = (Logger) LoggerFactory.getLogger("setlist.client");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.setContext(clientLog.getLoggerContext());
        lines.start();
        clientLog.addAppender(lines);
        String traceId = "5b8efff798038103d269b633813fc60c";
        try {
            TestServer.Response r = server.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(server.endpoint() + "/api/v1/telemetry"))
                    .header("Authorization", "Bearer " + viewerKey)
                    .header("traceparent", "00-" + traceId + "-eee19b7ec3c1b174-01")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"level\": \"error\", \"message\": \"TypeError: seat is undefined\", \"page\": \"/seats\"}"))
                    .build());
            assertThat(r.status()).isEqualTo(202);
        } finally {
            clientLog.detachAppender(lines);
        }
        ILoggingEvent line = lines.list.stream().filter(e -> e.getFormattedMessage().contains("seat is undefined"))
                .findFirst().orElseThrow();
        assertThat(line.getMDCPropertyMap()).containsEntry("traceId", traceId);
        String spanId = line.getMDCPropertyMap().get("spanId");
        assertThat(spanId).matches("[0-9a-f]{16}");

        JsonEncoder encoder = new JsonEncoder(); // what logback-serve.xml writes with (JsonLogsTest)
        encoder.setContext(clientLog.getLoggerContext());
        encoder.start();
        JsonNode json = Json.MAPPER.readTree(new String(encoder.encode(line), StandardCharsets.UTF_8));
        assertThat(json.at("/mdc/traceId").asText()).isEqualTo(traceId);
        assertThat(json.at("/mdc/spanId").asText()).isEqualTo(spanId);
        assertThat(json.get("level").asText()).isEqualTo("ERROR");
        // The span id in the log is the request's server span, as the collector received it.
        OtlpReceiver.ReceivedSpan span = awaitSpan(traceId, "POST /api/v1/telemetry");
        assertThat(span.spanId()).isEqualTo(spanId);
    }
}
