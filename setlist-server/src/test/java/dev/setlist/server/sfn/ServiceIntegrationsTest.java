package dev.setlist.server.sfn;

import static dev.setlist.server.TestServer.ARN;
import static dev.setlist.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.events.Target;
import dev.setlist.server.TestServer;
import dev.setlist.server.http.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The integrations Setlist runs against itself, through the server: {@code events:putEvents}
 * onto its own buses and {@code aws-sdk:sfn:*} on its own engine, with the shapes and error names
 * of AWS's integrations.
 */
class ServiceIntegrationsTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static JsonNode read(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    JsonNode run(String machine, String input) {
        JsonNode started = server.ok("StartExecution", json("stateMachineArn", machine, "input", input));
        return server.await(started.get("executionArn").asText());
    }

    /** The executions of {@code machine} once there are {@code n}, oldest first, as DescribeExecution answers. */
    List<JsonNode> awaitExecutions(String machine, int n) throws InterruptedException {
        for (int i = 0; i < 400; i++) {
            JsonNode list = server.ok("ListExecutions", json("stateMachineArn", machine)).get("executions");
            if (list.size() >= n) {
                List<JsonNode> out = new ArrayList<>();
                for (int k = list.size() - 1; k >= 0; k--) {
                    out.add(server.await(list.get(k).get("executionArn").asText()));
                }
                return out;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("fewer than " + n + " executions of " + machine);
    }

    // ---- events:putEvents ----------------------------------------------------------------------------

    @Test
    void putEvents_publishesOntoSetlistsBus_withDetailAsObjectOrString_andAnswersPutEventsShape() throws Exception {
        server.server.eventBus().createEventBus("orders");
        String sink = server.machine("order-sink", "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}",
                "STANDARD");
        server.server.eventBus().putRule("to-sink", "orders", "{\"source\": [\"shop\"]}", null, null, null);
        server.server.eventBus().putTargets("to-sink", "orders", List.of(Target.of("sink", sink)));
        String publisher = server.machine("publisher", """
                {"StartAt": "Publish", "States": {"Publish": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
                  "Parameters": {"Entries": [
                    {"Detail": {"id.$": "$.id"}, "DetailType": "OrderPlaced", "Source": "shop", "EventBusName": "orders"},
                    {"Detail": "{\\"raw\\": 1}", "DetailType": "Raw", "Source": "shop", "EventBusName": "orders"}]},
                  "End": true}}}""", "STANDARD");
        JsonNode done = run(publisher, "{\"id\": 7}");
        assertThat(done.get("status").asText()).as("%s", done).isEqualTo("SUCCEEDED");
        JsonNode out = read(done.get("output").asText());
        assertThat(out.get("FailedEntryCount").asInt()).isZero();
        assertThat(out.get("Entries")).hasSize(2);
        assertThat(out.at("/Entries/0/EventId").asText()).isNotEmpty();
        assertThat(out.at("/Entries/1/EventId").asText()).isNotEmpty();

        List<JsonNode> delivered = awaitExecutions(sink, 2);
        List<JsonNode> events = new ArrayList<>();
        delivered.forEach(d -> events.add(read(d.get("input").asText())));
        events.sort((a, b) -> a.get("detail-type").asText().compareTo(b.get("detail-type").asText()));
        JsonNode placed = events.get(0);
        assertThat(placed.get("detail-type").asText()).isEqualTo("OrderPlaced");
        assertThat(placed.get("source").asText()).isEqualTo("shop");
        assertThat(placed.get("detail")).isEqualTo(read("{\"id\": 7}"));
        assertThat(placed.get("id").asText()).isEqualTo(out.at("/Entries/0/EventId").asText());
        List<String> resources = new ArrayList<>();
        placed.get("resources").forEach(r -> resources.add(r.asText()));
        assertThat(resources).containsExactly(done.get("executionArn").asText(), publisher);
        assertThat(events.get(1).get("detail")).isEqualTo(read("{\"raw\": 1}"));
    }

    @Test
    void testState_runsPutEventsAndAwsSdkSfn_onSetlistItself() throws Exception {
        server.server.eventBus().createEventBus("teststate-bus");
        String sink = server.machine("teststate-sink", "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}",
                "STANDARD");
        server.server.eventBus().putRule("ts-to-sink", "teststate-bus", "{\"source\": [\"ts\"]}", null, null, null);
        server.server.eventBus().putTargets("ts-to-sink", "teststate-bus", List.of(Target.of("sink", sink)));
        JsonNode put = server.ok("TestState", json("definition", """
                {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
                  "Parameters": {"Entries": [{"Detail": {"n.$": "$.n"}, "DetailType": "T", "Source": "ts",
                    "EventBusName": "teststate-bus"}]}, "End": true}""", "input", "{\"n\": 3}"));
        assertThat(put.get("status").asText()).as(put.toString()).isEqualTo("SUCCEEDED");
        JsonNode answer = read(put.get("output").asText());
        assertThat(answer.get("FailedEntryCount").asInt()).isZero();
        assertThat(answer.at("/Entries/0/EventId").asText()).isNotEmpty();
        JsonNode delivered = awaitExecutions(sink, 1).get(0);
        assertThat(read(delivered.get("input").asText()).get("detail")).isEqualTo(read("{\"n\": 3}"));

        JsonNode described = server.ok("TestState", json("definition", """
                {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:describeStateMachine",
                  "Parameters": {"StateMachineArn": "%s"}, "ResultSelector": {"name.$": "$.Name"}, "End": true}"""
                .formatted(sink)));
        assertThat(described.get("status").asText()).as(described.toString()).isEqualTo("SUCCEEDED");
        assertThat(read(described.get("output").asText()).get("name").asText()).isEqualTo("teststate-sink");
        JsonNode unknown = server.ok("TestState", json("definition", """
                {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:describeStateMachine",
                  "Parameters": {"StateMachineArn": "%s-nope"}, "End": true}""".formatted(sink)));
        assertThat(unknown.get("status").asText()).isEqualTo("FAILED");
        assertThat(unknown.get("error").asText()).isEqualTo("Sfn.StateMachineDoesNotExistException");
    }

    @Test
    void putEvents_aFailedEntry_failsTheTaskWithEventBridgeFailedEntry() {
        String publisher = server.machine("publisher-bad", """
                {"StartAt": "Publish", "States": {"Publish": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
                  "Parameters": {"Entries": [{"Detail": {}, "DetailType": "X", "Source": "shop", "EventBusName": "no-such-bus"}]},
                  "Catch": [{"ErrorEquals": ["EventBridge.FailedEntry"], "Next": "Caught"}], "End": true},
                  "Caught": {"Type": "Pass", "End": true}}}""", "STANDARD");
        JsonNode done = run(publisher, "{}");
        assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
        JsonNode caught = read(done.get("output").asText());
        assertThat(caught.get("Error").asText()).isEqualTo("EventBridge.FailedEntry");
        JsonNode answer = read(caught.get("Cause").asText());
        assertThat(answer.get("FailedEntryCount").asInt()).isEqualTo(1);
        assertThat(answer.at("/Entries/0/ErrorCode").asText()).isNotEmpty();
    }

    @Test
    void putEvents_waitForTaskToken_waitsForTheAnswerToTheTokenItPublished() throws Exception {
        server.server.eventBus().createEventBus("approvals");
        String approver = server.machine("approver", """
                {"StartAt": "Answer", "States": {"Answer": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
                  "Parameters": {"TaskToken.$": "$.detail.token", "Output.$": "States.JsonToString($.detail.order)"},
                  "End": true}}}""", "STANDARD");
        server.server.eventBus().putRule("to-approver", "approvals", "{\"detail-type\": [\"ApprovalRequested\"]}",
                null, null, null);
        server.server.eventBus().putTargets("to-approver", "approvals", List.of(Target.of("a", approver)));
        String asker = server.machine("asker", """
                {"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents.waitForTaskToken",
                  "HeartbeatSeconds": 60,
                  "Parameters": {"Entries": [{"Detail": {"token.$": "$$.Task.Token", "order.$": "$.order"},
                    "DetailType": "ApprovalRequested", "Source": "approvals", "EventBusName": "approvals"}]},
                  "End": true}}}""", "STANDARD");
        JsonNode done = run(asker, "{\"order\": {\"n\": 3}}");
        assertThat(done.get("status").asText()).as("%s", done).isEqualTo("SUCCEEDED");
        assertThat(read(done.get("output").asText())).isEqualTo(read("{\"n\": 3}"));
    }

    // ---- aws-sdk:sfn ----------------------------------------------------------------------------------

    @Test
    void awsSdkSfn_startsDescribesListsAndStopsExecutions_withSdkShapes_andSfnErrorNames() {
        String worker = server.machine("sdk-worker", """
                {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}}""", "STANDARD");
        String orchestrator = server.machine("sdk-orchestrator", """
                {"StartAt": "Start", "States": {
                  "Start": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution",
                    "Parameters": {"StateMachineArn": "%1$s", "Name": "w-1", "Input.$": "States.JsonToString($.payload)"},
                    "ResultPath": "$.started", "Next": "Describe"},
                  "Describe": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:describeExecution",
                    "Parameters": {"ExecutionArn.$": "$.started.ExecutionArn"}, "ResultPath": "$.described", "Next": "List"},
                  "List": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:listExecutions",
                    "Parameters": {"StateMachineArn": "%1$s", "StatusFilter": "RUNNING"}, "ResultPath": "$.listed",
                    "Next": "Machines"},
                  "Machines": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:listStateMachines",
                    "Parameters": {}, "ResultSelector": {"names.$": "$.StateMachines[*].Name"}, "ResultPath": "$.machines",
                    "Next": "Machine"},
                  "Machine": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:describeStateMachine",
                    "Parameters": {"StateMachineArn": "%1$s"},
                    "ResultSelector": {"Name.$": "$.Name", "Type.$": "$.Type", "Status.$": "$.Status"},
                    "ResultPath": "$.machine", "Next": "Stop"},
                  "Stop": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:stopExecution",
                    "Parameters": {"ExecutionArn.$": "$.started.ExecutionArn", "Error": "Enough", "Cause": "stopped by its caller"},
                    "ResultPath": "$.stopped", "Next": "Missing"},
                  "Missing": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:describeExecution",
                    "Parameters": {"ExecutionArn": "%2$sexecution:sdk-worker:nope"},
                    "Catch": [{"ErrorEquals": ["Sfn.ExecutionDoesNotExistException"], "ResultPath": "$.missing", "Next": "Done"}],
                    "Next": "Done"},
                  "Done": {"Type": "Pass", "End": true}}}""".formatted(worker, ARN), "STANDARD");
        JsonNode done = run(orchestrator, "{\"payload\": {\"job\": 1}}");
        assertThat(done.get("status").asText()).as("%s", done).isEqualTo("SUCCEEDED");
        JsonNode out = read(done.get("output").asText());
        String child = ARN + "execution:sdk-worker:w-1";

        assertThat(out.at("/started/ExecutionArn").asText()).isEqualTo(child);
        Instant.parse(out.at("/started/StartDate").asText()); // ISO-8601 text, as the SDK integration returns it
        JsonNode described = out.get("described");
        assertThat(described.get("ExecutionArn").asText()).isEqualTo(child);
        assertThat(described.get("StateMachineArn").asText()).isEqualTo(worker);
        assertThat(described.get("Name").asText()).isEqualTo("w-1");
        assertThat(described.get("Status").asText()).isEqualTo("RUNNING");
        assertThat(described.get("Input").asText()).isEqualTo("{\"job\":1}");
        assertThat(described.at("/InputDetails/Included").asBoolean()).isTrue();
        Instant.parse(described.get("StartDate").asText());
        assertThat(described.has("executionArn")).isFalse();

        JsonNode listed = out.at("/listed/Executions");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).get("ExecutionArn").asText()).isEqualTo(child);
        assertThat(listed.get(0).get("Status").asText()).isEqualTo("RUNNING");
        List<String> names = new ArrayList<>();
        out.at("/machines/names").forEach(n -> names.add(n.asText()));
        assertThat(names).contains("sdk-worker", "sdk-orchestrator");
        assertThat(out.get("machine")).isEqualTo(read("{\"Name\": \"sdk-worker\", \"Type\": \"STANDARD\", \"Status\": \"ACTIVE\"}"));
        Instant.parse(out.at("/stopped/StopDate").asText());

        JsonNode missing = out.get("missing");
        assertThat(missing.get("Error").asText()).isEqualTo("Sfn.ExecutionDoesNotExistException");
        assertThat(missing.get("Cause").asText()).startsWith("Execution Does Not Exist: '" + ARN
                + "execution:sdk-worker:nope'").contains("(Service: Sfn, Status Code: 400, Request ID: ");

        JsonNode stopped = server.ok("DescribeExecution", json("executionArn", child));
        assertThat(stopped.get("status").asText()).isEqualTo("ABORTED");
        assertThat(stopped.get("error").asText()).isEqualTo("Enough");
        assertThat(stopped.get("cause").asText()).isEqualTo("stopped by its caller");
    }

    @Test
    void awsSdkSfn_sendTaskHeartbeatSuccessAndFailure_answerAWaitingTask() throws Exception {
        String waiter = server.machine("sdk-waiter", TestServer.CALLBACK, "STANDARD");
        String answerer = server.machine("sdk-answerer", """
                {"StartAt": "Beat", "States": {
                  "Beat": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskHeartbeat",
                    "Parameters": {"TaskToken.$": "$.token"}, "ResultPath": "$.beat", "Next": "Which"},
                  "Which": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Succeed"}],
                    "Default": "Fail"},
                  "Succeed": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
                    "Parameters": {"TaskToken.$": "$.token", "Output": {"approved": true}}, "End": true},
                  "Fail": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskFailure",
                    "Parameters": {"TaskToken.$": "$.token", "Error": "Rejected", "Cause": "not today"}, "End": true}}}""",
                "STANDARD");
        server.sentTokens.clear();
        for (boolean ok : new boolean[] {true, false}) {
            String waiting = server.ok("StartExecution", json("stateMachineArn", waiter, "input", "{\"order\": 1}"))
                    .get("executionArn").asText();
            String token = server.sentTokens.poll(20, TimeUnit.SECONDS);
            assertThat(token).isNotNull();
            JsonNode answered = run(answerer, Json.text(json("token", token, "ok", ok)));
            assertThat(answered.get("status").asText()).as("%s", answered).isEqualTo("SUCCEEDED");
            assertThat(read(answered.get("output").asText())).isEqualTo(read("{}"));
            JsonNode done = server.await(waiting);
            if (ok) {
                assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
                assertThat(read(done.get("output").asText())).isEqualTo(read("{\"approved\": true}"));
            } else {
                assertThat(done.get("status").asText()).isEqualTo("FAILED");
                assertThat(done.get("error").asText()).isEqualTo("Rejected");
                assertThat(done.get("cause").asText()).isEqualTo("not today");
            }
        }
        String bogus = server.machine("sdk-bogus", """
                {"StartAt": "Send", "States": {"Send": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
                  "Parameters": {"TaskToken": "not-a-token", "Output": "{}"}, "End": true}}}""", "STANDARD");
        JsonNode failed = run(bogus, "{}");
        assertThat(failed.get("status").asText()).isEqualTo("FAILED");
        assertThat(failed.get("error").asText()).startsWith("Sfn.").endsWith("Exception");
    }
}
