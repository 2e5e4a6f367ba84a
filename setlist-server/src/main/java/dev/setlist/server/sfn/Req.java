package dev.setlist.server.sfn;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * The members of one Step Functions request, read with their types checked: a member of the
 * wrong JSON type is a {@code SerializationException} naming it, a missing required one a
 * {@code ValidationException} in AWS's wording. Unknown members are ignored, as AWS does.
 */
public final class Req {
    /** Members of the API's sensitive shapes, whose values AWS leaves out of its validation messages ("Value at 'x'"). */
    private static final java.util.Set<String> SENSITIVE = java.util.Set.of("definition", "input", "output", "error",
            "cause", "variables", "context", "result", "taskToken", "stateName", "description", "versionDescription");
    private final ObjectNode body;
    /** Where this object sits in the request, in AWS's notation ({@code stateConfiguration.}, {@code routingConfiguration.1.member.}). */
    private final String prefix;

    private Req(ObjectNode body) {
        this(body, "");
    }

    private Req(ObjectNode body, String prefix) {
        this.body = body;
        this.prefix = prefix;
    }

    private ApiException deferred;

    /** Keeps the first error to tell once every member has been read (a malformed ARN, see {@link Arns}). */
    void defer(ApiException e) {
        if (deferred == null) {
            deferred = e;
        }
    }

    /** Throws the deferred error, if any. */
    public void throwDeferred() {
        if (deferred != null) {
            throw deferred;
        }
    }

    public static Req of(ObjectNode body) {
        return new Req(body);
    }

    /** An object member read as a request of its own, its members named under it in messages; null when absent. */
    public Req optNested(String name) {
        ObjectNode o = optObject(name);
        return o == null ? null : new Req(o, prefix + name + ".");
    }

    /** The member's name as AWS's messages give it. */
    public String path(String name) {
        return prefix + name;
    }

    /** AWS's wording for one broken constraint: "1 validation error detected: Value 'v' at 'name' failed to satisfy constraint: …". */
    public ApiException invalid(String name, Object value, String constraint) {
        String shown = value == null ? "null" : SENSITIVE.contains(name) || String.valueOf(value).length() > 256 ? null
                : "'" + value + "'";
        return ApiException.validation("1 validation error detected: Value" + (shown == null ? "" : " " + shown) + " at '"
                + path(name) + "' failed to satisfy constraint: " + constraint);
    }

    /** Parses a request body; an empty body is an empty request. */
    public static Req parse(byte[] bytes) {
        if (bytes.length == 0) {
            return new Req(Json.object());
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ApiException.serialization("The request body is not valid JSON: " + dev.setlist.asl.JsonLimits.describe(e));
        } catch (java.io.IOException e) {
            throw ApiException.serialization("The request body cannot be read: " + e.getMessage());
        }
        if (node == null || node.isMissingNode()) {
            return new Req(Json.object());
        }
        if (!node.isObject()) {
            throw ApiException.serialization("The request body must be a JSON object, was " + kind(node));
        }
        return new Req((ObjectNode) node);
    }

    public ObjectNode body() {
        return body;
    }

    private JsonNode member(String name) {
        JsonNode n = body.get(name);
        return n == null || n.isNull() ? null : n;
    }

    public boolean has(String name) {
        return member(name) != null;
    }

    public String str(String name) {
        String s = optStr(name);
        if (s == null) {
            throw ApiException.missing(path(name));
        }
        return s;
    }

    public String optStr(String name) {
        JsonNode n = member(name);
        if (n == null) {
            return null;
        }
        if (!n.isTextual()) {
            throw wrongType(name, "a string", n);
        }
        return n.textValue();
    }

    /** A string member with a length limit (AWS's constraint wording). */
    public String optStr(String name, int min, int max) {
        String s = optStr(name);
        if (s != null && s.length() < min) {
            throw invalid(name, s, "Member must have length greater than or equal to " + min);
        }
        if (s != null && s.length() > max) {
            throw invalid(name, s, "Member must have length less than or equal to " + max);
        }
        return s;
    }

    public String str(String name, int min, int max) {
        String s = optStr(name, min, max);
        if (s == null) {
            throw ApiException.missing(path(name));
        }
        return s;
    }

    public Integer optInt(String name, int min, int max) {
        JsonNode n = member(name);
        if (n == null) {
            return null;
        }
        if (!n.isNumber() || !n.canConvertToLong() || (n.isFloatingPointNumber() && n.doubleValue() != Math.rint(n.doubleValue()))) {
            throw wrongType(name, "an integer", n);
        }
        long v = n.longValue();
        range(name, v, v < min, v > max, min, max);
        return (int) v;
    }

    public Double optDouble(String name, double min, double max) {
        JsonNode n = member(name);
        if (n == null) {
            return null;
        }
        if (!n.isNumber()) {
            throw wrongType(name, "a number", n);
        }
        double v = n.doubleValue();
        range(name, n, !(v >= min), !(v <= max), min, max);
        return v;
    }

    public Long optLong(String name, long min, long max) {
        JsonNode n = member(name);
        if (n == null) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw wrongType(name, "an integer", n);
        }
        long v = n.longValue();
        range(name, v, v < min, v > max, min, max);
        return v;
    }

    private void range(String name, Object value, boolean low, boolean high, Number min, Number max) {
        if (low) {
            throw invalid(name, value, "Member must have value greater than or equal to " + plain(min));
        }
        if (high) {
            throw invalid(name, value, "Member must have value less than or equal to " + plain(max));
        }
    }

    private static String plain(Number n) {
        return n.doubleValue() == Math.rint(n.doubleValue()) ? String.valueOf(n.longValue()) : String.valueOf(n);
    }

    public boolean bool(String name, boolean dflt) {
        JsonNode n = member(name);
        if (n == null) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw wrongType(name, "a boolean", n);
        }
        return n.booleanValue();
    }

    /** An enum-valued string member: one of {@code values}. */
    public String optEnum(String name, List<String> values) {
        String s = optStr(name);
        if (s != null && !values.contains(s)) {
            throw invalid(name, s, "Member must satisfy enum value set: " + values);
        }
        return s;
    }

    public ObjectNode optObject(String name) {
        JsonNode n = member(name);
        if (n == null) {
            return null;
        }
        if (!n.isObject()) {
            throw wrongType(name, "an object", n);
        }
        return (ObjectNode) n;
    }

    /** An array member whose elements are objects, each read as a {@link Req} of its own. */
    public List<Req> optObjects(String name) {
        JsonNode n = member(name);
        if (n == null) {
            return null;
        }
        if (!n.isArray()) {
            throw wrongType(name, "a list", n);
        }
        List<Req> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            if (!e.isObject()) {
                throw wrongType(name + "[" + i + "]", "an object", e);
            }
            out.add(new Req((ObjectNode) e, prefix + name + "." + (i + 1) + ".member."));
        }
        return out;
    }

    public List<String> optStrings(String name) {
        JsonNode n = member(name);
        if (n == null) {
            return null;
        }
        if (!n.isArray()) {
            throw wrongType(name, "a list", n);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual()) {
                throw wrongType(name + "[" + i + "]", "a string", n.get(i));
            }
            out.add(n.get(i).textValue());
        }
        return out;
    }

    private ApiException wrongType(String name, String expected, JsonNode got) {
        return ApiException.serialization("Member '" + path(name) + "' must be " + expected + ", was " + kind(got));
    }

    static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
