package dev.setlist.asl.internal.intrinsic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.setlist.asl.Entropy;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.internal.expr.ExpressionSyntaxException;
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
 * Runs every case of {@code intrinsic/cases.json}. A case has an {@code expression}, optional
 * {@code input}, {@code context} and {@code variables}, and one outcome: {@code expected} (the
 * exact JSON result, number types included), {@code error} plus a {@code cause} substring (a
 * failure when evaluated), or {@code syntaxError} (a message substring at parse time).
 */
class IntrinsicCorpusTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static Stream<Named<JsonNode>> cases() throws IOException {
        try (InputStream in = IntrinsicCorpusTest.class.getResourceAsStream("/intrinsic/cases.json")) {
            JsonNode all = MAPPER.readTree(in);
            List<Named<JsonNode>> cases = new ArrayList<>();
            for (JsonNode c : all) {
                cases.add(Named.of(c.get("name").asText(), c));
            }
            return cases.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void corpusCase_behavesAsRecorded(JsonNode c) throws Exception {
        String expression = c.get("expression").asText();
        if (c.has("syntaxError")) {
            ExpressionSyntaxException e = catchThrowableOfType(ExpressionSyntaxException.class,
                    () -> Intrinsics.parse(expression));
            assertThat(e).as("a syntax error for %s", expression).isNotNull();
            assertThat(e.getMessage()).contains(c.get("syntaxError").asText());
            return;
        }
        Intrinsic intrinsic = Intrinsics.parse(expression);
        assertThat(intrinsic.text()).isEqualTo(expression);
        Scope scope = scope(c);
        if (c.has("error")) {
            assertThatThrownBy(() -> intrinsic.evaluate(scope))
                    .isInstanceOfSatisfying(StatesException.class, e -> {
                        assertThat(e.error()).isEqualTo(c.get("error").asText());
                        assertThat(e.cause()).contains(c.get("cause").asText());
                    });
            return;
        }
        assertThat(c.has("expected")).as("case has an outcome").isTrue();
        JsonNode actual = intrinsic.evaluate(scope);
        assertThat(actual).isEqualTo(c.get("expected"));
        // Compiled once, evaluated many times: a second evaluation gives the same result.
        assertThat(intrinsic.evaluate(scope)).isEqualTo(c.get("expected"));
    }

    private static Scope scope(JsonNode c) {
        JsonNode input = c.has("input") ? c.get("input") : MAPPER.createObjectNode();
        JsonNode context = c.has("context") ? c.get("context") : MAPPER.createObjectNode();
        JsonNode variables = c.has("variables") ? c.get("variables") : NullNode.getInstance();
        return new Scope(input, context, name -> variables.get(name), Entropy.seeded(7));
    }
}
