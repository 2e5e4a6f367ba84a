package dev.setlist.asl.internal.expr;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.Entropy;

/**
 * What an expression sees while it is evaluated: the document {@code $} refers to, the context
 * object {@code $$}, the variables in scope, and the source of randomness. Immutable.
 */
public record Scope(JsonNode input, JsonNode context, Variables variables, Entropy entropy) {

    public Scope withInput(JsonNode newInput) {
        return new Scope(newInput, context, variables, entropy);
    }

    /** Read access to workflow variables by name. */
    @FunctionalInterface
    public interface Variables {
        /** The variable's value, or {@code null} when no variable of that name is in scope. */
        JsonNode get(String name);

        Variables NONE = name -> null;
    }
}
