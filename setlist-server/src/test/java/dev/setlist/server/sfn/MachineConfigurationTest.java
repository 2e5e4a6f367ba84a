package dev.setlist.server.sfn;

import static dev.setlist.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.server.TestServer;
import dev.setlist.server.http.Json;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A state machine's logging, tracing and encryption configurations are checked, kept and echoed
 * as AWS does, logging is honoured in the server's log, and {@code includedData=METADATA_ONLY}
 * answers without the definition.
 */
class MachineConfigurationTest {
    private static final String GROUP = "arn:aws:logs:us-east-1:000000000000:log-group:/setlist/configured:*";
    private static final String FAILING = "{\"StartAt\":\"F\",\"States\":{\"F\":{\"Type\":\"Fail\",\"Error\":\"Boom\","
            + "\"Cause\":\"on purpose\"}}}";
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static ObjectNode logging(String level, boolean data) {
        ObjectNode l = Json.object().put("level", level).put("includeExecutionData", data);
        l.putArray("destinations").addObject().putObject("cloudWatchLogsLogGroup").put("logGroupArn", GROUP);
        return l;
    }

    @Test
    void configurations_areKeptEchoedAndChangedOneAtATime() {
        ObjectNode create = json("name", "configured", "definition", TestServer.PASS3, "roleArn", TestServer.ROLE);
        create.set("loggingConfiguration", logging("ERROR", true));
        create.set("tracingConfiguration", Json.object().put("enabled", true));
        create.set("encryptionConfiguration", Json.object().put("type", "CUSTOMER_MANAGED_KMS_KEY")
                .put("kmsKeyId", "alias/setlist").put("kmsDataKeyReusePeriodSeconds", 120));
        String arn = server.ok("CreateStateMachine", create).get("stateMachineArn").asText();

        JsonNode d = server.ok("DescribeStateMachine", json("stateMachineArn", arn));
        assertThat(d.get("loggingConfiguration").get("level").asText()).isEqualTo("ERROR");
        assertThat(d.get("loggingConfiguration").get("includeExecutionData").asBoolean()).isTrue();
        assertThat(d.at("/loggingConfiguration/destinations/0/cloudWatchLogsLogGroup/logGroupArn").asText()).isEqualTo(GROUP);
        assertThat(d.get("tracingConfiguration").get("enabled").asBoolean()).isTrue();
        assertThat(d.get("encryptionConfiguration").get("kmsKeyId").asText()).isEqualTo("alias/setlist");
        assertThat(d.get("encryptionConfiguration").get("kmsDataKeyReusePeriodSeconds").asInt()).isEqualTo(120);

        // Only logging changes: tracing and encryption stay as they were.
        ObjectNode update = json("stateMachineArn", arn);
        update.set("loggingConfiguration", Json.object().put("level", "OFF"));
        server.ok("UpdateStateMachine", update);
        JsonNode after = server.ok("DescribeStateMachine", json("stateMachineArn", arn));
        assertThat(after.get("loggingConfiguration").get("level").asText()).isEqualTo("OFF");
        assertThat(after.get("tracingConfiguration").get("enabled").asBoolean()).isTrue();
        assertThat(after.get("definition").asText()).isEqualTo(TestServer.PASS3);

        String exec = server.ok("StartExecution", json("stateMachineArn", arn)).get("executionArn").asText();
        server.await(exec);
        JsonNode forExecution = server.ok("DescribeStateMachineForExecution", json("executionArn", exec));
        assertThat(forExecution.get("tracingConfiguration").get("enabled").asBoolean()).isTrue();
        assertThat(forExecution.get("encryptionConfiguration").get("type").asText()).isEqualTo("CUSTOMER_MANAGED_KMS_KEY");

        server.ok("DeleteStateMachine", json("stateMachineArn", arn));
        String again = server.ok("CreateStateMachine", json("name", "configured", "definition", TestServer.PASS3,
                "roleArn", TestServer.ROLE)).get("stateMachineArn").asText();
        JsonNode fresh = server.ok("DescribeStateMachine", json("stateMachineArn", again));
        assertThat(fresh.get("loggingConfiguration").get("level").asText()).isEqualTo("OFF");
        assertThat(fresh.get("tracingConfiguration").get("enabled").asBoolean()).isFalse();
        assertThat(fresh.has("encryptionConfiguration")).isFalse();
    }

    @Test
    void badConfigurations_areRefusedPrecisely_andCreateNothing() {
        ObjectNode noDestination = json("name", "bad-logging", "definition", TestServer.PASS3, "roleArn", TestServer.ROLE);
        noDestination.set("loggingConfiguration", Json.object().put("level", "ALL"));
        TestServer.Response r = server.call("CreateStateMachine", noDestination);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorType()).isEqualTo("InvalidLoggingConfiguration");

        ObjectNode loud = json("name", "bad-logging", "definition", TestServer.PASS3, "roleArn", TestServer.ROLE);
        loud.set("loggingConfiguration", Json.object().put("level", "LOUD"));
        assertThat(server.call("CreateStateMachine", loud).message()).contains("loggingConfiguration.level", "LOUD");

        ObjectNode keyless = json("name", "bad-logging", "definition", TestServer.PASS3, "roleArn", TestServer.ROLE);
        keyless.set("encryptionConfiguration", Json.object().put("type", "CUSTOMER_MANAGED_KMS_KEY"));
        assertThat(server.call("CreateStateMachine", keyless).errorType()).isEqualTo("InvalidEncryptionConfiguration");

        assertThat(server.call("DescribeStateMachine", json("stateMachineArn", TestServer.ARN + "stateMachine:bad-logging"))
                .errorType()).isEqualTo("StateMachineDoesNotExist");
    }

    @Test
    void includedData_metadataOnlyLeavesTheDefinitionOut_andOtherValuesAreRefused() {
        String arn = server.machine("metadata", TestServer.PASS3, "STANDARD");
        assertThat(server.ok("DescribeStateMachine", json("stateMachineArn", arn, "includedData", "ALL_DATA"))
                .get("definition").asText()).isEqualTo(TestServer.PASS3);
        assertThat(server.ok("DescribeStateMachine", json("stateMachineArn", arn, "includedData", "METADATA_ONLY"))
                .get("definition").asText()).isEqualTo("{}");
        String exec = server.ok("StartExecution", json("stateMachineArn", arn)).get("executionArn").asText();
        assertThat(server.ok("DescribeStateMachineForExecution", json("executionArn", exec, "includedData",
                "METADATA_ONLY")).get("definition").asText()).isEqualTo("{}");
        TestServer.Response bogus = server.call("DescribeStateMachine", json("stateMachineArn", arn, "includedData", "SOME"));
        assertThat(bogus.status()).isEqualTo(400);
        assertThat(bogus.errorType()).isEqualTo("ValidationException");
    }

    @Test
    void logging_writesTheExecutionsAtTheConfiguredLevel() {
        Logger log = (Logger) LoggerFactory.getLogger("setlist.executions");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        ch.qos.logback.classic.Level was = log.getLevel();
        log.setLevel(ch.qos.logback.classic.Level.INFO); // the tests' configuration logs warnings only
        try {
            ObjectNode all = json("name", "logged-all", "definition", TestServer.PASS3, "roleArn", TestServer.ROLE);
            all.set("loggingConfiguration", logging("ALL", true));
            String allArn = server.ok("CreateStateMachine", all).get("stateMachineArn").asText();
            ObjectNode errors = json("name", "logged-errors", "definition", TestServer.PASS3, "roleArn", TestServer.ROLE);
            errors.set("loggingConfiguration", logging("ERROR", false));
            String errorsArn = server.ok("CreateStateMachine", errors).get("stateMachineArn").asText();
            ObjectNode failing = json("name", "logged-failing", "definition", FAILING, "roleArn", TestServer.ROLE);
            failing.set("loggingConfiguration", logging("ERROR", false));
            String failingArn = server.ok("CreateStateMachine", failing).get("stateMachineArn").asText();
            String quiet = server.machine("logged-off", TestServer.PASS3, "STANDARD");

            String a = start(allArn, "{\"who\":\"all\"}");
            String b = start(errorsArn, "{}");
            String c = start(failingArn, "{}");
            String d = start(quiet, "{}");
            List<String> text = lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(text).anySatisfy(l -> assertThat(l).contains(a, "SUCCEEDED", "who", "all"));
            assertThat(text).anySatisfy(l -> assertThat(l).contains(c, "FAILED", "Boom"));
            assertThat(text).noneMatch(l -> l.contains(b) || l.contains(d));
            assertThat(lines.list).filteredOn(e -> e.getFormattedMessage().contains(c))
                    .allSatisfy(e -> assertThat(e.getMDCPropertyMap()).containsEntry("logGroup", GROUP));
        } finally {
            log.setLevel(was);
            log.detachAppender(lines);
        }
    }

    private static String start(String machine, String input) {
        String exec = server.ok("StartExecution", json("stateMachineArn", machine, "input", input)).get("executionArn")
                .asText();
        server.await(exec);
        return exec;
    }
}
