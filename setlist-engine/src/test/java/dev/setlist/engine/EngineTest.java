package dev.setlist.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.TaskInvoker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's behaviour on an embedded H2 database (and, in a subclass, PostgreSQL), one feature per test. */
class EngineTest {
    /** The database the engine under test uses; the H2 file database by default. */
    String url(String name) {
        return "jdbc:h2:file:" + dir.resolve(name);
    }

    String user() {
        return "sa";
    }

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    Engine engine;
    TaskInvoker.Registry tasks;
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    final List<String> tokens = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        tasks = new TaskInvoker.Registry()
                .register("arn:aws:states:::test:echo", req -> {
                    count(req.resource());
                    return req.input();
                })
                .register("arn:aws:states:::test:add", req -> {
                    count(req.resource());
                    return JSON.createObjectNode().put("n", req.input().path("n").asInt() + 1);
                })
                .register("arn:aws:states:::test:flaky", req -> {
                    int n = count(req.idempotencyKey() + "|flaky");
                    if (req.attempt() < 2) {
                        throw new StatesException("Flaky.Error", "attempt " + req.attempt());
                    }
                    return JSON.createObjectNode().put("attempts", req.attempt() + 1).put("calls", n);
                })
                .register("arn:aws:states:::test:fail", req -> {
                    throw new StatesException("Custom.Error", "it failed");
                })
                .register("arn:aws:states:::test:slow", req -> {
                    try {
                        Thread.sleep(req.input().path("ms").asLong(5_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return req.input();
                })
                .register("arn:aws:states:::test:callback", req -> {
                    tokens.add(req.taskToken());
                    return null;
                });
        engine = build("n1");
    }

    Engine build(String node) {
        return Engine.builder().database(url("db"), user(), "").tasks(tasks).nodeId(node)
                .lease(Duration.ofSeconds(2)).poll(Duration.ofMillis(50)).build();
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    int count(String key) {
        return calls.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }

    StateMachineInfo machine(String name, String definition) {
        return engine.createStateMachine(name, definition, StateMachineType.STANDARD, null, null);
    }

    ExecutionInfo run(String name, String definition, String input) {
        StateMachineInfo sm = machine(name, definition);
        ExecutionInfo e = engine.startExecution(sm.arn(), null, input, null);
        return engine.awaitExecution(e.arn(), WAIT);
    }

    List<String> types(String arn) {
        List<String> out = new ArrayList<>();
        String token = null;
        do {
            Page<HistoryRecord> page = engine.getExecutionHistory(arn, 1000, false, token, true);
            page.items().forEach(e -> out.add(e.type()));
            token = page.nextToken();
        } while (token != null);
        return out;
    }

    JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    static final String THREE_TASKS = """
            {"StartAt": "A", "States": {
              "A": {"Type": "Task", "Resource": "arn:aws:states:::test:add", "Next": "B"},
              "B": {"Type": "Task", "Resource": "arn:aws:states:::test:add", "Next": "C"},
              "C": {"Type": "Task", "Resource": "arn:aws:states:::test:add", "End": true}}}""";

    @Test
    void startExecution_threeTasks_succeedsWithHistoryInStepFunctionsShape() throws Exception {
        ExecutionInfo done = run("three", THREE_TASKS, "{\"n\": 1}");

        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(json(done.output())).isEqualTo(json("{\"n\": 4}"));
        assertThat(types(done.arn())).containsExactly("ExecutionStarted",
                "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
                "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
                "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
                "ExecutionSucceeded");
        List<HistoryRecord> events = engine.getExecutionHistory(done.arn(), 100, false, null, true).items();
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).id()).isEqualTo(i + 1);
            assertThat(events.get(i).previousEventId()).isEqualTo(i);
        }
        JsonNode scheduled = events.get(2).details().get("taskScheduledEventDetails");
        assertThat(scheduled.get("resourceType").asText()).isEqualTo("test");
        assertThat(scheduled.get("resource").asText()).isEqualTo("add");
        assertThat(json(scheduled.get("parameters").asText())).isEqualTo(json("{\"n\": 1}"));
        assertThat(events.get(1).details().get("stateEnteredEventDetails").get("name").asText()).isEqualTo("A");
    }

    @Test
    void getExecutionHistory_pagesForwardAndReverse() {
        ExecutionInfo done = run("paged", THREE_TASKS, "{\"n\": 0}");
        Page<HistoryRecord> first = engine.getExecutionHistory(done.arn(), 5, false, null, true);
        Page<HistoryRecord> second = engine.getExecutionHistory(done.arn(), 5, false, first.nextToken(), true);
        assertThat(first.items()).extracting(HistoryRecord::id).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(second.items()).extracting(HistoryRecord::id).containsExactly(6L, 7L, 8L, 9L, 10L);
        Page<HistoryRecord> reverse = engine.getExecutionHistory(done.arn(), 3, true, null, true);
        assertThat(reverse.items()).extracting(HistoryRecord::type)
                .containsExactly("ExecutionSucceeded", "TaskStateExited", "TaskSucceeded");
        Page<HistoryRecord> reverse2 = engine.getExecutionHistory(done.arn(), 3, true, reverse.nextToken(), true);
        assertThat(reverse2.items()).extracting(HistoryRecord::id).containsExactly(14L, 13L, 12L);
        HistoryRecord withoutData = engine.getExecutionHistory(done.arn(), 1, false, null, false).items().get(0);
        assertThat(withoutData.details().get("executionStartedEventDetails").has("input")).isFalse();
    }

    @Test
    void startExecution_sameNameAndInput_returnsTheRunningExecution_otherInputIsRefused() {
        StateMachineInfo sm = machine("idem", """
                {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 2, "End": true}}}""");
        ExecutionInfo a = engine.startExecution(sm.arn(), "order-1", "{\"x\": 1}", null);
        ExecutionInfo b = engine.startExecution(sm.arn(), "order-1", "{\"x\": 1}", null);
        assertThat(b.arn()).isEqualTo(a.arn());
        assertThatThrownBy(() -> engine.startExecution(sm.arn(), "order-1", "{\"x\": 2}", null))
                .isInstanceOf(EngineException.class)
                .satisfies(e -> assertThat(((EngineException) e).code()).isEqualTo(EngineException.Code.ExecutionAlreadyExists));
        assertThat(engine.listExecutions(sm.arn(), null, null, null, null).items()).hasSize(1);
    }

    @Test
    void retry_withBackoff_thenSucceeds_andCatchRoutesFailures() throws Exception {
        ExecutionInfo done = run("retry", """
                {"StartAt": "Flaky", "States": {
                  "Flaky": {"Type": "Task", "Resource": "arn:aws:states:::test:flaky",
                    "Retry": [{"ErrorEquals": ["Flaky.Error"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 1}],
                    "Next": "Bad"},
                  "Bad": {"Type": "Task", "Resource": "arn:aws:states:::test:fail",
                    "Catch": [{"ErrorEquals": ["Custom.Error"], "ResultPath": "$.error", "Next": "Done"}], "End": true},
                  "Done": {"Type": "Pass", "End": true}}}""", "{}");
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        JsonNode out = json(done.output());
        assertThat(out.get("attempts").asInt()).isEqualTo(3);
        assertThat(out.get("error").get("Error").asText()).isEqualTo("Custom.Error");
        assertThat(types(done.arn())).containsSubsequence("TaskFailed", "TaskScheduled", "TaskFailed", "TaskScheduled",
                "TaskSucceeded");
    }

    @Test
    void failure_withoutCatch_failsTheExecution() {
        ExecutionInfo done = run("fails", """
                {"StartAt": "Bad", "States": {"Bad": {"Type": "Task", "Resource": "arn:aws:states:::test:fail", "End": true}}}""",
                "{}");
        assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.error()).isEqualTo("Custom.Error");
        assertThat(done.cause()).isEqualTo("it failed");
        List<String> types = types(done.arn());
        assertThat(types.get(types.size() - 1)).isEqualTo("ExecutionFailed");
    }

    @Test
    void failState_withoutErrorOrCause_failsTheExecution_inAMapIterationToo() {
        ExecutionInfo plain = run("bare-fail", """
                {"StartAt": "F", "States": {"F": {"Type": "Fail"}}}""", "{}");
        assertThat(plain.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(plain.error()).isNull();
        assertThat(plain.cause()).isNull();
        assertThat(plain.output()).isNull();
        List<HistoryRecord> events = engine.getExecutionHistory(plain.arn(), 100, false, null, true).items();
        HistoryRecord last = events.get(events.size() - 1);
        assertThat(last.type()).isEqualTo("ExecutionFailed");
        assertThat(last.details().get("executionFailedEventDetails").isEmpty()).isTrue();

        ExecutionInfo mapped = run("bare-fail-map", """
                {"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
                  "ItemProcessor": {"StartAt": "F", "States": {"F": {"Type": "Fail"}}}}}}""", "[1, 2]");
        assertThat(mapped.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(mapped.error()).isNull();
        assertThat(mapped.cause()).isNull();
    }

    @Test
    void runtimeError_causeNamesTheStateAndItsEnteredEvent() {
        ExecutionInfo done = run("runtime-cause", """
                {"StartAt": "A", "States": {
                  "A": {"Type": "Task", "Resource": "arn:aws:states:::test:add", "Next": "B"},
                  "B": {"Type": "Pass", "Parameters": {"x.$": "$.nope"}, "End": true}}}""", "{\"n\": 1}");
        assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.error()).isEqualTo("States.Runtime");
        assertThat(done.cause()).isEqualTo("An error occurred while executing the state 'B' (entered at the event id #7). "
                + "The JSONPath '$.nope' specified for the field 'x.$' could not be found in the input '{\"n\":2}'");
    }

    @Test
    void wait_releasesTheExecution_andResumesAtItsInstant() {
        StateMachineInfo sm = machine("wait", """
                {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "P"},
                  "P": {"Type": "Pass", "Result": "after", "End": true}}}""");
        long t0 = System.currentTimeMillis();
        ExecutionInfo e = engine.startExecution(sm.arn(), null, "{}", null);
        ExecutionInfo done = engine.awaitExecution(e.arn(), WAIT);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(System.currentTimeMillis() - t0).isGreaterThanOrEqualTo(1000);
        assertThat(done.output()).isEqualTo("\"after\"");
        assertThat(types(done.arn())).containsSubsequence("WaitStateEntered", "WaitStateExited", "PassStateEntered");
    }

    @Test
    void parallelAndMap_runTheirChildren_andCollectResultsInOrder() throws Exception {
        ExecutionInfo done = run("fanout", """
                {"StartAt": "P", "States": {
                  "P": {"Type": "Parallel", "Next": "M", "ResultPath": "$.p", "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::test:add", "End": true}}},
                    {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": "b", "End": true}}}]},
                  "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "ResultPath": "$.m",
                    "ItemProcessor": {"StartAt": "Add", "States": {
                      "Add": {"Type": "Task", "Resource": "arn:aws:states:::test:add", "End": true}}},
                    "End": true}}}""", "{\"n\": 1, \"items\": [{\"n\": 10}, {\"n\": 20}, {\"n\": 30}]}");
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        JsonNode out = json(done.output());
        assertThat(out.get("p")).isEqualTo(json("[{\"n\": 2}, \"b\"]"));
        assertThat(out.get("m")).isEqualTo(json("[{\"n\": 11}, {\"n\": 21}, {\"n\": 31}]"));
        List<String> types = types(done.arn());
        assertThat(types).contains("ParallelStateStarted", "ParallelStateSucceeded", "MapStateStarted",
                "MapStateSucceeded");
        assertThat(types.stream().filter("MapIterationSucceeded"::equals).count()).isEqualTo(3);
    }

    @Test
    void parallel_branchFailure_failsTheState_andIsCaught() throws Exception {
        ExecutionInfo done = run("parfail", """
                {"StartAt": "P", "States": {
                  "P": {"Type": "Parallel", "End": true,
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                    "Branches": [
                      {"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": "arn:aws:states:::test:slow", "End": true}}},
                      {"StartAt": "Bad", "States": {"Bad": {"Type": "Task", "Resource": "arn:aws:states:::test:fail", "End": true}}}]},
                  "Caught": {"Type": "Pass", "End": true}}}""", "{\"ms\": 10000}");
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(json(done.output()).get("Error").asText()).isEqualTo("Custom.Error");
        assertThat(types(done.arn())).contains("ParallelStateFailed");
    }

    @Test
    void waitForTaskToken_completesWithSendTaskSuccess_andFailsWithSendTaskFailure() throws Exception {
        StateMachineInfo sm = machine("cb", """
                {"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
                  "Resource": "arn:aws:states:::test:callback.waitForTaskToken",
                  "Parameters": {"token.$": "$$.Task.Token"}, "End": true}}}""");
        ExecutionInfo ok = engine.startExecution(sm.arn(), "ok", "{}", null);
        String token = awaitToken(0);
        assertThat(engine.describeExecution(ok.arn()).status()).isEqualTo(ExecutionStatus.RUNNING);
        engine.sendTaskSuccess(token, "{\"approved\": true}");
        ExecutionInfo done = engine.awaitExecution(ok.arn(), WAIT);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(json(done.output())).isEqualTo(json("{\"approved\": true}"));
        assertThatThrownBy(() -> engine.sendTaskSuccess(token, "{}"))
                .satisfies(e -> assertThat(((EngineException) e).code()).isEqualTo(EngineException.Code.TaskTimedOut));

        ExecutionInfo no = engine.startExecution(sm.arn(), "no", "{}", null);
        String token2 = awaitToken(1);
        engine.sendTaskFailure(token2, "Rejected", "not today");
        ExecutionInfo failed = engine.awaitExecution(no.arn(), WAIT);
        assertThat(failed.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(failed.error()).isEqualTo("Rejected");
    }

    String awaitToken(int index) throws InterruptedException {
        for (int i = 0; i < 400 && tokens.size() <= index; i++) {
            Thread.sleep(25);
        }
        assertThat(tokens.size()).isGreaterThan(index);
        return tokens.get(index);
    }

    @Test
    void waitForTaskToken_withoutHeartbeat_timesOut() {
        ExecutionInfo done = run("hb", """
                {"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
                  "Resource": "arn:aws:states:::test:callback.waitForTaskToken", "HeartbeatSeconds": 1,
                  "Parameters": {"token.$": "$$.Task.Token"}, "End": true}}}""", "{}");
        assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.error()).isEqualTo("States.HeartbeatTimeout");
        assertThat(types(done.arn())).contains("TaskTimedOut");
    }

    @Test
    void localTask_longerThanTimeoutSeconds_isInterruptedAndTimesOut() {
        long t0 = System.currentTimeMillis();
        ExecutionInfo done = run("timeout", """
                {"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": "arn:aws:states:::test:slow",
                  "TimeoutSeconds": 1, "End": true}}}""", "{\"ms\": 30000}");
        assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.error()).isEqualTo("States.Timeout");
        assertThat(System.currentTimeMillis() - t0).isLessThan(10_000);
    }

    @Test
    void activity_workerTakesTheTask_andCompletesIt() throws Exception {
        ActivityInfo activity = engine.createActivity("approve");
        StateMachineInfo sm = machine("act", """
                {"StartAt": "Approve", "States": {"Approve": {"Type": "Task", "Resource": "%s", "End": true}}}"""
                .formatted(activity.arn()));
        assertThat(engine.getActivityTask(activity.arn(), "w0", Duration.ofMillis(100))).isNull();
        ExecutionInfo e = engine.startExecution(sm.arn(), null, "{\"amount\": 5}", null);
        ActivityTask task = engine.getActivityTask(activity.arn(), "worker-1", Duration.ofSeconds(10));
        assertThat(task).isNotNull();
        assertThat(json(task.input())).isEqualTo(json("{\"amount\": 5}"));
        assertThat(engine.getActivityTask(activity.arn(), "worker-2", Duration.ofMillis(200))).isNull();
        engine.sendTaskSuccess(task.taskToken(), "{\"ok\": 1}");
        ExecutionInfo done = engine.awaitExecution(e.arn(), WAIT);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(types(done.arn())).containsSubsequence("ActivityScheduled", "ActivityStarted", "ActivitySucceeded");
    }

    @Test
    void nestedExecution_sync_returnsTheChildsDescription() throws Exception {
        StateMachineInfo child = machine("child", THREE_TASKS);
        ExecutionInfo done = run("parent", """
                {"StartAt": "Call", "States": {"Call": {"Type": "Task",
                  "Resource": "arn:aws:states:::states:startExecution.sync:2",
                  "Parameters": {"StateMachineArn": "%s", "Input": {"n.$": "$.n"}}, "OutputPath": "$.Output", "End": true}}}"""
                .formatted(child.arn()), "{\"n\": 5}");
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(json(done.output())).isEqualTo(json("{\"n\": 8}"));
        assertThat(engine.listExecutions(child.arn(), null, null, null, null).items()).hasSize(1);
    }

    @Test
    void distributedMap_runsChildExecutionsAsAMapRun() throws Exception {
        for (String type : List.of("STANDARD", "EXPRESS")) {
            ExecutionInfo done = run("dmap-" + type, """
                    {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
                      "Label": "Items",
                      "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "%s"},
                        "StartAt": "Add", "States": {"Add": {"Type": "Task", "Resource": "arn:aws:states:::test:add", "End": true}}},
                      "End": true}}}""".formatted(type), "{\"items\": [{\"n\": 1}, {\"n\": 2}, {\"n\": 3}, {\"n\": 4}]}");
            assertThat(done.status()).as(type).isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(json(done.output())).isEqualTo(json("[{\"n\": 2}, {\"n\": 3}, {\"n\": 4}, {\"n\": 5}]"));
            assertThat(types(done.arn())).contains("MapRunStarted", "MapRunSucceeded");
            Page<MapRunInfo> runs = engine.listMapRuns(done.arn(), null, null);
            assertThat(runs.items()).hasSize(1);
            MapRunInfo run = runs.items().get(0);
            assertThat(run.status()).isEqualTo("SUCCEEDED");
            assertThat(run.maxConcurrency()).isEqualTo(2);
            if (type.equals("STANDARD")) {
                assertThat(run.executionCounts().succeeded()).isEqualTo(4);
                assertThat(engine.listExecutions(null, run.mapRunArn(), null, null, null).items()).hasSize(4);
            }
        }
    }

    @Test
    void distributedMap_manyAtOnce_eachMapStateRunsOnce() throws Exception {
        StateMachineInfo sm = machine("dmany", """
                {"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 3, "ResultPath": "$.out",
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "Add", "States": {"Add": {"Type": "Task", "Resource": "arn:aws:states:::test:add", "End": true}}},
                  "ItemsPath": "$.items", "Next": "Count"},
                  "Count": {"Type": "Pass", "Parameters": {"n.$": "States.ArrayLength($.out)"}, "End": true}}}""");
        String input = "{\"items\": [{\"n\": 1}, {\"n\": 2}, {\"n\": 3}, {\"n\": 4}, {\"n\": 5}, {\"n\": 6}, {\"n\": 7}]}";
        List<String> arns = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            arns.add(engine.startExecution(sm.arn(), null, input, null).arn());
        }
        for (String arn : arns) {
            ExecutionInfo done = engine.awaitExecution(arn, WAIT);
            assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(json(done.output())).isEqualTo(json("{\"n\": 7}"));
            assertThat(engine.listMapRuns(arn, null, null).items()).hasSize(1);
            assertThat(types(arn).stream().filter("MapStateEntered"::equals).count()).isEqualTo(1);
        }
    }

    @Test
    void inlineMap_toleratesFailuresUpToItsThreshold_andNestsParallels() throws Exception {
        ExecutionInfo done = run("tolerant", """
                {"StartAt": "M", "States": {"M": {"Type": "Map", "ToleratedFailureCount": 1, "End": true,
                  "ItemProcessor": {"StartAt": "Which", "States": {
                    "Which": {"Type": "Choice", "Choices": [{"Variable": "$.bad", "IsPresent": true, "Next": "Bad"}],
                      "Default": "Both"},
                    "Bad": {"Type": "Task", "Resource": "arn:aws:states:::test:fail", "End": true},
                    "Both": {"Type": "Parallel", "End": true, "Branches": [
                      {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::test:add", "End": true}}},
                      {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}]}}}}}}""",
                "[{\"n\": 1}, {\"bad\": true}, {\"n\": 3}]");
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        JsonNode out = json(done.output());
        assertThat(out.get(0)).isEqualTo(json("[{\"n\": 2}, {\"n\": 1}]"));
        assertThat(out.get(1).get("Error").asText()).isEqualTo("Custom.Error");
        assertThat(out.get(2)).isEqualTo(json("[{\"n\": 4}, {\"n\": 3}]"));
    }

    @Test
    void stopExecution_abortsAWaitingExecution() {
        StateMachineInfo sm = machine("stop", """
                {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}}""");
        ExecutionInfo e = engine.startExecution(sm.arn(), null, "{}", null);
        engine.stopExecution(e.arn(), "Operator.Stop", "no longer needed");
        ExecutionInfo stopped = engine.describeExecution(e.arn());
        assertThat(stopped.status()).isEqualTo(ExecutionStatus.ABORTED);
        assertThat(stopped.error()).isEqualTo("Operator.Stop");
        List<String> types = types(e.arn());
        assertThat(types.get(types.size() - 1)).isEqualTo("ExecutionAborted");
    }

    @Test
    void redrive_rerunsFromTheFailedState_keepingWhatSucceeded() throws Exception {
        AtomicInteger fail = new AtomicInteger(1);
        tasks.register("arn:aws:states:::test:once", req -> {
            count("once");
            if (fail.getAndDecrement() > 0) {
                throw new StatesException("Temporary", "down");
            }
            return JSON.createObjectNode().put("ok", true);
        });
        StateMachineInfo sm = machine("redrive", """
                {"StartAt": "A", "States": {
                  "A": {"Type": "Task", "Resource": "arn:aws:states:::test:add", "Next": "B"},
                  "B": {"Type": "Task", "Resource": "arn:aws:states:::test:once", "End": true}}}""");
        ExecutionInfo e = engine.startExecution(sm.arn(), null, "{\"n\": 1}", null);
        assertThat(engine.awaitExecution(e.arn(), WAIT).status()).isEqualTo(ExecutionStatus.FAILED);
        int addsBefore = calls.get("arn:aws:states:::test:add").get();
        engine.redriveExecution(e.arn());
        ExecutionInfo done = engine.awaitExecution(e.arn(), WAIT);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(done.redriveCount()).isEqualTo(1);
        assertThat(calls.get("arn:aws:states:::test:add").get()).isEqualTo(addsBefore);
        assertThat(types(done.arn())).contains("ExecutionRedriven");
        assertThatThrownBy(() -> engine.redriveExecution(e.arn()))
                .satisfies(x -> assertThat(((EngineException) x).code()).isEqualTo(EngineException.Code.ExecutionNotRedrivable));
    }

    @Test
    void executionTimeout_endsTheExecutionTimedOut() {
        ExecutionInfo done = run("exto", """
                {"TimeoutSeconds": 1, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "End": true}}}""", "{}");
        assertThat(done.status()).isEqualTo(ExecutionStatus.TIMED_OUT);
        List<String> types = types(done.arn());
        assertThat(types.get(types.size() - 1)).isEqualTo("ExecutionTimedOut");
    }

    @Test
    void historyLimit_failsTheExecutionClearly() {
        engine.close();
        engine = Engine.builder().database(url("db2"), user(), "").tasks(tasks)
                .maxHistoryEvents(50).poll(Duration.ofMillis(50)).build();
        ExecutionInfo done = run("loop", """
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"},
                  "B": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "Done"}], "Default": "A"},
                  "Done": {"Type": "Succeed"}}}""", "{}");
        assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.error()).isEqualTo("States.Runtime");
        assertThat(done.cause()).contains("maximum number of 50 history events");
    }

    @Test
    void express_startSync_returnsTheOutput_andStoresNothing() throws Exception {
        StateMachineInfo sm = engine.createStateMachine("fast", THREE_TASKS, StateMachineType.EXPRESS, null, null);
        ExecutionInfo done = engine.startSyncExecution(sm.arn(), null, "{\"n\": 0}", null, WAIT);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(json(done.output())).isEqualTo(json("{\"n\": 3}"));
        assertThat(done.arn()).contains(":express:");
        assertThat(engine.listExecutions(sm.arn(), null, null, null, null).items()).isEmpty();
        assertThatThrownBy(() -> engine.startSyncExecution(machine("std", THREE_TASKS).arn(), null, "{}", null, WAIT))
                .satisfies(x -> assertThat(((EngineException) x).code())
                        .isEqualTo(EngineException.Code.StateMachineTypeNotSupported));
    }

    @Test
    void listExecutions_pagesNewestFirst_andFiltersByStatus() {
        StateMachineInfo sm = machine("many", """
                {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}""");
        List<String> arns = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            arns.add(engine.startExecution(sm.arn(), "e" + i, "{}", null).arn());
        }
        arns.forEach(a -> engine.awaitExecution(a, WAIT));
        Page<ExecutionInfo> p1 = engine.listExecutions(sm.arn(), null, null, 4, null);
        Page<ExecutionInfo> p2 = engine.listExecutions(sm.arn(), null, null, 4, p1.nextToken());
        assertThat(p1.items()).hasSize(4);
        assertThat(p2.items()).hasSize(3);
        assertThat(p2.nextToken()).isNull();
        List<String> all = new ArrayList<>();
        p1.items().forEach(e -> all.add(e.name()));
        p2.items().forEach(e -> all.add(e.name()));
        assertThat(all).containsExactlyInAnyOrder("e0", "e1", "e2", "e3", "e4", "e5", "e6");
        assertThat(engine.listExecutions(sm.arn(), null, ExecutionStatus.FAILED, null, null).items()).isEmpty();
        assertThat(engine.listExecutions(sm.arn(), null, ExecutionStatus.SUCCEEDED, null, null).items()).hasSize(7);
    }

    @Test
    void restart_resumesAWaitingExecution_onANewEngine() {
        StateMachineInfo sm = machine("resume", """
                {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "A"},
                  "A": {"Type": "Task", "Resource": "arn:aws:states:::test:add", "End": true}}}""");
        ExecutionInfo e = engine.startExecution(sm.arn(), null, "{\"n\": 1}", null);
        engine.close();
        engine = build("n2");
        ExecutionInfo done = engine.awaitExecution(e.arn(), WAIT);
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(done.output()).isEqualTo("{\"n\":2}");
    }
}
