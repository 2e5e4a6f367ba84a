package dev.setlist.asl;

import com.fasterxml.jackson.databind.JsonNode;

/** How a branch, iteration or execution ended: with an output, or with an error and cause. */
public record Outcome(JsonNode output, String error, String cause) {
    public static Outcome success(JsonNode output) {
        return new Outcome(output, null, null);
    }

    public static Outcome failure(String error, String cause) {
        return new Outcome(null, error, cause);
    }

    public boolean succeeded() {
        return error == null;
    }
}
