package dev.setlist.events.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
                checkPath(t.id(), "InputPathsMap." + k, v);
            });
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
        String template = t.inputTransformer().inputTemplate();
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String key = m.group(1);
            JsonNode value;
            if (paths.containsKey(key)) {
                value = read(event, paths.get(key));
            } else {
                value = switch (key) {
                    case "aws.events.rule-arn" -> TextNode.valueOf(ruleArn);
                    case "aws.events.rule-name" -> TextNode.valueOf(ruleName);
                    case "aws.events.event.ingestion-time" -> TextNode.valueOf(java.time.Instant.ofEpochMilli(ingestionMillis).toString());
                    case "aws.events.event", "aws.events.event.json" -> event;
                    default -> null;
                };
                if (value == null) {
                    m.appendReplacement(out, Matcher.quoteReplacement(m.group()));
                    continue;
                }
            }
            boolean quoted = m.start() > 0 && template.charAt(m.start() - 1) == '"'
                    && m.end() < template.length() && template.charAt(m.end()) == '"';
            String text;
            if (value == null || value.isMissingNode()) {
                text = quoted ? "" : "null";
            } else if (value.isTextual() && quoted) {
                String json = value.toString();
                text = json.substring(1, json.length() - 1); // escaped, without its quotes
            } else {
                text = value.toString();
            }
            m.appendReplacement(out, Matcher.quoteReplacement(text));
        }
        m.appendTail(out);
        return out.toString();
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
