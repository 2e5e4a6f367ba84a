package dev.setlist.asl.internal.jsonata;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.Entropy;
import dev.setlist.asl.internal.expr.Scope;

/** A compiled JSON template whose strings may be JSONata expressions. Thread safe. */
public interface Template {
    /**
     * Evaluates every expression with {@code $states} bound to {@code states} (an object with
     * {@code input}, {@code context} and, where the state has them, {@code result} and
     * {@code errorOutput}) and the workflow variables bound by name. Fails with a
     * {@link dev.setlist.asl.StatesException} named {@code States.QueryEvaluationError}.
     */
    JsonNode evaluate(JsonNode states, Scope.Variables variables, Entropy entropy);

    /** The {@code {% … %}} text when the whole template is one expression, else null. */
    default String source() {
        return null;
    }
}
