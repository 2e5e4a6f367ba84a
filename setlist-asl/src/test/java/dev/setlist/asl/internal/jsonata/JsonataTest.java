package dev.setlist.asl.internal.jsonata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Entropy;
import dev.setlist.asl.ErrorNames;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.internal.expr.ExpressionSyntaxException;
import dev.setlist.asl.internal.expr.Scope;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class JsonataTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static JsonNode states(String input) {
        ObjectNode states = JSON.createObjectNode();
        states.set("input", json(input));
        states.set("context", json("{\"State\":{\"EnteredTime\":\"2024-01-02T03:04:05.678Z\",\"Name\":\"S\"},"
                + "\"Execution\":{\"StartTime\":\"2024-01-01T00:00:00Z\"}}"));
        return states;
    }

    private static JsonNode eval(String template, String input) throws ExpressionSyntaxException {
        return Jsonata.compileTemplate(json(template)).evaluate(states(input), Scope.Variables.NONE, Entropy.seeded(7));
    }

    private static StatesException failure(Template template, JsonNode states) {
        StatesException e = catchThrowableOfType(StatesException.class,
                () -> template.evaluate(states, Scope.Variables.NONE, Entropy.seeded(7)));
        assertThat(e).as("expected a StatesException").isNotNull();
        assertThat(e.error()).isEqualTo(ErrorNames.QUERY_EVALUATION_ERROR);
        return e;
    }

    // ---- expression strings -------------------------------------------------------------

    @Test
    void isExpression_recognisesOnlyWholeDelimitedStrings() {
        assertThat(Jsonata.isExpression("{% 1 %}")).isTrue();
        assertThat(Jsonata.isExpression("{%1%}")).isTrue();
        assertThat(Jsonata.isExpression(" {% 1 %}")).isFalse();
        assertThat(Jsonata.isExpression("{% 1 %} ")).isFalse();
        assertThat(Jsonata.isExpression("{%}")).isFalse();
        assertThat(Jsonata.isExpression(null)).isFalse();
    }

    // ---- compile-time errors ------------------------------------------------------------

    @Test
    void compileTemplate_syntaxError_namesExpressionAndProblem() {
        assertThatThrownBy(() -> Jsonata.compileTemplate(json("{\"a\": \"{% $states.input. %}\"}")))
                .isInstanceOf(ExpressionSyntaxException.class)
                .hasMessageStartingWith("JSONata syntax error in '{% $states.input. %}' (field 'a'): ")
                .hasMessageContaining("S0")
                .hasMessageEndingWith(".");
    }

    @Test
    void compileTemplate_syntaxErrorUnderField_namesTheFieldPath() {
        assertThatThrownBy(() -> Jsonata.compileTemplate(json("{\"a\": [1, \"{% a[1,2) %}\"]}"), "Output"))
                .isInstanceOf(ExpressionSyntaxException.class)
                .hasMessageStartingWith("JSONata syntax error in '{% a[1,2) %}' (field 'Output/a[1]'): ");
    }

    @Test
    void compileTemplate_unterminatedString_isSyntaxError() {
        assertThatThrownBy(() -> Jsonata.compileTemplate(json("\"{% 'abc %}\"")))
                .isInstanceOf(ExpressionSyntaxException.class)
                .hasMessageContaining("String literal must be terminated by a matching quote");
    }

    @Test
    void compileTemplate_emptyExpression_isSyntaxError() {
        assertThatThrownBy(() -> Jsonata.compileTemplate(json("\"{%   %}\"")))
                .isInstanceOf(ExpressionSyntaxException.class)
                .hasMessage("The JSONata expression '{%   %}' is empty.");
    }

    // ---- literals -----------------------------------------------------------------------

    @Test
    void evaluate_templateWithoutExpressions_answersTheLiteralItself() throws Exception {
        Template template = Jsonata.compileTemplate(json("{\"a\": [1, {\"b\": \"x\"}]}"));
        JsonNode first = template.evaluate(states("{}"), Scope.Variables.NONE, Entropy.SYSTEM);
        JsonNode second = template.evaluate(states("{}"), Scope.Variables.NONE, Entropy.SYSTEM);
        assertThat(first).isEqualTo(json("{\"a\": [1, {\"b\": \"x\"}]}"));
        assertThat(second).isSameAs(first);
    }

    @Test
    void evaluate_literalSubTrees_areSharedNotCopied() throws Exception {
        Template template = Jsonata.compileTemplate(json("{\"lit\": {\"big\": [1, 2, 3]}, \"x\": \"{% 1 %}\"}"));
        JsonNode first = template.evaluate(states("{}"), Scope.Variables.NONE, Entropy.SYSTEM);
        JsonNode second = template.evaluate(states("{}"), Scope.Variables.NONE, Entropy.SYSTEM);
        assertThat(first).isNotSameAs(second);
        assertThat(first.get("lit")).isSameAs(second.get("lit"));
        assertThat(first).isEqualTo(json("{\"lit\": {\"big\": [1, 2, 3]}, \"x\": 1}"));
    }

    @Test
    void compileTemplate_laterChangesToTheDefinition_doNotLeakIntoTheTemplate() throws Exception {
        ObjectNode definition = (ObjectNode) json("{\"a\": {\"b\": 1}}");
        Template template = Jsonata.compileTemplate(definition);
        ((ObjectNode) definition.get("a")).put("b", 2);
        assertThat(template.evaluate(states("{}"), Scope.Variables.NONE, Entropy.SYSTEM))
                .isEqualTo(json("{\"a\": {\"b\": 1}}"));
    }

    @Test
    void evaluate_unchangedInputSubTree_isPassedThroughWithoutCopy() throws Exception {
        JsonNode states = states("{\"payload\": {\"items\": [1, 2, 3]}}");
        JsonNode result = Jsonata.compileTemplate(json("\"{% $states.input.payload %}\""))
                .evaluate(states, Scope.Variables.NONE, Entropy.SYSTEM);
        assertThat(result).isSameAs(states.get("input").get("payload"));
    }

    // ---- numbers ------------------------------------------------------------------------

    @Test
    void evaluate_numbers_keepTheirKind() throws Exception {
        JsonNode result = eval("{\"int\": \"{% $states.input.i %}\", \"long\": \"{% $states.input.l %}\","
                + " \"double\": \"{% $states.input.d %}\", \"sum\": \"{% $states.input.i + 1 %}\","
                + " \"whole\": \"{% 0.5 * 4 %}\", \"bigLong\": \"{% $states.input.l + 0 %}\"}",
                "{\"i\": 7, \"l\": 9007199254740993, \"d\": 0.1}");
        assertThat(result.get("int").isInt()).isTrue();
        assertThat(result.get("int").intValue()).isEqualTo(7);
        assertThat(result.get("long").isLong()).isTrue();
        assertThat(result.get("long").longValue()).isEqualTo(9007199254740993L);
        assertThat(result.get("double").isDouble()).isTrue();
        assertThat(result.get("double").doubleValue()).isEqualTo(0.1);
        assertThat(result.get("sum").isInt()).isTrue();
        assertThat(result.get("sum").intValue()).isEqualTo(8);
        assertThat(result.get("whole").isInt()).isTrue();
        assertThat(result.get("whole").intValue()).isEqualTo(2);
        // Arithmetic is JavaScript arithmetic: doubles.
        assertThat(result.get("bigLong").longValue()).isEqualTo(9007199254740992L);
    }

    @Test
    void evaluate_bigDecimalInput_isReadAsItsNumber() throws Exception {
        ObjectMapper decimals = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        ObjectNode states = JSON.createObjectNode();
        states.set("input", decimals.readTree("{\"a\": 2.50, \"b\": 1.25, \"whole\": 3.0}"));
        JsonNode result = Jsonata.compileTemplate(json("{\"sum\": \"{% $states.input.a + $states.input.b %}\","
                        + " \"whole\": \"{% $states.input.whole %}\", \"eq\": \"{% $states.input.whole = 3 %}\"}"))
                .evaluate(states, Scope.Variables.NONE, Entropy.SYSTEM);
        assertThat(result.get("sum").doubleValue()).isEqualTo(3.75);
        assertThat(result.get("whole").isInt()).isTrue();
        assertThat(result.get("eq").booleanValue()).isTrue();
        // an untouched container is the input's own node, BigDecimal and all
        JsonNode same = Jsonata.compileTemplate(json("\"{% $states.input %}\""))
                .evaluate(states, Scope.Variables.NONE, Entropy.SYSTEM);
        assertThat(same).isSameAs(states.get("input"));
        assertThat(same.get("a").isBigDecimal()).isTrue();
        assertThat(same.get("a").decimalValue()).isEqualByComparingTo(new BigDecimal("2.50"));
    }

    @Test
    void evaluate_hugeWholeNumber_isWrittenInFullBelow1e21() throws Exception {
        JsonNode result = eval("{\"n\": \"{% 1e20 %}\", \"e\": \"{% 1e21 %}\", \"s\": \"{% $string(1e20) %}\"}", "{}");
        assertThat(result.get("n").toString()).isEqualTo("100000000000000000000");
        assertThat(result.get("e").doubleValue()).isEqualTo(1e21);
        assertThat(result.get("s").textValue()).isEqualTo("100000000000000000000");
    }

    // ---- variables ----------------------------------------------------------------------

    @Test
    void evaluate_variables_areBoundByName() throws Exception {
        Map<String, JsonNode> vars = new HashMap<>();
        vars.put("customer", json("{\"name\": \"Ana\", \"orders\": [1, 2]}"));
        vars.put("limit", json("10"));
        vars.put("flag", json("null"));
        Template template = Jsonata.compileTemplate(json("{\"who\": \"{% $customer.name %}\","
                + " \"n\": \"{% $count($customer.orders) + $limit %}\", \"flag\": \"{% $flag %}\","
                + " \"quoted\": \"{% '$limit' %}\"}"));
        JsonNode result = template.evaluate(states("{}"), vars::get, Entropy.SYSTEM);
        assertThat(result).isEqualTo(json("{\"who\": \"Ana\", \"n\": 12, \"flag\": null, \"quoted\": \"$limit\"}"));
    }

    @Test
    void evaluate_undefinedVariable_failsNamingTheField() throws Exception {
        Template template = Jsonata.compileTemplate(json("{\"Input\": {\"x\": \"{% $missing %}\"}}"), "Arguments");
        StatesException e = failure(template, states("{}"));
        assertThat(e.cause()).isEqualTo(
                "The JSONata expression '$missing' specified for the field 'Arguments/Input/x' returned nothing (undefined).");
    }

    @Test
    void evaluate_variablesAreLookedUpOnlyForNamesTheExpressionMentions() throws Exception {
        List<String> asked = new ArrayList<>();
        Template template = Jsonata.compileTemplate(json("\"{% $a & \\\"$b\\\" & $c %}\""));
        template.evaluate(states("{}"), name -> {
            asked.add(name);
            return json("\"v\"");
        }, Entropy.SYSTEM);
        assertThat(asked).containsExactlyInAnyOrder("a", "c");
    }

    // ---- runtime errors -----------------------------------------------------------------

    @Test
    void evaluate_undefinedField_failsWithQueryEvaluationError() throws Exception {
        StatesException e = failure(Jsonata.compileTemplate(json("\"{% $states.input.nope %}\""), "Output"),
                states("{}"));
        assertThat(e.cause()).isEqualTo(
                "The JSONata expression '$states.input.nope' specified for the field 'Output' returned nothing (undefined).");
    }

    @Test
    void evaluate_typeError_failsWithTheLibraryMessage() throws Exception {
        StatesException e = failure(Jsonata.compileTemplate(json("\"{% $states.input.a + 1 %}\""), "Output"),
                states("{\"a\": \"x\"}"));
        assertThat(e.cause()).startsWith(
                "The JSONata expression '$states.input.a + 1' specified for the field 'Output' threw an error during evaluation: ");
        assertThat(e.cause()).contains("T2001").contains("\"+\"");
    }

    @Test
    void evaluate_functionSignatureMismatch_fails() throws Exception {
        StatesException e = failure(Jsonata.compileTemplate(json("\"{% $uppercase(1) %}\"")), states("{}"));
        assertThat(e.cause()).contains("T0410");
    }

    @Test
    void compileExpression_singleExpression_evaluates() throws Exception {
        Template condition = Jsonata.compileExpression("{% $states.input.n > 3 %}", "Choices[0]/Condition");
        assertThat(condition.evaluate(states("{\"n\": 5}"), Scope.Variables.NONE, Entropy.SYSTEM).booleanValue()).isTrue();
        StatesException e = failure(condition, states("{}"));
        assertThat(e.cause()).contains("'Choices[0]/Condition'");
        assertThatThrownBy(() -> Jsonata.compileExpression("n > 3", "x")).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- Step Functions functions -------------------------------------------------------

    @Test
    void partition_splitsAndRejectsNonsense() throws Exception {
        assertThat(eval("\"{% $partition($states.input, 4) %}\"", "[1,2,3,4,5,6,7,8,9]"))
                .isEqualTo(json("[[1,2,3,4],[5,6,7,8],[9]]"));
        assertThat(failure(Jsonata.compileTemplate(json("\"{% $partition([], 2) %}\"")), states("{}")).cause())
                .endsWith("returned nothing (undefined).");
        assertThat(failure(Jsonata.compileTemplate(json("\"{% $partition([1], -1) %}\"")), states("{}")).cause())
                .endsWith("returned nothing (undefined).");
        assertThat(failure(Jsonata.compileTemplate(json("\"{% $partition([1], 'a') %}\"")), states("{}")).cause())
                .contains("T0410");
    }

    @Test
    void range_buildsInclusiveSequences() throws Exception {
        assertThat(eval("\"{% $range(1, 9, 2) %}\"", "{}")).isEqualTo(json("[1,3,5,7,9]"));
        assertThat(eval("\"{% $range(0, -3, -1) %}\"", "{}")).isEqualTo(json("[0,-1,-2,-3]"));
        assertThat(failure(Jsonata.compileTemplate(json("\"{% $range(1, 5) %}\"")), states("{}")).cause())
                .endsWith("returned nothing (undefined).");
        assertThat(failure(Jsonata.compileTemplate(json("\"{% $range(1, 5, 0) %}\"")), states("{}")).cause())
                .endsWith("returned nothing (undefined).");
    }

    @Test
    void hash_supportsTheFiveAlgorithms() throws Exception {
        JsonNode result = eval("{\"a\": \"{% $hash('', 'SHA-384') %}\", \"b\": \"{% $hash('abc', 'SHA-512') %}\"}", "{}");
        assertThat(result.get("a").textValue()).isEqualTo(
                "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b");
        assertThat(result.get("b").textValue()).startsWith("ddaf35a193617aba").hasSize(128);
        assertThat(failure(Jsonata.compileTemplate(json("\"{% $hash('x') %}\"")), states("{}")).cause())
                .endsWith("returned nothing (undefined).");
        assertThat(failure(Jsonata.compileTemplate(json("\"{% $hash(1, 'MD5') %}\"")), states("{}")).cause())
                .contains("T0410");
    }

    @Test
    void random_unseededComesFromEntropyAndSeededIsRepeatable() throws Exception {
        Template template = Jsonata.compileTemplate(json("{\"r\": \"{% $random() %}\", \"s\": \"{% $random(3) %}\","
                + " \"s2\": \"{% $random(3.9) %}\", \"t\": \"{% $random(4) %}\"}"));
        Entropy fixed = new Entropy() {
            @Override
            public double nextDouble() {
                return 0.25;
            }

            @Override
            public String uuid() {
                return "00000000-0000-4000-8000-000000000000";
            }
        };
        JsonNode first = template.evaluate(states("{}"), Scope.Variables.NONE, fixed);
        JsonNode second = template.evaluate(states("{}"), Scope.Variables.NONE, Entropy.SYSTEM);
        assertThat(first.get("r").doubleValue()).isEqualTo(0.25);
        assertThat(first.get("s")).isEqualTo(second.get("s"));
        assertThat(first.get("s2")).isEqualTo(first.get("s"));
        assertThat(first.get("t")).isNotEqualTo(first.get("s"));
        assertThat(first.get("s").doubleValue()).isGreaterThanOrEqualTo(0).isLessThan(1);
    }

    @Test
    void uuid_comesFromEntropy() throws Exception {
        Template template = Jsonata.compileTemplate(json("\"{% $uuid() %}\""));
        JsonNode a = template.evaluate(states("{}"), Scope.Variables.NONE, Entropy.seeded(11));
        JsonNode b = template.evaluate(states("{}"), Scope.Variables.NONE, Entropy.seeded(11));
        assertThat(a).isEqualTo(b);
        assertThat(a.textValue()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }

    @Test
    void shuffle_usesEntropy() throws Exception {
        Template template = Jsonata.compileTemplate(json("\"{% $shuffle([1,2,3,4,5,6,7,8]) %}\""));
        JsonNode a = template.evaluate(states("{}"), Scope.Variables.NONE, Entropy.seeded(5));
        JsonNode b = template.evaluate(states("{}"), Scope.Variables.NONE, Entropy.seeded(5));
        assertThat(a).isEqualTo(b);
        List<Integer> sorted = new ArrayList<>();
        a.forEach(n -> sorted.add(n.intValue()));
        sorted.sort(Integer::compare);
        assertThat(sorted).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    }

    @Test
    void parse_keepsNumbersAndNull() throws Exception {
        JsonNode result = eval("\"{% $parse($states.input.s) %}\"", "{\"s\": \"{\\\"n\\\": 12345678901, \\\"x\\\": null, \\\"f\\\": 1.5}\"}");
        assertThat(result).isEqualTo(json("{\"n\": 12345678901, \"x\": null, \"f\": 1.5}"));
        assertThat(failure(Jsonata.compileTemplate(json("\"{% $parse('[1] x') %}\"")), states("{}")).cause())
                .contains("$parse could not parse its argument as JSON");
    }

    @Test
    void now_readsTheContextNotAClock() throws Exception {
        JsonNode result = eval("{\"now\": \"{% $now() %}\", \"ms\": \"{% $millis() %}\","
                + " \"fmt\": \"{% $now('[Y0001]-[M01]-[D01]') %}\"}", "{}");
        assertThat(result.get("now").textValue()).isEqualTo("2024-01-02T03:04:05.678Z");
        assertThat(result.get("ms").longValue()).isEqualTo(1704164645678L);
        assertThat(result.get("fmt").textValue()).isEqualTo("2024-01-02");

        ObjectNode noContext = JSON.createObjectNode();
        noContext.set("input", JSON.createObjectNode());
        assertThat(failure(Jsonata.compileTemplate(json("\"{% $now() %}\"")), noContext).cause())
                .contains("State.EnteredTime");
    }

    @Test
    void eval_isNotAvailable() throws Exception {
        assertThat(failure(Jsonata.compileTemplate(json("\"{% $eval('1') %}\"")), states("{}")).cause())
                .contains("T1006");
    }

    // ---- thread safety ------------------------------------------------------------------

    @Test
    void evaluate_manyThreadsOneTemplate_eachGetsItsOwnResult() throws Exception {
        Template template = Jsonata.compileTemplate(json("{\"id\": \"{% $states.input.id %}\","
                + " \"double\": \"{% $map($states.input.items, function($v) { $v * 2 }) %}\","
                + " \"label\": \"{% $prefix & '-' & $string($states.input.id) %}\","
                + " \"sum\": \"{% $sum($states.input.items) %}\", \"r\": \"{% $random() %}\"}"));
        int threads = 8;
        int perThread = 300;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger checked = new AtomicInteger();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit((Callable<Void>) () -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        int id = thread * 100_000 + i;
                        JsonNode states = states("{\"id\": " + id + ", \"items\": [" + id + ", 1]}");
                        String prefix = "p" + thread;
                        double random = (thread * 1000 + i) / 1e7;
                        Entropy entropy = new Entropy() {
                            @Override
                            public double nextDouble() {
                                return random;
                            }

                            @Override
                            public String uuid() {
                                return "";
                            }
                        };
                        JsonNode result = template.evaluate(states,
                                name -> name.equals("prefix") ? JSON.getNodeFactory().textNode(prefix) : null, entropy);
                        assertThat(result.get("id").intValue()).isEqualTo(id);
                        assertThat(result.get("double")).isEqualTo(json("[" + (2L * id) + ", 2]"));
                        assertThat(result.get("label").textValue()).isEqualTo(prefix + "-" + id);
                        assertThat(result.get("sum").longValue()).isEqualTo(id + 1L);
                        assertThat(result.get("r").doubleValue()).isEqualTo(random);
                        checked.incrementAndGet();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(checked.get()).isEqualTo(threads * perThread);
    }
}
