package dev.setlist.events.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.InvalidPathException;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;
import com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import dev.setlist.events.EventsException;
import dev.setlist.events.EventsException.Code;
import dev.setlist.events.Target;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a target receives from an event: the event, a constant, a JSONPath of it, or a template. */
public final class Transform {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Configuration PATHS = Configuration.builder()
            .jsonProvider(new JacksonJsonNodeJsonProvider(JSON)).mappingProvider(new JacksonMappingProvider(JSON))
            .options(Option.SUPPRESS_EXCEPTIONS).build();
    private static final Pattern PLACEHOLDER = Pattern.compile("<([A-Za-z0-9_.\\-]+)>");

    private Transform() {}

    /** Checks a target's input fields; throws ValidationException naming the field. */
    public static void check(Target t) {
        int given = (t.input() != null ? 1 : 0) + (t.inputPath() != null ? 1 : 0) + (t.inputTransformer() != null ? 1 : 0);
        if (given > 1) {
            throw new EventsException(Code.ValidationException, "Target " + t.id()
                    + ": give at most one of Input, InputPath and InputTransformer");
        }
        if (t.input() != null) {
            try {
                JSON.readTree(t.input());
            } catch (JsonProcessingException e) {
                throw new EventsException(Code.ValidationException, "Target " + t.id() + ": Input is not valid JSON: "
                        + e.getOriginalMessage());
            }
        }
        if (t.inputPath() != null) {
            checkPath(t.id(), "InputPath", t.inputPath());
        }
        if (t.inputTransformer() != null) {
            if (t.inputTransformer().inputTemplate() == null) {
                throw new EventsException(Code.ValidationException, "Target " + t.id()
                        + ": InputTransformer needs an InputTemplate");
            }
            Map<String, String> paths = t.inputTransformer().inputPathsMap() == null ? Map.of()
                    : t.inputTransformer().inputPathsMap();
            if (paths.size() > 100) {
                throw new EventsException(Code.ValidationException, "Target " + t.id()
                        + ": InputPathsMap has more than 100 entries");
            }
            paths.forEach((k, v) -> {
                if (k.startsWith("aws.events.")) {
                    throw new EventsException(Code.ValidationException, "Target " + t.id() + ": InputPathsMap key '" + k
                            + "' is reserved");
                }
                if (!k.matches("[A-Za-z0-9_\\-]{1,256}")) {
                    throw new EventsException(Code.ValidationException, "Target " + t.id() + ": InputPathsMap key '" + k
                            + "' must be letters, digits, _ and -");
                }
                checkPath(t.id(), "InputPathsMap." + k, v);
            });
            String template = t.inputTransformer().inputTemplate();
            if (template.isEmpty() || template.length() > 8192) {
                throw new EventsException(Code.ValidationException, "Target " + t.id()
                        + ": InputTemplate must have 1 to 8192 characters");
            }
            if (template.strip().startsWith("{")) {
                // Placeholders as values: what is left must be JSON (a placeholder cannot be a key).
                String probe = render(template, key -> paths.containsKey(key) || key.startsWith("aws.events.")
                        ? MissingNode.getInstance() : null);
                try {
                    JSON.readTree(probe);
                } catch (JsonProcessingException e) {
                    throw new EventsException(Code.ValidationException, "Invalid InputTemplate for target " + t.id()
                            + ": it is a JSON object with placeholders as values only: " + e.getOriginalMessage());
                }
            }
        }
    }

    private static void checkPath(String target, String field, String path) {
        if (!path.startsWith("$")) {
            throw new EventsException(Code.ValidationException, "Target " + target + ": " + field + " must be a JSONPath"
                    + " starting with '$', was '" + path + "'");
        }
        try {
            JsonPath.compile(path);
        } catch (InvalidPathException e) {
            throw new EventsException(Code.ValidationException, "Target " + target + ": " + field + " is not a valid"
                    + " JSONPath: " + e.getMessage());
        }
    }

    /** The payload for a target, from the event (as JSON). */
    public static String apply(Target t, JsonNode event, String ruleName, String ruleArn, long ingestionMillis) {
        if (t.input() != null) {
            return t.input();
        }
        if (t.inputPath() != null) {
            JsonNode v = read(event, t.inputPath());
            return v == null ? "null" : v.toString();
        }
        if (t.inputTransformer() == null) {
            return event.toString();
        }
        Map<String, String> paths = t.inputTransformer().inputPathsMap() == null ? Map.of()
                : t.inputTransformer().inputPathsMap();
        return render(t.inputTransformer().inputTemplate(), key -> {
            if (paths.containsKey(key)) {
                JsonNode v = read(event, paths.get(key));
                return v == null ? MissingNode.getInstance() : v;
            }
            return switch (key) {
                case "aws.events.rule-arn" -> TextNode.valueOf(ruleArn);
                case "aws.events.rule-name" -> TextNode.valueOf(ruleName);
                case "aws.events.event.ingestion-time" ->
                        TextNode.valueOf(java.time.Instant.ofEpochMilli(ingestionMillis).toString());
                case "aws.events.event" -> event.isObject() ? ((ObjectNode) event).deepCopy().without("detail") : event;
                case "aws.events.event.json" -> event;
                default -> null;
            };
        });
    }

    /**
     * Fills a template's placeholders as EventBridge does. Where a placeholder stands decides how
     * its value is written:
     * <ul>
     * <li>inside a quoted string of the template ({@code "value is <a>"}, in a JSON template or a
     *     string one): a string without its quotes, escaped so that the string stays valid JSON; a
     *     number, boolean or null as its text; an object or array as its JSON with the quotes
     *     removed ({@code {key: value}}), as EventBridge keeps the string valid; a value the event
     *     lacks as nothing;</li>
     * <li>outside quotes in a JSON template ({@code {"a": <a>}}): the value as JSON (a string with
     *     its quotes), {@code null} when the event lacks it;</li>
     * <li>outside quotes in a template that is not a JSON object ({@code <a> is <b>}): the text of
     *     the value, unescaped, as EventBridge writes it.</li>
     * </ul>
     * {@code values} answers a placeholder's value, {@link MissingNode} when the event lacks it, or
     * null for a name that is no placeholder (then {@code <name>} stays as written).
     */
    static String render(String template, java.util.function.Function<String, JsonNode> values) {
        boolean jsonTemplate = template.strip().startsWith("{");
        StringBuilder out = new StringBuilder(template.length() + 64);
        Matcher m = PLACEHOLDER.matcher(template);
        boolean inString = false;
        int i = 0;
        int n = template.length();
        while (i < n) {
            char ch = template.charAt(i);
            if (ch == '<' && m.region(i, n).lookingAt()) {
                JsonNode value = values.apply(m.group(1));
                if (value != null) {
                    out.append(inString ? inString(value) : jsonTemplate ? asJson(value) : asText(value));
                    i = m.end();
                    continue;
                }
            }
            if (ch == '\\' && inString && i + 1 < n) {
                out.append(ch).append(template.charAt(i + 1));
                i += 2;
                continue;
            }
            if (ch == '"') {
                inString = !inString;
            }
            out.append(ch);
            i++;
        }
        return out.toString();
    }

    private static String asJson(JsonNode v) {
        return v.isMissingNode() ? "null" : v.toString();
    }

    private static String asText(JsonNode v) {
        if (v.isMissingNode()) {
            return "";
        }
        if (v.isTextual()) {
            return v.textValue();
        }
        return v.isContainerNode() ? v.toString().replace("\"", "") : v.toString();
    }

    private static String inString(JsonNode v) {
        String json = TextNode.valueOf(asText(v)).toString();
        return json.substring(1, json.length() - 1); // escaped, without its quotes
    }

    static JsonNode read(JsonNode event, String path) {
        try {
            Object v = JsonPath.using(PATHS).parse(event).read(path);
            return v instanceof JsonNode n ? n : v == null ? null : JSON.valueToTree(v);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
