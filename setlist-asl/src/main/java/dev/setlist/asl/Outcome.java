package dev.setlist.asl;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How a branch, iteration or execution ended: with an output, or with an error and cause. A
 * failure may carry neither (a Fail state without Error or Cause), so success is recorded
 * explicitly rather than inferred from a missing error.
 */
public record Outcome(boolean succeeded, JsonNode output, String error, String cause) {
    public static Outcome success(JsonNode output) {
        return new Outcome(true, output, null, null);
    }

    /** A failure; {@code error} and {@code cause} may each be null. */
    public static Outcome failure(String error, String cause) {
        return new Outcome(false, null, error, cause);
    }
}
