package dev.setlist.asl.internal.validate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.setlist.asl.Problem;
import java.util.List;

/** Checks a definition against every structural rule of the States language. Never throws. */
public final class Validator {
    private Validator() {}

    /** Definitions nested deeper than this are rejected outright (the checks recurse). */
    static final int MAX_DEPTH = 500;

    private static final ObjectMapper MAPPER = dev.setlist.asl.JsonLimits.limit(JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build());

    /** All problems of a definition given as text; empty when it is valid. */
    public static List<Problem> check(String definition) {
        return check(definition, false);
    }

    /** As {@link #check(String)}, optionally allowing {@code ${…}} placeholders in a Resource. */
    public static List<Problem> check(String definition, boolean allowPlaceholders) {
        if (definition == null) {
            return List.of(new Problem("", "the definition is missing"));
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(definition);
        } catch (JsonProcessingException e) {
            return List.of(new Problem("", "is not valid JSON" + dev.setlist.asl.JsonLimits.where(e) + ": "
                    + dev.setlist.asl.JsonLimits.reason(e)));
        } catch (RuntimeException | StackOverflowError e) {
            return List.of(new Problem("", "is not valid JSON: " + firstLine(String.valueOf(e.getMessage()))));
        }
        if (node == null || node.isMissingNode()) {
            return List.of(new Problem("", "is empty, expected a JSON object"));
        }
        return check(node, allowPlaceholders);
    }

    /** All problems of a parsed definition; empty when it is valid. */
    public static List<Problem> check(JsonNode definition) {
        return check(definition, false);
    }

    /**
     * As {@link #check(JsonNode)}; with {@code allowPlaceholders}, a Task's {@code Resource} may
     * hold {@code ${…}} placeholders of a deployment template (SAM, CDK, Terraform sources).
     */
    public static List<Problem> check(JsonNode definition, boolean allowPlaceholders) {
        if (definition == null || definition.isMissingNode()) {
            return List.of(new Problem("", "the definition is missing"));
        }
        try {
            return new Checker(definition, allowPlaceholders).run();
        } catch (RuntimeException | StackOverflowError e) {
            return List.of(new Problem("", "could not be checked: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + firstLine(e.getMessage()))));
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "syntax error";
        }
        int nl = message.indexOf('\n');
        String line = nl < 0 ? message : message.substring(0, nl);
        return line.length() > 300 ? line.substring(0, 300) + "…" : line.strip();
    }
}
