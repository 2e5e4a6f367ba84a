package dev.setlist.asl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every case in {@code src/test/resources/machines/*.json} end to end. A case file holds
 * {@code definition}, {@code input}, optional {@code mocks} (a MockedResponses map by state:
 * {"State": {"0": {"Return": …}}}) and the expectation: {@code output}, or {@code error} (and
 * optionally {@code cause}, matched as a substring). Optional {@code objects} preloads the object
 * store: {"bucket/key": "text"}; {@code expectObjects} lists keys that must exist after the run.
 * The conformance cases ({@code conformance-*.json}, from the AWS documentation's examples and the
 * specification) are strict: {@code status} (SUCCEEDED, FAILED, TIMED_OUT), and for a failure
 * {@code error} and {@code cause} compared whole, either of which may be JSON null; optional
 * {@code lastEvent} is the last history event, {"type": …, "details": {…}}.
 */
class MachineCorpusTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Arguments> cases() throws IOException, URISyntaxException {
        Path dir = Path.of(MachineCorpusTest.class.getResource("/machines").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> sorted = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
            return sorted.stream().flatMap(p -> {
                try (InputStream in = Files.newInputStream(p)) {
                    JsonNode root = JSON.readTree(in);
                    if (root.isArray()) {
                        return java.util.stream.StreamSupport.stream(root.spliterator(), false)
                                .map(c -> Arguments.of(p.getFileName() + ": " + c.path("name").asText(), c));
                    }
                    return Stream.of(Arguments.of(p.getFileName().toString(), root));
                } catch (IOException e) {
                    throw new IllegalStateException(p + ": " + e.getMessage(), e);
                }
            });
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void run_corpusCase_matchesExpectation(String name, JsonNode c) throws Exception {
        StateMachine machine = StateMachine.compile(c.get("definition"));
        ObjectNode mockConfig = JSON.createObjectNode();
        ObjectNode testCase = mockConfig.putObject("StateMachines").putObject("M").putObject("TestCases").putObject("T");
        ObjectNode responses = mockConfig.putObject("MockedResponses");
        c.path("mocks").fields().forEachRemaining(e -> {
            testCase.put(e.getKey(), e.getKey());
            responses.set(e.getKey(), e.getValue());
        });
        ObjectStore store = ObjectStore.inMemory();
        c.path("objects").fields().forEachRemaining(e -> {
            String k = e.getKey();
            store.put(k.substring(0, k.indexOf('/')), k.substring(k.indexOf('/') + 1), e.getValue().asText());
        });
        List<HistoryEvent> events = new java.util.ArrayList<>();
        ExecutionResult result = LocalRunner.builder(machine)
                .history(events::add)
                .tasks(MockTaskInvoker.of(mockConfig, "M", "T"))
                .clock(Clock.manual(Instant.parse("2026-01-01T00:00:00Z")))
                .entropy(Entropy.seeded(7))
                .objects(store)
                .stateMachineArn("arn:aws:states:us-east-1:123456789012:stateMachine:Test")
                .build()
                .run(c.path("input").isMissingNode() ? JSON.createObjectNode() : c.get("input"), "exec-1");
        if (c.has("status")) {
            assertThat(result.status().name()).as("status; error %s: %s; output %s", result.error(), result.cause(), result.output())
                    .isEqualTo(c.get("status").asText());
            if (result.succeeded()) {
                assertThat(result.output()).isEqualTo(c.get("output"));
            } else {
                assertThat(result.error()).as("error; cause %s", result.cause()).isEqualTo(c.get("error").textValue());
                assertThat(result.cause()).as("cause").isEqualTo(c.get("cause").textValue());
            }
            if (c.has("lastEvent")) {
                HistoryEvent last = events.get(events.size() - 1);
                assertThat(last.type()).isEqualTo(c.get("lastEvent").get("type").asText());
                assertThat(last.details()).isEqualTo(c.get("lastEvent").get("details"));
            }
            return;
        }
        if (c.has("error")) {
            assertThat(result.status()).as("status, output %s", result.output()).isNotEqualTo(ExecutionResult.Status.SUCCEEDED);
            assertThat(result.error()).as("cause: %s", result.cause()).isEqualTo(c.get("error").asText());
            if (c.has("cause")) {
                assertThat(result.cause()).contains(c.get("cause").asText());
            }
        } else {
            assertThat(result.status()).as("error %s: %s", result.error(), result.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
            assertThat(result.output()).isEqualTo(c.get("output"));
        }
        for (JsonNode key : c.path("expectObjects")) {
            String k = key.asText();
            assertThat(store.get(k.substring(0, k.indexOf('/')), k.substring(k.indexOf('/') + 1))).isNotNull();
        }
    }
}
