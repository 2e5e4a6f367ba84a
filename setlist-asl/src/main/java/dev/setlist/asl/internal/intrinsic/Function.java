package dev.setlist.asl.internal.intrinsic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.setlist.asl.internal.expr.ExpressionSyntaxException;
import dev.setlist.asl.internal.expr.Scope;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The intrinsic functions, with their argument rules. Numbers that a function needs as integers
 * are rounded to the nearest integer, halves away from zero, where the AWS documentation says
 * Step Functions rounds (ArrayPartition's chunk size, ArrayRange, MathRandom's start and end,
 * MathAdd); elsewhere (ArrayGetItem's index, MathRandom's seed) a number with a fraction fails.
 */
enum Function {

    /** {@code States.Format(template, value...)}: fills each {@code {}} of the template. */
    FORMAT("States.Format", 1, Function.VARARGS, p("template", Type.STRING), p("value", Type.ANY)) {
        @Override
        Object prepare(Arg[] args) throws ExpressionSyntaxException {
            if (args[0] instanceof Arg.Literal literal && literal.raw() != null) {
                Template template = Template.compile(literal.raw());
                if (template.placeholders() != args.length - 1) {
                    throw new ExpressionSyntaxException(functionName() + ": the template has "
                            + mismatch(template.placeholders(), args.length - 1));
                }
                return template;
            }
            return null;
        }

        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            Template template = call.prepared() instanceof Template prepared
                    ? prepared : Template.compile(args[0].textValue());
            if (template.placeholders() != args.length - 1) {
                throw call.failure("the template " + args[0] + " has "
                        + mismatch(template.placeholders(), args.length - 1));
            }
            return TextNode.valueOf(template.render(args, 1));
        }
    },

    /** {@code States.StringToJson(string)}: parses JSON text. */
    STRING_TO_JSON("States.StringToJson", 1, 1, p("string", Type.STRING)) {
        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            String text = args[0].textValue();
            if (text.isBlank()) {
                return com.fasterxml.jackson.databind.node.NullNode.getInstance(); // as Step Functions answers
            }
            JsonNode parsed;
            try {
                parsed = MAPPER.readTree(text);
            } catch (JsonProcessingException e) {
                throw call.failure("argument 1 is not valid JSON text (" + dev.setlist.asl.JsonLimits.describe(e) + "): "
                        + Json.describe(args[0]));
            }
            if (parsed == null || parsed.isMissingNode()) {
                throw call.failure("argument 1 is not valid JSON text: it is empty");
            }
            return parsed;
        }
    },

    /** {@code States.JsonToString(value)}: the value's compact JSON text. */
    JSON_TO_STRING("States.JsonToString", 1, 1, p("value", Type.ANY)) {
        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            return TextNode.valueOf(args[0].toString());
        }
    },

    /** {@code States.Array(value...)}: an array of the arguments. */
    ARRAY("States.Array", 0, Function.VARARGS, p("value", Type.ANY)) {
        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode(args.length);
            for (JsonNode arg : args) {
                array.add(arg);
            }
            return array;
        }
    },

    /** {@code States.ArrayPartition(array, chunkSize)}: splits an array into chunks. */
    ARRAY_PARTITION("States.ArrayPartition", 2, 2, p("array", Type.ARRAY), p("chunk size", Type.NUMBER)) {
        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            JsonNode array = args[0];
            long size = rounded(call, args, 1);
            if (size <= 0) {
                throw call.failure("argument 2 (chunk size) must be a positive integer, but was " + args[1]);
            }
            int n = array.size();
            ArrayNode chunks = JsonNodeFactory.instance.arrayNode((int) ((n + size - 1) / size));
            for (int start = 0; start < n; start += (int) Math.min(size, n)) {
                int end = (int) Math.min(n, start + size);
                ArrayNode chunk = chunks.addArray();
                for (int i = start; i < end; i++) {
                    chunk.add(array.get(i));
                }
            }
            return chunks;
        }
    },

    /** {@code States.ArrayContains(array, value)}: whether the array holds an equal value. */
    ARRAY_CONTAINS("States.ArrayContains", 2, 2, p("array", Type.ARRAY), p("value", Type.ANY)) {
        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            for (JsonNode element : args[0]) {
                if (Json.same(element, args[1])) {
                    return BooleanNode.TRUE;
                }
            }
            return BooleanNode.FALSE;
        }
    },

    /** {@code States.ArrayRange(first, last, step)}: at most 1000 integers. */
    ARRAY_RANGE("States.ArrayRange", 3, 3, p("first", Type.NUMBER), p("last", Type.NUMBER), p("step", Type.NUMBER)) {
        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            long first = rounded(call, args, 0);
            long last = rounded(call, args, 1);
            long step = rounded(call, args, 2);
            if (step == 0) {
                throw call.failure("argument 3 (step) must not be zero");
            }
            long count;
            if (step > 0 ? first > last : first < last) {
                count = 0;
            } else {
                try {
                    count = Math.subtractExact(last, first) / step + 1;
                } catch (ArithmeticException overflow) {
                    count = Long.MAX_VALUE;
                }
            }
            if (count > MAX_RANGE) {
                throw call.failure("the range from " + first + " to " + last + " by " + step + " would have "
                        + (count == Long.MAX_VALUE ? "too many" : String.valueOf(count))
                        + " elements, but at most " + MAX_RANGE + " are allowed");
            }
            ArrayNode array = JsonNodeFactory.instance.arrayNode((int) count);
            long value = first;
            for (long i = 0; i < count; i++, value += step) {
                array.add(Json.number(value));
            }
            return array;
        }
    },

    /** {@code States.ArrayGetItem(array, index)}: the element at a zero-based index. */
    ARRAY_GET_ITEM("States.ArrayGetItem", 2, 2, p("array", Type.ARRAY), p("index", Type.NUMBER)) {
        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            long index = integer(call, args, 1);
            if (index < 0) {
                throw call.failure("argument 2 (index) must not be negative, but was " + index);
            }
            if (index >= args[0].size()) {
                throw call.failure("index " + index + " is out of bounds for an array of length " + args[0].size());
            }
            return args[0].get((int) index);
        }
    },

    /** {@code States.ArrayLength(array)}. */
    ARRAY_LENGTH("States.ArrayLength", 1, 1, p("array", Type.ARRAY)) {
        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            return IntNode.valueOf(args[0].size());
        }
    },

    /** {@code States.ArrayUnique(array)}: the first occurrence of each distinct value, in order. */
    ARRAY_UNIQUE("States.ArrayUnique", 1, 1, p("array", Type.ARRAY)) {
        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            Set<Json.Key> seen = new LinkedHashSet<>();
            for (JsonNode element : args[0]) {
                seen.add(new Json.Key(element));
            }
            ArrayNode unique = JsonNodeFactory.instance.arrayNode(seen.size());
            for (Json.Key key : seen) {
                unique.add(key.node());
            }
            return unique;
        }
    },

    /** {@code States.Base64Encode(string)}: the Base64 of the string's UTF-8 bytes. */
    BASE64_ENCODE("States.Base64Encode", 1, 1, p("string", Type.STRING)) {
        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            String text = limited(call, args[0].textValue(), "argument 1");
            return TextNode.valueOf(Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)));
        }
    },

    /** {@code States.Base64Decode(string)}: decodes Base64 to UTF-8 text. */
    BASE64_DECODE("States.Base64Decode", 1, 1, p("string", Type.STRING)) {
        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            String text = limited(call, args[0].textValue(), "argument 1");
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                throw call.failure("argument 1 is not valid Base64 (" + e.getMessage() + "): " + Json.describe(args[0]));
            }
            try {
                CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes));
                return TextNode.valueOf(chars.toString());
            } catch (CharacterCodingException e) {
                throw call.failure("argument 1 does not decode to UTF-8 text: " + Json.describe(args[0]));
            }
        }
    },

    /** {@code States.Hash(data, algorithm)}: the lowercase hex digest of the data's UTF-8 bytes. */
    HASH("States.Hash", 2, 2, p("data", Type.ANY), p("algorithm", Type.STRING)) {
        @Override
        Object prepare(Arg[] args) throws ExpressionSyntaxException {
            if (args[1] instanceof Arg.Literal literal && !ALGORITHMS.contains(literal.value().textValue())) {
                throw new ExpressionSyntaxException(functionName() + ": unknown algorithm " + literal.text()
                        + "; the algorithm must be one of " + String.join(", ", ALGORITHMS));
            }
            return null;
        }

        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            String algorithm = args[1].textValue();
            if (!ALGORITHMS.contains(algorithm)) {
                throw call.failure("argument 2 (algorithm) must be one of " + String.join(", ", ALGORITHMS)
                        + ", but was " + Json.describe(args[1]));
            }
            String data = limited(call, args[0].isTextual() ? args[0].textValue() : args[0].toString(), "argument 1");
            try {
                byte[] digest = MessageDigest.getInstance(algorithm).digest(data.getBytes(StandardCharsets.UTF_8));
                return TextNode.valueOf(HexFormat.of().formatHex(digest));
            } catch (NoSuchAlgorithmException e) {
                throw call.failure("the algorithm " + algorithm + " is not available in this Java runtime");
            }
        }
    },

    /** {@code States.JsonMerge(a, b, false)}: a shallow merge, b's members winning. */
    JSON_MERGE("States.JsonMerge", 3, 3, p("first object", Type.OBJECT), p("second object", Type.OBJECT),
            p("deep merge", Type.BOOLEAN)) {
        @Override
        Object prepare(Arg[] args) throws ExpressionSyntaxException {
            if (args[2] instanceof Arg.Literal literal && literal.value().booleanValue()) {
                throw new ExpressionSyntaxException(functionName()
                        + ": deep merging is not supported, argument 3 must be false");
            }
            return null;
        }

        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            if (args[2].booleanValue()) {
                throw call.failure("deep merging is not supported, argument 3 must be false");
            }
            ObjectNode merged = JsonNodeFactory.instance.objectNode();
            merged.setAll((ObjectNode) args[0]);
            merged.setAll((ObjectNode) args[1]);
            return merged;
        }
    },

    /**
     * {@code States.MathRandom(start, end[, seed])}: an integer in [start, end). With a seed the
     * result is {@code start + new java.util.Random(seed).nextInt(end - start)} (nextLong for
     * ranges beyond int), so the same arguments always give the same number; without one it is
     * drawn from the scope's {@link dev.setlist.asl.Entropy}.
     */
    MATH_RANDOM("States.MathRandom", 2, 3, p("start", Type.NUMBER), p("end", Type.NUMBER), p("seed", Type.NUMBER)) {
        @Override
        boolean pure() {
            return false;
        }

        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            long start = rounded(call, args, 0);
            long end = rounded(call, args, 1);
            if (start >= end) {
                throw call.failure("argument 1 (start) must be less than argument 2 (end), but they were "
                        + start + " and " + end);
            }
            long range;
            try {
                range = Math.subtractExact(end, start);
            } catch (ArithmeticException overflow) {
                throw call.failure("the range from " + start + " to " + end + " is too large");
            }
            long offset;
            if (args.length == 3) {
                Random random = new Random(integer(call, args, 2));
                offset = range <= Integer.MAX_VALUE ? random.nextInt((int) range) : random.nextLong(range);
            } else {
                offset = Math.min(range - 1, (long) Math.floor(scope.entropy().nextDouble() * range));
            }
            return Json.number(start + offset);
        }
    },

    /** {@code States.MathAdd(a, b)}: the integer sum; each argument must fit in 32 bits. */
    MATH_ADD("States.MathAdd", 2, 2, p("first number", Type.NUMBER), p("second number", Type.NUMBER)) {
        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            long sum = 0;
            for (int i = 0; i < 2; i++) {
                long value = roundedHalfUp(call, args, i);
                if (value != (int) value) {
                    throw call.failure("argument " + (i + 1) + " must be between " + Integer.MIN_VALUE + " and "
                            + Integer.MAX_VALUE + ", but was " + args[i]);
                }
                sum += value;
            }
            return Json.number(sum);
        }
    },

    /**
     * {@code States.StringSplit(string, delimiters)}: splits at every occurrence of any character
     * of the second argument. Empty pieces are dropped, as Step Functions does ({@code "a,,b"}
     * gives {@code ["a","b"]}); an empty delimiter string gives the whole string, if not empty.
     */
    STRING_SPLIT("States.StringSplit", 2, 2, p("string", Type.STRING), p("delimiters", Type.STRING)) {
        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            String text = args[0].textValue();
            String delimiters = args[1].textValue();
            ArrayNode pieces = JsonNodeFactory.instance.arrayNode();
            int start = 0;
            for (int i = 0; i < text.length(); ) {
                int c = text.codePointAt(i);
                int width = Character.charCount(c);
                if (delimiters.indexOf(c) >= 0) {
                    if (i > start) {
                        pieces.add(text.substring(start, i));
                    }
                    start = i + width;
                }
                i += width;
            }
            if (start < text.length()) {
                pieces.add(text.substring(start));
            }
            return pieces;
        }
    },

    /** {@code States.UUID()}: a version 4 UUID from the scope's entropy. */
    UUID("States.UUID", 0, 0) {
        @Override
        boolean pure() {
            return false;
        }

        @Override
        JsonNode apply(Call call, JsonNode[] args, Scope scope) {
            return TextNode.valueOf(scope.entropy().uuid());
        }
    };

    static final int VARARGS = Integer.MAX_VALUE;
    static final int MAX_RANGE = 1000;
    static final int MAX_TEXT = 10_000;
    static final Set<String> ALGORITHMS = new LinkedHashSet<>(java.util.List.of("MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"));

    private static final ObjectMapper MAPPER = dev.setlist.asl.JsonLimits.mapper();
    private static final Map<String, Function> BY_NAME = new HashMap<>();

    static {
        for (Function function : values()) {
            BY_NAME.put(function.name, function);
        }
    }

    private final String name;
    private final int minArgs;
    private final int maxArgs;
    private final Param[] params;

    Function(String name, int minArgs, int maxArgs, Param... params) {
        this.name = name;
        this.minArgs = minArgs;
        this.maxArgs = maxArgs;
        this.params = params;
    }

    /** The function called {@code name}, or null. */
    static Function byName(String name) {
        return BY_NAME.get(name);
    }

    static String knownNames() {
        StringBuilder names = new StringBuilder();
        for (Function function : values()) {
            names.append(names.isEmpty() ? "" : ", ").append(function.name);
        }
        return names.toString();
    }

    String functionName() {
        return name;
    }

    /** False when the result depends on more than the arguments (randomness). */
    boolean pure() {
        return true;
    }

    /** Checks the argument count and literal arguments; returns what {@link Call#prepared()} holds. */
    Object compile(Arg[] args) throws ExpressionSyntaxException {
        if (args.length < minArgs || args.length > maxArgs) {
            String expected = minArgs == maxArgs ? count(minArgs, "argument")
                    : maxArgs == VARARGS ? "at least " + count(minArgs, "argument")
                    : minArgs + " or " + maxArgs + " arguments";
            throw new ExpressionSyntaxException(name + " takes " + expected + ", but was given " + args.length);
        }
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof Arg.Literal literal) {
                Param param = param(i);
                if (!param.type().matches(literal.value())) {
                    throw new ExpressionSyntaxException(name + ": argument " + (i + 1) + " (" + param.name() + ") must be "
                            + param.type().description + ", but is the literal " + literal.text());
                }
            }
        }
        return prepare(args);
    }

    /** Static checks and preparation beyond arity and literal types. */
    Object prepare(Arg[] args) throws ExpressionSyntaxException {
        return null;
    }

    /** Fails the call when an evaluated argument has the wrong JSON type. */
    void checkType(Call call, int index, JsonNode value) {
        Param param = param(index);
        if (!param.type().matches(value)) {
            throw call.failure("argument " + (index + 1) + " (" + param.name() + ") must be " + param.type().description
                    + ", but was " + Json.describe(value));
        }
    }

    /** Computes the result; argument count and types have been checked. */
    abstract JsonNode apply(Call call, JsonNode[] args, Scope scope);

    private Param param(int index) {
        return params[Math.min(index, params.length - 1)];
    }

    private static Param p(String name, Type type) {
        return new Param(name, type);
    }

    /** The JSON type an argument must have. */
    enum Type {
        ANY("any value"), STRING("a string"), NUMBER("a number"), ARRAY("an array"), OBJECT("an object"),
        BOOLEAN("a boolean");

        final String description;

        Type(String description) {
            this.description = description;
        }

        boolean matches(JsonNode value) {
            return switch (this) {
                case ANY -> true;
                case STRING -> value.isTextual();
                case NUMBER -> value.isNumber();
                case ARRAY -> value.isArray();
                case OBJECT -> value.isObject();
                case BOOLEAN -> value.isBoolean();
            };
        }
    }

    record Param(String name, Type type) {}

    private static String mismatch(int placeholders, int values) {
        return count(placeholders, "'{}' placeholder") + " but " + count(values, "value")
                + (values == 1 ? " follows it" : " follow it");
    }

    static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** The argument rounded to the nearest integer, halves away from zero. */
    static long rounded(Call call, JsonNode[] args, int index) {
        JsonNode value = args[index];
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return value.longValue();
        }
        try {
            return value.decimalValue().setScale(0, RoundingMode.HALF_UP).longValueExact();
        } catch (ArithmeticException tooLarge) {
            throw call.failure("argument " + (index + 1) + " is too large: " + value);
        }
    }

    /** The argument rounded to the nearest integer, halves up: -1.5 gives -1, 2.5 gives 3 (MathAdd). */
    static long roundedHalfUp(Call call, JsonNode[] args, int index) {
        JsonNode value = args[index];
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return value.longValue();
        }
        try {
            return value.decimalValue().add(new BigDecimal("0.5")).setScale(0, RoundingMode.FLOOR).longValueExact();
        } catch (ArithmeticException tooLarge) {
            throw call.failure("argument " + (index + 1) + " is too large: " + value);
        }
    }

    /** The argument, which must be an integral number (such as 3 or 3.0). */
    static long integer(Call call, JsonNode[] args, int index) {
        JsonNode value = args[index];
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return value.longValue();
        }
        BigDecimal decimal = value.decimalValue();
        if (decimal.stripTrailingZeros().scale() > 0) {
            throw call.failure("argument " + (index + 1) + " must be an integer, but was " + value);
        }
        try {
            return decimal.longValueExact();
        } catch (ArithmeticException tooLarge) {
            throw call.failure("argument " + (index + 1) + " is too large: " + value);
        }
    }

    /** The text, failing when it is longer than the 10,000 characters AWS allow. */
    static String limited(Call call, String text, String what) {
        if (text.length() > MAX_TEXT) {
            throw call.failure(what + " has " + text.length() + " characters, but at most " + MAX_TEXT + " are allowed");
        }
        return text;
    }
}
