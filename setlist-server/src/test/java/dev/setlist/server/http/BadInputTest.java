package dev.setlist.server.http;

import static dev.setlist.server.TestServer.ARN;
import static dev.setlist.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.server.TestServer;
import dev.setlist.server.auth.SigV4;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad requests over HTTP get a precise 4xx in the AWS error shape, never a 500. */
class BadInputTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static TestServer.Response raw(String action, String body) {
        return server.callAs(TestServer.KEY_ID, TestServer.SECRET, action, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void malformedJson_serializationExceptionWithPosition() {
        TestServer.Response r = raw("ListStateMachines", "{\"maxResults\": ");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorType()).isEqualTo("SerializationException");
        assertThat(r.message()).startsWith("The request body is not valid JSON: ").contains("line 1, column 16");
        assertThat(r.body().get("__type").asText()).isEqualTo("dev.setlist#SerializationException");
        assertThat(r.headers().get("x-amzn-errortype")).containsExactly("SerializationException");
    }

    @Test
    void nonObjectBody_serializationException() {
        assertThat(raw("ListStateMachines", "[1,2]").message()).isEqualTo("The request body must be a JSON object, was a list");
        assertThat(raw("ListStateMachines", "{} {}").errorType()).isEqualTo("SerializationException");
    }

    @Test
    void unknownOrMissingAction_unknownOperationException() {
        TestServer.Response r = raw("LaunchRockets", "{}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorType()).isEqualTo("UnknownOperationException");
        assertThat(r.message()).contains("AWSStepFunctions.LaunchRockets");
        assertThat(raw(null, "{}").message()).startsWith("Missing X-Amz-Target header");
    }

    @Test
    void wrongType_namesTheMember() {
        TestServer.Response r = raw("CreateStateMachine", "{\"name\": 5, \"definition\": \"{}\", \"roleArn\": \"r\"}");
        assertThat(r.errorType()).isEqualTo("SerializationException");
        assertThat(r.message()).isEqualTo("Member 'name' must be a string, was a number");
        assertThat(raw("ListExecutions", "{\"stateMachineArn\": \"" + ARN + "stateMachine:x\", \"maxResults\": \"ten\"}").message())
                .isEqualTo("Member 'maxResults' must be an integer, was a string");
        assertThat(raw("GetExecutionHistory", "{\"executionArn\": \"a\", \"reverseOrder\": \"yes\"}").message())
                .isEqualTo("Member 'reverseOrder' must be a boolean, was a string");
    }

    @Test
    void missingMember_validationExceptionInAwsWording() {
        TestServer.Response r = raw("CreateStateMachine", "{\"name\": \"x\", \"roleArn\": \"r\"}");
        assertThat(r.errorType()).isEqualTo("ValidationException");
        assertThat(r.message()).isEqualTo("1 validation error detected: Value null at 'definition' failed to satisfy"
                + " constraint: Member must not be null");
        assertThat(raw("DescribeExecution", "").message()).contains("Value null at 'executionArn'");
    }

    @Test
    void outOfRangeAndEnum_validationException() {
        assertThat(raw("ListStateMachines", "{\"maxResults\": 5000}").message())
                .contains("Value '5000' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000");
        assertThat(raw("CreateStateMachine", "{\"name\": \"x\", \"definition\": \"{}\", \"roleArn\": \"r\", \"type\": \"FAST\"}")
                .message()).contains("Member must satisfy enum value set: [STANDARD, EXPRESS]");
        assertThat(raw("ListStateMachines", "{\"nextToken\": \"%%%\"}").errorType()).isEqualTo("ValidationException");
    }

    @Test
    void oversizedBody_413() {
        String big = "{\"definition\": \"" + "x".repeat(400 * 1024) + "\"}";
        TestServer.Response r = raw("ValidateStateMachineDefinition", big);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.errorType()).isEqualTo("RequestEntityTooLargeException");
        assertThat(r.message()).contains("larger than the limit of " + (320 * 1024) + " bytes");
    }

    @Test
    void invalidArns_invalidArn() {
        TestServer.Response r = server.call("DescribeExecution", json("executionArn", "not-an-arn"));
        assertThat(r.errorType()).isEqualTo("InvalidArn");
        assertThat(r.message()).isEqualTo("Invalid Arn: 'Invalid ARN prefix: not-an-arn'");
        assertThat(server.call("DescribeStateMachine", json("stateMachineArn", "arn:aws:states:eu-west-1:000000000000:stateMachine:x"))
                .message()).contains("is not in region us-east-1");
        assertThat(server.call("DescribeStateMachineAlias", json("stateMachineAliasArn", ARN + "stateMachine:x")).errorType())
                .isEqualTo("InvalidArn");
        assertThat(server.call("DescribeMapRun", json("mapRunArn", "arn:x")).errorType()).isEqualTo("InvalidArn");
    }

    @Test
    void invalidDefinitionsAndInputs_locatedErrors() {
        TestServer.Response r = server.call("CreateStateMachine", json("name", "bad", "roleArn", TestServer.ROLE,
                "definition", "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"Next\":\"Nowhere\"}}}"));
        assertThat(r.errorType()).isEqualTo("InvalidDefinition");
        assertThat(r.message()).startsWith("Invalid State Machine Definition: ").contains("/States/A/Next");
        assertThat(server.call("CreateStateMachine", json("name", "bad", "roleArn", TestServer.ROLE, "definition", "{nope"))
                .errorType()).isEqualTo("InvalidDefinition");
        assertThat(server.call("CreateStateMachine", json("name", "bad name", "roleArn", TestServer.ROLE, "definition",
                TestServer.PASS3)).errorType()).isEqualTo("InvalidName");
        String sm = server.machine("inputs", TestServer.PASS3, "STANDARD");
        TestServer.Response in = server.call("StartExecution", json("stateMachineArn", sm, "input", "{\"a\":"));
        assertThat(in.errorType()).isEqualTo("InvalidExecutionInput");
        assertThat(server.call("DescribeExecution", json("executionArn", ARN + "execution:inputs:none")).errorType())
                .isEqualTo("ExecutionDoesNotExist");
    }

    @Test
    void authentication_failuresAreAwsShaped() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new HashMap<>(Map.of("Content-Type", "application/x-amz-json-1.0",
                "X-Amz-Target", "AWSStepFunctions.ListStateMachines"));
        TestServer.Response missing = server.post("/", headers, body);
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.errorType()).isEqualTo("MissingAuthenticationTokenException");

        TestServer.Response unknown = server.callAs("SLNOSUCHKEY000000000", "whatever-secret-123", "ListStateMachines", body);
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.errorType()).isEqualTo("UnrecognizedClientException");
        assertThat(unknown.message()).isEqualTo("The security token included in the request is invalid.");

        TestServer.Response wrongSecret = server.callAs(TestServer.KEY_ID, "wrong-secret-0123456789", "ListStateMachines", body);
        assertThat(wrongSecret.status()).isEqualTo(401);
        assertThat(wrongSecret.errorType()).isEqualTo("InvalidSignatureException");
        assertThat(wrongSecret.message()).startsWith("The request signature we calculated does not match");

        Map<String, String> stale = new HashMap<>(headers);
        stale.putAll(SigV4.sign("POST", "127.0.0.1:" + server.port(), "/", body, headers, TestServer.KEY_ID, TestServer.SECRET,
                "us-east-1", "states", Instant.now().minus(Duration.ofMinutes(20))));
        TestServer.Response expired = server.post("/", stale, body);
        assertThat(expired.errorType()).isEqualTo("InvalidSignatureException");
        assertThat(expired.message()).startsWith("Signature expired: ").endsWith(" - 15 min.)");

        Map<String, String> tampered = new HashMap<>(headers);
        tampered.putAll(SigV4.sign("POST", "127.0.0.1:" + server.port(), "/", body, headers, TestServer.KEY_ID, TestServer.SECRET,
                "us-east-1", "states", Instant.now()));
        assertThat(server.post("/", tampered, "{\"maxResults\":1}".getBytes(StandardCharsets.UTF_8)).errorType())
                .isEqualTo("InvalidSignatureException");

        Map<String, String> region = new HashMap<>(headers);
        region.putAll(SigV4.sign("POST", "127.0.0.1:" + server.port(), "/", body, headers, TestServer.KEY_ID, TestServer.SECRET,
                "eu-west-1", "states", Instant.now()));
        assertThat(server.post("/", region, body).message()).contains("Credential should be scoped to a valid region");

        Map<String, String> events = new HashMap<>(headers);
        events.putAll(SigV4.sign("POST", "127.0.0.1:" + server.port(), "/", body, headers, TestServer.KEY_ID, TestServer.SECRET,
                "us-east-1", "events", Instant.now()));
        assertThat(server.post("/", events, body).status()).as("the events service is accepted too").isEqualTo(200);

        Map<String, String> garbled = new HashMap<>(headers);
        garbled.put("Authorization", "AWS4-HMAC-SHA256 Signature=abc");
        garbled.put("X-Amz-Date", "20250101T000000Z");
        TestServer.Response incomplete = server.post("/", garbled, body);
        assertThat(incomplete.errorType()).isEqualTo("IncompleteSignatureException");
        assertThat(incomplete.message()).contains("'Credential'");

        Map<String, String> bearer = new HashMap<>(headers);
        bearer.put("Authorization", "Bearer SLAPIXXXX.nope");
        assertThat(server.post("/", bearer, body).errorType()).isEqualTo("UnrecognizedClientException");
    }

    @Test
    void unknownPathsAndMethods_awsShaped404() {
        TestServer.Response r = server.get("/nothing-here", Map.of());
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.errorType()).isEqualTo("NotFound");
    }

    @Test
    void healthAndReadiness_answerWithoutCredentials() {
        assertThat(server.get("/healthz", Map.of()).raw()).isEqualTo("{\"status\":\"UP\"}");
        assertThat(server.get("/readyz", Map.of()).raw()).isEqualTo("{\"status\":\"READY\"}");
    }
}
