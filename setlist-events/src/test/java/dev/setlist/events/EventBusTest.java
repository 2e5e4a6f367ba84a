package dev.setlist.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.setlist.asl.Clock;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.engine.Engine;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.engine.ExecutionStatus;
import dev.setlist.engine.StateMachineInfo;
import dev.setlist.engine.StateMachineType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Publishing, routing and durable delivery on an embedded database, with a real HTTP endpoint. */
class EventBusTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ECHO = """
            {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": true}}}""";

    @TempDir
    Path dir;
    Engine engine;
    EventBus bus;
    HttpServer http;
    final AtomicInteger failuresLeft = new AtomicInteger();
    final AtomicInteger httpStatus = new AtomicInteger(500);
    final List<String> received = new CopyOnWriteArrayList<>();
    final AtomicInteger attempts = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        engine = newEngine();
        bus = newBus(Clock.SYSTEM);
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/hook", exchange -> {
            attempts.incrementAndGet();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status = failuresLeft.getAndDecrement() > 0 ? httpStatus.get() : 204;
            if (status == 204) {
                received.add(body);
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        http.start();
    }

    Engine newEngine() {
        return Engine.builder().database("jdbc:h2:file:" + dir.resolve("db"), "sa", "")
                .tasks(new TaskInvoker.Registry()).poll(Duration.ofMillis(50)).build();
    }

    EventBus newBus(Clock clock) {
        EventBus b = EventBus.builder(engine).clock(clock).poll(Duration.ofMillis(50))
                .backoff(Duration.ofMillis(50), Duration.ofMillis(200)).build();
        engine.addEffects(b.executionEffects());
        return b;
    }

    @AfterEach
    void stop() {
        http.stop(0);
        bus.close();
        engine.close();
    }

    String hook() {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/hook";
    }

    static void eventually(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 400; i++) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(25);
        }
        assertThat(condition.getAsBoolean()).as("condition within 10 s").isTrue();
    }

    @Test
    void putEvents_matchingRule_startsTheStateMachineWithTheTransformedInput() throws Exception {
        StateMachineInfo sm = engine.createStateMachine("on-purchase", ECHO, StateMachineType.STANDARD, null, null);
        bus.putRule("purchases", null, "{\"source\": [\"relecloud.sales\"], \"detail-type\": [\"TicketsPurchased\"]}",
                null, null, null);
        bus.putTargets("purchases", null, List.of(new Target("render", sm.arn(), null, null,
                new Target.InputTransformer(Map.of("concert", "$.detail.concertId", "n", "$.detail.quantity"),
                        "{\"concert\": \"<concert>\", \"tickets\": <n>, \"rule\": \"<aws.events.rule-name>\"}"), null)));

        List<PutResult> results = bus.putEvents(List.of(
                PutEntry.of("relecloud.sales", "TicketsPurchased", "{\"concertId\": \"c-1\", \"quantity\": 2}"),
                PutEntry.of("relecloud.sales", "ConcertCreated", "{\"concertId\": \"c-2\"}"),
                PutEntry.of("relecloud.sales", "TicketsPurchased", "not json")));

        assertThat(results.get(0).eventId()).isNotNull();
        assertThat(results.get(1).eventId()).isNotNull();
        assertThat(results.get(2).errorCode()).isEqualTo("MalformedDetail");
        assertThat(results.get(2).errorMessage()).isEqualTo("Detail is malformed.");
        eventually(() -> engine.listExecutions(sm.arn(), null, null, null, null).items().size() == 1);
        ExecutionInfo e = engine.listExecutions(sm.arn(), null, null, null, null).items().get(0);
        ExecutionInfo done = engine.awaitExecution(e.arn(), Duration.ofSeconds(10));
        assertThat(JSON.readTree(done.output())).isEqualTo(JSON.readTree(
                "{\"concert\": \"c-1\", \"tickets\": 2, \"rule\": \"purchases\"}"));
    }

    @Test
    void httpTarget_failingForAWhile_isRetriedWithBackoff_andDeliveredOnce() throws Exception {
        bus.putRule("hook", null, "{\"source\": [\"relecloud.sales\"]}", null, null, null);
        bus.putTargets("hook", null, List.of(new Target("h", hook(), null, "$.detail", null, null)));
        failuresLeft.set(3);

        bus.putEvents(List.of(PutEntry.of("relecloud.sales", "Sold", "{\"n\": 1}")));

        eventually(() -> received.size() == 1);
        assertThat(attempts.get()).isEqualTo(4);
        assertThat(JSON.readTree(received.get(0))).isEqualTo(JSON.readTree("{\"n\": 1}"));
        Thread.sleep(300);
        assertThat(received).hasSize(1);
        eventually(() -> bus.deliveryCounts().isEmpty());
    }

    @Test
    void httpTarget_outOfRetries_becomesADeadLetter_thatCanBeRedriven() throws Exception {
        bus.putRule("hook", null, "{\"source\": [\"relecloud.sales\"]}", null, null, null);
        bus.putTargets("hook", null, List.of(new Target("h", hook(), null, null, null, new Target.RetryPolicy(60, 2))));
        failuresLeft.set(1000);

        bus.putEvents(List.of(PutEntry.of("relecloud.sales", "Sold", "{\"n\": 2}")));

        eventually(() -> bus.listDeadLetters(null, 10).size() == 1);
        DeadLetter dead = bus.listDeadLetters(null, 10).get(0);
        assertThat(dead.attempts()).isEqualTo(3);
        assertThat(dead.lastError()).contains("HTTP 500").contains("maximum retry attempts");
        assertThat(attempts.get()).isEqualTo(3);

        failuresLeft.set(0);
        assertThat(bus.redriveDeadLetters(List.of(dead.id()))).isEqualTo(1);
        eventually(() -> received.size() == 1);
        eventually(() -> bus.listDeadLetters(null, 10).isEmpty());
    }

    @Test
    void httpTarget_refusingTheEvent_isDeadLetteredAtOnce() throws Exception {
        bus.putRule("hook", null, "{\"source\": [\"relecloud.sales\"]}", null, null, null);
        bus.putTargets("hook", null, List.of(Target.of("h", hook())));
        failuresLeft.set(1000);
        httpStatus.set(400);
        bus.putEvents(List.of(PutEntry.of("relecloud.sales", "Sold", "{}")));
        eventually(() -> bus.listDeadLetters(null, 10).size() == 1);
        assertThat(attempts.get()).isEqualTo(1);
        assertThat(bus.listDeadLetters(null, 10).get(0).lastError()).contains("not retriable");
    }

    @Test
    void committedDeliveries_surviveARestart_whileTheTargetIsDown() throws Exception {
        bus.putRule("hook", null, "{\"source\": [\"relecloud.sales\"]}", null, null, null);
        bus.putTargets("hook", null, List.of(Target.of("h", hook())));
        failuresLeft.set(1000);
        for (int i = 0; i < 5; i++) {
            bus.putEvents(List.of(PutEntry.of("relecloud.sales", "Sold", "{\"i\": " + i + "}")));
        }
        eventually(() -> attempts.get() >= 5);
        bus.close();
        engine.close();

        failuresLeft.set(0);
        engine = newEngine();
        bus = newBus(Clock.SYSTEM);
        eventually(() -> received.size() == 5);
        assertThat(received.stream().map(r -> {
            try {
                return JSON.readTree(r).path("detail").path("i").asInt();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        })).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    }

    @Test
    void scheduleRule_firesAScheduledEventEachPeriod() throws Exception {
        bus.close();
        Clock.Manual clock = Clock.manual(Instant.parse("2026-11-25T10:00:30Z"));
        bus = newBus(clock);
        bus.putRule("every-minute", null, null, "rate(1 minute)", null, null);
        bus.putTargets("every-minute", null, List.of(Target.of("h", hook())));
        Thread.sleep(400);
        assertThat(received).isEmpty();

        clock.advance(Duration.ofSeconds(61));
        eventually(() -> received.size() == 1);
        JsonNode event = JSON.readTree(received.get(0));
        assertThat(event.get("detail-type").asText()).isEqualTo("Scheduled Event");
        assertThat(event.get("source").asText()).isEqualTo("aws.events");
        assertThat(event.get("resources").get(0).asText()).endsWith(":rule/every-minute");

        clock.advance(Duration.ofSeconds(60));
        eventually(() -> received.size() == 2);
        assertThatThrownBy(() -> bus.putRule("bad", null, null, "rate(0 minutes)", null, null))
                .hasMessageContaining("ScheduleExpression is not valid");
        assertThatThrownBy(() -> bus.putRule("bad", null, null, "cron(0 12 * * * *)", null, null))
                .hasMessageContaining("one of day-of-month and day-of-week must be '?'");
    }

    @Test
    void archiveAndReplay_sendArchivedEventsAgain_markedAsReplayed() throws Exception {
        bus.createArchive("all", "default", null, null, 7);
        Instant before = Instant.now().minusSeconds(1);
        bus.putEvents(List.of(PutEntry.of("relecloud.sales", "Sold", "{\"n\": 1}"),
                PutEntry.of("relecloud.sales", "Sold", "{\"n\": 2}")));
        eventually(() -> bus.describeArchive("all").eventCount() == 2);
        Thread.sleep(20);
        Instant after = Instant.now();

        bus.putRule("hook", null, "{\"source\": [\"relecloud.sales\"]}", null, null, null);
        bus.putTargets("hook", null, List.of(Target.of("h", hook())));
        ReplayInfo replay = bus.startReplay("again", bus.describeArchive("all").arn(), before, after,
                bus.describeEventBus(null).arn(), null, null);
        assertThat(replay.state()).isIn("STARTING", "RUNNING", "COMPLETED");
        eventually(() -> received.size() == 2);
        assertThat(JSON.readTree(received.get(0)).get("replay-name").asText()).isEqualTo("again");
        eventually(() -> bus.describeReplay("again").state().equals("COMPLETED"));
    }

    @Test
    void executionStatusChanges_arePublished_soFlowsChainOnThem() throws Exception {
        StateMachineInfo first = engine.createStateMachine("first", ECHO, StateMachineType.STANDARD, null, null);
        StateMachineInfo next = engine.createStateMachine("next", ECHO, StateMachineType.STANDARD, null, null);
        bus.putRule("chain", null, """
                {"source": ["aws.states"], "detail-type": ["Step Functions Execution Status Change"],
                 "detail": {"status": ["SUCCEEDED"], "stateMachineArn": ["%s"]}}""".formatted(first.arn()), null, null, null);
        bus.putTargets("chain", null, List.of(new Target("next", next.arn(), null, "$.detail.output", null, null)));

        engine.startExecution(first.arn(), null, "{\"order\": 7}", null);

        eventually(() -> engine.listExecutions(next.arn(), null, ExecutionStatus.SUCCEEDED, null, null).items().size() == 1);
        ExecutionInfo chained = engine.listExecutions(next.arn(), null, null, null, null).items().get(0);
        assertThat(JSON.readTree(JSON.readTree(chained.output()).asText())).isEqualTo(JSON.readTree("{\"order\": 7}"));
    }

    @Test
    void badRequests_areRefusedPrecisely_andChangeNothing() {
        assertThatThrownBy(() -> bus.putRule("bad name!", null, "{\"source\": [\"a\"]}", null, null, null))
                .hasMessageContaining("Invalid rule name");
        assertThatThrownBy(() -> bus.putRule("r", "nope", "{\"source\": [\"a\"]}", null, null, null))
                .satisfies(e -> assertThat(((EventsException) e).code()).isEqualTo(EventsException.Code.ResourceNotFoundException));
        assertThatThrownBy(() -> bus.putRule("r", null, null, null, null, null))
                .hasMessageContaining("EventPattern or ScheduleExpression");
        bus.putRule("r", null, "{\"source\": [\"a\"]}", null, null, null);
        Map<String, String> failed = bus.putTargets("r", null, List.of(
                new Target("t1", "ftp://nowhere", null, null, null, null),
                new Target("t2", hook(), "{not json", null, null, null),
                new Target("t3", hook(), null, "detail", null, null),
                new Target("t4", hook(), null, null, null, new Target.RetryPolicy(10, 1))));
        assertThat(failed).containsOnlyKeys("t1", "t2", "t3", "t4");
        assertThat(failed.get("t1")).contains("unsupported Arn");
        assertThat(failed.get("t2")).contains("Input is not valid JSON");
        assertThat(failed.get("t3")).contains("InputPath must be a JSONPath");
        assertThat(failed.get("t4")).contains("MaximumEventAgeInSeconds must be between 60 and 86400, was 10");
        assertThat(bus.listTargetsByRule("r", null)).isEmpty();
        assertThatThrownBy(() -> bus.putEvents(List.of())).hasMessageContaining("1 to 10 entries");
        List<PutResult> r = bus.putEvents(List.of(PutEntry.of("a", "b", "{}").onBus("missing")));
        assertThat(r.get(0).errorCode()).isEqualTo("ResourceNotFoundException");
        bus.putTargets("r", null, List.of(Target.of("ok", hook())));
        assertThatThrownBy(() -> bus.deleteRule("r", null, false)).hasMessageContaining("has targets");
    }

    @Test
    void deadLetterQueue_receivesTheDeliveriesThatGaveUp_withTheirAttributes() throws Exception {
        String queue = "arn:aws:sqs:us-east-1:000000000000:failed-hooks";
        bus.putRule("hook", null, "{\"source\": [\"relecloud.sales\"]}", null, null, null);
        bus.putTargets("hook", null, List.of(new Target("h", hook(), null, "$.detail", null, new Target.RetryPolicy(60, 1),
                "arn:aws:iam::000000000000:role/events", queue)));
        assertThat(bus.listTargetsByRule("hook", null).get(0).deadLetterArn()).isEqualTo(queue);
        assertThat(bus.listTargetsByRule("hook", null).get(0).roleArn()).isEqualTo("arn:aws:iam::000000000000:role/events");
        failuresLeft.set(1000);

        bus.putEvents(List.of(PutEntry.of("relecloud.sales", "Sold", "{\"n\": 7}")));

        eventually(() -> bus.receiveDeadLetters(queue, null, 10).size() == 1);
        QueuedDeadLetter dead = bus.receiveDeadLetters(queue, null, 10).get(0);
        assertThat(JSON.readTree(dead.body())).isEqualTo(JSON.readTree("{\"n\": 7}"));
        assertThat(dead.ruleArn()).isEqualTo("arn:aws:events:us-east-1:000000000000:rule/hook");
        assertThat(dead.targetId()).isEqualTo("h");
        assertThat(dead.exhaustedRetryCondition()).isEqualTo("MaximumRetryAttempts");
        assertThat(dead.retryAttempts()).isEqualTo(2);
        assertThat(dead.errorMessage()).contains("HTTP 500");
        assertThat(bus.listDeadLetters(null, 10)).as("moved, not kept in the outbox").isEmpty();
        assertThat(bus.deliveryCounts()).isEmpty();
        assertThat(bus.receiveDeadLetters(queue, dead.id(), 10)).isEmpty();
        assertThat(bus.deleteDeadLetter(queue, dead.id())).isTrue();
        assertThat(bus.receiveDeadLetters(queue, null, 10)).isEmpty();
    }

    @Test
    void deadLetterArn_mustBeAQueueOfThisAccount() {
        bus.putRule("hook", null, "{\"source\": [\"relecloud.sales\"]}", null, null, null);
        Map<String, String> failed = bus.putTargets("hook", null, List.of(Target.of("h", hook())
                .withDeadLetter("arn:aws:sqs:us-east-1:111111111111:elsewhere")));
        assertThat(failed.get("h")).contains("dead-letter queue ARN");
    }

    @Test
    void tags_onBusesAndRules_arePersisted_andGoWithTheResource() {
        BusInfo orders = bus.createEventBus("orders", "Order events", null, Map.of("team", "sales"));
        assertThat(orders.description()).isEqualTo("Order events");
        String rule = bus.putRule("big", "orders", "{\"source\": [\"x\"]}", null, null, null, Map.of("cost", "7"));
        bus.tagResource(orders.arn(), Map.of("env", "prod", "team", "box-office"));
        assertThat(bus.listTagsForResource(orders.arn())).containsExactlyEntriesOf(
                new java.util.TreeMap<>(Map.of("env", "prod", "team", "box-office")));
        assertThat(bus.listTagsForResource(rule)).containsExactly(Map.entry("cost", "7"));
        bus.untagResource(orders.arn(), List.of("env", "never-there"));
        assertThat(bus.listTagsForResource(orders.arn())).containsOnlyKeys("team");
        assertThatThrownBy(() -> bus.tagResource(orders.arn(), Map.of("aws:x", "y")))
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> bus.listTagsForResource("arn:aws:events:us-east-1:000000000000:rule/orders/none"))
                .isInstanceOf(EventsException.class)
                .satisfies(e -> assertThat(((EventsException) e).code()).isEqualTo(EventsException.Code.ResourceNotFoundException));

        bus.deleteRule("big", "orders", false);
        bus.putRule("big", "orders", "{\"source\": [\"x\"]}", null, null, null);
        assertThat(bus.listTagsForResource(rule)).as("a new rule of the same name starts untagged").isEmpty();
    }

    @Test
    void limits_targetsPerRule_areEventBridges() {
        bus.putRule("r", null, "{\"source\": [\"x\"]}", null, null, null);
        List<Target> five = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            five.add(Target.of("t" + i, hook()));
        }
        assertThat(bus.putTargets("r", null, five)).isEmpty();
        assertThat(bus.putTargets("r", null, List.of(Target.of("t0", hook())))).as("replacing one").isEmpty();
        assertThatThrownBy(() -> bus.putTargets("r", null, List.of(Target.of("t5", hook()))))
                .satisfies(e -> assertThat(((EventsException) e).code()).isEqualTo(EventsException.Code.LimitExceededException));
        assertThat(bus.listRuleNamesByTarget(hook(), null)).containsExactly("r");
    }

    @Test
    void updateArchive_changesRetentionAndDescription() {
        bus.createArchive("keep", "default", null, null, 3);
        ArchiveInfo a = bus.updateArchive("keep", "all of them", null, 9);
        assertThat(a.retentionDays()).isEqualTo(9);
        assertThat(a.description()).isEqualTo("all of them");
    }
}
