package dev.setlist.asl.internal.intrinsic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.setlist.asl.Entropy;
import dev.setlist.asl.ErrorNames;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.internal.expr.ExpressionSyntaxException;
import dev.setlist.asl.internal.expr.Scope;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class IntrinsicsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Scope scope(String input) {
        return new Scope(json(input), json("{}"), Scope.Variables.NONE, Entropy.seeded(1));
    }

    private static JsonNode eval(String expression, String input) throws ExpressionSyntaxException {
        return Intrinsics.parse(expression).evaluate(scope(input));
    }

    /** An entropy that returns fixed values and counts how often it is asked. */
    private static final class FixedEntropy implements Entropy {
        final double value;
        final AtomicInteger draws = new AtomicInteger();

        FixedEntropy(double value) {
            this.value = value;
        }

        @Override
        public double nextDouble() {
            draws.incrementAndGet();
            return value;
        }

        @Override
        public String uuid() {
            draws.incrementAndGet();
            return "00000000-0000-4000-8000-00000000000" + draws.get();
        }
    }

    @Test
    void isCall_recognisesStatesPrefixOnly() {
        assertThat(Intrinsics.isCall("States.UUID()")).isTrue();
        assertThat(Intrinsics.isCall("$.a")).isFalse();
        assertThat(Intrinsics.isCall(null)).isFalse();
    }

    @Test
    void parse_notAStatesCall_failsWithPlainMessage() {
        assertThatThrownBy(() -> Intrinsics.parse("Format('x')"))
                .isInstanceOf(ExpressionSyntaxException.class)
                .hasMessage("an intrinsic function call must start with 'States.', but was 'Format('x')'");
    }

    @Test
    void parse_unclosedStringLiteral_namesFunctionAndPosition() {
        assertThatThrownBy(() -> Intrinsics.parse("States.Format('Hello, {}. Order {}', $.name"))
                .isInstanceOf(ExpressionSyntaxException.class)
                .hasMessage("States.Format: missing ')' to close the call that starts at position 0");
        assertThatThrownBy(() -> Intrinsics.parse("States.Array(1, States.Format('abc)"))
                .isInstanceOf(ExpressionSyntaxException.class)
                .hasMessage("States.Format: unclosed string literal starting at position 30");
    }

    @Test
    void parse_unknownFunction_listsKnownFunctions() {
        assertThatThrownBy(() -> Intrinsics.parse("States.MathSubtract(1, 2)"))
                .isInstanceOf(ExpressionSyntaxException.class)
                .hasMessageStartingWith("unknown intrinsic function 'States.MathSubtract' at position 0; the functions are States.Format,")
                .hasMessageContaining("States.UUID");
    }

    @Test
    void parse_wrongArity_isReportedBeforeAnyEvaluation() {
        assertThatThrownBy(() -> Intrinsics.parse("States.Array(States.ArrayLength($.a, $.b))"))
                .isInstanceOf(ExpressionSyntaxException.class)
                .hasMessage("States.ArrayLength takes 1 argument, but was given 2");
    }

    @Test
    void parse_tenNestedCalls_areAllowedButElevenAreNot() throws Exception {
        String ten = "States.Array(".repeat(10) + ")".repeat(10);
        assertThat(eval(ten, "{}").toString()).isEqualTo("[".repeat(10) + "]".repeat(10));
        String eleven = "States.Array(".repeat(11) + ")".repeat(11);
        assertThatThrownBy(() -> Intrinsics.parse(eleven))
                .isInstanceOf(ExpressionSyntaxException.class)
                .hasMessage("States.Array at position 130 is nested 11 calls deep, but intrinsic functions can be nested at most 10 deep");
    }

    @Test
    void parse_pathArgumentSyntaxError_namesArgumentAndPosition() {
        assertThatThrownBy(() -> Intrinsics.parse("States.Array(1, $.a[0)"))
                .isInstanceOf(ExpressionSyntaxException.class)
                .hasMessage("States.Array: expected ']' but found ')' at position 21 in the path starting at position 16");
        assertThatThrownBy(() -> Intrinsics.parse("States.Array(1, $['a)"))
                .isInstanceOf(ExpressionSyntaxException.class)
                .hasMessage("States.Array: unclosed quote in the path starting at position 16");
        assertThatThrownBy(() -> Intrinsics.parse("States.Array(1, $.a[?(@.x)"))
                .isInstanceOf(ExpressionSyntaxException.class)
                .hasMessage("States.Array: unclosed '[' in the path starting at position 16");
    }

    @Test
    void format_withEscapedBraces_keepsLiteralBraces() throws Exception {
        // JSON "States.Format('\\{{}\\}', $.v)" is the text below.
        JsonNode result = eval("States.Format('\\{{}\\}', $.v)", "{\"v\": \"x\"}");
        assertThat(result).isEqualTo(TextNode.valueOf("{x}"));
    }

    @Test
    void format_escapedBracePairIsNotCountedAsPlaceholder() throws Exception {
        // '\{}' is a literal '{' followed by a lone '}', so the template has no placeholder.
        assertThat(eval("States.Format('a\\{}b')", "{}")).isEqualTo(TextNode.valueOf("a{}b"));
        assertThatThrownBy(() -> Intrinsics.parse("States.Format('a\\{}b', 1)"))
                .isInstanceOf(ExpressionSyntaxException.class)
                .hasMessage("States.Format: the template has 0 '{}' placeholders but 1 value follows it");
    }

    @Test
    void format_nestedCallsAndContext_buildOrderSummary() throws Exception {
        Intrinsic intrinsic = Intrinsics.parse(
                "States.Format('Hello, {}. Order {} is {}', $.name, $$.Execution.Name, States.ArrayLength($.items))");
        Scope scope = new Scope(json("{\"name\": \"Ana\", \"items\": [1, 2, 3]}"),
                json("{\"Execution\": {\"Name\": \"exec-42\"}}"), Scope.Variables.NONE, Entropy.SYSTEM);
        assertThat(intrinsic.evaluate(scope)).isEqualTo(TextNode.valueOf("Hello, Ana. Order exec-42 is 3"));
    }

    @Test
    void variables_areReadThroughScope() throws Exception {
        Map<String, JsonNode> vars = Map.of("count", IntNode.valueOf(4), "cfg", json("{\"step\": 3}"));
        Scope scope = new Scope(json("{}"), json("{}"), vars::get, Entropy.SYSTEM);
        assertThat(Intrinsics.parse("States.MathAdd($count, $cfg.step)").evaluate(scope)).isEqualTo(IntNode.valueOf(7));
    }

    @Test
    void mathRandom_withSeed_isDeterministicAndMatchesJavaUtilRandom() throws Exception {
        Intrinsic intrinsic = Intrinsics.parse("States.MathRandom($.start, $.end, $.seed)");
        JsonNode first = intrinsic.evaluate(scope("{\"start\": 10, \"end\": 1000, \"seed\": 1234}"));
        for (int i = 0; i < 5; i++) {
            assertThat(intrinsic.evaluate(new Scope(json("{\"start\": 10, \"end\": 1000, \"seed\": 1234}"), json("{}"),
                    Scope.Variables.NONE, new FixedEntropy(0.5)))).isEqualTo(first);
        }
        assertThat(first).isEqualTo(IntNode.valueOf(10 + new Random(1234).nextInt(990)));
    }

    @Test
    void mathRandom_withSeed_doesNotDrawFromEntropy() throws Exception {
        FixedEntropy entropy = new FixedEntropy(0.5);
        Intrinsics.parse("States.MathRandom(1, 100, 42)").evaluate(new Scope(json("{}"), json("{}"), Scope.Variables.NONE, entropy));
        assertThat(entropy.draws.get()).isZero();
    }

    @Test
    void mathRandom_withoutSeed_usesEntropyAndStaysInHalfOpenRange() throws Exception {
        Intrinsic intrinsic = Intrinsics.parse("States.MathRandom(1, 999)");
        assertThat(intrinsic.evaluate(new Scope(json("{}"), json("{}"), Scope.Variables.NONE, new FixedEntropy(0.0))))
                .isEqualTo(IntNode.valueOf(1));
        assertThat(intrinsic.evaluate(new Scope(json("{}"), json("{}"), Scope.Variables.NONE, new FixedEntropy(0.5))))
                .isEqualTo(IntNode.valueOf(500));
        assertThat(intrinsic.evaluate(new Scope(json("{}"), json("{}"), Scope.Variables.NONE, new FixedEntropy(0.9999999999))))
                .isEqualTo(IntNode.valueOf(998));
        Set<Integer> seen = new HashSet<>();
        Scope random = new Scope(json("{}"), json("{}"), Scope.Variables.NONE, Entropy.seeded(3));
        Intrinsic small = Intrinsics.parse("States.MathRandom(-2, 2)");
        for (int i = 0; i < 200; i++) {
            seen.add(small.evaluate(random).intValue());
        }
        assertThat(seen).containsExactlyInAnyOrder(-2, -1, 0, 1);
    }

    @Test
    void uuid_comesFromEntropy() throws Exception {
        FixedEntropy entropy = new FixedEntropy(0);
        Intrinsic intrinsic = Intrinsics.parse("States.UUID()");
        Scope scope = new Scope(json("{}"), json("{}"), Scope.Variables.NONE, entropy);
        assertThat(intrinsic.evaluate(scope)).isEqualTo(TextNode.valueOf("00000000-0000-4000-8000-000000000001"));
        assertThat(intrinsic.evaluate(scope)).isEqualTo(TextNode.valueOf("00000000-0000-4000-8000-000000000002"));
    }

    @Test
    void uuid_fromSeededEntropy_isAVersion4Uuid() throws Exception {
        JsonNode uuid = Intrinsics.parse("States.UUID()").evaluate(scope("{}"));
        assertThat(uuid.textValue()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }

    @Test
    void base64_inputLimits_allow10000CharactersAndRejectMore() throws Exception {
        String ok = "a".repeat(10_000);
        assertThat(eval("States.Base64Encode($.s)", "{\"s\": \"" + ok + "\"}").textValue()).hasSize(13_336);
        String roundTrip = "a".repeat(7_500); // encodes to exactly 10,000 characters
        assertThat(eval("States.Base64Decode(States.Base64Encode($.s))", "{\"s\": \"" + roundTrip + "\"}").textValue())
                .isEqualTo(roundTrip);
        assertThatThrownBy(() -> eval("States.Base64Encode($.s)", "{\"s\": \"" + ok + "b\"}"))
                .isInstanceOfSatisfying(StatesException.class, e -> {
                    assertThat(e.error()).isEqualTo(ErrorNames.INTRINSIC_FAILURE);
                    assertThat(e.cause()).isEqualTo(
                            "States.Base64Encode: argument 1 has 10001 characters, but at most 10000 are allowed");
                });
        String encoded = "QUFB".repeat(2_501); // 10,004 characters
        assertThatThrownBy(() -> eval("States.Base64Decode($.s)", "{\"s\": \"" + encoded + "\"}"))
                .isInstanceOfSatisfying(StatesException.class,
                        e -> assertThat(e.cause()).startsWith("States.Base64Decode: argument 1 has 10004 characters"));
    }

    @Test
    void hash_inputLimit_rejectsMoreThan10000Characters() {
        assertThatThrownBy(() -> eval("States.Hash($.s, 'MD5')", "{\"s\": \"" + "x".repeat(10_001) + "\"}"))
                .isInstanceOfSatisfying(StatesException.class, e -> {
                    assertThat(e.error()).isEqualTo(ErrorNames.INTRINSIC_FAILURE);
                    assertThat(e.cause()).startsWith("States.Hash: argument 1 has 10001 characters");
                });
    }

    @Test
    void arrayRange_resultsAreIntegers() throws Exception {
        JsonNode range = eval("States.ArrayRange($.a, 3, 1)", "{\"a\": 1.0}");
        assertThat(range).hasSize(3);
        range.forEach(n -> assertThat(n.isInt()).as("%s is an int node", n).isTrue());
    }

    @Test
    void mathAdd_ofIntegers_givesAnIntNode() throws Exception {
        JsonNode sum = eval("States.MathAdd($.a, $.b)", "{\"a\": 1.0, \"b\": 2}");
        assertThat(sum.isInt()).isTrue();
        assertThat(sum.intValue()).isEqualTo(3);
    }

    @Test
    void jsonMerge_doesNotModifyItsArguments() throws Exception {
        JsonNode input = json("{\"a\": {\"x\": 1}, \"b\": {\"x\": 2, \"y\": 3}}");
        JsonNode merged = Intrinsics.parse("States.JsonMerge($.a, $.b, false)")
                .evaluate(new Scope(input, json("{}"), Scope.Variables.NONE, Entropy.SYSTEM));
        assertThat(merged).isEqualTo(json("{\"x\": 2, \"y\": 3}"));
        assertThat(input).isEqualTo(json("{\"a\": {\"x\": 1}, \"b\": {\"x\": 2, \"y\": 3}}"));
    }

    @Test
    void evaluate_isSafeFromManyThreads() throws Exception {
        Intrinsic intrinsic = Intrinsics.parse("States.Format('{}-{}', $.id, States.ArrayLength($.items))");
        Thread[] threads = new Thread[4];
        AtomicInteger wrong = new AtomicInteger();
        for (int t = 0; t < threads.length; t++) {
            int id = t;
            threads[t] = new Thread(() -> {
                Scope scope = scope("{\"id\": " + id + ", \"items\": [" + "1,".repeat(id) + "0]}");
                for (int i = 0; i < 2_000; i++) {
                    if (!intrinsic.evaluate(scope).textValue().equals(id + "-" + (id + 1))) {
                        wrong.incrementAndGet();
                    }
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(wrong.get()).isZero();
    }
}
