package dev.setlist.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.http.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * boto3 (Python's AWS SDK) against a real server, every Step Functions action the server answers,
 * {@code includedData}, a Distributed Map over no items, and {@code events:putEvents} from one machine
 * to a rule that starts another: {@code src/test/python/boto3_sfn.py}. Each must be answered in a shape botocore parses (a result,
 * or an error with its code), with the expected results where the script checks them.
 */
class Boto3ClientTest {

    @Test
    void boto3_everyStepFunctionsAction() throws Exception {
        String python = Clients.pythonWithBoto3();
        Path dir = Path.of("src/test/python").toAbsolutePath();
        try (TestServer server = new TestServer()) {
            Clients.Run r = Clients.run(dir, Map.of("SETLIST_ENDPOINT", server.endpoint(), "AWS_ACCESS_KEY_ID",
                    TestServer.KEY_ID, "AWS_SECRET_ACCESS_KEY", TestServer.SECRET, "AWS_DEFAULT_REGION", "us-east-1",
                    "AWS_CONFIG_FILE", "/dev/null", "AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
                    List.of(python, "boto3_sfn.py"));
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode seen = Json.MAPPER.readTree(r.out());
            JsonNode answered = seen.get("answered");
            List<String> known = new ArrayList<>();
            seen.get("known").forEach(k -> known.add(k.asText()));
            List<String> unanswered = new ArrayList<>();
            for (String action : server.server.stepFunctions().actions()) {
                if (!answered.has(action) && known.contains(action)) {
                    unanswered.add(action);
                }
            }
            // Every action this botocore knows was called and answered (an older botocore, such as
            // Debian's, lacks the newest actions; the one this image has knows all 37).
            assertThat(unanswered).as("actions boto3 %s did not call", seen.get("botocore")).isEmpty();
            assertThat(answered.size()).as("actions answered").isGreaterThanOrEqualTo(25);
            answered.properties().forEach(e -> assertThat(e.getValue().asText()).as(e.getKey())
                    .isNotIn("UnknownOperationException", "SerializationException", "InternalFailure"));
            assertThat(answered.get("DescribeMapRun").asText()).isEqualTo("ok");
            assertThat(answered.get("SendTaskSuccess").asText()).isEqualTo("ok");
            assertThat(answered.get("SendTaskFailure").asText()).isEqualTo("TaskTimedOut");
            JsonNode checks = seen.get("checks");
            assertThat(checks.get("status").asText()).isEqualTo("SUCCEEDED");
            assertThat(checks.get("output").toString()).isEqualTo("{\"n\":1,\"b\":{\"b\":2}}");
            assertThat(checks.get("stopDateIsDatetime").asText()).isEqualTo("datetime");
            assertThat(checks.get("history").toString()).isEqualTo("[\"ExecutionStarted\",\"PassStateEntered\","
                    + "\"PassStateExited\",\"ExecutionSucceeded\"]");
            assertThat(checks.get("sync").asText()).isEqualTo("SUCCEEDED");
            assertThat(checks.get("callback").asText()).isEqualTo("SUCCEEDED");
            assertThat(checks.get("map").asText()).isEqualTo("SUCCEEDED");
            if (known.contains("TestState")) {
                assertThat(answered.get("TestState").asText()).isEqualTo("ok");
                assertThat(checks.get("valid").asText()).isEqualTo("OK");
                assertThat(checks.get("testState").asText()).isEqualTo("SUCCEEDED");
            }
            assertThat(checks.get("tags").toString()).isEqualTo("[{\"key\":\"stage\",\"value\":\"test\"}]");
            if (checks.has("metadataOnly")) {
                assertThat(checks.get("allData").asBoolean()).isTrue();
                assertThat(checks.get("metadataOnly").asText()).isEqualTo("{}");
            }
            assertThat(checks.at("/emptyMap/status").asText()).isEqualTo("SUCCEEDED");
            assertThat(checks.at("/emptyMap/output").toString()).isEqualTo("[]");
            assertThat(checks.at("/putEvents/status").asText()).isEqualTo("SUCCEEDED");
            assertThat(checks.at("/putEvents/failed").asInt()).isZero();
            assertThat(checks.get("received").toString()).isEqualTo("{\"order\":7}");
            assertThat(checks.at("/missing/code").asText()).isEqualTo("ExecutionDoesNotExist");
            assertThat(checks.at("/missing/status").asInt()).isEqualTo(400);
        }
    }
}
