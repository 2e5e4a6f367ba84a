package dev.setlist.server.sfn;

import static dev.setlist.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** DescribeMapRun and ListMapRuns over HTTP: a Map Run over no items, and the limits the definition gave. */
class MapRunApiTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void describeMapRun_ofAMapOverNoItems_isSucceededWithZeroCounts_andReportsTheDefinitionsLimits() {
        String sm = server.machine("map-none", """
                {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrencyPath": "$.mc",
                  "ToleratedFailurePercentagePath": "$.pct", "ToleratedFailureCount": 3,
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                  "End": true}}}""", "STANDARD");
        String arn = server.ok("StartExecution", json("stateMachineArn", sm, "input",
                "{\"items\": [], \"mc\": 4, \"pct\": 12.5}")).get("executionArn").asText();
        JsonNode done = server.await(arn);
        assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(done.get("output").asText()).isEqualTo("[]");
        JsonNode runs = server.ok("ListMapRuns", json("executionArn", arn)).get("mapRuns");
        assertThat(runs).hasSize(1);
        JsonNode run = server.ok("DescribeMapRun", json("mapRunArn", runs.get(0).get("mapRunArn").asText()));
        assertThat(run.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(run.get("stopDate").isNumber()).isTrue();
        assertThat(run.get("maxConcurrency").asInt()).isEqualTo(4);
        assertThat(run.get("toleratedFailurePercentage").asDouble()).isEqualTo(12.5);
        assertThat(run.get("toleratedFailureCount").asLong()).isEqualTo(3);
        for (String counts : new String[] {"itemCounts", "executionCounts"}) {
            run.get(counts).fields().forEachRemaining(e -> assertThat(e.getValue().asLong()).as(counts + "." + e.getKey())
                    .isZero());
        }
    }
}
