package dev.setlist.asl.internal.intrinsic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/** JSON helpers for the intrinsic functions. */
final class Json {
    private Json() {}

    private static final int MAX_SHOWN = 80;

    /** An int node when the value fits in 32 bits, else a long node. */
    static JsonNode number(long value) {
        return value == (int) value ? IntNode.valueOf((int) value) : LongNode.valueOf(value);
    }

    /** A short description of a value for error messages, such as {@code the string "abc"}. */
    static String describe(JsonNode value) {
        String kind = switch (value.getNodeType()) {
            case STRING -> "the string ";
            case NUMBER -> "the number ";
            case BOOLEAN -> "the boolean ";
            case ARRAY -> "the array ";
            case OBJECT -> "the object ";
            case NULL -> "";
            default -> "the value ";
        };
        String json = value.toString();
        if (json.length() > MAX_SHOWN) {
            json = json.substring(0, MAX_SHOWN) + "…";
        }
        return kind + json;
    }

    /**
     * JSON equality: numbers compare by value (so {@code 1} equals {@code 1.0}), objects ignore
     * member order, arrays compare element by element.
     */
    static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            if (a.isIntegralNumber() && b.isIntegralNumber() && a.canConvertToLong() && b.canConvertToLong()) {
                return a.longValue() == b.longValue();
            }
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.getNodeType() != b.getNodeType()) {
            return false;
        }
        if (a.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!same(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> member = it.next();
                JsonNode other = b.get(member.getKey());
                if (other == null || !same(member.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** A hash consistent with {@link #same}. */
    static int hash(JsonNode node) {
        if (node.isNumber()) {
            if (node.isIntegralNumber() && node.canConvertToLong()) {
                return Long.hashCode(node.longValue());
            }
            BigDecimal value = node.decimalValue().stripTrailingZeros();
            if (value.scale() <= 0) {
                try {
                    return Long.hashCode(value.longValueExact());
                } catch (ArithmeticException tooLarge) {
                    return value.hashCode();
                }
            }
            return value.hashCode();
        }
        if (node.isArray()) {
            int h = 1;
            for (JsonNode element : node) {
                h = 31 * h + hash(element);
            }
            return h;
        }
        if (node.isObject()) {
            int h = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> member = it.next();
                h += member.getKey().hashCode() ^ hash(member.getValue());
            }
            return h;
        }
        return node.hashCode();
    }

    /** Wraps a node so that hash-based collections use {@link #same} and {@link #hash}. */
    record Key(JsonNode node, int hash) {
        Key(JsonNode node) {
            this(node, Json.hash(node));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && hash == key.hash && same(node, key.node);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
