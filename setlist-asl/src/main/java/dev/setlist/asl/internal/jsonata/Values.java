package dev.setlist.asl.internal.jsonata;

import com.dashjoin.jsonata.Jsonata;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Conversion between Jackson trees and the values the JSONata library works on.
 *
 * <p>Into JSONata, objects and arrays are read-only views over the Jackson nodes, so an
 * expression that reads one field of a large input converts only what it touches. Scalars
 * become {@link String}, {@link Boolean}, {@link Jsonata#NULL_VALUE} (JSON null, which JSONata
 * keeps apart from undefined) and numbers: {@link Integer} or {@link Long} for integers within
 * the range of a long, {@link Double} otherwise, which is the library's own number model and
 * JSONata's (JavaScript numbers).
 *
 * <p>Out of JSONata, a view that comes back unchanged is answered with the node it views, so
 * passing a sub-tree through copies nothing. Whole doubles become integer nodes, as JSON written
 * by JavaScript has no "1.0". Non-finite numbers are written as the strings JavaScript names
 * them by ("Infinity", "-Infinity", "NaN"), as Step Functions does.
 */
final class Values {
    private Values() {}

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final double TWO_POW_63 = 9.223372036854775807E18;

    /** The JSONata value for a JSON node; {@code null} (undefined) for a missing node. */
    static Object toJsonata(JsonNode node) {
        if (node == null) {
            return null;
        }
        return switch (node.getNodeType()) {
            case OBJECT -> new ObjectView((ObjectNode) node);
            case ARRAY -> new ArrayView((ArrayNode) node);
            case STRING -> node.textValue();
            case NUMBER -> number(node);
            case BOOLEAN -> node.booleanValue();
            case NULL -> Jsonata.NULL_VALUE;
            case MISSING -> null;
            case BINARY, POJO -> node.asText();
        };
    }

    private static Object number(JsonNode node) {
        if (node.isInt() || node.isShort()) {
            return node.intValue();
        }
        if (node.isLong()) {
            return narrow(node.longValue());
        }
        if (node.isBigInteger()) {
            BigInteger big = node.bigIntegerValue();
            if (big.compareTo(LONG_MIN) >= 0 && big.compareTo(LONG_MAX) <= 0) {
                return narrow(big.longValue());
            }
            return big.doubleValue();
        }
        if (node.isBigDecimal()) {
            BigDecimal decimal = node.decimalValue();
            if (decimal.signum() == 0) {
                return 0;
            }
            try {
                return narrow(decimal.longValueExact());
            } catch (ArithmeticException notAnIntegerOrTooLarge) {
                return decimal.doubleValue();
            }
        }
        double d = node.doubleValue();
        if (d == Math.rint(d) && Math.abs(d) < TWO_POW_63 && !(d == 0 && 1 / d < 0)) {
            // A whole number written as 2.0 in the input is the number 2, as in JavaScript.
            return narrow((long) d);
        }
        return d;
    }

    private static Object narrow(long value) {
        return value == (int) value ? (Object) (int) value : (Object) value;
    }

    /** Thrown when a result holds something JSON cannot carry (a function, a regex). */
    static final class UnsupportedResult extends RuntimeException {
        final String type;

        UnsupportedResult(String type) {
            super(type, null, false, false);
            this.type = type;
        }
    }

    /**
     * The JSON node for a JSONata value; {@code null} when the value is undefined.
     */
    static JsonNode toJson(Object value) {
        if (value == null) {
            return null;
        }
        if (value == Jsonata.NULL_VALUE) {
            return NODES.nullNode();
        }
        if (value instanceof String s) {
            return NODES.textNode(s);
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (value instanceof Number n) {
            return numberNode(n);
        }
        if (value instanceof ObjectView view) {
            return view.node;
        }
        if (value instanceof ArrayView view) {
            return view.node;
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode object = NODES.objectNode();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                object.set(String.valueOf(entry.getKey()), member(entry.getValue()));
            }
            return object;
        }
        if (value instanceof List<?> list) {
            ArrayNode array = NODES.arrayNode(list.size());
            for (Object element : list) {
                array.add(member(element));
            }
            return array;
        }
        if (value instanceof Pattern) {
            throw new UnsupportedResult("regular expression");
        }
        throw new UnsupportedResult("function");
    }

    /**
     * A member of an object or array. The library leaves undefined values out of the objects
     * and arrays it constructs; a Java null inside one comes from its own JSON parsing (the
     * copy the transform operator makes, for one), where it stands for JSON null.
     */
    private static JsonNode member(Object value) {
        return value == null ? NODES.nullNode() : toJson(value);
    }

    static JsonNode numberNode(Number n) {
        if (n instanceof Integer || n instanceof Short || n instanceof Byte) {
            return NODES.numberNode(n.intValue());
        }
        if (n instanceof Long l) {
            return l == l.intValue() ? NODES.numberNode(l.intValue()) : NODES.numberNode(l.longValue());
        }
        if (n instanceof BigInteger big) {
            return NODES.numberNode(big);
        }
        if (n instanceof BigDecimal decimal) {
            return NODES.numberNode(decimal);
        }
        double d = n.doubleValue();
        if (Double.isNaN(d)) {
            return NODES.textNode("NaN");
        }
        if (Double.isInfinite(d)) {
            return NODES.textNode(d > 0 ? "Infinity" : "-Infinity");
        }
        if (d == Math.rint(d)) {
            if (d == 0) {
                return NODES.numberNode(0);
            }
            if (Math.abs(d) < TWO_POW_63) {
                long l = (long) d;
                return l == (int) l ? NODES.numberNode((int) l) : NODES.numberNode(l);
            }
            if (Math.abs(d) < 1e21) {
                // JavaScript writes whole numbers below 1e21 in full, from the shortest digits.
                return NODES.numberNode(new BigDecimal(Double.toString(d)).toBigIntegerExact());
            }
        }
        return NODES.numberNode(d);
    }

    /** A read-only JSONata view of a JSON object. */
    static final class ObjectView extends AbstractMap<String, Object> {
        final ObjectNode node;

        ObjectView(ObjectNode node) {
            this.node = node;
        }

        @Override
        public Object get(Object key) {
            return key instanceof String name ? toJsonata(node.get(name)) : null;
        }

        @Override
        public boolean containsKey(Object key) {
            return key instanceof String name && node.has(name);
        }

        @Override
        public int size() {
            return node.size();
        }

        @Override
        public boolean isEmpty() {
            return node.isEmpty();
        }

        @Override
        public Set<Entry<String, Object>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Entry<String, Object>> iterator() {
                    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
                    return new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return fields.hasNext();
                        }

                        @Override
                        public Entry<String, Object> next() {
                            Map.Entry<String, JsonNode> field = fields.next();
                            return new SimpleImmutableEntry<>(field.getKey(), toJsonata(field.getValue()));
                        }
                    };
                }

                @Override
                public int size() {
                    return node.size();
                }
            };
        }
    }

    /** A read-only JSONata view of a JSON array. */
    static final class ArrayView extends AbstractList<Object> implements RandomAccess {
        final ArrayNode node;

        ArrayView(ArrayNode node) {
            this.node = node;
        }

        @Override
        public Object get(int index) {
            if (index < 0 || index >= node.size()) {
                throw new IndexOutOfBoundsException(index);
            }
            return toJsonata(node.get(index));
        }

        @Override
        public int size() {
            return node.size();
        }
    }
}
