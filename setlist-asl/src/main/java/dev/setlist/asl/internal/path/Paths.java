package dev.setlist.asl.internal.path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.PathNotFoundException;
import com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.internal.expr.ExpressionSyntaxException;
import dev.setlist.asl.internal.expr.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Compiles the JSONPath dialect of the States language. Paths made only of field names and
 * array indexes (the common case, and every Reference Path) are walked directly on the Jackson
 * tree; anything richer is handed to Jayway JsonPath, compiled once.
 */
public final class Paths {
    private Paths() {}

    private static final Configuration JAYWAY = Configuration.builder()
            .jsonProvider(new JacksonJsonNodeJsonProvider())
            .mappingProvider(new JacksonMappingProvider())
            .build(); // no leaf-to-null: an indefinite path lists only what exists, as Step Functions does

    /** A variable name as the States language allows it. */
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** Compiles any path (InputPath, OutputPath, {@code .$} values, intrinsic arguments). */
    public static Path compile(String text) throws ExpressionSyntaxException {
        return compile(text, false);
    }

    /**
     * Compiles a Reference Path: one that identifies a single node (names and indexes only),
     * as ResultPath and the Choice {@code Variable} require.
     */
    public static Path compileReference(String text) throws ExpressionSyntaxException {
        return compile(text, true);
    }

    private static Path compile(String text, boolean reference) throws ExpressionSyntaxException {
        if (text == null || !text.startsWith("$")) {
            throw new ExpressionSyntaxException("a path must begin with '$', was '" + text + "'");
        }
        Root root;
        String rest;
        if (text.startsWith("$$")) {
            root = Root.CONTEXT;
            rest = text.substring(2);
        } else if (text.length() > 1 && VARIABLE.matcher(String.valueOf(text.charAt(1))).matches()) {
            int end = 1;
            while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_')) {
                end++;
            }
            String name = text.substring(1, end);
            rest = text.substring(end);
            return build(text, new Root(name), rest, reference);
        } else {
            root = Root.INPUT;
            rest = text.substring(1);
        }
        return build(text, root, rest, reference);
    }

    private static Path build(String text, Root root, String rest, boolean reference) throws ExpressionSyntaxException {
        rest = dotBracket(rest);
        List<Object> steps = simpleSteps(rest);
        if (steps != null) {
            return new SimplePath(text, root, steps.toArray());
        }
        if (reference) {
            throw new ExpressionSyntaxException("'" + text
                    + "' is not a reference path: only field names and array indexes are allowed, no wildcards, filters, slices or deep scans");
        }
        try {
            JsonPath compiled = JsonPath.compile("$" + rest);
            return new JaywayPath(text, root, compiled);
        } catch (RuntimeException e) {
            throw new ExpressionSyntaxException("'" + text + "' is not a valid JSONPath: " + plain(e.getMessage()));
        }
    }

    /**
     * Jayway's {@code .[} form ({@code $.[0]}, {@code $.a.[0].b}, {@code $.[*].['a','b']}), which
     * Step Functions accepts, written as plain brackets; quoted text is left alone.
     */
    static String dotBracket(String rest) {
        if (!rest.contains(".[")) {
            return rest;
        }
        StringBuilder b = new StringBuilder(rest.length());
        char quote = 0;
        for (int i = 0; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '.' && i + 1 < rest.length() && rest.charAt(i + 1) == '[' && (i == 0 || rest.charAt(i - 1) != '.')) {
                continue;
            }
            b.append(c);
        }
        return b.toString();
    }

    private static String plain(String message) {
        return message == null ? "syntax error" : message.strip();
    }

    /**
     * Splits {@code .a.b[0]['c d']} into steps (String for a field, Integer for an index), or
     * returns null when the path uses anything else.
     */
    static List<Object> simpleSteps(String rest) throws ExpressionSyntaxException {
        List<Object> steps = new ArrayList<>();
        int i = 0;
        int n = rest.length();
        while (i < n) {
            char c = rest.charAt(i);
            if (c == '.') {
                int start = ++i;
                if (i < n && rest.charAt(i) == '.') {
                    return null; // deep scan
                }
                while (i < n && rest.charAt(i) != '.' && rest.charAt(i) != '[') {
                    char d = rest.charAt(i);
                    if (d == '*' || d == '?' || d == '@' || d == '(' || d == ')' || d == ' ' || d == '\'' || d == '"') {
                        return null;
                    }
                    i++;
                }
                if (i == start) {
                    throw new ExpressionSyntaxException("'$" + rest + "' has an empty field name at position " + start);
                }
                steps.add(rest.substring(start, i));
            } else if (c == '[') {
                int close = rest.indexOf(']', i);
                if (close < 0) {
                    throw new ExpressionSyntaxException("'$" + rest + "' has an unclosed '['");
                }
                String inner = rest.substring(i + 1, close).strip();
                if (inner.length() >= 2 && (inner.charAt(0) == '\'' || inner.charAt(0) == '"')
                        && inner.charAt(inner.length() - 1) == inner.charAt(0)) {
                    // A quoted name is taken literally, backslashes included, as Step Functions does
                    // ($['a\"b'] names the field a\"b); the other quote may appear inside it.
                    String name = inner.substring(1, inner.length() - 1);
                    if (name.indexOf(inner.charAt(0)) >= 0) {
                        return null; // a union such as ['a','b']
                    }
                    steps.add(name);
                } else if (!inner.isEmpty() && inner.chars().allMatch(Character::isDigit)) {
                    try {
                        steps.add(Integer.parseInt(inner));
                    } catch (NumberFormatException e) {
                        throw new ExpressionSyntaxException("'$" + rest + "' has an array index too large: " + inner);
                    }
                } else {
                    return null;
                }
                i = close + 1;
            } else {
                throw new ExpressionSyntaxException("'$" + rest + "' has an unexpected character '" + c + "' at position " + (i + 1));
            }
        }
        return steps;
    }

    /** Where a path starts: the input, the context object or a named variable. */
    record Root(String variable) {
        static final Root INPUT = new Root(null);
        static final Root CONTEXT = new Root("$");

        JsonNode resolve(Scope scope) {
            if (this == INPUT || variable == null) {
                return scope.input();
            }
            if (variable.equals("$")) {
                return scope.context();
            }
            JsonNode value = scope.variables().get(variable);
            if (value == null) {
                throw StatesException.runtime("The variable '$" + variable + "' is not defined");
            }
            return value;
        }
    }

    private record SimplePath(String text, Root root, Object[] steps) implements Path {
        @Override
        public JsonNode read(Scope scope) {
            JsonNode node = root.resolve(scope);
            for (Object step : steps) {
                if (node == null) {
                    return null;
                }
                if (step instanceof String name) {
                    node = node.isObject() ? node.get(name) : null;
                } else {
                    int index = (Integer) step;
                    node = node.isArray() ? node.get(index) : null;
                }
            }
            return node;
        }

        @Override
        public boolean definite() {
            return true;
        }
    }

    private record JaywayPath(String text, Root root, JsonPath compiled) implements Path {
        @Override
        public JsonNode read(Scope scope) {
            JsonNode document = root.resolve(scope);
            if (document == null) {
                return null;
            }
            try {
                Object result = compiled.read(document, JAYWAY);
                if (result == null) {
                    return compiled.isDefinite() ? null : JsonNodeFactory.instance.arrayNode();
                }
                return (JsonNode) result;
            } catch (PathNotFoundException e) {
                // Only a definite path fails to match; an indefinite one matches an empty list.
                return compiled.isDefinite() ? null : JsonNodeFactory.instance.arrayNode();
            } catch (RuntimeException e) {
                throw StatesException.runtime("The JSONPath '" + text + "' could not be evaluated: " + plain(e.getMessage()));
            }
        }

        @Override
        public boolean definite() {
            return compiled.isDefinite();
        }
    }

    /**
     * Writes {@code value} into a copy of {@code target} at a Reference Path (ResultPath
     * semantics): missing intermediate objects are created; a step through a non-object fails.
     */
    public static JsonNode put(Path referencePath, JsonNode target, JsonNode value) {
        if (!(referencePath instanceof SimplePath simple) || simple.root != Root.INPUT) {
            throw StatesException.runtime("'" + referencePath.text() + "' cannot be written to");
        }
        if (simple.steps.length == 0) {
            return value;
        }
        // Copy only the containers along the path; everything else is shared (nodes are never mutated).
        JsonNode root = target == null ? JsonNodeFactory.instance.objectNode() : shallowCopy(target);
        if (!root.isObject() && !(root.isArray() && simple.steps[0] instanceof Integer)) {
            throw new StatesException(dev.setlist.asl.ErrorNames.RESULT_PATH_MATCH_FAILURE,
                    "Unable to apply ResultPath '" + simple.text + "' to input " + abbreviate(target)
                            + ": the input is not an object");
        }
        JsonNode node = root;
        for (int i = 0; i < simple.steps.length; i++) {
            Object step = simple.steps[i];
            boolean last = i == simple.steps.length - 1;
            if (step instanceof String name && node instanceof ObjectNode object) {
                if (last) {
                    object.set(name, value);
                } else {
                    JsonNode child = object.get(name);
                    if (child == null || child.isNull()) {
                        child = object.putObject(name);
                    } else {
                        child = shallowCopy(child);
                        object.set(name, child);
                    }
                    node = child;
                }
            } else if (step instanceof Integer index && node instanceof ArrayNode array && index < array.size()) {
                if (last) {
                    array.set(index, value);
                } else {
                    JsonNode child = shallowCopy(array.get(index));
                    array.set(index, child);
                    node = child;
                }
            } else {
                throw new StatesException(dev.setlist.asl.ErrorNames.RESULT_PATH_MATCH_FAILURE,
                        "Unable to apply ResultPath '" + simple.text + "' to input " + abbreviate(target)
                                + ": step " + (i + 1) + " ('" + step + "') does not exist or is not an object");
            }
        }
        return root;
    }

    private static JsonNode shallowCopy(JsonNode node) {
        if (node instanceof ObjectNode object) {
            // Sized for the copied fields and one more (ResultPath usually adds a field).
            java.util.LinkedHashMap<String, JsonNode> fields = java.util.LinkedHashMap.newLinkedHashMap(object.size() + 1);
            object.fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue()));
            return new ObjectNode(JsonNodeFactory.instance, fields);
        }
        if (node instanceof ArrayNode array) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode(array.size());
            copy.addAll(array);
            return copy;
        }
        return node;
    }

    /** A path in the normalized form of error messages: {@code $.a[0]} → {@code $['a'][0]}. */
    public static String normalized(Path path) {
        if (path instanceof SimplePath simple) {
            StringBuilder b = new StringBuilder(simple.root == Root.INPUT ? "$" : simple.root.variable().equals("$") ? "$$" : "$" + simple.root.variable());
            for (Object step : simple.steps) {
                if (step instanceof Integer i) {
                    b.append('[').append(i).append(']');
                } else {
                    b.append("['").append(step).append("']");
                }
            }
            return b.toString();
        }
        return path.text();
    }

    /** A JSON value as text for an error message, cut at 200 characters. */
    public static String abbreviate(JsonNode node) {
        String s = String.valueOf(node);
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
