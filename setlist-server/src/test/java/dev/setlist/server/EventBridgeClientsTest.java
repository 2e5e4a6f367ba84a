package dev.setlist.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.engine.StateMachineInfo;
import dev.setlist.engine.StateMachineType;
import dev.setlist.server.http.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The EventBridge API with real clients: the AWS SDK for JavaScript v3
 * ({@code @aws-sdk/client-eventbridge}, {@code src/test/js/events-test.mjs}) and the AWS CLI
 * ({@code aws events …}): a rule and a target, events put, the state machine started with the
 * transformed input, and EventBridge-shaped errors.
 */
class EventBridgeClientsTest {

    @Test
    void awsSdkV3_putRuleTargetsAndEvents_startsTheStateMachineWithTransformedInput() throws Exception {
        String node = Clients.node();
        var dir = Clients.sdkDirectory();
        try (TestServer server = new TestServer()) {
            Clients.Run r = Clients.run(dir, Map.of("SETLIST_ENDPOINT", server.endpoint(), "AWS_ACCESS_KEY_ID",
                    TestServer.KEY_ID, "AWS_SECRET_ACCESS_KEY", TestServer.SECRET, "AWS_REGION", "us-east-1"),
                    List.of(node, "events-test.mjs"));
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode seen = Json.MAPPER.readTree(r.out());
            assertThat(seen.get("ruleArn").asText()).isEqualTo("arn:aws:events:us-east-1:000000000000:rule/sdk-purchases");
            assertThat(seen.get("failedTargets").asInt()).isZero();
            assertThat(seen.get("failedEntries").asInt()).isEqualTo(1);
            assertThat(seen.get("errorCode").asText()).isEqualTo("InvalidArgument");
            assertThat(seen.get("eventIdIsString").asBoolean()).isTrue();
            assertThat(Json.MAPPER.readTree(seen.get("output").asText()))
                    .isEqualTo(Json.MAPPER.readTree("{\"concert\": \"c-9\", \"via\": \"sdk\"}"));
            assertThat(seen.get("rules").toString()).isEqualTo("[\"sdk-purchases\"]");
            assertThat(seen.get("state").asText()).isEqualTo("ENABLED");
            assertThat(seen.get("testResult").asBoolean()).isTrue();
            assertThat(seen.get("invalidPattern").asText()).isEqualTo("InvalidEventPatternException");
        }
    }

    @Test
    void awsCli_events_putRuleTargetsEvents_andErrors() throws Exception {
        String cli = Clients.awsCli();
        Path home = Files.createTempDirectory("aws-home");
        try (TestServer server = new TestServer()) {
            StateMachineInfo sm = server.server.engine().createStateMachine("cli-on-purchase",
                    "{\"StartAt\": \"Echo\", \"States\": {\"Echo\": {\"Type\": \"Pass\", \"End\": true}}}",
                    StateMachineType.STANDARD, null, null);
            Map<String, String> env = new HashMap<>();
            env.put("AWS_ACCESS_KEY_ID", TestServer.KEY_ID);
            env.put("AWS_SECRET_ACCESS_KEY", TestServer.SECRET);
            env.put("AWS_DEFAULT_REGION", "us-east-1");
            env.put("AWS_CONFIG_FILE", home.resolve("config").toString());
            env.put("AWS_SHARED_CREDENTIALS_FILE", home.resolve("credentials").toString());
            env.put("AWS_PAGER", "");
            env.put("HOME", home.toString());
            java.util.function.Function<List<String>, Clients.Run> aws = args -> {
                List<String> command = new ArrayList<>(List.of(cli, "--endpoint-url", server.endpoint(), "--output", "json",
                        "events"));
                command.addAll(args);
                return Clients.run(null, env, command);
            };
            Clients.Run rule = aws.apply(List.of("put-rule", "--name", "cli-purchases", "--event-pattern",
                    "{\"source\": [\"relecloud.sales\"]}"));
            assertThat(rule.exit()).as(rule.err()).isZero();
            assertThat(Json.MAPPER.readTree(rule.out()).get("RuleArn").asText()).endsWith(":rule/cli-purchases");
            Clients.Run targets = aws.apply(List.of("put-targets", "--rule", "cli-purchases", "--targets",
                    "[{\"Id\": \"t\", \"Arn\": \"" + sm.arn() + "\", \"InputPath\": \"$.detail\"}]"));
            assertThat(targets.exit()).as(targets.err()).isZero();
            assertThat(Json.MAPPER.readTree(targets.out()).get("FailedEntryCount").asInt()).isZero();
            Clients.Run put = aws.apply(List.of("put-events", "--entries",
                    "[{\"Source\": \"relecloud.sales\", \"DetailType\": \"TicketsPurchased\", \"Detail\": \"{\\\"n\\\": 5}\"}]"));
            assertThat(put.exit()).as(put.err()).isZero();
            assertThat(Json.MAPPER.readTree(put.out()).get("FailedEntryCount").asInt()).isZero();

            ExecutionInfo started = null;
            for (int i = 0; i < 400 && started == null; i++) {
                var list = server.server.engine().listExecutions(sm.arn(), null, null, null, null).items();
                started = list.isEmpty() ? null : list.get(0);
                if (started == null) {
                    Thread.sleep(25);
                }
            }
            assertThat(started).isNotNull();
            ExecutionInfo done = server.server.engine().awaitExecution(started.arn(), Duration.ofSeconds(10));
            assertThat(Json.MAPPER.readTree(done.output())).isEqualTo(Json.MAPPER.readTree("{\"n\": 5}"));

            Clients.Run missing = aws.apply(List.of("describe-rule", "--name", "no-such-rule"));
            assertThat(missing.exit()).isNotZero();
            assertThat(missing.err()).contains("ResourceNotFoundException").contains("Rule no-such-rule does not exist");
            Clients.Run badPattern = aws.apply(List.of("put-rule", "--name", "bad", "--event-pattern", "{\"source\": 1}"));
            assertThat(badPattern.err()).contains("InvalidEventPatternException");
        }
    }
}
