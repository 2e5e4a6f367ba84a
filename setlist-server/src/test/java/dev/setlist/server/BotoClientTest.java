package dev.setlist.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.http.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** boto3 against a real server: {@code src/test/python/boto_test.py}. */
class BotoClientTest {

    @Test
    void boto3_testStateVersionsAliasesAndErrors() throws Exception {
        String python = Clients.pythonWithBoto3();
        // Debian's python3-boto3 (the one a new machine can install) predates TestState.
        org.junit.jupiter.api.Assumptions.assumeTrue(Clients.run(null, Map.of(), List.of(python, "-c",
                "import boto3, sys; sys.exit(0 if 'TestState' in boto3.client('stepfunctions', region_name='us-east-1')"
                        + ".meta.service_model.operation_names else 1)")).exit() == 0,
                "this boto3 predates TestState");
        Path dir = Path.of("src/test/python").toAbsolutePath();
        try (TestServer server = new TestServer()) {
            Clients.Run r = Clients.run(dir, Map.of("SETLIST_ENDPOINT", server.endpoint(), "AWS_ACCESS_KEY_ID", TestServer.KEY_ID,
                    "AWS_SECRET_ACCESS_KEY", TestServer.SECRET, "AWS_DEFAULT_REGION", "us-east-1"), List.of(python, "boto_test.py"));
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode seen = Json.MAPPER.readTree(r.out());
            assertThat(seen.at("/testState/status").asText()).isEqualTo("SUCCEEDED");
            assertThat(seen.at("/testState/nextState").asText()).isEqualTo("Ship");
            assertThat(seen.at("/testState/output").asText()).isEqualTo("{\"order\":{\"id\":3},\"r\":{\"ok\":true}}");
            JsonNode inspection = seen.at("/testState/inspection");
            assertThat(inspection.get("input").asText()).isEqualTo("{\"order\":{\"id\":3}}");
            assertThat(inspection.get("afterInputPath").asText()).isEqualTo("{\"id\":3}");
            assertThat(inspection.get("afterParameters").asText()).isEqualTo("{\"id\":3}");
            assertThat(inspection.get("result").asText()).isEqualTo("{\"Payload\":true}");
            assertThat(inspection.get("afterResultSelector").asText()).isEqualTo("{\"ok\":true}");
            assertThat(inspection.get("afterResultPath").asText()).isEqualTo(seen.at("/testState/output").asText());
            assertThat(seen.at("/testStateCaught/status").asText()).isEqualTo("CAUGHT_ERROR");
            assertThat(seen.at("/testStateCaught/nextState").asText()).isEqualTo("Handle");
            assertThat(seen.at("/testStateCaught/error").asText()).isEqualTo("Busy");
            assertThat(seen.at("/testStateCaught/errorDetails").toString()).isEqualTo("{\"catchIndex\":0}");

            String sm = TestServer.ARN + "stateMachine:boto-versions";
            assertThat(seen.at("/listed/via-alias/versionArn").asText()).isEqualTo(sm + ":1");
            assertThat(seen.at("/listed/via-alias/aliasArn").asText()).isEqualTo(sm + ":live");
            assertThat(seen.at("/listed/via-alias/redriveCount").asInt()).isZero();
            assertThat(seen.at("/listed/plain/versionArn").isNull()).isTrue();
            assertThat(seen.at("/listed/plain/aliasArn").isNull()).isTrue();
            assertThat(seen.at("/described/versionArn").asText()).isEqualTo(sm + ":1");
            assertThat(seen.at("/described/aliasArn").asText()).isEqualTo(sm + ":live");
            assertThat(seen.at("/described/redriveStatus").asText()).isEqualTo("NOT_REDRIVABLE");
            assertThat(seen.get("versions").toString()).isEqualTo("[[\"creationDate\",\"stateMachineVersionArn\"]]");
            assertThat(seen.get("aliases").toString()).isEqualTo("[[\"creationDate\",\"stateMachineAliasArn\"]]");

            assertThat(seen.at("/invalidArn/code").asText()).isEqualTo("InvalidArn");
            assertThat(seen.at("/invalidArn/message").asText())
                    .isEqualTo("Invalid Arn: 'Resource type not valid in this context: stateMachine'");
            assertThat(seen.at("/missingRequired/code").asText()).isEqualTo("MissingRequiredParameter");
            assertThat(seen.at("/validation/code").asText()).isEqualTo("ValidationException");
            assertThat(seen.at("/validation/status").asInt()).isEqualTo(400);
            assertThat(seen.at("/validation/message").asText()).isEqualTo("1 validation error detected: Value '1001' at"
                    + " 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000");
        }
    }
}
