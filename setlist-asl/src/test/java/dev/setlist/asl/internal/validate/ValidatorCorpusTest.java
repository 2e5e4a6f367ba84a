package dev.setlist.asl.internal.validate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.setlist.asl.Problem;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file under {@code src/test/resources/validate/} holds a {@code definition} and the exact
 * {@code problems} the validator must report for it, in order ({@code []} for a valid one).
 */
class ValidatorCorpusTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static Stream<String> cases() throws IOException, URISyntaxException {
        URL dir = ValidatorCorpusTest.class.getResource("/validate");
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void check_corpusCase_reportsExactlyTheExpectedProblems(String file) throws IOException {
        JsonNode testCase = MAPPER.readTree(ValidatorCorpusTest.class.getResourceAsStream("/validate/" + file));
        List<String> expected = new ArrayList<>();
        testCase.get("problems").forEach(p -> expected.add(p.asText()));

        List<Problem> fromTree = Validator.check(testCase.get("definition"));
        List<Problem> fromText = Validator.check(MAPPER.writeValueAsString(testCase.get("definition")));

        assertThat(fromTree).map(Problem::toString).containsExactlyElementsOf(expected);
        assertThat(fromText).isEqualTo(fromTree);
    }
}
