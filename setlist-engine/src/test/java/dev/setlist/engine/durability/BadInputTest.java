package dev.setlist.engine.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.NullNode;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.engine.Engine;
import dev.setlist.engine.EngineException;
import dev.setlist.engine.EngineException.Code;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.engine.ExecutionStatus;
import dev.setlist.engine.StateMachineInfo;
import dev.setlist.engine.StateMachineType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad requests to the engine API: each is refused with an {@link EngineException} of the right
 * {@link Code} whose message names the problem, and changes nothing (state machines, executions,
 * history events and pending callbacks are the same before and after).
 */
@Timeout(60)
class BadInputTest {
    private static final String PREFIX = "arn:aws:states:us-east-1:000000000000:";
    private static final String PASS = "{\"StartAt\": \"P\", \"States\": {\"P\": {\"Type\": \"Pass\", \"End\": true}}}";
    private static final String CALLBACK = "arn:aws:states:::setlist:callback";
    private static final String WAITS = "{\"StartAt\": \"T\", \"States\": {\"T\": {\"Type\": \"Task\", \"Resource\": \""
            + CALLBACK + ".waitForTaskToken\", \"End\": true}}}";

    @TempDir
    static Path dir;
    static Engine engine;
    static StateMachineInfo pass;
    static StateMachineInfo waits;
    static final BlockingQueue<String> tokens = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() {
        engine = Engine.builder()
                .database("jdbc:h2:file:" + dir.resolve("engine"), "sa", "")
                .tasks(new TaskInvoker.Registry().register(CALLBACK, req -> {
                    tokens.add(req.taskToken());
                    return NullNode.instance;
                }))
                .nodeId("bad-input")
                .poll(Duration.ofMillis(50))
                .build();
        pass = engine.createStateMachine("pass", PASS, StateMachineType.STANDARD, null, null);
        waits = engine.createStateMachine("waits", WAITS, StateMachineType.STANDARD, null, null);
        ExecutionInfo done = engine.startExecution(pass.arn(), "first", "{\"a\": 1}", null);
        assertThat(engine.awaitExecution(done.arn(), Duration.ofSeconds(10)).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    /** What a refused request must leave as it was. */
    private record Snapshot(List<String> stateMachines, List<String> executions, long events, long callbacks,
                            long frames) {}

    private static Snapshot snapshot() throws Exception {
        List<String> sms = engine.listStateMachines(null, null).items().stream().map(StateMachineInfo::arn).toList();
        List<String> execs = new ArrayList<>();
        for (StateMachineInfo sm : List.of(pass, waits)) {
            engine.listExecutions(sm.arn(), null, null, 1000, null).items()
                    .forEach(e -> execs.add(e.arn() + "=" + e.status() + ":" + e.output()));
        }
        try (Connection c = engine.dataSource().getConnection(); Statement s = c.createStatement()) {
            return new Snapshot(sms, execs, count(s, "sl_event"), count(s, "sl_callback"), count(s, "sl_frame"));
        }
    }

    private static long count(Statement s, String table) throws Exception {
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void refused(Code code, String messagePart, ThrowingCallable call) throws Exception {
        Snapshot before = snapshot();
        assertThatThrownBy(call).isInstanceOfSatisfying(EngineException.class, e -> {
            assertThat(e.code()).as("code of '%s'", e.getMessage()).isEqualTo(code);
            assertThat(e.getMessage()).contains(messagePart);
        });
        assertThat(snapshot()).isEqualTo(before);
    }

    private static String token(String raw) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void unknownStateMachine() throws Exception {
        String arn = PREFIX + "stateMachine:nope";
        refused(Code.StateMachineDoesNotExist, arn, () -> engine.startExecution(arn, "x", "{}", null));
        refused(Code.StateMachineDoesNotExist, arn, () -> engine.describeStateMachine(arn));
        refused(Code.StateMachineDoesNotExist, arn, () -> engine.listExecutions(arn, null, null, null, null));
    }

    @Test
    void unknownExecution() throws Exception {
        String arn = PREFIX + "execution:pass:never";
        refused(Code.ExecutionDoesNotExist, arn, () -> engine.describeExecution(arn));
        refused(Code.ExecutionDoesNotExist, arn, () -> engine.getExecutionHistory(arn, null, false, null, true));
        refused(Code.ExecutionDoesNotExist, arn, () -> engine.stopExecution(arn, "E", "c"));
    }

    @Test
    void oversizedInput() throws Exception {
        int limit = 256 * 1024;
        String over = "{\"a\": \"" + "x".repeat(limit - 8) + "\"}";
        assertThat(over.getBytes(StandardCharsets.UTF_8).length).isEqualTo(limit + 1);
        refused(Code.InvalidExecutionInput, "larger than " + limit + " bytes",
                () -> engine.startExecution(pass.arn(), "big", over, null));
        // Multi-byte characters count as bytes, not characters.
        String wide = "{\"a\": \"" + "é".repeat(limit / 2) + "\"}";
        refused(Code.InvalidExecutionInput, "larger than " + limit + " bytes",
                () -> engine.startExecution(pass.arn(), "wide", wide, null));
    }

    @Test
    void inputAtTheLimitIsAccepted() {
        int limit = 256 * 1024;
        String exact = "{\"a\": \"" + "x".repeat(limit - 9) + "\"}";
        assertThat(exact.getBytes(StandardCharsets.UTF_8).length).isEqualTo(limit);
        ExecutionInfo e = engine.startExecution(pass.arn(), "exactly-256k", exact, null);
        assertThat(engine.awaitExecution(e.arn(), Duration.ofSeconds(10)).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    }

    @Test
    void invalidJsonInput() throws Exception {
        for (String bad : List.of("{", "{\"a\": }", "not json", "{\"a\": 1,}", "[1, 2", "{'a': 1}")) {
            refused(Code.InvalidExecutionInput, "Invalid State Machine Execution Input",
                    () -> engine.startExecution(pass.arn(), "bad-json", bad, null));
        }
        refused(Code.InvalidExecutionInput, "Invalid State Machine Execution Input: empty",
                () -> engine.startExecution(pass.arn(), "empty-input", "", null));
        refused(Code.InvalidExecutionInput, "Invalid State Machine Execution Input: empty",
                () -> engine.startExecution(pass.arn(), "blank-input", " \n ", null));
    }

    @Test
    void trailingGarbageAfterJsonInput() throws Exception {
        refused(Code.InvalidExecutionInput, "Invalid State Machine Execution Input",
                () -> engine.startExecution(pass.arn(), "trailing", "{\"a\": 1} trailing", null));
    }

    @Test
    void invalidExecutionNames() throws Exception {
        refused(Code.InvalidName, "must not be empty", () -> engine.startExecution(pass.arn(), "", "{}", null));
        refused(Code.InvalidName, "at most 80 characters, was 81",
                () -> engine.startExecution(pass.arn(), "n".repeat(81), "{}", null));
        refused(Code.InvalidName, "'has space'", () -> engine.startExecution(pass.arn(), "has space", "{}", null));
        refused(Code.InvalidName, "'a/b'", () -> engine.startExecution(pass.arn(), "a/b", "{}", null));
        refused(Code.InvalidName, "'tab\there'", () -> engine.startExecution(pass.arn(), "tab\there", "{}", null));
    }

    @Test
    void invalidStateMachineNames() throws Exception {
        refused(Code.InvalidName, "must not be empty",
                () -> engine.createStateMachine("", PASS, StateMachineType.STANDARD, null, null));
        refused(Code.InvalidName, "at most 80 characters",
                () -> engine.createStateMachine("m".repeat(81), PASS, StateMachineType.STANDARD, null, null));
        refused(Code.InvalidName, "'my machine'",
                () -> engine.createStateMachine("my machine", PASS, StateMachineType.STANDARD, null, null));
        refused(Code.InvalidName, "'a/b'", () -> engine.createStateMachine("a/b", PASS, StateMachineType.STANDARD, null,
                null));
    }

    @Test
    void invalidDefinition() throws Exception {
        refused(Code.InvalidDefinition, "Invalid State Machine Definition",
                () -> engine.createStateMachine("broken", "{\"StartAt\": \"X\", \"States\": {}}", StateMachineType.STANDARD,
                        null, null));
        refused(Code.StateMachineAlreadyExists, pass.arn(),
                () -> engine.createStateMachine("pass", WAITS, StateMachineType.STANDARD, null, null));
    }

    @Test
    void malformedArns() throws Exception {
        refused(Code.InvalidArn, "the ARN is missing", () -> engine.startExecution((String) null, "x", "{}", null));
        refused(Code.InvalidArn, "'not-an-arn'", () -> engine.startExecution("not-an-arn", "x", "{}", null));
        refused(Code.InvalidArn, "is not a stateMachine ARN",
                () -> engine.startExecution(PREFIX + "stateMachine:", "x", "{}", null));
        refused(Code.InvalidArn, "is not a stateMachine ARN",
                () -> engine.startExecution(PREFIX + "activity:pass", "x", "{}", null));
        refused(Code.InvalidArn, "not in region us-east-1",
                () -> engine.startExecution("arn:aws:states:eu-west-1:000000000000:stateMachine:pass", "x", "{}", null));
        refused(Code.InvalidArn, "not in region us-east-1 and account 000000000000",
                () -> engine.describeStateMachine("arn:aws:states:us-east-1:123456789012:stateMachine:pass"));
        refused(Code.InvalidArn, "is not an execution ARN",
                () -> engine.describeExecution(PREFIX + "execution:pass"));
        refused(Code.InvalidArn, "is not an execution ARN", () -> engine.describeExecution(pass.arn()));
        refused(Code.InvalidArn, "is not an execution ARN",
                () -> engine.getExecutionHistory("arn:aws:lambda:us-east-1:000000000000:function:f", null, false, null,
                        false));
        refused(Code.InvalidArn, "is not an execution ARN", () -> engine.stopExecution("arn:", "E", "c"));
    }

    @Test
    void invalidAndUnknownTaskTokens() throws Exception {
        refused(Code.InvalidToken, "the task token is missing", () -> engine.sendTaskSuccess(null, "{}"));
        refused(Code.InvalidToken, "the task token is missing", () -> engine.sendTaskSuccess("", "{}"));
        refused(Code.InvalidToken, "is not a task token issued by this engine", () -> engine.sendTaskSuccess("garbage",
                "{}"));
        refused(Code.InvalidToken, "is not a task token issued by this engine",
                () -> engine.sendTaskFailure(token("v1:x:0:y"), "E", "c"));
        refused(Code.InvalidToken, "is not a task token issued by this engine",
                () -> engine.sendTaskHeartbeat(token("v2:1:0:y")));
        refused(Code.InvalidToken, "longer than 1024", () -> engine.sendTaskSuccess("t".repeat(1025), "{}"));
        // Well formed, but no task of any execution waits with it.
        refused(Code.TaskTimedOut, "is not waiting", () -> engine.sendTaskSuccess(token("v1:987654321:0:nobody"), "{}"));
        refused(Code.TaskTimedOut, "is not waiting", () -> engine.sendTaskHeartbeat(token("v1:987654321:0:nobody")));
    }

    @Test
    void sendTaskSuccessWithInvalidOutput() throws Exception {
        tokens.clear();
        ExecutionInfo e = engine.startExecution(waits.arn(), "waiting-for-output", "{}", null);
        String token = tokens.poll(10, TimeUnit.SECONDS);
        assertThat(token).isNotNull();
        awaitParked();

        refused(Code.InvalidOutput, "Invalid Output", () -> engine.sendTaskSuccess(token, "{\"ok\": "));
        refused(Code.InvalidOutput, "Invalid Output", () -> engine.sendTaskSuccess(token, "not json"));
        refused(Code.InvalidOutput, "the output is missing", () -> engine.sendTaskSuccess(token, null));
        refused(Code.InvalidOutput, "Invalid Output: empty", () -> engine.sendTaskSuccess(token, ""));
        refused(Code.InvalidOutput, "Invalid Output", () -> engine.sendTaskSuccess(token, "{\"ok\": true} and more"));
        refused(Code.InvalidOutput, "larger than " + 256 * 1024 + " bytes",
                () -> engine.sendTaskSuccess(token, "\"" + "x".repeat(256 * 1024) + "\""));
        refused(Code.ValidationException, "error must be at most 256 characters",
                () -> engine.sendTaskFailure(token, "E".repeat(257), "c"));
        // The same frame with another random part: an old or forged token does not complete it.
        String forged = token(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8)
                .replaceAll(":[^:]*$", ":forged"));
        refused(Code.TaskTimedOut, "is not waiting", () -> engine.sendTaskSuccess(forged, "{}"));
        assertThat(engine.describeExecution(e.arn()).status()).isEqualTo(ExecutionStatus.RUNNING);

        engine.sendTaskSuccess(token, "{\"ok\": true}");
        ExecutionInfo end = engine.awaitExecution(e.arn(), Duration.ofSeconds(10));
        assertThat(end.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(end.output()).isEqualTo("{\"ok\":true}");
        // The token is spent now.
        refused(Code.TaskTimedOut, "is not waiting", () -> engine.sendTaskSuccess(token, "{}"));
    }

    @Test
    void sameNameWithAnotherInput() throws Exception {
        refused(Code.ExecutionAlreadyExists, "with a different input",
                () -> engine.startExecution(pass.arn(), "first", "{\"a\": 2}", null));
        refused(Code.ExecutionAlreadyExists, "it is SUCCEEDED",
                () -> engine.startExecution(pass.arn(), "first", "{\"a\": 1}", null));
    }

    @Test
    void invalidPaging() throws Exception {
        refused(Code.ValidationException, "maxResults must be between 0 and 1000",
                () -> engine.listExecutions(pass.arn(), null, null, 1001, null));
        refused(Code.ValidationException, "Invalid nextToken for ListExecutions",
                () -> engine.listExecutions(pass.arn(), null, null, null, "%%%"));
        refused(Code.ValidationException, "exactly one of stateMachineArn and mapRunArn",
                () -> engine.listExecutions(null, null, null, null, null));
    }

    /** Waits until the waiting execution's task is parked (its run handed back: nothing live). */
    private static void awaitParked() throws InterruptedException {
        long until = System.currentTimeMillis() + 10_000;
        while (engine.liveExecutions() > 0) {
            assertThat(System.currentTimeMillis()).as("the task parked").isLessThan(until);
            Thread.sleep(20);
        }
    }
}
