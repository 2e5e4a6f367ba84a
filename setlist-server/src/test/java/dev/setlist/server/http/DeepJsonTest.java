package dev.setlist.server.http;

import static dev.setlist.server.TestServer.ARN;
import static dev.setlist.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.JsonLimits;
import dev.setlist.server.TestServer;
import dev.setlist.server.auth.SigV4;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * JSON text nested 30,000 deep, wherever a caller can hand JSON to the server (execution input,
 * task output, an event's detail, TestState input, a definition, a request body), is refused with a
 * precise 4xx naming the limit, and nothing is created.
 */
class DeepJsonTest {
    private static final int DEEP = 30_000;
    private static final String LIMIT = "nested deeper than " + JsonLimits.MAX_DEPTH + " levels";
    private static TestServer server;
    private static String machine;

    @BeforeAll
    static void start() {
        server = new TestServer();
        machine = server.machine("deep", TestServer.PASS3, "STANDARD");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** 30,000 nested arrays ({@code [[[…]]]}) or objects ({@code {"a":{"a":…}}}). */
    static String deep(String kind) {
        StringBuilder b = new StringBuilder(DEEP * 6);
        for (int i = 0; i < DEEP; i++) {
            b.append(kind.equals("array") ? "[" : "{\"a\":");
        }
        b.append(kind.equals("array") ? "" : "1");
        for (int i = 0; i < DEEP; i++) {
            b.append(kind.equals("array") ? ']' : '}');
        }
        return b.toString();
    }

    private static int executions(String machineArn) {
        return server.ok("ListExecutions", json("stateMachineArn", machineArn)).get("executions").size();
    }

    @ParameterizedTest
    @ValueSource(strings = {"array", "object"})
    void startExecution_invalidExecutionInput(String kind) {
        int before = executions(machine);
        TestServer.Response r = server.call("StartExecution", json("stateMachineArn", machine, "input", deep(kind)));
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.errorType()).isEqualTo("InvalidExecutionInput");
        assertThat(r.message()).startsWith("Invalid State Machine Execution Input: ").contains(LIMIT);
        assertThat(executions(machine)).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"array", "object"})
    void startSyncExecution_invalidExecutionInput(String kind) {
        String express = server.machine("deep-express-" + kind, TestServer.PASS3, "EXPRESS");
        TestServer.Response r = server.call("StartSyncExecution", json("stateMachineArn", express, "input", deep(kind)));
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.errorType()).isEqualTo("InvalidExecutionInput");
        assertThat(r.message()).contains(LIMIT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"array", "object"})
    void sendTaskSuccess_invalidOutput_andTheTaskStillWaits(String kind) throws InterruptedException {
        String callback = server.machine("deep-callback-" + kind, TestServer.CALLBACK, "STANDARD");
        String exec = server.ok("StartExecution", json("stateMachineArn", callback, "input", "{\"order\":1}"))
                .get("executionArn").asText();
        String token = server.sentTokens.poll(20, TimeUnit.SECONDS);
        assertThat(token).isNotNull();
        TestServer.Response r = server.call("SendTaskSuccess", json("taskToken", token, "output", deep(kind)));
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.errorType()).isEqualTo("InvalidOutput");
        assertThat(r.message()).contains(LIMIT);
        assertThat(server.ok("DescribeExecution", json("executionArn", exec)).get("status").asText()).isEqualTo("RUNNING");
        server.ok("SendTaskSuccess", json("taskToken", token, "output", "{\"done\":true}"));
        assertThat(server.await(exec).get("status").asText()).isEqualTo("SUCCEEDED");
    }

    @ParameterizedTest
    @ValueSource(strings = {"array", "object"})
    void testState_invalidExecutionInput(String kind) {
        TestServer.Response r = server.call("TestState", json("definition", "{\"Type\":\"Pass\",\"End\":true}",
                "roleArn", TestServer.ROLE, "input", deep(kind)));
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.errorType()).isEqualTo("InvalidExecutionInput");
        assertThat(r.message()).contains(LIMIT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"array", "object"})
    void definitions_invalidDefinition_andNoMachine(String kind) {
        TestServer.Response r = server.call("CreateStateMachine", json("name", "deep-def-" + kind, "definition", deep(kind),
                "roleArn", TestServer.ROLE));
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.errorType()).isEqualTo("InvalidDefinition");
        assertThat(r.message()).contains(LIMIT);
        assertThat(server.call("DescribeStateMachine", json("stateMachineArn", ARN + "stateMachine:deep-def-" + kind))
                .errorType()).isEqualTo("StateMachineDoesNotExist");

        JsonNode v = server.ok("ValidateStateMachineDefinition", json("definition", deep(kind)));
        assertThat(v.get("result").asText()).isEqualTo("FAIL");
        assertThat(v.get("diagnostics").get(0).get("message").asText()).contains(LIMIT);

        TestServer.Response t = server.call("TestState", json("definition", deep(kind), "roleArn", TestServer.ROLE));
        assertThat(t.status()).as(t.toString()).isEqualTo(400);
        assertThat(t.errorType()).isEqualTo("InvalidDefinition");
        assertThat(t.message()).contains(LIMIT);
    }

    /** EventBridge answers a malformed entry in the entry (FailedEntryCount), as AWS does; nothing is published. */
    @ParameterizedTest
    @ValueSource(strings = {"array", "object"})
    void putEvents_detailRefusedInTheEntry(String kind) {
        String detail = kind.equals("array") ? deep(kind) : "{\"x\":" + deep(kind) + "}";
        TestServer.Response r = events("PutEvents", Json.bytes(json("Entries", java.util.List.of(
                Map.of("Source", "deep.test", "DetailType", "Deep", "Detail", detail)))));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body().get("FailedEntryCount").asInt()).isEqualTo(1);
        JsonNode entry = r.body().get("Entries").get(0);
        assertThat(entry.has("EventId")).isFalse();
        assertThat(entry.get("ErrorCode").asText()).isEqualTo("MalformedDetail");
        assertThat(entry.get("ErrorMessage").asText()).isEqualTo("Detail is malformed.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"array", "object"})
    void requestBodies_serializationException(String kind) {
        byte[] body = ("{\"input\":" + deep(kind) + "}").getBytes(StandardCharsets.UTF_8);
        TestServer.Response r = server.callAs(TestServer.KEY_ID, TestServer.SECRET, "StartExecution", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.errorType()).isEqualTo("SerializationException");
        assertThat(r.message()).isEqualTo("The request body is not valid JSON: arrays and objects are " + LIMIT);
    }

    private static TestServer.Response events(String action, byte[] body) {
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", "application/x-amz-json-1.1");
        headers.put("X-Amz-Target", "AWSEvents." + action);
        headers.putAll(SigV4.sign("POST", "127.0.0.1:" + server.port(), "/", body, headers, TestServer.KEY_ID,
                TestServer.SECRET, TestServer.REGION, "events", Instant.now()));
        return server.post("/", headers, body);
    }
}
