package dev.setlist.asl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Feeds randomly mutated definitions (taken from the end-to-end corpus) and random inputs to
 * the validator, the compiler and the runner. Whatever the mutation, nothing may escape as an
 * exception: check returns problems, compile returns a machine or InvalidDefinitionException,
 * and a run ends (the transition cap and a manual clock make loops and waits finite).
 */
class MutationPropertyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<JsonNode> DEFINITIONS = load();

    private static List<JsonNode> load() {
        List<JsonNode> out = new ArrayList<>();
        for (String file : List.of("jsonpath-dataflow.json", "jsonpath-choice.json", "jsonpath-errors.json",
                "jsonpath-parallel-map.json", "variables.json", "jsonata.json")) {
            try (InputStream in = MutationPropertyTest.class.getResourceAsStream("/machines/" + file)) {
                for (JsonNode c : JSON.readTree(in)) {
                    out.add(c.get("definition"));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    @Property(tries = 400)
    void mutatedDefinitions_neverThrowNorHang(@ForAll("seeds") long seed) {
        Random random = new Random(seed);
        JsonNode definition = DEFINITIONS.get(random.nextInt(DEFINITIONS.size())).deepCopy();
        int mutations = 1 + random.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            definition = mutate(definition, random, 0);
        }
        JsonNode mutated = definition;
        List<Problem> problems = StateMachine.check(mutated.toString());
        assertThat(problems).allSatisfy(p -> assertThat(p.message()).isNotBlank());
        StateMachine machine;
        try {
            machine = StateMachine.compile(mutated);
        } catch (InvalidDefinitionException e) {
            assertThat(e.problems()).isNotEmpty();
            return;
        }
        assertThat(problems).isEmpty();
        JsonNode input = randomValue(random, 0);
        assertThatCode(() -> {
            ExecutionResult result = LocalRunner.builder(machine)
                    .clock(Clock.manual(Instant.parse("2026-01-01T00:00:00Z")))
                    .entropy(Entropy.seeded(seed))
                    .tasks(request -> randomValue(new Random(request.attempt() + seed), 0))
                    .maxTransitions(500)
                    .build()
                    .run(input);
            assertThat(result.status()).isNotNull();
            if (!result.succeeded()) {
                assertThat(result.error()).isNotBlank();
            }
        }).as("definition %s with input %s", mutated, input).doesNotThrowAnyException();
    }

    @Property(tries = 200)
    void randomText_isReportedNotThrown(@ForAll("seeds") long seed) {
        Random random = new Random(seed);
        String text = DEFINITIONS.get(random.nextInt(DEFINITIONS.size())).toString();
        StringBuilder garbled = new StringBuilder(text);
        for (int i = 0; i < 1 + random.nextInt(5); i++) {
            int at = random.nextInt(garbled.length());
            garbled.setCharAt(at, "{}[]\",:$.x0 ".charAt(random.nextInt(12)));
        }
        assertThatCode(() -> {
            List<Problem> problems = StateMachine.check(garbled.toString());
            try {
                StateMachine.compile(garbled.toString());
            } catch (InvalidDefinitionException e) {
                assertThat(e.problems()).isEqualTo(problems);
            }
        }).doesNotThrowAnyException();
    }

    private static JsonNode mutate(JsonNode node, Random random, int depth) {
        if ((node.isObject() || node.isArray()) && node.size() > 0 && random.nextInt(3) > 0 && depth < 12) {
            if (node instanceof ObjectNode object) {
                List<String> names = new ArrayList<>();
                object.fieldNames().forEachRemaining(names::add);
                String name = names.get(random.nextInt(names.size()));
                switch (random.nextInt(6)) {
                    case 0 -> object.remove(name);
                    case 1 -> object.set(name + (random.nextBoolean() ? "Path" : "x"), object.get(name));
                    default -> object.set(name, mutate(object.get(name), random, depth + 1));
                }
            } else {
                ArrayNode array = (ArrayNode) node;
                int i = random.nextInt(array.size());
                switch (random.nextInt(4)) {
                    case 0 -> array.remove(i);
                    case 1 -> array.add(array.get(i).deepCopy());
                    default -> array.set(i, mutate(array.get(i), random, depth + 1));
                }
            }
            return node;
        }
        return switch (random.nextInt(8)) {
            case 0 -> NODES.textNode(List.of("$", "$.x", "$$.Execution.Id", "$.a[0]", "{% $states.input %}", "States.Format('{}', $.a)",
                    "End", "Pass", "Task", "Succeed", "States.ALL", "$..y", "$.a[?(@.b > 1)]", "").get(random.nextInt(14)));
            case 1 -> NODES.numberNode(random.nextInt(7) - 2);
            case 2 -> NODES.numberNode(random.nextDouble() * 3);
            case 3 -> NODES.booleanNode(random.nextBoolean());
            case 4 -> NODES.nullNode();
            case 5 -> NODES.objectNode();
            case 6 -> NODES.arrayNode();
            default -> randomValue(random, 0);
        };
    }

    private static JsonNode randomValue(Random random, int depth) {
        return switch (depth > 2 ? random.nextInt(4) : random.nextInt(6)) {
            case 0 -> NODES.numberNode(random.nextInt(10));
            case 1 -> NODES.textNode("s" + random.nextInt(3));
            case 2 -> NODES.booleanNode(random.nextBoolean());
            case 3 -> NODES.nullNode();
            case 4 -> {
                ArrayNode a = NODES.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    a.add(randomValue(random, depth + 1));
                }
                yield a;
            }
            default -> {
                ObjectNode o = NODES.objectNode();
                for (String k : List.of("a", "b", "x", "items", "n")) {
                    if (random.nextBoolean()) {
                        o.set(k, randomValue(random, depth + 1));
                    }
                }
                yield o;
            }
        };
    }
}
