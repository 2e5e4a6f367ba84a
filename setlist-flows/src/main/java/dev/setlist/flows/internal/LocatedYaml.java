package dev.setlist.flows.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.setlist.flows.Problem;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A YAML document read into a Jackson tree that remembers, for every JSON pointer, the line and
 * column of its value and (for object fields) of its key. Duplicate keys are reported as problems
 * rather than silently overwritten.
 */
public final class LocatedYaml {
    private static final YAMLFactory YAML = YAMLFactory.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern MARK = Pattern.compile("^ in '[^']*', line (\\d+), column (\\d+)");

    private final JsonNode root;
    private final Map<String, int[]> values;
    private final Map<String, int[]> keys;
    private final List<Problem> problems;

    private LocatedYaml(JsonNode root, Map<String, int[]> values, Map<String, int[]> keys, List<Problem> problems) {
        this.root = root;
        this.values = values;
        this.keys = keys;
        this.problems = problems;
    }

    /** Reads {@code text}; a syntax error gives a {@code null} root and one problem. */
    public static LocatedYaml read(String text) {
        Map<String, int[]> values = new HashMap<>();
        Map<String, int[]> keys = new HashMap<>();
        List<Problem> problems = new ArrayList<>();
        try (JsonParser p = YAML.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                problems.add(new Problem("", 1, 1, "the document is empty"));
                return new LocatedYaml(null, values, keys, problems);
            }
            JsonNode root = new Builder(p, values, keys, problems).value("");
            return new LocatedYaml(root, values, keys, problems);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            int line = at == null ? 0 : at.getLineNr();
            int column = at == null ? 0 : at.getColumnNr();
            // SnakeYAML's message interleaves sentences with marks (" in 'reader', line 5, column 9:")
            // and excerpts; keep the sentences, and the last mark, which is where it went wrong.
            List<String> sentences = new ArrayList<>();
            for (String l : e.getOriginalMessage().lines().toList()) {
                Matcher m = MARK.matcher(l);
                if (m.find()) {
                    line = Integer.parseInt(m.group(1));
                    column = Integer.parseInt(m.group(2));
                } else if (!l.isBlank() && !Character.isWhitespace(l.charAt(0))) {
                    sentences.add(l.strip());
                }
            }
            problems.clear();
            problems.add(new Problem("", line, column, "not valid YAML: " + String.join("; ", sentences)));
            return new LocatedYaml(null, values, keys, problems);
        } catch (IOException e) {
            problems.clear();
            problems.add(new Problem("", 0, 0, "cannot be read: " + e.getMessage()));
            return new LocatedYaml(null, values, keys, problems);
        }
    }

    public JsonNode root() {
        return root;
    }

    /** Problems found while reading: a syntax error, or duplicate keys. */
    public List<Problem> problems() {
        return problems;
    }

    /** Line and column of the value at {@code pointer}, or of its closest located parent. */
    public int[] valueAt(String pointer) {
        return find(values, pointer);
    }

    /** Line and column of the key of the field at {@code pointer} (its value's when it has no key). */
    public int[] keyAt(String pointer) {
        int[] k = keys.get(pointer);
        return k != null ? k : find(values, pointer);
    }

    private static int[] find(Map<String, int[]> map, String pointer) {
        String p = pointer;
        while (true) {
            int[] at = map.get(p);
            if (at != null) {
                return at;
            }
            if (p.isEmpty()) {
                return new int[] {0, 0};
            }
            p = p.substring(0, p.lastIndexOf('/'));
        }
    }

    /** Escapes one reference token of a JSON pointer (RFC 6901). */
    public static String token(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    private record Builder(JsonParser p, Map<String, int[]> values, Map<String, int[]> keys, List<Problem> problems) {
        JsonNode value(String pointer) throws IOException {
            JsonLocation at = p.currentTokenLocation();
            values.put(pointer, new int[] {at.getLineNr(), at.getColumnNr()});
            JsonToken t = p.currentToken();
            switch (t) {
                case START_OBJECT -> {
                    ObjectNode o = NODES.objectNode();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        JsonLocation keyAt = p.currentTokenLocation();
                        String child = pointer + "/" + token(name);
                        p.nextToken();
                        if (o.has(name)) {
                            problems.add(new Problem(child, keyAt.getLineNr(), keyAt.getColumnNr(),
                                    "duplicate key \"" + name + "\""));
                            value(child + "#duplicate");
                            continue;
                        }
                        keys.put(child, new int[] {keyAt.getLineNr(), keyAt.getColumnNr()});
                        o.set(name, value(child));
                    }
                    return o;
                }
                case START_ARRAY -> {
                    ArrayNode a = NODES.arrayNode();
                    int i = 0;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        a.add(value(pointer + "/" + i++));
                    }
                    return a;
                }
                case VALUE_STRING -> {
                    return NODES.textNode(p.getText());
                }
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                    return NODES.numberNode(p.getDecimalValue());
                }
                case VALUE_TRUE, VALUE_FALSE -> {
                    return NODES.booleanNode(t == JsonToken.VALUE_TRUE);
                }
                case VALUE_NULL -> {
                    return NODES.nullNode();
                }
                default -> {
                    return NODES.textNode(p.getText());
                }
            }
        }
    }
}
