package dev.setlist.asl.internal.jsonata;

import com.dashjoin.jsonata.Functions;
import com.dashjoin.jsonata.Jsonata.JFunction;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.setlist.asl.internal.jsonata.Evaluation.FunctionFailure;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The functions Step Functions adds to JSONata ({@code $partition}, {@code $range},
 * {@code $hash}, {@code $random}, {@code $uuid}, {@code $parse}) and the replacements for the
 * JSONata functions that would otherwise read a hidden clock or random source
 * ({@code $now}, {@code $millis}, {@code $shuffle}). {@code $eval} is not available, as in
 * Step Functions.
 *
 * <p>Numeric arguments that should be integers are truncated towards zero. Arguments that
 * describe nothing (a chunk size below one, an empty array, a range without a step or whose
 * step points away from its end, a hash without an algorithm) make the function answer
 * undefined, which fails the field the expression was written in.
 */
final class StepFunctionsFunctions {
    private StepFunctionsFunctions() {}

    /** More elements than this in one {@code $range} exceed Step Functions' memory bound. */
    static final int MAX_RANGE_ELEMENTS = 360_145;

    static final Set<String> HASH_ALGORITHMS = Set.of("MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512");

    private static final ObjectMapper JSON = dev.setlist.asl.JsonLimits.mapper();

    /** A fresh set of function objects for one compiled expression (they are not shared). */
    static Map<String, JFunction> create() {
        Map<String, JFunction> functions = new LinkedHashMap<>();
        functions.put("partition", new JFunction((input, args) -> partition(arg(args, 0), arg(args, 1)), "<an:a>"));
        functions.put("range", new JFunction((input, args) -> range(arg(args, 0), arg(args, 1), arg(args, 2)), "<nnn?:x>"));
        functions.put("hash", new JFunction((input, args) -> hash(arg(args, 0), arg(args, 1)), "<ss?:s>"));
        functions.put("random", new JFunction((input, args) -> random(arg(args, 0)), "<n?:n>"));
        functions.put("uuid", new JFunction((input, args) -> Evaluation.current().entropy.uuid(), "<:s>"));
        functions.put("parse", new JFunction((input, args) -> parse(arg(args, 0)), "<s:x>"));
        functions.put("shuffle", new JFunction((input, args) -> shuffle(arg(args, 0)), "<a:a>"));
        functions.put("now", new JFunction((input, args) -> now(arg(args, 0), arg(args, 1)), "<s?s?:s>"));
        functions.put("string", new JFunction((input, args) -> string(arg(args, 0), arg(args, 1)), "<x-b?:s>"));
        functions.put("millis", new JFunction((input, args) -> Evaluation.current().clockMillis(), "<:n>"));
        return functions;
    }

    private static Object arg(List<?> args, int index) {
        return args != null && index < args.size() ? args.get(index) : null;
    }

    private static long integer(Object number) {
        // Truncation towards zero, as Step Functions does with a fractional argument.
        return (long) ((Number) number).doubleValue();
    }

    static Object partition(Object array, Object chunkSize) {
        if (!(array instanceof List<?> list) || chunkSize == null) {
            return null;
        }
        long size = integer(chunkSize);
        if (size < 1 || list.isEmpty()) {
            return null;
        }
        List<Object> chunks = new ArrayList<>((int) Math.min(Integer.MAX_VALUE, (list.size() + size - 1) / size));
        for (int start = 0; start < list.size(); start += (int) Math.min(size, list.size())) {
            int end = (int) Math.min(list.size(), start + size);
            chunks.add(new ArrayList<>(list.subList(start, end)));
        }
        return chunks;
    }

    static Object range(Object start, Object end, Object step) {
        if (start == null || end == null || step == null) {
            return null;
        }
        long first = integer(start);
        long last = integer(end);
        long delta = integer(step);
        if (delta == 0 || (last > first && delta < 0) || (last < first && delta > 0)) {
            return null;
        }
        double span = Math.floor(Math.abs(((double) last - (double) first) / delta)) + 1;
        if (span > MAX_RANGE_ELEMENTS) {
            throw new FunctionFailure("Expression evaluation memory limit exceeded: $range would hold "
                    + String.format("%.0f", span) + " elements, more than " + MAX_RANGE_ELEMENTS + ".");
        }
        long count = Math.abs((last - first) / delta) + 1;
        if (count > MAX_RANGE_ELEMENTS) {
            throw new FunctionFailure("Expression evaluation memory limit exceeded: $range would hold "
                    + count + " elements, more than " + MAX_RANGE_ELEMENTS + ".");
        }
        if (count == 1) {
            // A one-element range is a single number, by JSONata's sequence rules.
            return number(first);
        }
        List<Object> values = new ArrayList<>((int) count);
        for (long i = 0, value = first; i < count; i++, value += delta) {
            values.add(number(value));
        }
        return values;
    }

    private static Object number(long value) {
        return value == (int) value ? (Object) (int) value : (Object) value;
    }

    static Object hash(Object data, Object algorithm) {
        if (data == null || algorithm == null) {
            return null;
        }
        String name = (String) algorithm;
        if (!HASH_ALGORITHMS.contains(name)) {
            throw new FunctionFailure("$hash does not support the algorithm '" + name
                    + "'; use one of MD5, SHA-1, SHA-256, SHA-384 or SHA-512.");
        }
        try {
            byte[] digest = MessageDigest.getInstance(name).digest(((String) data).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new FunctionFailure("$hash cannot compute " + name + " on this platform.");
        }
    }

    static Object random(Object seed) {
        if (seed == null) {
            return Evaluation.current().entropy.nextDouble();
        }
        return new Random(integer(seed)).nextDouble();
    }

    static Object parse(Object text) {
        if (text == null) {
            return null;
        }
        JsonNode node;
        try {
            node = JSON.readTree((String) text);
        } catch (JsonProcessingException e) {
            throw new FunctionFailure("$parse could not parse its argument as JSON: " + dev.setlist.asl.JsonLimits.describe(e));
        }
        if (node == null || node.isMissingNode()) {
            throw new FunctionFailure("$parse could not parse its argument as JSON: there is no value in it.");
        }
        return Values.toJsonata(node);
    }

    static Object shuffle(Object array) {
        if (!(array instanceof List<?> list)) {
            return null;
        }
        if (list.size() <= 1) {
            return list;
        }
        List<Object> result = new ArrayList<>(list);
        var entropy = Evaluation.current().entropy;
        for (int i = result.size() - 1; i > 0; i--) {
            int j = (int) (entropy.nextDouble() * (i + 1));
            Object swap = result.get(i);
            result.set(i, result.get(j));
            result.set(j, swap);
        }
        return result;
    }

    /**
     * JSONata's {@code $string}, except that a whole number from 2^63 up to 1e21 is written in
     * full, as JavaScript writes it ({@code 100000000000000000000}), where the library would
     * write {@code 1e+20}.
     */
    static Object string(Object value, Object prettify) {
        if (value instanceof com.dashjoin.jsonata.Utils.JList<?> list && list.outerWrapper && !list.isEmpty()) {
            value = list.get(0);
        }
        return Functions.string(wholeNumbersInFull(value), (Boolean) prettify);
    }

    private static Object wholeNumbersInFull(Object value) {
        if (value instanceof Double d) {
            double abs = Math.abs(d);
            if (abs >= 9.223372036854775807E18 && abs < 1e21 && d == Math.rint(d)) {
                return new java.math.BigDecimal(Double.toString(d)).toBigIntegerExact();
            }
            return value;
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = null;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                Object fixed = wholeNumbersInFull(entry.getValue());
                if (fixed != entry.getValue() && copy == null) {
                    copy = new LinkedHashMap<>(map);
                }
                if (copy != null) {
                    copy.put(entry.getKey(), fixed);
                }
            }
            return copy == null ? value : copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = null;
            for (int i = 0; i < list.size(); i++) {
                Object fixed = wholeNumbersInFull(list.get(i));
                if (fixed != list.get(i) && copy == null) {
                    copy = new ArrayList<>(list);
                }
                if (copy != null) {
                    copy.set(i, fixed);
                }
            }
            return copy == null ? value : copy;
        }
        return value;
    }

    static Object now(Object picture, Object timezone) {
        return Functions.dateTimeFromMillis(Evaluation.current().clockMillis(), (String) picture, (String) timezone);
    }
}
