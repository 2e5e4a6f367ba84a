package dev.setlist.asl.internal.intrinsic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.internal.expr.Scope;

/** A compiled intrinsic function call, such as {@code States.Format('Hi {}', $.name)}. Thread safe. */
public interface Intrinsic {
    /** The text it was compiled from. */
    String text();

    /**
     * Evaluates the call. Fails with a {@link dev.setlist.asl.StatesException} named
     * {@code States.IntrinsicFailure} when an argument breaks the function's rules.
     */
    JsonNode evaluate(Scope scope);
}
