package dev.setlist.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.ExecutionResult;
import dev.setlist.asl.StateMachine;
import dev.setlist.bench.ReferenceMachines.Machine;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The interpreter and the hand-written baselines must produce equal outputs, for the inputs
 * the benchmark uses and for inputs that take every other Choice branch, so that the two sides
 * of each ratio can never drift apart.
 */
class BenchmarkEquivalenceTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(Machine.CHAIN10, Machine.CHAIN10.input),
                Arguments.of(Machine.CHAIN10, ReferenceMachines.chain10Input("gold", 99.5, "web")),
                Arguments.of(Machine.CHAIN10, ReferenceMachines.chain10Input("gold", 100.0, "mobile")),
                Arguments.of(Machine.CHAIN10, ReferenceMachines.chain10Input("silver", 5, "store")),
                Arguments.of(Machine.CHAIN10, ReferenceMachines.chain10Input("bronze", 1e6, "phone")),
                Arguments.of(Machine.MAP100, Machine.MAP100.input),
                Arguments.of(Machine.MAP100, ReferenceMachines.map100Input(0)),
                Arguments.of(Machine.MAP100, ReferenceMachines.map100Input(7)),
                Arguments.of(Machine.PARALLEL4, Machine.PARALLEL4.input),
                Arguments.of(Machine.PARALLEL4, ReferenceMachines.parallel4Input(17, "SHIPPED", false)),
                Arguments.of(Machine.PARALLEL4, ReferenceMachines.parallel4Input(66, "OPEN", false)),
                Arguments.of(Machine.PARALLEL4, ReferenceMachines.parallel4Input(65, "CANCELLED", true)));
    }

    @ParameterizedTest(name = "{0} #{index}")
    @MethodSource("cases")
    void interpreterAndHandWrittenAgree(Machine machine, JsonNode input) {
        String before = input.toString();
        ExecutionResult result = machine.runner().run(input);
        assertEquals(ExecutionResult.Status.SUCCEEDED, result.status(), () -> result.error() + ": " + result.cause());
        assertEquals(result.output(), machine.handWritten.apply(input));
        assertEquals(before, input.toString(), "neither side may modify its input");
    }

    @Test
    void benchmarkInputsTakeTheIntendedPaths() {
        JsonNode chain = Machine.CHAIN10.handWritten.apply(Machine.CHAIN10.input);
        assertEquals("gold", chain.at("/discount/label").asText());
        assertEquals("online", chain.at("/channel").asText());
        JsonNode map = Machine.MAP100.handWritten.apply(Machine.MAP100.input);
        assertEquals(100, map.get("lines").size());
        long bulk = 0;
        for (JsonNode line : map.get("lines")) {
            bulk += line.get("bulk").asBoolean() ? 1 : 0;
        }
        assertTrue(bulk > 0 && bulk < 100, "both Map branches are taken");
        JsonNode parallel = Machine.PARALLEL4.handWritten.apply(Machine.PARALLEL4.input);
        assertEquals(4, parallel.size());
    }

    @Test
    void chainRunsSevenOfItsTenStates() {
        // Extract, CheckTier, Gold, CheckSource, Online, Assemble, Done: six transitions.
        assertEquals(6, Machine.CHAIN10.runner().run(Machine.CHAIN10.input).transitions());
    }

    @Test
    void fiftyStateDefinitionIsValidAndCompiles() throws Exception {
        assertEquals(java.util.List.of(), StateMachine.check(ReferenceMachines.validate50()));
        StateMachine machine = StateMachine.compile(ReferenceMachines.validate50());
        assertEquals("Prepare", machine.startAt());
        assertEquals(50, countStates(machine.definition().get("States")));
    }

    private static int countStates(JsonNode states) {
        int n = 0;
        for (JsonNode state : states) {
            n++;
            for (JsonNode branch : state.path("Branches")) {
                n += countStates(branch.get("States"));
            }
            if (state.has("ItemProcessor")) {
                n += countStates(state.get("ItemProcessor").get("States"));
            }
        }
        return n;
    }
}
