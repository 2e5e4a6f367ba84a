package dev.setlist.asl.internal.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Problem;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The validator never throws and always places its problems somewhere in the definition. */
class ValidatorRobustnessTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Test
    void check_garbageText_reportsInvalidJsonAtRoot() {
        List<Problem> problems = Validator.check("{{ this is not json");
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).location()).isEmpty();
        assertThat(problems.get(0).message()).startsWith("is not valid JSON (line 1, column 2)");
    }

    @Test
    void check_emptyText_reportsEmpty() {
        assertThat(Validator.check("  ")).containsExactly(new Problem("", "is empty, expected a JSON object"));
    }

    @Test
    void check_nullInputs_reportMissingDefinition() {
        assertThat(Validator.check((String) null)).containsExactly(new Problem("", "the definition is missing"));
        assertThat(Validator.check((JsonNode) null)).containsExactly(new Problem("", "the definition is missing"));
    }

    @Test
    void check_nonObjectJson_reportsRootType() {
        assertThat(Validator.check("[]")).containsExactly(new Problem("", "must be a JSON object, was an empty array"));
        assertThat(Validator.check("null")).containsExactly(new Problem("", "must be a JSON object, was null"));
        assertThat(Validator.check("\"x\"")).containsExactly(new Problem("", "must be a JSON object, was \"x\""));
        assertThat(Validator.check("42")).containsExactly(new Problem("", "must be a JSON object, was 42"));
        assertThat(Validator.check(NullNode.getInstance())).containsExactly(new Problem("", "must be a JSON object, was null"));
    }

    @Test
    void check_trailingTokensOrDuplicateKeys_reportsInvalidJson() {
        assertThat(Validator.check("{} {}")).singleElement()
                .satisfies(p -> assertThat(p.message()).startsWith("is not valid JSON"));
        assertThat(Validator.check("{\"StartAt\":\"A\",\"StartAt\":\"B\",\"States\":{}}")).singleElement()
                .satisfies(p -> assertThat(p.message()).startsWith("is not valid JSON").contains("StartAt"));
    }

    @Test
    void check_tenThousandDeepText_reportsProblemWithoutThrowing() {
        String deep = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);
        List<Problem> problems = Validator.check(deep);
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.location()).isEmpty();
            assertThat(p.message()).startsWith("is not valid JSON");
        });
        String deepArrays = "[".repeat(10_000) + "]".repeat(10_000);
        assertThat(Validator.check(deepArrays)).hasSize(1);
    }

    @Test
    void check_tenThousandDeepTree_reportsNestingAtRoot() {
        JsonNode inner = F.numberNode(1);
        for (int i = 0; i < 10_000; i++) {
            ObjectNode o = F.objectNode();
            o.set(i % 2 == 0 ? "a" : "b.$", inner);
            inner = o;
        }
        ObjectNode def = minimal();
        ((ObjectNode) def.get("States").get("A")).set("Parameters", inner);
        assertThat(Validator.check(def)).containsExactly(
                new Problem("", "is nested deeper than " + Validator.MAX_DEPTH + " levels"));
    }

    @Test
    void check_deepButAllowedTemplate_checksEveryLevel() {
        JsonNode inner = F.objectNode().put("leaf.$", "not a path");
        for (int i = 0; i < 400; i++) {
            inner = F.objectNode().set("n", inner);
        }
        ObjectNode def = minimal();
        ((ObjectNode) def.get("States").get("A")).set("Parameters", inner);
        List<Problem> problems = Validator.check(def);
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.location()).startsWith("/States/A/Parameters/n/n/").endsWith("/leaf.$");
            assertThat(def.at(p.location()).asText()).isEqualTo("not a path");
        });
    }

    @Test
    void check_tenThousandStateChain_isValidAndFast() {
        ObjectNode states = F.objectNode();
        for (int i = 0; i < 10_000; i++) {
            ObjectNode s = states.putObject("S" + i).put("Type", "Pass");
            if (i == 9_999) {
                s.put("End", true);
            } else {
                s.put("Next", "S" + (i + 1));
            }
        }
        ObjectNode def = F.objectNode().put("StartAt", "S0");
        def.set("States", states);
        long start = System.nanoTime();
        assertThat(Validator.check(def)).isEmpty();
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
    }

    static final List<JsonNode> WRONG_VALUES = List.of(NullNode.getInstance(), F.numberNode(0), F.numberNode(-1),
            F.numberNode(1.5), F.numberNode(1e300), F.textNode(""), F.textNode("x"), F.textNode("$"),
            F.textNode("$$.Execution.Id"), F.textNode("{% %}"), F.textNode("States.ALL"), F.booleanNode(true),
            F.arrayNode(), F.arrayNode().add(1).add("a").addNull(), F.objectNode(),
            F.objectNode().put("a", 1).putNull("b"), F.objectNode().set("x", F.arrayNode().add(F.objectNode())));

    static final List<String> FIELDS = List.of("Type", "Comment", "QueryLanguage", "Next", "End", "InputPath",
            "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Result", "Arguments", "Output", "Assign",
            "Resource", "Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
            "HeartbeatSecondsPath", "Credentials", "Choices", "Default", "Seconds", "SecondsPath", "Timestamp",
            "TimestampPath", "Error", "ErrorPath", "Cause", "CausePath", "Branches", "ItemProcessor", "Iterator",
            "ItemsPath", "Items", "ItemSelector", "ItemReader", "ItemBatcher", "ResultWriter", "MaxConcurrency",
            "MaxConcurrencyPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath",
            "ToleratedFailureCount", "ToleratedFailureCountPath", "Label", "Foo");

    @ParameterizedTest
    @ValueSource(strings = {"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"})
    void check_wrongTypeInEveryField_neverThrowsAndLocatesEveryProblem(String type) {
        for (String lang : List.of("JSONPath", "JSONata")) {
            for (String field : FIELDS) {
                for (JsonNode wrong : WRONG_VALUES) {
                    ObjectNode def = minimal();
                    def.put("QueryLanguage", lang);
                    ObjectNode state = (ObjectNode) def.get("States").get("A");
                    state.put("Type", type);
                    state.set(field, wrong.deepCopy());
                    assertLocated(def);
                }
            }
        }
    }

    @Test
    void check_wrongTypesAtTopLevelAndInNestedObjects_neverThrows() {
        List<String> top = List.of("States", "StartAt", "Comment", "Version", "TimeoutSeconds", "QueryLanguage");
        for (String field : top) {
            for (JsonNode wrong : WRONG_VALUES) {
                ObjectNode def = minimal();
                def.set(field, wrong.deepCopy());
                assertLocated(def);
            }
        }
    }

    @Test
    void check_randomMutationsOfCorpus_neverThrowAndLocateEveryProblem() throws IOException, URISyntaxException {
        List<JsonNode> corpus = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of(getClass().getResource("/validate").toURI()))) {
            for (Path p : files.sorted().toList()) {
                corpus.add(MAPPER.readTree(p.toFile()).get("definition"));
            }
        }
        Random random = new Random(20240601L);
        for (int round = 0; round < 3_000; round++) {
            JsonNode def = corpus.get(random.nextInt(corpus.size())).deepCopy();
            int mutations = 1 + random.nextInt(3);
            for (int m = 0; m < mutations; m++) {
                mutate(def, random);
            }
            assertLocated(def);
        }
    }

    private static void mutate(JsonNode root, Random random) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode target = containers.get(random.nextInt(containers.size()));
        JsonNode value = WRONG_VALUES.get(random.nextInt(WRONG_VALUES.size())).deepCopy();
        if (target instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            if (names.isEmpty() || random.nextInt(5) == 0) {
                o.set(FIELDS.get(random.nextInt(FIELDS.size())), value);
            } else if (random.nextInt(4) == 0) {
                o.remove(names.get(random.nextInt(names.size())));
            } else {
                o.set(names.get(random.nextInt(names.size())), value);
            }
        } else if (target instanceof ArrayNode a) {
            if (a.isEmpty() || random.nextBoolean()) {
                a.add(value);
            } else {
                a.set(random.nextInt(a.size()), value);
            }
        }
    }

    private static void collect(JsonNode node, List<JsonNode> out) {
        if (node.isContainerNode()) {
            out.add(node);
            node.forEach(child -> collect(child, out));
        }
    }

    private static void assertLocated(JsonNode def) {
        List<Problem> problems = new ArrayList<>();
        assertThatCode(() -> problems.addAll(Validator.check(def))).as("%s", def).doesNotThrowAnyException();
        for (Problem p : problems) {
            assertThat(p.message()).as("%s in %s", p, def).isNotBlank().doesNotStartWith("could not be checked");
            assertThat(p.location()).as("%s in %s", p, def).satisfiesAnyOf(
                    l -> assertThat(l).isEmpty(),
                    l -> assertThat(def.at(JsonPointer.compile(l)).isMissingNode()).isFalse());
        }
    }

    private static ObjectNode minimal() {
        ObjectNode def = F.objectNode().put("StartAt", "A");
        def.putObject("States").putObject("A").put("Type", "Pass").put("End", true);
        return def;
    }
}
