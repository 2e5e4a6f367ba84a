package dev.setlist.asl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The step API that a durable engine drives: each call returns the next action. */
class InterpreterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-05-01T12:00:00Z");

    private static final class Ctx implements ExecutionContext {
        Instant now = T0;
        final Entropy entropy;

        Ctx(Entropy entropy) {
            this.entropy = entropy;
        }

        @Override
        public Instant now() {
            return now;
        }

        @Override
        public JsonNode execution() {
            return JsonNodeFactory.instance.objectNode().put("Id", "arn:exec").put("Name", "e1");
        }

        @Override
        public JsonNode stateMachine() {
            return JsonNodeFactory.instance.objectNode().put("Id", "arn:sm").put("Name", "sm");
        }

        @Override
        public Entropy entropy() {
            return entropy;
        }

        @Override
        public String taskToken(Frame frame) {
            return "token-" + frame.state() + "-" + frame.retryCount();
        }
    }

    private static Interpreter interpreter(String json) throws Exception {
        return new Interpreter(StateMachine.compile(json));
    }

    @Test
    void stateFailed_exponentialBackoff_cappedByMaxDelaySeconds() throws Exception {
        Interpreter in = interpreter("""
                {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::setlist:x",
                  "Retry": [{"ErrorEquals": ["E"], "IntervalSeconds": 1, "BackoffRate": 2.0, "MaxAttempts": 4, "MaxDelaySeconds": 3}], "End": true}}}
                """);
        Ctx ctx = new Ctx(Entropy.seeded(1));
        Frame frame = in.start(JSON.readTree("{}"));
        long[] expectedDelays = {1000, 2000, 3000, 3000};
        for (long expected : expectedDelays) {
            assertThat(in.enter(frame, ctx)).isInstanceOf(Action.InvokeTask.class);
            Action.Retry retry = (Action.Retry) in.stateFailed(frame, "E", "boom", ctx);
            assertThat(retry.at()).isEqualTo(T0.plusMillis(expected));
            frame = retry.frame();
        }
        assertThat(frame.retryCount()).isEqualTo(4);
        assertThat(in.stateFailed(frame, "E", "boom", ctx)).isEqualTo(new Action.Fail("E", "boom"));
    }

    @Test
    void stateFailed_fullJitter_delayIsWithinTheBackoff() throws Exception {
        Interpreter in = interpreter("""
                {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::setlist:x",
                  "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "JitterStrategy": "FULL"}], "End": true}}}
                """);
        Ctx ctx = new Ctx(Entropy.seeded(42));
        Frame frame = in.start(JSON.readTree("{}"));
        for (int i = 0; i < 20; i++) {
            Action.Retry retry = (Action.Retry) in.stateFailed(frame, "Any", "x", ctx);
            assertThat(retry.at()).isBetween(T0, T0.plusSeconds(10));
        }
    }

    @Test
    void enter_taskWithPathsForTimeouts_returnsThemWithTheTaskToken() throws Exception {
        Interpreter in = interpreter("""
                {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                  "Parameters": {"token.$": "$$.Task.Token", "order.$": "$.order"},
                  "TimeoutSecondsPath": "$.timeout", "HeartbeatSeconds": 5, "End": true}}}
                """);
        Action.InvokeTask task = (Action.InvokeTask) in.enter(in.start(JSON.readTree("{\"order\": 1, \"timeout\": 30}")), new Ctx(Entropy.SYSTEM));
        assertThat(task.timeoutSeconds()).isEqualTo(30);
        assertThat(task.heartbeatSeconds()).isEqualTo(5);
        assertThat(task.taskToken()).isEqualTo("token-T-0");
        assertThat(task.input()).isEqualTo(JSON.readTree("{\"token\": \"token-T-0\", \"order\": 1}"));
    }

    @Test
    void enter_parallel_forksOneFramePerBranchAndJoinsInOrder() throws Exception {
        Interpreter in = interpreter("""
                {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [
                  {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
                  {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}], "Next": "Done"},
                  "Done": {"Type": "Succeed"}}}
                """);
        Ctx ctx = new Ctx(Entropy.SYSTEM);
        Frame frame = in.start(JSON.readTree("{\"x\": 1}"));
        Action.RunChildren fork = (Action.RunChildren) in.enter(frame, ctx);
        assertThat(fork.children()).extracting(Frame::machine).containsExactly("P#0", "P#1");
        Action.Succeed a = (Action.Succeed) in.enter(fork.children().get(0), ctx);
        Action next = in.childrenDone(frame, List.of(Outcome.success(a.output()), Outcome.success(JSON.readTree("2"))), ctx);
        assertThat(((Action.Next) next).frame().input()).isEqualTo(JSON.readTree("[{\"x\": 1}, 2]"));
    }

    @Test
    void enter_wait_returnsTheInstantAndWaitedMovesOn() throws Exception {
        Interpreter in = interpreter("""
                {"StartAt": "W", "States": {"W": {"Type": "Wait", "Timestamp": "2026-06-01T00:00:00Z", "Next": "S"}, "S": {"Type": "Succeed"}}}
                """);
        Ctx ctx = new Ctx(Entropy.SYSTEM);
        Frame frame = in.start(JSON.readTree("{}"));
        assertThat(in.enter(frame, ctx)).isEqualTo(new Action.WaitUntil(Instant.parse("2026-06-01T00:00:00Z")));
        assertThat(((Action.Next) in.waited(frame, ctx)).frame().state()).isEqualTo("S");
    }

    @Test
    void start_oversizedInput_failsWithDataLimitExceeded() throws Exception {
        Interpreter in = new Interpreter(StateMachine.compile("{\"StartAt\": \"S\", \"States\": {\"S\": {\"Type\": \"Succeed\"}}}"), 100);
        String big = "{\"s\": \"" + "x".repeat(200) + "\"}";
        try {
            in.start(JSON.readTree(big));
            throw new AssertionError("expected a failure");
        } catch (StatesException e) {
            assertThat(e.error()).isEqualTo(ErrorNames.DATA_LIMIT_EXCEEDED);
        }
    }
}
