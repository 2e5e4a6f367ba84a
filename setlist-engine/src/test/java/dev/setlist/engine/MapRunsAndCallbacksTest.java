package dev.setlist.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.setlist.asl.Clock;
import dev.setlist.asl.ObjectStore;
import dev.setlist.asl.TaskInvoker;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Distributed Map runs at their edges (no items, an ItemReader that cannot read, the limits a Map
 * Run reports) and the deadlines of callback tasks (HeartbeatSeconds, TimeoutSeconds) on a clock
 * that the test moves.
 */
class MapRunsAndCallbacksTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(20);
    static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    Path dir;
    Engine engine;
    final Clock.Manual clock = Clock.manual(T0);
    final ObjectStore objects = ObjectStore.inMemory();
    final List<String> tokens = new CopyOnWriteArrayList<>();
    final java.util.concurrent.atomic.AtomicInteger invocations = new java.util.concurrent.atomic.AtomicInteger();

    Engine engine(Clock c) {
        TaskInvoker.Registry tasks = new TaskInvoker.Registry()
                .register("arn:aws:states:::test:add", req -> JSON.createObjectNode().put("n", req.input().path("n").asInt() + 1))
                .register("arn:aws:states:::test:callback", req -> {
                    tokens.add(req.taskToken());
                    return null;
                })
                // Heartbeats (4 s into the task, on the test's clock) before it returns: the task is not stored as waiting yet.
                .register("arn:aws:states:::test:early-heartbeat", req -> {
                    invocations.incrementAndGet();
                    clock.advance(Duration.ofSeconds(4));
                    engine.sendTaskHeartbeat(req.taskToken());
                    tokens.add(req.taskToken());
                    return null;
                })
                // Answers its own token before it returns.
                .register("arn:aws:states:::test:early-answer", req -> {
                    invocations.incrementAndGet();
                    engine.sendTaskHeartbeat(req.taskToken());
                    engine.sendTaskSuccess(req.taskToken(), "{\"early\": true}");
                    return null;
                });
        engine = Engine.builder().database("jdbc:h2:file:" + dir.resolve("db"), "sa", "").tasks(tasks).nodeId("n1")
                .clock(c).objects(objects).lease(Duration.ofSeconds(2)).poll(Duration.ofMillis(50)).build();
        return engine;
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    ExecutionInfo run(String name, String definition, String input) {
        StateMachineInfo sm = engine.createStateMachine(name, definition, StateMachineType.STANDARD, null, null);
        ExecutionInfo e = engine.startExecution(sm.arn(), null, input, null);
        return engine.awaitExecution(e.arn(), WAIT);
    }

    List<String> types(String arn) {
        List<String> out = new ArrayList<>();
        engine.getExecutionHistory(arn, 1000, false, null, true).items().forEach(e -> out.add(e.type()));
        return out;
    }

    static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    // ---- Distributed Map over zero items ---------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"STANDARD", "EXPRESS"})
    void distributedMap_overNoItems_succeedsAtOnceWithAnEmptyArray_andItsMapRunSucceeds(String type) throws Exception {
        engine(Clock.SYSTEM);
        ExecutionInfo done = run("empty-" + type, """
                {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 5,
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "%s"},
                    "StartAt": "Add", "States": {"Add": {"Type": "Task", "Resource": "arn:aws:states:::test:add", "End": true}}},
                  "End": true}}}""".formatted(type), "{\"items\": []}");
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(json(done.output())).isEqualTo(json("[]"));
        assertThat(types(done.arn())).containsSubsequence("MapStateEntered", "MapRunStarted", "MapRunSucceeded",
                "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded");
        List<MapRunInfo> runs = engine.listMapRuns(done.arn(), null, null).items();
        assertThat(runs).hasSize(1);
        MapRunInfo mapRun = engine.describeMapRun(runs.get(0).mapRunArn());
        assertThat(mapRun.status()).isEqualTo("SUCCEEDED");
        assertThat(mapRun.stopDate()).isNotNull();
        assertThat(mapRun.itemCounts()).isEqualTo(new MapRunInfo.Counts(0, 0, 0, 0, 0, 0, 0, 0));
        assertThat(mapRun.executionCounts()).isEqualTo(new MapRunInfo.Counts(0, 0, 0, 0, 0, 0, 0, 0));
        assertThat(engine.listExecutions(null, mapRun.mapRunArn(), null, null, null).items()).isEmpty();
    }

    @Test
    void distributedMap_listingAPrefixWithNoObjects_succeedsWithAnEmptyArray() throws Exception {
        engine(Clock.SYSTEM);
        objects.put("data", "elsewhere/a.txt", "a");
        ExecutionInfo done = run("empty-listing", """
                {"StartAt": "M", "States": {"M": {"Type": "Map",
                  "ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "data", "Prefix": "in/"}},
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                  "End": true}}}""", "{}");
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(json(done.output())).isEqualTo(json("[]"));
    }

    // ---- ItemReader failures -----------------------------------------------------------------------

    static final String READER_CAUGHT = """
            {"StartAt": "M", "States": {"M": {"Type": "Map",
              "ItemReader": {"Resource": "arn:aws:states:::s3:%s", %s
                "Parameters": {"Bucket": "%s", %s}},
              "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
              "Catch": [{"ErrorEquals": ["States.ItemReaderFailed"], "ResultPath": "$.error", "Next": "Handled"}],
              "End": true},
              "Handled": {"Type": "Pass", "End": true}}}""";

    @Test
    void itemReader_overAMissingBucket_failsWithItemReaderFailed_whichCatchHandles() throws Exception {
        engine(Clock.SYSTEM);
        ExecutionInfo listing = run("no-bucket-list", READER_CAUGHT.formatted("listObjectsV2", "", "nowhere",
                "\"Prefix\": \"in/\""), "{}");
        assertThat(listing.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        JsonNode error = json(listing.output()).get("error");
        assertThat(error.get("Error").asText()).isEqualTo("States.ItemReaderFailed");
        assertThat(error.get("Cause").asText()).isEqualTo("An error occurred while executing the state 'M' (entered at"
                + " the event id #2). The specified bucket does not exist (Service: S3, Status Code: 404)");
        assertThat(types(listing.arn())).contains("MapStateEntered").doesNotContain("MapRunStarted");

        ExecutionInfo object = run("no-bucket-get", READER_CAUGHT.formatted("getObject",
                "\"ReaderConfig\": {\"InputType\": \"JSON\"},", "nowhere", "\"Key\": \"items.json\""), "{}");
        assertThat(object.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(json(object.output()).at("/error/Cause").asText()).endsWith("The specified bucket does not exist"
                + " (Service: S3, Status Code: 404)");
    }

    @Test
    void itemReader_overAMissingKey_failsTheExecutionWithItemReaderFailed() {
        engine(Clock.SYSTEM);
        objects.createBucket("data");
        ExecutionInfo done = run("no-key", """
                {"StartAt": "M", "States": {"M": {"Type": "Map",
                  "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": {"Bucket": "data", "Key": "missing.json"}},
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                  "End": true}}}""", "{}");
        assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.error()).isEqualTo("States.ItemReaderFailed");
        assertThat(done.cause()).isEqualTo("An error occurred while executing the state 'M' (entered at the event id #2)."
                + " The specified key does not exist. (Service: S3, Status Code: 404)");
    }

    @Test
    void itemReader_whoseStoreThrows_failsWithItemReaderFailed_insteadOfHanging() {
        ObjectStore broken = new ObjectStore() {
            @Override
            public String get(String bucket, String key) {
                throw new IllegalStateException("disk gone");
            }

            @Override
            public JsonNode list(String bucket, String prefix) {
                throw new IllegalStateException("disk gone");
            }

            @Override
            public void put(String bucket, String key, String content) {
                throw new IllegalStateException("disk gone");
            }
        };
        engine = Engine.builder().database("jdbc:h2:file:" + dir.resolve("db"), "sa", "").nodeId("n1").objects(broken)
                .poll(Duration.ofMillis(50)).build();
        ExecutionInfo done = run("broken", READER_CAUGHT.formatted("listObjectsV2", "", "b", "\"Prefix\": \"\""), "{}");
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(done.output()).contains("States.ItemReaderFailed").contains("disk gone");
    }

    // ---- what DescribeMapRun reports -------------------------------------------------------------------

    @Test
    void describeMapRun_reportsTheDefinitionsToleratedFailuresAndMaxConcurrency() {
        engine(Clock.SYSTEM);
        ExecutionInfo fixed = run("tolerant", """
                {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 3,
                  "ToleratedFailurePercentage": 12.5, "ToleratedFailureCount": 2,
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                  "End": true}}}""", "{\"items\": [1, 2]}");
        assertThat(fixed.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        MapRunInfo a = engine.listMapRuns(fixed.arn(), null, null).items().get(0);
        assertThat(a.toleratedFailurePercentage()).isEqualTo(12.5);
        assertThat(a.toleratedFailureCount()).isEqualTo(2);
        assertThat(a.maxConcurrency()).isEqualTo(3);

        ExecutionInfo byPath = run("tolerant-paths", """
                {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrencyPath": "$.mc",
                  "ToleratedFailurePercentagePath": "$.pct", "ToleratedFailureCountPath": "$.count",
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                  "End": true}}}""", "{\"items\": [1, 2, 3], \"mc\": 7, \"pct\": 33.3, \"count\": 4}");
        assertThat(byPath.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        MapRunInfo b = engine.describeMapRun(engine.listMapRuns(byPath.arn(), null, null).items().get(0).mapRunArn());
        assertThat(b.toleratedFailurePercentage()).isEqualTo(33.3);
        assertThat(b.toleratedFailureCount()).isEqualTo(4);
        assertThat(b.maxConcurrency()).isEqualTo(7);

        ExecutionInfo none = run("intolerant", """
                {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items",
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                  "End": true}}}""", "{\"items\": [1]}");
        MapRunInfo c = engine.listMapRuns(none.arn(), null, null).items().get(0);
        assertThat(c.toleratedFailurePercentage()).isZero();
        assertThat(c.toleratedFailureCount()).isZero();
        assertThat(c.maxConcurrency()).isZero();
    }

    // ---- HeartbeatSeconds and TimeoutSeconds of callback tasks --------------------------------------------

    /** A parent whose task starts a child that waits (and carries the token), or a local callback handler. */
    String callbackMachine(String resourceKind, String limits) {
        if (resourceKind.equals("nested")) {
            StateMachineInfo child = engine.createStateMachine("sleeper", """
                    {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 86400, "End": true}}}""",
                    StateMachineType.STANDARD, null, null);
            return """
                    {"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
                      "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken", %s,
                      "Parameters": {"StateMachineArn": "%s", "Input": {"token.$": "$$.Task.Token"}}, "End": true}}}"""
                    .formatted(limits, child.arn());
        }
        return """
                {"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
                  "Resource": "arn:aws:states:::test:callback.waitForTaskToken", %s,
                  "Parameters": {"token.$": "$$.Task.Token"}, "End": true}}}""".formatted(limits);
    }

    /** The token the task handed out: the nested child's input, or what the local handler recorded. */
    String awaitToken(String resourceKind) throws Exception {
        for (int i = 0; i < 800; i++) {
            if (resourceKind.equals("nested")) {
                var children = engine.listExecutions(engine.describeStateMachine(arn("sleeper")).arn(), null, null, null,
                        null).items();
                if (!children.isEmpty()) {
                    return json(engine.describeExecution(children.get(0).arn()).input()).get("token").asText();
                }
            } else if (!tokens.isEmpty()) {
                return tokens.get(0);
            }
            Thread.sleep(25);
        }
        throw new AssertionError("no task token was handed out");
    }

    String arn(String stateMachine) {
        return "arn:aws:states:" + engine.region() + ":" + engine.account() + ":stateMachine:" + stateMachine;
    }

    /**
     * Until the execution's task is stored as waiting for its token (a nested child's, or a local
     * handler's that has returned): a heartbeat sent before that may meet a task still running here.
     */
    void awaitWaitingForToken(String executionArn) throws Exception {
        for (int i = 0; i < 800; i++) {
            try (Connection c = engine.dataSource().getConnection();
                 PreparedStatement s = c.prepareStatement("SELECT f.status, f.body FROM sl_frame f JOIN sl_execution e"
                         + " ON e.id = f.execution_id WHERE e.arn = ? AND e.owner IS NULL")) {
                s.setString(1, executionArn);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        String body = rs.getString(2);
                        if ("CALLBACK".equals(rs.getString(1)) || body != null && body.replace(" ", "")
                                .contains("\"via\":\"TOKEN\"")) {
                            return;
                        }
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            Thread.sleep(25);
        }
        throw new AssertionError("the task of " + executionArn + " never waited for its token");
    }

    /** The instant the engine will next look at the execution (its stored wake-up), once it equals {@code expected}. */
    void awaitWakeAt(String executionArn, Instant expected) throws Exception {
        Long last = null;
        for (int i = 0; i < 800; i++) {
            try (Connection c = engine.dataSource().getConnection();
                 PreparedStatement s = c.prepareStatement("SELECT wake_at, owner FROM sl_execution WHERE arn = ?")) {
                s.setString(1, executionArn);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    last = rs.getLong(1);
                    if (rs.getString(2) == null && last == expected.toEpochMilli()) {
                        return;
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            Thread.sleep(25);
        }
        throw new AssertionError("the execution wakes at " + (last == null ? null : Instant.ofEpochMilli(last))
                + ", not at " + expected);
    }

    ExecutionInfo advanceAndAwait(String arn, Duration by) {
        clock.advance(by);
        engine.pollNow();
        return engine.awaitExecution(arn, WAIT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nested", "local"})
    void waitForTaskToken_withoutHeartbeatWithinHeartbeatSeconds_failsWithHeartbeatTimeout(String kind) throws Exception {
        engine(clock);
        StateMachineInfo sm = engine.createStateMachine("hb", callbackMachine(kind,
                "\"HeartbeatSeconds\": 10, \"TimeoutSeconds\": 100"), StateMachineType.STANDARD, null, null);
        ExecutionInfo e = engine.startExecution(sm.arn(), null, "{}", null);
        awaitToken(kind);
        awaitWakeAt(e.arn(), T0.plusSeconds(10));
        ExecutionInfo done = advanceAndAwait(e.arn(), Duration.ofSeconds(11));
        assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.error()).isEqualTo("States.HeartbeatTimeout");
        assertThat(types(done.arn())).containsSubsequence("TaskScheduled", "TaskStarted", "TaskTimedOut", "ExecutionFailed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nested", "local"})
    void waitForTaskToken_heartbeatsExtendTheDeadline_thenSuccessEndsTheTask(String kind) throws Exception {
        engine(clock);
        StateMachineInfo sm = engine.createStateMachine("hb-ok", callbackMachine(kind, "\"HeartbeatSecondsPath\": \"$.hb\""),
                StateMachineType.STANDARD, null, null);
        ExecutionInfo e = engine.startExecution(sm.arn(), null, "{\"hb\": 10}", null);
        String token = awaitToken(kind);
        awaitWaitingForToken(e.arn());
        awaitWakeAt(e.arn(), T0.plusSeconds(10));
        clock.advance(Duration.ofSeconds(8));
        engine.sendTaskHeartbeat(token);
        awaitWakeAt(e.arn(), T0.plusSeconds(18));
        clock.advance(Duration.ofSeconds(8)); // 16 s: past the first deadline, within the extended one
        engine.pollNow();
        engine.sendTaskHeartbeat(token);
        awaitWakeAt(e.arn(), T0.plusSeconds(26));
        engine.sendTaskSuccess(token, "{\"ok\": true}");
        ExecutionInfo done = engine.awaitExecution(e.arn(), WAIT);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(json(done.output())).isEqualTo(json("{\"ok\": true}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nested", "local"})
    void waitForTaskToken_heartbeatingPastTimeoutSeconds_failsWithTimeout(String kind) throws Exception {
        engine(clock);
        StateMachineInfo sm = engine.createStateMachine("to", callbackMachine(kind,
                "\"HeartbeatSeconds\": 10, \"TimeoutSecondsPath\": \"$.timeout\""), StateMachineType.STANDARD, null, null);
        ExecutionInfo e = engine.startExecution(sm.arn(), null, "{\"timeout\": 15}", null);
        String token = awaitToken(kind);
        // The task is waiting for its token before the clock moves and the heartbeat comes, so that
        // the heartbeat meets a waiting task whatever the machine's load.
        awaitWaitingForToken(e.arn());
        awaitWakeAt(e.arn(), T0.plusSeconds(10));
        clock.advance(Duration.ofSeconds(9));
        engine.sendTaskHeartbeat(token);
        awaitWakeAt(e.arn(), T0.plusSeconds(15)); // the task's TimeoutSeconds comes before the next heartbeat's
        ExecutionInfo done = advanceAndAwait(e.arn(), Duration.ofSeconds(7));
        assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.error()).isEqualTo("States.Timeout");
    }

    @Test
    void waitForTaskToken_aHeartbeatTheLocalHandlerSendsBeforeItReturns_countsFromWhenItCame() throws Exception {
        engine(clock);
        StateMachineInfo sm = engine.createStateMachine("early-hb", """
                {"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
                  "Resource": "arn:aws:states:::test:early-heartbeat.waitForTaskToken",
                  "HeartbeatSeconds": 10, "TimeoutSeconds": 100, "End": true}}}""", StateMachineType.STANDARD, null, null);
        ExecutionInfo e = engine.startExecution(sm.arn(), null, "{}", null);
        String token = awaitToken("local");
        // Scheduled at T0, heartbeat at T0 + 4 s: the stored deadline is T0 + 14 s, not T0 + 10 s.
        awaitWakeAt(e.arn(), T0.plusSeconds(14));
        clock.advance(Duration.ofSeconds(7)); // T0 + 11 s: past the first deadline, within the extended one
        engine.pollNow();
        engine.sendTaskSuccess(token, "{\"ok\": 1}");
        ExecutionInfo done = engine.awaitExecution(e.arn(), WAIT);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(json(done.output())).isEqualTo(json("{\"ok\": 1}"));
        assertThat(invocations.get()).as("the handler ran once").isEqualTo(1);
    }

    @Test
    void waitForTaskToken_aLocalHandlerThatAnswersItsTokenBeforeItReturns_endsTheTaskWithThatAnswer() throws Exception {
        engine(clock);
        StateMachineInfo sm = engine.createStateMachine("early-answer", """
                {"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
                  "Resource": "arn:aws:states:::test:early-answer.waitForTaskToken",
                  "HeartbeatSeconds": 10, "End": true}}}""", StateMachineType.STANDARD, null, null);
        ExecutionInfo e = engine.startExecution(sm.arn(), null, "{}", null);
        ExecutionInfo done = engine.awaitExecution(e.arn(), WAIT);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(json(done.output())).isEqualTo(json("{\"early\": true}"));
        assertThat(types(done.arn())).containsOnlyOnce("TaskSucceeded");
    }
}
