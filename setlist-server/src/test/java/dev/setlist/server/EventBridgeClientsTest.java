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
            assertThat(seen.get("errorCode").asText()).isEqualTo("MalformedDetail");
            assertThat(seen.get("eventIdIsString").asBoolean()).isTrue();
            assertThat(Json.MAPPER.readTree(seen.get("output").asText()))
                    .isEqualTo(Json.MAPPER.readTree("{\"concert\": \"c-9\", \"via\": \"sdk\"}"));
            assertThat(seen.get("rules").toString()).isEqualTo("[\"sdk-purchases\"]");
            assertThat(seen.get("state").asText()).isEqualTo("ENABLED");
            assertThat(seen.get("testResult").asBoolean()).isTrue();
            assertThat(seen.get("invalidPattern").asText()).isEqualTo("InvalidEventPatternException");
            assertThat(Json.MAPPER.readTree(seen.get("stringsOutput").asText())).isEqualTo(Json.MAPPER.readTree(
                    "{\"text\": \"concert c-7 has 3 seats\", \"n\": 3, \"concert\": \"c-7\"}"));
            assertThat(seen.get("roleArn").asText()).isEqualTo("arn:aws:iam::000000000000:role/sdk");
            assertThat(seen.get("deadLetterArn").asText()).isEqualTo("arn:aws:sqs:us-east-1:000000000000:sdk-dlq");
            assertThat(seen.get("pagedRules").toString())
                    .isEqualTo("[\"sdk-page-0\",\"sdk-page-1\",\"sdk-page-2\",\"sdk-page-3\",\"sdk-page-4\"]");
            assertThat(seen.get("pages").asInt()).isEqualTo(3);
            assertThat(seen.get("rulesByTarget")).hasSize(6);
            assertThat(seen.get("busTags").toString()).isEqualTo("[{\"Key\":\"env\",\"Value\":\"test\"}]");
            assertThat(seen.get("busDescription").asText()).isEqualTo("for tags");
            assertThat(seen.get("busCreationIsDate").asBoolean()).isTrue();
            assertThat(seen.get("permission").asText()).isEqualTo("OperationDisabledException");
            assertThat(seen.get("missingTags").asText()).isEqualTo("ResourceNotFoundException");
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

    static java.util.function.Function<List<String>, Clients.Run> cli(TestServer server) throws Exception {
        String cli = Clients.awsCli();
        Path home = Files.createTempDirectory("aws-home");
        Map<String, String> env = new HashMap<>();
        env.put("AWS_ACCESS_KEY_ID", TestServer.KEY_ID);
        env.put("AWS_SECRET_ACCESS_KEY", TestServer.SECRET);
        env.put("AWS_DEFAULT_REGION", "us-east-1");
        env.put("AWS_CONFIG_FILE", home.resolve("config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", home.resolve("credentials").toString());
        env.put("AWS_PAGER", "");
        env.put("HOME", home.toString());
        return args -> {
            List<String> command = new ArrayList<>(List.of(cli, "--endpoint-url", server.endpoint(), "--output", "json",
                    "events"));
            command.addAll(args);
            return Clients.run(null, env, command);
        };
    }

    static JsonNode out(Clients.Run run) throws Exception {
        assertThat(run.exit()).as(run.err()).isZero();
        return run.out().isBlank() ? Json.object() : Json.MAPPER.readTree(run.out());
    }

    static List<String> names(JsonNode rules) {
        List<String> names = new ArrayList<>();
        rules.forEach(r -> names.add(r.isTextual() ? r.asText() : r.get("Name").asText()));
        return names;
    }

    @Test
    void awsCli_listRules_pageSizeAndMaxItems_tags_targetsWithDeadLetterConfig() throws Exception {
        try (TestServer server = new TestServer()) {
            var aws = cli(server);
            String target = "http://127.0.0.1:1/cli";
            List<String> rules = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                rules.add("cli-page-" + i);
                out(aws.apply(List.of("put-rule", "--name", "cli-page-" + i, "--event-pattern", "{\"source\": [\"cli\"]}")));
                out(aws.apply(List.of("put-targets", "--rule", "cli-page-" + i, "--targets",
                        "[{\"Id\": \"t\", \"Arn\": \"" + target + "\"}]")));
            }
            // --page-size: the CLI asks for pages of 2 (Limit) and follows NextToken to the end.
            JsonNode all = out(aws.apply(List.of("list-rules", "--name-prefix", "cli-page-", "--page-size", "2")));
            assertThat(names(all.get("Rules"))).isEqualTo(rules);
            // --max-items: 3, then the rest from the CLI's token.
            JsonNode first = out(aws.apply(List.of("list-rules", "--name-prefix", "cli-page-", "--max-items", "3",
                    "--page-size", "2")));
            assertThat(names(first.get("Rules"))).isEqualTo(rules.subList(0, 3));
            assertThat(first.has("NextToken")).isTrue();
            JsonNode rest = out(aws.apply(List.of("list-rules", "--name-prefix", "cli-page-", "--max-items", "3",
                    "--page-size", "2", "--starting-token", first.get("NextToken").asText())));
            assertThat(names(rest.get("Rules"))).isEqualTo(rules.subList(3, 5));
            assertThat(rest.has("NextToken")).isFalse();
            JsonNode byTarget = out(aws.apply(List.of("list-rule-names-by-target", "--target-arn", target,
                    "--page-size", "2")));
            assertThat(names(byTarget.get("RuleNames"))).isEqualTo(rules);

            String ruleArn = "arn:aws:events:us-east-1:000000000000:rule/cli-page-0";
            out(aws.apply(List.of("tag-resource", "--resource-arn", ruleArn, "--tags", "Key=team,Value=sales",
                    "Key=env,Value=test")));
            out(aws.apply(List.of("untag-resource", "--resource-arn", ruleArn, "--tag-keys", "env")));
            JsonNode tags = out(aws.apply(List.of("list-tags-for-resource", "--resource-arn", ruleArn)));
            assertThat(tags.get("Tags").toString()).isEqualTo("[{\"Key\":\"team\",\"Value\":\"sales\"}]");

            out(aws.apply(List.of("put-targets", "--rule", "cli-page-1", "--targets", "[{\"Id\": \"t\", \"Arn\": \""
                    + target + "\", \"RoleArn\": \"arn:aws:iam::000000000000:role/cli\", \"DeadLetterConfig\":"
                    + " {\"Arn\": \"arn:aws:sqs:us-east-1:000000000000:cli-dlq\"}}]")));
            JsonNode t = out(aws.apply(List.of("list-targets-by-rule", "--rule", "cli-page-1"))).get("Targets").get(0);
            assertThat(t.get("RoleArn").asText()).isEqualTo("arn:aws:iam::000000000000:role/cli");
            assertThat(t.get("DeadLetterConfig").get("Arn").asText()).isEqualTo("arn:aws:sqs:us-east-1:000000000000:cli-dlq");

            Clients.Run tooMany = aws.apply(List.of("put-targets", "--rule", "cli-page-2", "--targets",
                    "Id=a,Arn=" + target, "Id=b,Arn=" + target, "Id=c,Arn=" + target, "Id=d,Arn=" + target,
                    "Id=e,Arn=" + target));
            assertThat(tooMany.err()).contains("LimitExceededException");
            Clients.Run permission = aws.apply(List.of("put-permission", "--action", "events:PutEvents", "--principal",
                    "111111111111", "--statement-id", "s"));
            assertThat(permission.err()).contains("OperationDisabledException");
            Clients.Run missing = aws.apply(List.of("list-tags-for-resource", "--resource-arn",
                    "arn:aws:events:us-east-1:000000000000:rule/none"));
            assertThat(missing.err()).contains("ResourceNotFoundException");
        }
    }
}
