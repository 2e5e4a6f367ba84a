package dev.setlist.asl;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one read limit for JSON text a caller supplies (a request body, an execution input, a task
 * output, an event's detail, a state machine definition, the text given to
 * {@code States.StringToJson}): at most {@link #MAX_DEPTH} nested arrays and objects. Deeper text
 * is refused while it is read, before anything recurses over it, with a message that says so
 * ({@link #describe}). JSON the runtime wrote and stored itself is read without this limit.
 */
public final class JsonLimits {
    /** How deep arrays and objects may nest in JSON text from callers. */
    public static final int MAX_DEPTH = 200;

    private static final StreamReadConstraints CONSTRAINTS = StreamReadConstraints.builder()
            .maxNestingDepth(MAX_DEPTH).build();

    private JsonLimits() {}

    /** The read constraints: {@link #MAX_DEPTH} levels, Jackson's defaults otherwise. */
    public static StreamReadConstraints constraints() {
        return CONSTRAINTS;
    }

    /** Applies the limit to {@code mapper}'s parser factory and returns it. */
    public static <M extends ObjectMapper> M limit(M mapper) {
        mapper.getFactory().setStreamReadConstraints(CONSTRAINTS);
        return mapper;
    }

    /** A new mapper with the limit that refuses anything after the one value ({@code "{} x"}). */
    public static ObjectMapper mapper() {
        return limit(JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build());
    }

    private static final ObjectReader READER = mapper().reader();

    /** A shared reader with the limit that refuses anything after the one value. */
    public static ObjectReader reader() {
        return READER;
    }

    /** True when the failure is the depth limit (or another of Jackson's size limits). */
    public static boolean isLimit(JsonProcessingException e) {
        return e instanceof StreamConstraintsException;
    }

    /**
     * What is wrong with the text, for the caller: for the depth limit, that it nests deeper than
     * {@link #MAX_DEPTH} levels; otherwise the parser's own message. Both with the line and column
     * when the parser knows them. Never the text itself.
     */
    public static String describe(JsonProcessingException e) {
        return reason(e) + where(e);
    }

    /** What is wrong, without where: {@link #describe} without the line and column. */
    public static String reason(JsonProcessingException e) {
        return e instanceof StreamConstraintsException && String.valueOf(e.getOriginalMessage()).contains("nesting")
                ? "arrays and objects are nested deeper than " + MAX_DEPTH + " levels"
                : firstLine(e.getOriginalMessage());
    }

    /** {@code " (line 1, column 2)"} when the parser knows where, else empty. */
    public static String where(JsonProcessingException e) {
        JsonLocation location = e.getLocation();
        if (location == null || location.getLineNr() < 0) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "not valid JSON";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
