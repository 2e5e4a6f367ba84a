package dev.setlist.server.sfn;

import static dev.setlist.server.TestServer.ARN;
import static dev.setlist.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Step Functions actions over HTTP, signed as the administrator, with the shapes AWS documents. */
class StepFunctionsApiTest {
    private static final double[] DRAWS = {0.1, 0.9, 0.2, 0.8, 0.3, 0.95, 0.05, 0.6, 0.65, 0.7};
    private static final AtomicInteger draw = new AtomicInteger();
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer(Map.of(), () -> DRAWS[draw.getAndIncrement() % DRAWS.length]);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void standardExecution_runsToEnd_historyAndDescribeHaveAwsShapes() {
        String sm = server.machine("std-pass", TestServer.PASS3, "STANDARD");
        JsonNode started = server.ok("StartExecution", json("stateMachineArn", sm, "name", "run-1", "input", "{\"x\":1}"));
        assertThat(started.get("executionArn").asText()).isEqualTo(ARN + "execution:std-pass:run-1");
        assertThat(started.get("startDate").isDouble()).isTrue();
        JsonNode done = server.await(started.get("executionArn").asText());
        assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(done.get("output").asText()).isEqualTo("{\"x\":1,\"b\":{\"b\":1}}");
        assertThat(done.get("stopDate").isDouble()).isTrue();
        JsonNode history = server.ok("GetExecutionHistory", json("executionArn", started.get("executionArn").asText()));
        List<String> types = new ArrayList<>();
        history.get("events").forEach(e -> types.add(e.get("type").asText()));
        assertThat(types).containsExactly("ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered",
                "PassStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded");
        JsonNode first = history.get("events").get(0);
        assertThat(first.get("id").asLong()).isEqualTo(1);
        assertThat(first.get("timestamp").isDouble()).isTrue();
        assertThat(first.get("executionStartedEventDetails").get("input").asText()).isEqualTo("{\"x\":1}");
        JsonNode reversed = server.ok("GetExecutionHistory", json("executionArn", started.get("executionArn").asText(),
                "reverseOrder", true, "maxResults", 2));
        assertThat(reversed.get("events").get(0).get("type").asText()).isEqualTo("ExecutionSucceeded");
        assertThat(reversed.get("nextToken").asText()).isNotEmpty();
        JsonNode forExecution = server.ok("DescribeStateMachineForExecution", json("executionArn",
                started.get("executionArn").asText()));
        assertThat(forExecution.get("definition").asText()).isEqualTo(TestServer.PASS3);
    }

    @Test
    void startSyncExecution_express_returnsOutputAndBilling() {
        String sm = server.machine("express-pass", TestServer.PASS3, "EXPRESS");
        JsonNode r = server.ok("StartSyncExecution", json("stateMachineArn", sm, "input", "{\"y\":2}"));
        assertThat(r.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(r.get("output").asText()).isEqualTo("{\"y\":2,\"b\":{\"b\":1}}");
        assertThat(r.get("executionArn").asText()).startsWith(ARN + "express:express-pass:");
        assertThat(r.get("billingDetails").get("billedDurationInMilliseconds").asLong()).isGreaterThanOrEqualTo(100);
        TestServer.Response std = server.call("StartSyncExecution", json("stateMachineArn",
                server.machine("std-for-sync", TestServer.PASS3, "STANDARD")));
        assertThat(std.errorType()).isEqualTo("StateMachineTypeNotSupported");
    }

    @Test
    void callbackTask_sendTaskSuccess_completesExecution() throws Exception {
        String sm = server.machine("callback", TestServer.CALLBACK, "STANDARD");
        String exec = server.ok("StartExecution", json("stateMachineArn", sm, "input", "{\"order\":7}"))
                .get("executionArn").asText();
        String token = server.sentTokens.poll(10, TimeUnit.SECONDS);
        assertThat(token).isNotNull();
        server.ok("SendTaskHeartbeat", json("taskToken", token));
        server.ok("SendTaskSuccess", json("taskToken", token, "output", "{\"paid\":true}"));
        JsonNode done = server.await(exec);
        assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(done.get("output").asText()).isEqualTo("{\"paid\":true}");
        assertThat(server.call("SendTaskSuccess", json("taskToken", "bm90IGEgdG9rZW4", "output", "{}")).errorType())
                .isEqualTo("InvalidToken");
    }

    @Test
    void stopAndRedrive_abortedExecution_runsAgain() throws Exception {
        String sm = server.machine("stoppable", TestServer.CALLBACK, "STANDARD");
        String exec = server.ok("StartExecution", json("stateMachineArn", sm, "input", "{\"order\":1}"))
                .get("executionArn").asText();
        server.sentTokens.poll(10, TimeUnit.SECONDS);
        JsonNode stopped = server.ok("StopExecution", json("executionArn", exec, "error", "Operator", "cause", "test"));
        assertThat(stopped.get("stopDate").isDouble()).isTrue();
        JsonNode d = server.await(exec);
        assertThat(d.get("status").asText()).isEqualTo("ABORTED");
        assertThat(d.get("redriveStatus").asText()).isEqualTo("REDRIVABLE");
        assertThat(server.ok("RedriveExecution", json("executionArn", exec)).get("redriveDate").isDouble()).isTrue();
        String token = server.sentTokens.poll(10, TimeUnit.SECONDS);
        server.ok("SendTaskFailure", json("taskToken", token, "error", "Declined", "cause", "card"));
        JsonNode failed = server.await(exec);
        assertThat(failed.get("status").asText()).isEqualTo("FAILED");
        assertThat(failed.get("error").asText()).isEqualTo("Declined");
        assertThat(failed.get("redriveCount").asInt()).isEqualTo(1);
    }

    @Test
    void listExecutions_pagesNewestFirst_andFiltersByStatus() {
        String sm = server.machine("listed", TestServer.PASS3, "STANDARD");
        for (int i = 0; i < 5; i++) {
            server.await(server.ok("StartExecution", json("stateMachineArn", sm, "name", "e" + i)).get("executionArn").asText());
        }
        JsonNode page1 = server.ok("ListExecutions", json("stateMachineArn", sm, "maxResults", 3));
        assertThat(page1.get("executions")).hasSize(3);
        JsonNode page2 = server.ok("ListExecutions", json("stateMachineArn", sm, "maxResults", 3,
                "nextToken", page1.get("nextToken").asText()));
        assertThat(page2.get("executions")).hasSize(2);
        assertThat(page2.has("nextToken")).isFalse();
        assertThat(server.ok("ListExecutions", json("stateMachineArn", sm, "statusFilter", "FAILED")).get("executions")).isEmpty();
    }

    @Test
    void versionsAndAliases_routeByWeight_andDescribeExecutionNamesThem() {
        String sm = server.machine("versioned", TestServer.PASS3, "STANDARD");
        JsonNode v1 = server.ok("PublishStateMachineVersion", json("stateMachineArn", sm, "description", "first"));
        assertThat(v1.get("stateMachineVersionArn").asText()).isEqualTo(sm + ":1");
        assertThat(server.ok("PublishStateMachineVersion", json("stateMachineArn", sm)).get("stateMachineVersionArn").asText())
                .as("the same revision again").isEqualTo(sm + ":1");
        String def2 = TestServer.PASS3.replace("\"b\":1", "\"b\":2");
        JsonNode updated = server.ok("UpdateStateMachine", json("stateMachineArn", sm, "definition", def2, "publish", true,
                "versionDescription", "second"));
        assertThat(updated.get("stateMachineVersionArn").asText()).isEqualTo(sm + ":2");
        assertThat(server.call("PublishStateMachineVersion", json("stateMachineArn", sm, "revisionId", "stale")).errorType())
                .isEqualTo("ConflictException");
        JsonNode described = server.ok("DescribeStateMachine", json("stateMachineArn", sm + ":1"));
        assertThat(described.get("definition").asText()).isEqualTo(TestServer.PASS3);
        assertThat(described.get("description").asText()).isEqualTo("first");
        JsonNode versions = server.ok("ListStateMachineVersions", json("stateMachineArn", sm));
        assertThat(versions.get("stateMachineVersions").get(0).get("stateMachineVersionArn").asText()).isEqualTo(sm + ":2");

        String alias = server.ok("CreateStateMachineAlias", json("name", "live", "routingConfiguration", List.of(
                Map.of("stateMachineVersionArn", sm + ":1", "weight", 50),
                Map.of("stateMachineVersionArn", sm + ":2", "weight", 50)))).get("stateMachineAliasArn").asText();
        assertThat(alias).isEqualTo(sm + ":live");
        draw.set(0);
        List<String> routedTo = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String exec = server.ok("StartExecution", json("stateMachineArn", alias)).get("executionArn").asText();
            assertThat(exec).startsWith(ARN + "execution:versioned:");
            JsonNode d = server.await(exec);
            assertThat(d.get("stateMachineAliasArn").asText()).isEqualTo(alias);
            routedTo.add(d.get("stateMachineVersionArn").asText());
            assertThat(d.get("output").asText()).contains(d.get("stateMachineVersionArn").asText().endsWith(":1") ? "\"b\":1" : "\"b\":2");
        }
        assertThat(routedTo).containsExactly(sm + ":1", sm + ":2", sm + ":1", sm + ":2");
        assertThat(server.ok("ListExecutions", json("stateMachineArn", sm + ":1")).get("executions")).hasSize(2);
        JsonNode listed = server.ok("ListExecutions", json("stateMachineArn", sm));
        assertThat(listed.get("executions")).hasSize(4);
        for (JsonNode e : listed.get("executions")) {
            assertThat(e.get("stateMachineAliasArn").asText()).isEqualTo(alias);
            assertThat(e.get("stateMachineVersionArn").asText()).isIn(sm + ":1", sm + ":2");
            assertThat(e.get("redriveCount").asInt()).isZero();
        }
        String plain = server.ok("StartExecution", json("stateMachineArn", sm)).get("executionArn").asText();
        server.await(plain);
        JsonNode unqualified = server.ok("ListExecutions", json("stateMachineArn", sm, "maxResults", 1)).get("executions").get(0);
        assertThat(unqualified.get("executionArn").asText()).isEqualTo(plain);
        assertThat(unqualified.has("stateMachineAliasArn")).isFalse();
        assertThat(unqualified.has("stateMachineVersionArn")).isFalse();

        assertThat(server.call("DeleteStateMachineVersion", json("stateMachineVersionArn", sm + ":1")).errorType())
                .isEqualTo("ConflictException");
        server.ok("UpdateStateMachineAlias", json("stateMachineAliasArn", alias, "routingConfiguration",
                List.of(Map.of("stateMachineVersionArn", sm + ":2", "weight", 100))));
        JsonNode a = server.ok("DescribeStateMachineAlias", json("stateMachineAliasArn", alias));
        assertThat(a.get("routingConfiguration")).hasSize(1);
        assertThat(server.ok("ListStateMachineAliases", json("stateMachineArn", sm)).get("stateMachineAliases")).hasSize(1);
        server.ok("DeleteStateMachineVersion", json("stateMachineVersionArn", sm + ":1"));
        server.ok("DeleteStateMachineAlias", json("stateMachineAliasArn", alias));
        assertThat(server.call("DescribeStateMachineAlias", json("stateMachineAliasArn", alias)).errorType())
                .isEqualTo("ResourceNotFound");
        TestServer.Response badWeights = server.call("CreateStateMachineAlias", json("name", "bad", "routingConfiguration",
                List.of(Map.of("stateMachineVersionArn", sm + ":2", "weight", 60))));
        assertThat(badWeights.errorType()).isEqualTo("ValidationException");
        assertThat(badWeights.message()).contains("add up to 100");
    }

    @Test
    void tags_tagListUntag_andDeleteForgetsThem() {
        String sm = server.machine("tagged", TestServer.PASS3, "STANDARD");
        server.ok("TagResource", json("resourceArn", sm, "tags", List.of(Map.of("key", "team", "value", "tickets"),
                Map.of("key", "flow", "value", "purchase"))));
        JsonNode tags = server.ok("ListTagsForResource", json("resourceArn", sm));
        assertThat(tags.get("tags").toString()).isEqualTo("[{\"key\":\"flow\",\"value\":\"purchase\"},{\"key\":\"team\",\"value\":\"tickets\"}]");
        server.ok("UntagResource", json("resourceArn", sm, "tagKeys", List.of("flow")));
        assertThat(server.ok("ListTagsForResource", json("resourceArn", sm)).get("tags")).hasSize(1);
        server.ok("DeleteStateMachine", json("stateMachineArn", sm));
        assertThat(server.call("ListTagsForResource", json("resourceArn", sm)).errorType()).isEqualTo("StateMachineDoesNotExist");
    }

    @Test
    void activities_workerTakesTaskAndCompletesIt() throws Exception {
        String activity = server.ok("CreateActivity", json("name", "pack")).get("activityArn").asText();
        assertThat(activity).isEqualTo(ARN + "activity:pack");
        assertThat(server.ok("DescribeActivity", json("activityArn", activity)).get("name").asText()).isEqualTo("pack");
        String def = "{\"StartAt\":\"Pack\",\"States\":{\"Pack\":{\"Type\":\"Task\",\"Resource\":\"" + activity + "\",\"End\":true}}}";
        String exec = server.ok("StartExecution", json("stateMachineArn", server.machine("packing", def, "STANDARD"),
                "input", "{\"box\":3}")).get("executionArn").asText();
        JsonNode task = server.ok("GetActivityTask", json("activityArn", activity, "workerName", "w1"));
        assertThat(task.get("input").asText()).isEqualTo("{\"box\":3}");
        server.ok("SendTaskSuccess", json("taskToken", task.get("taskToken").asText(), "output", "{\"packed\":true}"));
        assertThat(server.await(exec).get("output").asText()).isEqualTo("{\"packed\":true}");
        assertThat(server.ok("ListActivities", json()).get("activities").toString()).contains("pack");
        server.ok("DeleteActivity", json("activityArn", activity));
        assertThat(server.call("DescribeActivity", json("activityArn", activity)).errorType()).isEqualTo("ActivityDoesNotExist");
    }

    @Test
    void validateStateMachineDefinition_listsProblemsWithLocations() {
        JsonNode ok = server.ok("ValidateStateMachineDefinition", json("definition", TestServer.PASS3));
        assertThat(ok.get("result").asText()).isEqualTo("OK");
        JsonNode bad = server.ok("ValidateStateMachineDefinition", json("definition",
                "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"Next\":\"Nowhere\"}}}"));
        assertThat(bad.get("result").asText()).isEqualTo("FAIL");
        assertThat(bad.get("diagnostics").get(0).get("location").asText()).isEqualTo("/States/A/Next");
        assertThat(bad.get("diagnostics").get(0).get("code").asText()).isEqualTo("SCHEMA_VALIDATION_FAILED");
        // The codes AWS documents for the kinds of problem it names.
        assertThat(code("{\"StartAt\": ")).isEqualTo("INVALID_JSON_DESCRIPTION");
        assertThat(code("{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"Next\":\"A\"}}}"))
                .isEqualTo("MISSING_END_STATE");
        assertThat(code("{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Task\",\"Resource\":\"not a uri\","
                + "\"End\":true}}}")).isEqualTo("INVALID_RESOURCE");
    }

    private static String code(String definition) {
        JsonNode r = server.ok("ValidateStateMachineDefinition", json("definition", definition));
        assertThat(r.get("result").asText()).isEqualTo("FAIL");
        return r.get("diagnostics").get(0).get("code").asText();
    }

    @Test
    void testState_passAndTaskWithMock_reportNextStateAndStatus() {
        JsonNode pass = server.ok("TestState", json("definition",
                "{\"Type\":\"Pass\",\"Parameters\":{\"v.$\":\"$.a\"},\"Next\":\"After\"}", "input", "{\"a\":5}"));
        assertThat(pass.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(pass.get("nextState").asText()).isEqualTo("After");
        assertThat(pass.get("output").asText()).isEqualTo("{\"v\":5}");
        JsonNode caught = server.ok("TestState", json("definition", "{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\","
                + "\"Catch\":[{\"ErrorEquals\":[\"States.ALL\"],\"Next\":\"Handle\"}],\"End\":true}",
                "mock", Map.of("errorOutput", Map.of("error", "Boom", "cause", "mocked")), "inspectionLevel", "DEBUG"));
        assertThat(caught.get("status").asText()).isEqualTo("CAUGHT_ERROR");
        assertThat(caught.get("nextState").asText()).isEqualTo("Handle");
        assertThat(caught.get("error").asText()).isEqualTo("Boom");
        JsonNode retriable = server.ok("TestState", json("definition", "{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\","
                + "\"Retry\":[{\"ErrorEquals\":[\"Boom\"]}],\"End\":true}",
                "mock", Map.of("errorOutput", Map.of("error", "Boom", "cause", "mocked"))));
        assertThat(retriable.get("status").asText()).isEqualTo("RETRIABLE");
        JsonNode result = server.ok("TestState", json("definition", "{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\","
                + "\"ResultSelector\":{\"p.$\":\"$.Payload\"},\"End\":true}", "mock", Map.of("result", "{\"Payload\":42}")));
        assertThat(result.get("output").asText()).isEqualTo("{\"p\":42}");
        JsonNode failed = server.ok("TestState", json("definition", "{\"Type\":\"Fail\",\"Error\":\"E\",\"Cause\":\"C\"}"));
        assertThat(failed.get("status").asText()).isEqualTo("FAILED");
        assertThat(server.call("TestState", json("definition", "{\"Type\":\"Bogus\"}")).errorType()).isEqualTo("InvalidDefinition");
    }

    private static final String PAY = "{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\","
            + "\"InputPath\":\"$.order\",\"Parameters\":{\"id.$\":\"$.id\"},\"ResultSelector\":{\"paid.$\":\"$.Payload.paid\"},"
            + "\"ResultPath\":\"$.payment\",\"OutputPath\":\"$.payment\",\"Assign\":{\"wasPaid.$\":\"$.paid\"},"
            + "\"Retry\":[{\"ErrorEquals\":[\"Other\"]},{\"ErrorEquals\":[\"Busy\"],\"MaxAttempts\":2,\"IntervalSeconds\":3}],"
            + "\"Catch\":[{\"ErrorEquals\":[\"Other\"],\"Next\":\"No\"},{\"ErrorEquals\":[\"States.ALL\"],\"Next\":\"Handle\"}],"
            + "\"Next\":\"Ship\"}";

    @Test
    void testState_debug_reportsEveryStageOfTheDataFlow() {
        JsonNode r = server.ok("TestState", json("definition", PAY, "input", "{\"order\":{\"id\":7},\"x\":1}",
                "inspectionLevel", "DEBUG", "variables", "{\"seen\":true}", "mock", Map.of("result", "{\"Payload\":{\"paid\":true}}")));
        assertThat(r.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(r.get("nextState").asText()).isEqualTo("Ship");
        assertThat(r.get("output").asText()).isEqualTo("{\"paid\":true}");
        assertThat(r.has("error")).isFalse();
        JsonNode d = r.get("inspectionData");
        assertThat(d.get("input").asText()).isEqualTo("{\"order\":{\"id\":7},\"x\":1}");
        assertThat(d.get("afterInputPath").asText()).isEqualTo("{\"id\":7}");
        assertThat(d.get("afterParameters").asText()).isEqualTo("{\"id\":7}");
        assertThat(d.get("result").asText()).isEqualTo("{\"Payload\":{\"paid\":true}}");
        assertThat(d.get("afterResultSelector").asText()).isEqualTo("{\"paid\":true}");
        assertThat(d.get("afterResultPath").asText()).isEqualTo("{\"order\":{\"id\":7},\"x\":1,\"payment\":{\"paid\":true}}");
        assertThat(d.get("variables").asText()).isEqualTo("{\"seen\":true,\"wasPaid\":true}");
        assertThat(d.has("errorDetails")).isFalse();
        // INFO (the default) has no inspection data; TRACE has DEBUG's (no HTTP Task to show a request of)
        assertThat(server.ok("TestState", json("definition", PAY, "input", "{\"order\":{\"id\":7}}",
                "mock", Map.of("result", "{}"))).has("inspectionData")).isFalse();
        JsonNode trace = server.ok("TestState", json("definition", PAY, "input", "{\"order\":{\"id\":7}}",
                "inspectionLevel", "TRACE", "mock", Map.of("result", "{\"Payload\":{\"paid\":false}}")));
        assertThat(trace.at("/inspectionData/afterResultSelector").asText()).isEqualTo("{\"paid\":false}");
        assertThat(trace.at("/inspectionData/request").isMissingNode()).isTrue();
        // JSONata: afterArguments, not the JSONPath stages
        JsonNode jsonata = server.ok("TestState", json("definition", "{\"QueryLanguage\":\"JSONata\",\"Type\":\"Task\","
                + "\"Resource\":\"arn:aws:states:::lambda:invoke\",\"Arguments\":{\"n\":\"{% $states.input.n + 1 %}\"},\"End\":true}",
                "input", "{\"n\":1}", "inspectionLevel", "DEBUG", "mock", Map.of("result", "{\"ok\":1}")));
        assertThat(jsonata.at("/inspectionData/afterArguments").asText()).isEqualTo("{\"n\":2}");
        assertThat(jsonata.at("/inspectionData/afterInputPath").isMissingNode()).isTrue();
        assertThat(jsonata.get("output").asText()).isEqualTo("{\"ok\":1}");
        assertThat(jsonata.has("nextState")).isFalse();
    }

    @Test
    void testState_errors_retriableThenCaughtAsTheRetrierRunsOut() {
        String input = "{\"order\":{\"id\":7}}";
        Map<String, Object> busy = Map.of("errorOutput", Map.of("error", "Busy", "cause", "try later"));
        JsonNode first = server.ok("TestState", json("definition", PAY, "input", input, "inspectionLevel", "DEBUG", "mock", busy));
        assertThat(first.get("status").asText()).isEqualTo("RETRIABLE");
        assertThat(first.get("error").asText()).isEqualTo("Busy");
        assertThat(first.get("cause").asText()).isEqualTo("try later");
        assertThat(first.has("nextState")).isFalse();
        assertThat(first.has("output")).isFalse();
        assertThat(first.at("/inspectionData/errorDetails").toString())
                .isEqualTo("{\"retryIndex\":1,\"retryBackoffIntervalSeconds\":3}");
        JsonNode second = server.ok("TestState", json("definition", PAY, "input", input, "inspectionLevel", "DEBUG", "mock", busy,
                "stateConfiguration", Map.of("retrierRetryCount", 1)));
        assertThat(second.at("/inspectionData/errorDetails/retryBackoffIntervalSeconds").asInt()).isEqualTo(6);
        JsonNode caught = server.ok("TestState", json("definition", PAY, "input", input, "inspectionLevel", "DEBUG", "mock", busy,
                "stateConfiguration", Map.of("retrierRetryCount", 2)));
        assertThat(caught.get("status").asText()).isEqualTo("CAUGHT_ERROR");
        assertThat(caught.get("nextState").asText()).isEqualTo("Handle");
        assertThat(caught.get("error").asText()).isEqualTo("Busy");
        assertThat(caught.get("cause").asText()).isEqualTo("try later");
        assertThat(caught.get("output").asText()).isEqualTo("{\"Error\":\"Busy\",\"Cause\":\"try later\"}");
        assertThat(caught.at("/inspectionData/errorDetails").toString()).isEqualTo("{\"catchIndex\":1}");
        JsonNode failed = server.ok("TestState", json("definition", "{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\","
                + "\"End\":true}", "mock", busy));
        assertThat(failed.get("status").asText()).isEqualTo("FAILED");
        assertThat(failed.get("error").asText()).isEqualTo("Busy");
        assertThat(failed.has("output")).isFalse();
        assertThat(server.call("TestState", json("definition", PAY, "mock", busy, "stateConfiguration",
                Map.of("retrierRetryCount", -1))).message()).isEqualTo("1 validation error detected: Value '-1' at"
                + " 'stateConfiguration.retrierRetryCount' failed to satisfy constraint: Member must have value greater than or equal to 0");
    }

    @Test
    void testState_mocksMapParallelAndCallbacks_andChecksItsMembers() {
        String parallel = "{\"Type\":\"Parallel\",\"Branches\":[{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}],"
                + "\"ResultSelector\":{\"first.$\":\"$[0]\"},\"End\":true}";
        assertThat(server.ok("TestState", json("definition", parallel, "input", "{\"a\":1}")).get("output").asText())
                .isEqualTo("{\"first\":{\"a\":1}}");
        assertThat(server.ok("TestState", json("definition", parallel, "mock", Map.of("result", "[{\"m\":2}]"))).get("output")
                .asText()).isEqualTo("{\"first\":{\"m\":2}}");
        String callback = "{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::sqs:sendMessage.waitForTaskToken\","
                + "\"Parameters\":{\"t.$\":\"$$.Task.Token\",\"who.$\":\"$$.Execution.Name\"},\"End\":true}";
        assertThat(server.call("TestState", json("definition", callback)).errorType()).isEqualTo("ValidationException");
        JsonNode mocked = server.ok("TestState", json("definition", callback, "inspectionLevel", "DEBUG", "mock",
                Map.of("result", "{}"), "context", "{\"Execution\":{\"Name\":\"mine\"},\"Task\":{\"Token\":\"tok\"}}"));
        assertThat(mocked.at("/inspectionData/afterParameters").asText()).isEqualTo("{\"t\":\"tok\",\"who\":\"mine\"}");
        assertThat(server.call("TestState", json("definition", parallel, "context", "{}")).errorType()).isEqualTo("ValidationException");
        assertThat(server.call("TestState", json("definition", parallel, "mock", Map.of("result", "{}", "errorOutput",
                Map.of("error", "E")))).errorType()).isEqualTo("ValidationException");
        assertThat(server.call("TestState", json("definition", parallel, "mock", Map.of("result", "{}",
                "fieldValidationMode", "LOOSE"))).message()).contains("at 'mock.fieldValidationMode'");
        assertThat(server.call("TestState", json("definition", parallel, "stateName", "P")).errorType()).isEqualTo("InvalidDefinition");
        assertThat(server.call("TestState", json("definition", parallel, "input", "{nope")).errorType())
                .isEqualTo("InvalidExecutionInput");
        String reader = "{\"Type\":\"Map\",\"ItemReader\":{\"Resource\":\"arn:aws:states:::s3:getObject\","
                + "\"ReaderConfig\":{\"InputType\":\"JSON\"},\"Parameters\":{\"Bucket\":\"b\",\"Key\":\"k\"}},"
                + "\"ItemProcessor\":{\"ProcessorConfig\":{\"Mode\":\"DISTRIBUTED\",\"ExecutionType\":\"STANDARD\"},"
                + "\"StartAt\":\"I\",\"States\":{\"I\":{\"Type\":\"Pass\",\"End\":true}}},\"MaxConcurrency\":5,\"End\":true}";
        JsonNode read = server.ok("TestState", json("definition", reader, "inspectionLevel", "DEBUG",
                "stateConfiguration", Map.of("mapItemReaderData", "[{\"i\":1},{\"i\":2}]")));
        assertThat(read.get("output").asText()).isEqualTo("[{\"i\":1},{\"i\":2}]");
        assertThat(read.at("/inspectionData/maxConcurrency").asInt()).isEqualTo(5);
        assertThat(server.call("TestState", json("definition", reader)).errorType()).isEqualTo("ValidationException");
        JsonNode inMachine = server.ok("TestState", json("definition", TestServer.PASS3, "stateName", "B", "input", "{}"));
        assertThat(inMachine.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(server.ok("TestState", json("definition", parallel, "revealSecrets", true)).get("status").asText())
                .isEqualTo("SUCCEEDED");
    }

    @Test
    void errors_haveAwsNamesAndWording() {
        String sm = server.machine("errors-named", TestServer.PASS3, "STANDARD");
        TestServer.Response noChange = server.call("UpdateStateMachine", json("stateMachineArn", sm));
        assertThat(noChange.errorType()).isEqualTo("MissingRequiredParameter");
        TestServer.Response wrongType = server.call("DescribeExecution", json("executionArn", sm));
        assertThat(wrongType.errorType()).isEqualTo("InvalidArn");
        assertThat(wrongType.message()).isEqualTo("Invalid Arn: 'Resource type not valid in this context: stateMachine'");
        assertThat(server.call("StartExecution", json("stateMachineArn", "orders")).message())
                .isEqualTo("Invalid Arn: 'Invalid ARN prefix: orders'");
        assertThat(server.call("GetActivityTask", json("activityArn", sm)).errorType()).isEqualTo("InvalidArn");
        assertThat(server.call("ListExecutions", json("stateMachineArn", ARN + "execution:errors-named:x")).message())
                .isEqualTo("Invalid Arn: 'Resource type not valid in this context: execution'");
        assertThat(server.call("DescribeExecution", json("executionArn", "nope", "includedData", 5)).errorType())
                .as("a member's type is told before the ARN").isEqualTo("SerializationException");
        assertThat(server.call("CreateStateMachine", json("name", "n".repeat(81), "definition", TestServer.PASS3, "roleArn",
                TestServer.ROLE)).message()).isEqualTo("1 validation error detected: Value '" + "n".repeat(81) + "' at 'name'"
                + " failed to satisfy constraint: Member must have length less than or equal to 80");
        assertThat(server.call("StartExecution", json("stateMachineArn", sm, "name", "")).message()).isEqualTo(
                "1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length"
                + " greater than or equal to 1");
        assertThat(server.call("ListExecutions", json("stateMachineArn", sm, "maxResults", 1001)).message()).isEqualTo(
                "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have"
                + " value less than or equal to 1000");
        assertThat(server.call("Bogus", json()).errorType()).isEqualTo("UnknownOperationException");
    }

    @Test
    void describeAndListStateMachines_haveAwsShapes() {
        String sm = server.machine("described", TestServer.PASS3, "EXPRESS");
        JsonNode d = server.ok("DescribeStateMachine", json("stateMachineArn", sm));
        assertThat(d.get("status").asText()).isEqualTo("ACTIVE");
        assertThat(d.get("type").asText()).isEqualTo("EXPRESS");
        assertThat(d.get("roleArn").asText()).isEqualTo(TestServer.ROLE);
        assertThat(d.get("creationDate").isDouble()).isTrue();
        assertThat(d.get("loggingConfiguration").get("level").asText()).isEqualTo("OFF");
        JsonNode list = server.ok("ListStateMachines", json("maxResults", 1000));
        assertThat(list.get("stateMachines").toString()).contains("\"name\":\"described\"");
        assertThat(server.call("CreateStateMachine", json("name", "described", "definition", TestServer.PASS3.replace("\"b\":1", "\"b\":9"),
                "roleArn", TestServer.ROLE, "type", "EXPRESS")).errorType()).isEqualTo("StateMachineAlreadyExists");
    }
}
