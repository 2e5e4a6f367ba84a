package dev.setlist.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.InvalidDefinitionException;
import dev.setlist.asl.LocalRunner;
import dev.setlist.asl.Problem;
import dev.setlist.asl.StateMachine;
import dev.setlist.bench.ReferenceMachines.Machine;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Executions per second of the three reference machines, run by the interpreter
 * ({@code LocalRunner}) and by their hand-written Java equivalents ({@link HandWritten}), and
 * validations/compilations per second of a 50-state definition. {@link AslReport} runs these
 * and prints the ratios; they can also be run on their own with {@code org.openjdk.jmh.Main AslBenchmark}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class AslBenchmark {
    private LocalRunner chain10;
    private LocalRunner map100;
    private LocalRunner parallel4;
    private String definition50;
    // Inputs are read from fields, never from constants, so that the JIT cannot fold them.
    private JsonNode chain10Input;
    private JsonNode map100Input;
    private JsonNode parallel4Input;

    @Setup
    public void setup() {
        chain10 = Machine.CHAIN10.runner();
        map100 = Machine.MAP100.runner();
        parallel4 = Machine.PARALLEL4.runner();
        definition50 = ReferenceMachines.validate50();
        chain10Input = Machine.CHAIN10.input;
        map100Input = Machine.MAP100.input;
        parallel4Input = Machine.PARALLEL4.input;
        // Fail fast rather than measure an execution that fails or disagrees with its baseline.
        for (Machine m : Machine.values()) {
            JsonNode interpreted = Machine.output(m.runner(), m.input);
            if (!interpreted.equals(m.handWritten.apply(m.input))) {
                throw new IllegalStateException(m.id + ": the interpreter and the hand-written code disagree");
            }
        }
    }

    @Benchmark
    public JsonNode chain10Interpreter() {
        return Machine.output(chain10, chain10Input);
    }

    @Benchmark
    public JsonNode chain10HandWritten() {
        return HandWritten.chain10(chain10Input);
    }

    @Benchmark
    public JsonNode map100Interpreter() {
        return Machine.output(map100, map100Input);
    }

    @Benchmark
    public JsonNode map100HandWritten() {
        return HandWritten.map100(map100Input);
    }

    @Benchmark
    public JsonNode parallel4Interpreter() {
        return Machine.output(parallel4, parallel4Input);
    }

    @Benchmark
    public JsonNode parallel4HandWritten() {
        return HandWritten.parallel4(parallel4Input);
    }

    /** Validation only ({@code StateMachine.check}) of the 50-state definition, from its text. */
    @Benchmark
    public List<Problem> validate50() {
        return StateMachine.check(definition50);
    }

    /** Validation, parsing and compilation ({@code StateMachine.compile}) of the 50-state definition, from its text. */
    @Benchmark
    public StateMachine compile50() throws InvalidDefinitionException {
        return StateMachine.compile(definition50);
    }
}
