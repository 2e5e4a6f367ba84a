package dev.setlist.server.sfn;

import static dev.setlist.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.TestServer;
import dev.setlist.server.auth.AuthStore;
import dev.setlist.server.http.Json;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Executions of a flow with sensitive paths show those fields redacted to every caller without
 * {@code setlist:ReadSensitive} (operators, viewers, developers), in DescribeExecution,
 * GetExecutionHistory, StartSyncExecution and the console's execution page; administrators see
 * them in clear. A confidential or restricted flow without paths is redacted whole; a public
 * flow's data is not touched.
 */
class SensitiveDataTest {
    private static final String CARD = "4111111111111111";
    private static final String EMAIL = "marker-email@example.test";
    private static final String INPUT = "{\"card\":\"" + CARD + "\",\"customer\":{\"email\":\"" + EMAIL
            + "\",\"name\":\"Ada\"},\"amount\":12}";
    /** Passes the card into a task's parameters and keeps it in the output. */
    private static final String DEFINITION = "{\"StartAt\":\"Pay\",\"States\":{\"Pay\":{\"Type\":\"Task\","
            + "\"Resource\":\"arn:aws:states:::sqs:sendMessage\",\"Parameters\":{\"QueueUrl\":\"q\",\"MessageBody\":{"
            + "\"card.$\":\"$.card\",\"email.$\":\"$.customer.email\"}},\"ResultPath\":\"$.sent\",\"Next\":\"Done\"},"
            + "\"Done\":{\"Type\":\"Pass\",\"End\":true}}}";
    private static final String FLOWS = """
            workload: shop
            flows:
              - id: checkout
                name: Checkout
                kind: user
                description: Pays.
                owner: O
                stakeholders: [S]
                escalation: [{name: On-call, channel: log}]
                businessImpact: I.
                criticality: high
                targets:
                  reliability: {availability: 99}
                  security:
                    dataClassification: confidential
                    sensitivePaths: ["$..card", "$.customer.email", "$.MessageBody.email"]
                bindings:
                  stateMachines: [checkout-sm, checkout-express]
              - id: vault
                name: Vault
                kind: user
                description: Keeps secrets.
                owner: O
                stakeholders: [S]
                escalation: [{name: On-call, channel: log}]
                businessImpact: I.
                criticality: high
                targets:
                  reliability: {availability: 99}
                  security: {dataClassification: restricted}
                bindings:
                  stateMachines: [vault-sm]
              - id: catalog
                name: Catalog
                kind: user
                description: Lists.
                owner: O
                stakeholders: [S]
                escalation: [{name: On-call, channel: log}]
                businessImpact: I.
                criticality: low
                targets:
                  reliability: {availability: 99}
                  security: {dataClassification: public, sensitivePaths: []}
                bindings:
                  stateMachines: [plain-sm]
            """;

    private static TestServer server;
    private static Path flowsFile;
    private static final Map<String, String[]> keys = new LinkedHashMap<>();
    private static final Map<String, String> apiKeys = new LinkedHashMap<>();
    private static String checkout;
    private static String vault;
    private static String plain;

    @BeforeAll
    static void start() throws IOException {
        flowsFile = Files.createTempFile("sensitive-flows", ".yaml");
        Files.writeString(flowsFile, FLOWS);
        server = new TestServer(c -> c.withFlows(flowsFile));
        AuthStore store = server.server.authStore();
        for (String role : List.of("administrator", "developer", "operator", "viewer")) {
            store.createUser("admin", role + "-user", null);
            store.grant("admin", role + "-user", role, "*");
            keys.put(role, store.createAccessKey("admin", role + "-user", null, null));
            apiKeys.put(role, store.createApiKey("admin", role + "-user")[1]);
        }
        checkout = run(server.machine("checkout-sm", DEFINITION, "STANDARD"));
        vault = run(server.machine("vault-sm", DEFINITION, "STANDARD"));
        plain = run(server.machine("plain-sm", DEFINITION, "STANDARD"));
    }

    private static String run(String machine) {
        String exec = server.ok("StartExecution", json("stateMachineArn", machine, "input", INPUT)).get("executionArn").asText();
        assertThat(server.await(exec).get("status").asText()).isEqualTo("SUCCEEDED");
        return exec;
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
        Files.deleteIfExists(flowsFile);
    }

    private static JsonNode as(String role, String action, String executionArn) {
        String[] k = keys.get(role);
        TestServer.Response r = server.callAs(k[0], k[1], action, Json.bytes(json("executionArn", executionArn)));
        assertThat(r.status()).as(role + " " + action + ": " + r).isEqualTo(200);
        return r.body();
    }

    private static JsonNode parse(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(text, e);
        }
    }

    @Test
    void describeAndHistory_redactTheFlowsPaths_forEveryRoleWithoutReadSensitive() {
        for (String role : List.of("developer", "operator", "viewer")) {
            JsonNode d = as(role, "DescribeExecution", checkout);
            JsonNode input = parse(d.get("input").asText());
            assertThat(input.get("card").asText()).as(role).isEqualTo("**redacted**");
            assertThat(input.at("/customer/email").asText()).isEqualTo("**redacted**");
            assertThat(input.at("/customer/name").asText()).as("other fields stay").isEqualTo("Ada");
            assertThat(input.get("amount").asInt()).isEqualTo(12);
            JsonNode output = parse(d.get("output").asText());
            assertThat(output.get("card").asText()).isEqualTo("**redacted**");
            assertThat(output.at("/sent/MessageId").asText()).isEqualTo("m-0");

            JsonNode history = as(role, "GetExecutionHistory", checkout);
            String text = history.toString();
            assertThat(text).as(role).doesNotContain(CARD).doesNotContain(EMAIL).contains("**redacted**");
            JsonNode scheduled = null;
            for (JsonNode e : history.get("events")) {
                if (e.has("taskScheduledEventDetails")) {
                    scheduled = e.get("taskScheduledEventDetails");
                }
            }
            assertThat(scheduled).isNotNull();
            JsonNode parameters = parse(scheduled.get("parameters").asText());
            assertThat(parameters.at("/MessageBody/card").asText()).isEqualTo("**redacted**");
            assertThat(parameters.at("/QueueUrl").asText()).isEqualTo("q");
        }
    }

    @Test
    void administrators_readSensitiveFieldsInClear() {
        JsonNode d = as("administrator", "DescribeExecution", checkout);
        assertThat(parse(d.get("input").asText())).isEqualTo(parse(INPUT));
        assertThat(as("administrator", "GetExecutionHistory", checkout).toString()).contains(CARD).contains(EMAIL);
        assertThat(server.ok("DescribeExecution", json("executionArn", checkout)).get("input").asText()).contains(CARD);
    }

    @Test
    void restrictedFlowWithoutPaths_isRedactedWhole() {
        JsonNode d = as("operator", "DescribeExecution", vault);
        assertThat(parse(d.get("input").asText()).asText()).isEqualTo("**redacted**");
        assertThat(parse(d.get("output").asText()).asText()).isEqualTo("**redacted**");
        JsonNode history = as("viewer", "GetExecutionHistory", vault);
        assertThat(history.toString()).doesNotContain(CARD).doesNotContain(EMAIL).doesNotContain("Ada");
        for (JsonNode e : history.get("events")) {
            e.properties().forEach(f -> {
                if (f.getKey().endsWith("EventDetails")) {
                    for (String member : List.of("input", "output", "parameters")) {
                        if (f.getValue().has(member)) {
                            assertThat(f.getValue().get(member).asText()).isEqualTo("\"**redacted**\"");
                        }
                    }
                }
            });
        }
        assertThat(as("administrator", "DescribeExecution", vault).get("input").asText()).contains(CARD);
    }

    @Test
    void publicFlow_isNotTouched() {
        assertThat(parse(as("viewer", "DescribeExecution", plain).get("input").asText())).isEqualTo(parse(INPUT));
        assertThat(as("viewer", "GetExecutionHistory", plain).toString()).contains(CARD);
    }

    @Test
    void consoleExecutionPage_isRedactedToo() {
        String path = "/api/v1/executions/" + URLEncoder.encode(checkout, StandardCharsets.UTF_8);
        TestServer.Response viewer = server.get(path, Map.of("Authorization", "Bearer " + apiKeys.get("viewer")));
        assertThat(viewer.status()).as(viewer.toString()).isEqualTo(200);
        assertThat(viewer.raw()).doesNotContain(CARD).doesNotContain(EMAIL).contains("**redacted**");
        TestServer.Response admin = server.get(path, Map.of("Authorization", "Bearer " + apiKeys.get("administrator")));
        assertThat(admin.raw()).contains(CARD);
    }

    @Test
    void startSyncExecution_answersRedacted() {
        String express = server.machine("checkout-express", DEFINITION, "EXPRESS");
        String[] k = keys.get("operator");
        TestServer.Response r = server.callAs(k[0], k[1], "StartSyncExecution",
                Json.bytes(json("stateMachineArn", express, "input", INPUT)));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body().get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(r.raw()).doesNotContain(CARD).doesNotContain(EMAIL);
        assertThat(parse(r.body().get("output").asText()).at("/customer/name").asText()).isEqualTo("Ada");
    }
}
