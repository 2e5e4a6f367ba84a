package dev.setlist.asl.internal.jsonata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.setlist.asl.Entropy;
import dev.setlist.asl.ErrorNames;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.internal.expr.Scope;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every case of {@code jsonata/corpus.json}: a template, the states object and variables
 * it is evaluated with, and either the expected value or the expected failure (an exact cause
 * in {@code expectedError}, or fragments of it in {@code expectedErrorContains}).
 */
class JsonataCorpusTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Named<JsonNode>> cases() throws IOException {
        try (InputStream in = JsonataCorpusTest.class.getResourceAsStream("/jsonata/corpus.json")) {
            JsonNode corpus = JSON.readTree(in);
            List<Named<JsonNode>> cases = new ArrayList<>();
            corpus.forEach(c -> cases.add(Named.of(c.get("name").asText(), c)));
            return cases.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void evaluate_corpusCase_matchesExpectation(JsonNode c) throws Exception {
        Template template = Jsonata.compileTemplate(c.get("template"));
        JsonNode states = c.has("states") ? c.get("states") : JSON.createObjectNode().set("input", JSON.createObjectNode());
        JsonNode variables = c.path("variables");
        Scope.Variables vars = name -> variables.get(name);

        if (c.has("expected")) {
            JsonNode actual = template.evaluate(states, vars, Entropy.seeded(1));
            assertThat(actual).isEqualTo(c.get("expected"));
        } else {
            StatesException failure = catchThrowableOfType(StatesException.class,
                    () -> template.evaluate(states, vars, Entropy.seeded(1)));
            assertThat(failure).as("expected a failure").isNotNull();
            assertThat(failure.error()).isEqualTo(ErrorNames.QUERY_EVALUATION_ERROR);
            if (c.has("expectedError")) {
                assertThat(failure.cause()).isEqualTo(c.get("expectedError").asText());
            }
            for (JsonNode fragment : c.path("expectedErrorContains")) {
                assertThat(failure.cause()).contains(fragment.asText());
            }
        }
    }
}
