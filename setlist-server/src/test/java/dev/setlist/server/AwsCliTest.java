package dev.setlist.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.http.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The AWS CLI ({@code aws stepfunctions …}) against a real server, signing with the keys Setlist issued. */
class AwsCliTest {
    private static TestServer server;
    private static String cli;
    private static Path home;

    @BeforeAll
    static void start() throws Exception {
        cli = Clients.awsCli();
        server = new TestServer();
        home = Files.createTempDirectory("aws-home");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static Clients.Run aws(String secret, String... args) {
        return awsWith(cli, secret, args);
    }

    private static Clients.Run awsWith(String cli, String secret, String... args) {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_ACCESS_KEY_ID", TestServer.KEY_ID);
        env.put("AWS_SECRET_ACCESS_KEY", secret);
        env.put("AWS_DEFAULT_REGION", "us-east-1");
        env.put("AWS_CONFIG_FILE", home.resolve("config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", home.resolve("credentials").toString());
        env.put("AWS_PAGER", "");
        // StartSyncExecution and TestState go to the host "sync-<endpoint host>" unless this is set
        env.put("AWS_DISABLE_HOST_PREFIX_INJECTION", "true");
        env.put("HOME", home.toString());
        List<String> command = new ArrayList<>(List.of(cli, "--endpoint-url", server.endpoint(), "--output", "json",
                "stepfunctions"));
        command.addAll(List.of(args));
        return Clients.run(null, env, command);
    }

    private static JsonNode ok(String... args) throws Exception {
        return okWith(cli, args);
    }

    private static JsonNode okWith(String cli, String... args) throws Exception {
        Clients.Run r = awsWith(cli, TestServer.SECRET, args);
        assertThat(r.exit()).as(String.join(" ", args) + "\n" + r.err()).isZero();
        return r.out().isBlank() ? Json.object() : Json.MAPPER.readTree(r.out());
    }

    private static JsonNode awaitEnd(String executionArn) throws Exception {
        for (int i = 0; i < 100; i++) {
            JsonNode d = ok("describe-execution", "--execution-arn", executionArn);
            if (!d.get("status").asText().equals("RUNNING")) {
                return d;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("did not end: " + executionArn);
    }

    @Test
    void createStartWaitHistory() throws Exception {
        String sm = ok("create-state-machine", "--name", "cli-pass", "--role-arn", TestServer.ROLE, "--definition",
                TestServer.PASS3).get("stateMachineArn").asText();
        assertThat(sm).isEqualTo(TestServer.ARN + "stateMachine:cli-pass");
        String exec = ok("start-execution", "--state-machine-arn", sm, "--name", "cli-1", "--input", "{\"c\":3}")
                .get("executionArn").asText();
        JsonNode done = awaitEnd(exec);
        assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(done.get("output").asText()).isEqualTo("{\"c\":3,\"b\":{\"b\":1}}");
        JsonNode history = ok("get-execution-history", "--execution-arn", exec);
        assertThat(history.get("events")).hasSize(8);
        assertThat(history.get("events").get(7).get("type").asText()).isEqualTo("ExecutionSucceeded");
        assertThat(ok("list-state-machines").get("stateMachines").toString()).contains("cli-pass");
        assertThat(ok("list-executions", "--state-machine-arn", sm).get("executions").get(0).get("name").asText())
                .isEqualTo("cli-1");
        assertThat(ok("describe-state-machine", "--state-machine-arn", sm).get("definition").asText()).isEqualTo(TestServer.PASS3);
    }

    @Test
    void waitForTaskToken_completedBySendTaskSuccess() throws Exception {
        String sm = ok("create-state-machine", "--name", "cli-callback", "--role-arn", TestServer.ROLE, "--definition",
                TestServer.CALLBACK).get("stateMachineArn").asText();
        String exec = ok("start-execution", "--state-machine-arn", sm, "--input", "{\"order\":42}").get("executionArn").asText();
        String token = null;
        for (int i = 0; i < 100 && token == null; i++) {
            for (JsonNode e : ok("get-execution-history", "--execution-arn", exec).get("events")) {
                if (e.get("type").asText().equals("TaskScheduled")) {
                    token = Json.MAPPER.readTree(e.at("/taskScheduledEventDetails/parameters").asText()).at("/MessageBody/token").asText();
                }
            }
            if (token == null) {
                Thread.sleep(100);
            }
        }
        assertThat(token).isNotNull();
        ok("send-task-success", "--task-token", token, "--task-output", "{\"shipped\":42}");
        JsonNode done = awaitEnd(exec);
        assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(done.get("output").asText()).isEqualTo("{\"shipped\":42}");
    }

    @Test
    void testState_inspectionRetryAndCatch() throws Exception {
        String cli = Clients.awsCliWith("test-state");
        String task = "{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\",\"Parameters\":{\"n.$\":\"$.n\"},"
                + "\"Retry\":[{\"ErrorEquals\":[\"Busy\"],\"MaxAttempts\":1}],"
                + "\"Catch\":[{\"ErrorEquals\":[\"States.ALL\"],\"ResultPath\":\"$.err\",\"Next\":\"Fix\"}],\"End\":true}";
        JsonNode ok = okWith(cli, "test-state", "--definition", task, "--input", "{\"n\":4}", "--inspection-level", "DEBUG",
                "--mock", "{\"result\":\"{\\\"done\\\":true}\"}");
        assertThat(ok.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(ok.get("output").asText()).isEqualTo("{\"done\":true}");
        assertThat(ok.at("/inspectionData/afterParameters").asText()).isEqualTo("{\"n\":4}");
        JsonNode retriable = okWith(cli, "test-state", "--definition", task, "--input", "{\"n\":4}", "--mock",
                "{\"errorOutput\":{\"error\":\"Busy\",\"cause\":\"c\"}}");
        assertThat(retriable.get("status").asText()).isEqualTo("RETRIABLE");
        JsonNode caught = okWith(cli, "test-state", "--definition", task, "--input", "{\"n\":4}", "--mock",
                "{\"errorOutput\":{\"error\":\"Busy\",\"cause\":\"c\"}}", "--state-configuration", "{\"retrierRetryCount\":1}",
                "--inspection-level", "TRACE");
        assertThat(caught.get("status").asText()).isEqualTo("CAUGHT_ERROR");
        assertThat(caught.get("nextState").asText()).isEqualTo("Fix");
        assertThat(caught.get("output").asText()).isEqualTo("{\"n\":4,\"err\":{\"Error\":\"Busy\",\"Cause\":\"c\"}}");
        assertThat(caught.at("/inspectionData/errorDetails/catchIndex").asInt()).isZero();
    }

    @Test
    void errors_areAwsShaped() {
        Clients.Run missing = aws(TestServer.SECRET, "describe-execution", "--execution-arn",
                TestServer.ARN + "execution:cli-pass:nope");
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.err()).contains("An error occurred (ExecutionDoesNotExist) when calling the DescribeExecution"
                + " operation: Execution Does Not Exist: '" + TestServer.ARN + "execution:cli-pass:nope'");
        Clients.Run badSecret = aws("not-the-secret-0000000", "list-state-machines");
        assertThat(badSecret.err()).contains("(InvalidSignatureException)");
        Clients.Run badDefinition = aws(TestServer.SECRET, "create-state-machine", "--name", "cli-bad", "--role-arn",
                TestServer.ROLE, "--definition", "{\"StartAt\":\"A\",\"States\":{}}");
        assertThat(badDefinition.err()).contains("An error occurred (InvalidDefinition) when calling the CreateStateMachine operation");
        Clients.Run badArn = aws(TestServer.SECRET, "describe-state-machine", "--state-machine-arn", "arn:aws:states:::nope");
        assertThat(badArn.err()).contains("(InvalidArn)");
    }
}
