package dev.setlist.asl.internal.expr;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.Entropy;
import java.util.function.Supplier;

/**
 * What an expression sees while it is evaluated: the document {@code $} refers to, the context
 * object {@code $$} (built only when an expression asks for it), the variables in scope, and
 * the source of randomness. Immutable.
 */
public record Scope(JsonNode input, Supplier<JsonNode> contextSource, Variables variables, Entropy entropy) {

    public Scope(JsonNode input, JsonNode context, Variables variables, Entropy entropy) {
        this(input, () -> context, variables, entropy);
    }

    /** The context object {@code $$}. */
    public JsonNode context() {
        return contextSource.get();
    }

    public Scope withInput(JsonNode newInput) {
        return new Scope(newInput, contextSource, variables, entropy);
    }

    /** Read access to workflow variables by name. */
    @FunctionalInterface
    public interface Variables {
        /** The variable's value, or {@code null} when no variable of that name is in scope. */
        JsonNode get(String name);

        Variables NONE = name -> null;
    }
}
