package dev.setlist.asl.internal.path;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.internal.expr.Scope;

/**
 * A compiled JSONPath as the States language uses it: rooted at the input ({@code $}), the
 * context object ({@code $$}) or a variable ({@code $name}). Compiled once, read many times;
 * thread safe.
 */
public interface Path {
    /** The text it was compiled from. */
    String text();

    /**
     * The value the path selects, or {@code null} when it selects nothing. An indefinite path
     * (wildcards, filters, slices, deep scan) always yields an array of its matches.
     */
    JsonNode read(Scope scope);

    /** True when the path can select at most one value (a "Reference Path"). */
    boolean definite();
}
