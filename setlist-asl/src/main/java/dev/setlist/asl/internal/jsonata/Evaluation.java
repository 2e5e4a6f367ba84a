package dev.setlist.asl.internal.jsonata;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.Entropy;
import dev.setlist.asl.internal.expr.Scope;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * What one evaluation of a template sees: {@code $states}, the workflow variables and the
 * source of randomness. Confined to the thread that evaluates; the Step Functions functions
 * reach it through {@link #current()} while an expression runs on that thread.
 */
final class Evaluation {
    private static final ThreadLocal<Evaluation> CURRENT = new ThreadLocal<>();

    final JsonNode states;
    final Scope.Variables variables;
    final Entropy entropy;
    private Object statesValue;
    private boolean statesConverted;
    private long clock;
    private boolean clockRead;

    Evaluation(JsonNode states, Scope.Variables variables, Entropy entropy) {
        this.states = states;
        this.variables = variables == null ? Scope.Variables.NONE : variables;
        this.entropy = entropy == null ? Entropy.SYSTEM : entropy;
    }

    /** The evaluation running on this thread. */
    static Evaluation current() {
        Evaluation evaluation = CURRENT.get();
        if (evaluation == null) {
            throw new IllegalStateException("no JSONata evaluation is running on this thread");
        }
        return evaluation;
    }

    /** Makes this the current evaluation; returns the one it replaces, for {@link #restore}. */
    Evaluation enter() {
        Evaluation previous = CURRENT.get();
        CURRENT.set(this);
        return previous;
    }

    static void restore(Evaluation previous) {
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }

    /** {@code $states} as a JSONata value, converted once per evaluation. */
    Object statesValue() {
        if (!statesConverted) {
            statesValue = states == null ? null : Values.toJsonata(states);
            statesConverted = true;
        }
        return statesValue;
    }

    /**
     * The instant {@code $now()} and {@code $millis()} answer: the time the state was entered,
     * or failing that the time the execution started, from the context object. Reading the
     * context keeps evaluation repeatable; no clock is read.
     */
    long clockMillis() {
        if (!clockRead) {
            clock = readClock();
            clockRead = true;
        }
        return clock;
    }

    private long readClock() {
        JsonNode context = states == null ? null : states.get("context");
        if (context != null) {
            for (String[] path : new String[][] {{"State", "EnteredTime"}, {"Execution", "StartTime"}}) {
                JsonNode time = context.path(path[0]).path(path[1]);
                if (time.isTextual()) {
                    try {
                        return Instant.parse(time.textValue()).toEpochMilli();
                    } catch (DateTimeParseException e) {
                        throw new FunctionFailure("$now() and $millis() could not read the time '"
                                + time.textValue() + "' in $states.context." + path[0] + "." + path[1]
                                + ": it is not an ISO 8601 timestamp.");
                    }
                }
            }
        }
        throw new FunctionFailure("$now() and $millis() answer the time the state was entered, but "
                + "$states.context has neither State.EnteredTime nor Execution.StartTime.");
    }

    /** A failure of one of the functions this package provides, with a plain message. */
    static final class FunctionFailure extends RuntimeException {
        FunctionFailure(String message) {
            super(message, null, false, false);
        }
    }
}
