package dev.setlist.asl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Measures how many bytes a JSON value takes as compact UTF-8 text, stopping as soon as a
 * limit is passed, without serialising it. Escapes in strings are counted as one byte each.
 */
final class JsonSize {
    private JsonSize() {}

    /** Containers smaller than this are measured again rather than remembered. */
    private static final long MEMO_THRESHOLD = 32;

    /**
     * Remembers the exact sizes of containers already measured during one execution, by
     * identity. Valid because the nodes an execution works on are never mutated while it runs;
     * a fresh memo is used for every execution.
     */
    static final class Memo {
        private final IdentityHashMap<JsonNode, Long> sizes = new IdentityHashMap<>();
    }

    /** Something (an execution context) that carries a {@link Memo}. */
    interface Memoizing {
        Memo sizeMemo();
    }

    static boolean exceeds(JsonNode node, int limit) {
        return node != null && size(node, limit, null) > limit;
    }

    static boolean exceeds(JsonNode node, int limit, Memo memo) {
        return node != null && size(node, limit, memo) > limit;
    }

    /** Size of {@code node}, or any number above {@code limit} once it is passed. */
    private static long size(JsonNode node, long limit, Memo memo) {
        if (node instanceof TextNode) {
            return utf8Length(node.textValue()) + 2;
        }
        boolean object = node instanceof ObjectNode;
        if (object || node instanceof ArrayNode) {
            if (memo != null) {
                Long known = memo.sizes.get(node);
                if (known != null) {
                    return known;
                }
            }
            long s = object ? objectSize(node, limit, memo) : arraySize(node, limit, memo);
            if (memo != null && s <= limit && s >= MEMO_THRESHOLD) {
                memo.sizes.put(node, s);
            }
            return s;
        }
        switch (node.getNodeType()) {
            case STRING:
                return utf8Length(node.textValue()) + 2;
            case NUMBER:
                if (node.isIntegralNumber() && node.canConvertToLong()) {
                    return digits(node.longValue());
                }
                // A double prints in at most 24 characters; big decimals are measured exactly.
                return node.isDouble() || node.isFloat() ? 24 : node.asText().length();
            case BOOLEAN:
                return node.booleanValue() ? 4 : 5;
            case NULL:
            case MISSING:
                return 4;
            case ARRAY:
                return arraySize(node, limit, memo);
            case OBJECT:
                return objectSize(node, limit, memo);
            default:
                return node.toString().length();
        }
    }

    private static long arraySize(JsonNode node, long limit, Memo memo) {
        long total = 2 + Math.max(0, node.size() - 1);
        for (JsonNode child : node) {
            total += size(child, limit - total, memo);
            if (total > limit) {
                return total;
            }
        }
        return total;
    }

    private static long objectSize(JsonNode node, long limit, Memo memo) {
        long total = 2 + Math.max(0, node.size() - 1);
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            total += utf8Length(e.getKey()) + 3 + size(e.getValue(), limit - total, memo);
            if (total > limit) {
                return total;
            }
        }
        return total;
    }

    private static int digits(long v) {
        if (v == Long.MIN_VALUE) {
            return 20;
        }
        int n = v < 0 ? 2 : 1;
        v = Math.abs(v);
        while (v >= 10) {
            v /= 10;
            n++;
        }
        return n;
    }

    static long utf8Length(String s) {
        int len = s.length();
        long n = len;
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                n += c >= 0x800 && !Character.isSurrogate(c) ? 2 : 1;
            }
        }
        return n;
    }
}
