package dev.setlist.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.http.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The AWS SDK for JavaScript v3 ({@code @aws-sdk/client-sfn}) against a real server: {@code src/test/js/sdk-test.mjs}. */
class SdkClientTest {

    @Test
    void awsSdkV3_createStartHistorySyncCallbackAndErrors() throws Exception {
        String node = Clients.node();
        var dir = Clients.sdkDirectory();
        try (TestServer server = new TestServer()) {
            Clients.Run r = Clients.run(dir, Map.of("SETLIST_ENDPOINT", server.endpoint(), "AWS_ACCESS_KEY_ID", TestServer.KEY_ID,
                    "AWS_SECRET_ACCESS_KEY", TestServer.SECRET, "AWS_REGION", "us-east-1"), List.of(node, "sdk-test.mjs"));
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode seen = Json.MAPPER.readTree(r.out());
            assertThat(seen.at("/standard/status").asText()).isEqualTo("SUCCEEDED");
            assertThat(seen.at("/standard/output").asText()).isEqualTo("{\"n\":1,\"b\":{\"b\":1}}");
            assertThat(seen.at("/standard/stopDateIsDate").asBoolean()).isTrue();
            assertThat(seen.get("history").toString()).isEqualTo("[\"ExecutionStarted\",\"PassStateEntered\",\"PassStateExited\","
                    + "\"PassStateEntered\",\"PassStateExited\",\"ExecutionSucceeded\"]");
            assertThat(seen.get("firstEventInput").asText()).isEqualTo("{\"n\":1}");
            assertThat(seen.at("/sync/status").asText()).isEqualTo("SUCCEEDED");
            assertThat(seen.at("/sync/output").asText()).isEqualTo("{\"s\":2,\"b\":{\"b\":1}}");
            assertThat(seen.at("/callback/status").asText()).isEqualTo("SUCCEEDED");
            assertThat(seen.at("/callback/output").asText()).isEqualTo("{\"ok\":true}");
            assertThat(seen.at("/testState/status").asText()).isEqualTo("SUCCEEDED");
            assertThat(seen.at("/testState/nextState").asText()).isEqualTo("Ship");
            assertThat(seen.at("/testState/output").asText()).isEqualTo("{\"order\":{\"id\":7},\"payment\":{\"paid\":true}}");
            assertThat(seen.at("/testState/afterParameters").asText()).isEqualTo("{\"id\":7}");
            assertThat(seen.at("/testState/afterResultPath").asText()).isEqualTo(seen.at("/testState/output").asText());
            assertThat(seen.at("/testStateRetry/status").asText()).isEqualTo("RETRIABLE");
            assertThat(seen.at("/testStateRetry/error").asText()).isEqualTo("Busy");
            assertThat(seen.at("/testStateRetry/errorDetails").toString())
                    .isEqualTo("{\"retryIndex\":0,\"retryBackoffIntervalSeconds\":6}");
            assertThat(seen.get("machines").toString()).isEqualTo("[\"sdk-callback\",\"sdk-express\",\"sdk-pass\"]");
            assertThat(seen.get("executions").toString()).isEqualTo("[\"sdk-1\"]");
            assertThat(seen.at("/missing/name").asText()).isEqualTo("ExecutionDoesNotExist");
            assertThat(seen.at("/missing/status").asInt()).isEqualTo(400);
            assertThat(seen.at("/missing/message").asText()).startsWith("Execution Does Not Exist: 'arn:aws:states:us-east-1:");
            assertThat(seen.at("/badSecret/name").asText()).isEqualTo("InvalidSignatureException");
            assertThat(seen.at("/unknownKey/name").asText()).isEqualTo("UnrecognizedClientException");
        }
    }

    @Test
    void awsSdkV3_httpTaskWithAnApiKeyConnection() throws Exception {
        String node = Clients.node();
        var dir = Clients.sdkDirectory();
        try (TestServer server = new TestServer()) {
            Clients.Run r = Clients.run(dir, Map.of("SETLIST_ENDPOINT", server.endpoint(), "AWS_ACCESS_KEY_ID", TestServer.KEY_ID,
                    "AWS_SECRET_ACCESS_KEY", TestServer.SECRET, "AWS_REGION", "us-east-1"), List.of(node, "http-task-test.mjs"));
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode seen = Json.MAPPER.readTree(r.out());
            assertThat(seen.get("connectionState").asText()).isEqualTo("AUTHORIZED");
            assertThat(seen.get("describedKeyValue").isNull()).as("the key's value is never shown").isTrue();
            assertThat(seen.get("status").asText()).isEqualTo("SUCCEEDED");
            assertThat(seen.at("/output/StatusCode").asInt()).isEqualTo(200);
            assertThat(seen.at("/output/ResponseBody/received/order").asInt()).isEqualTo(7);
            JsonNode first = seen.get("requests").get(0);
            assertThat(first.get("method").asText()).isEqualTo("POST");
            assertThat(first.get("url").asText()).isEqualTo("/orders");
            assertThat(first.get("key").asText()).isEqualTo("sdk-secret-key-1");
            assertThat(seen.at("/failed/status").asText()).isEqualTo("FAILED");
            assertThat(seen.at("/failed/error").asText()).isEqualTo("States.Http.StatusCode.404");
        }
    }
}
