package dev.setlist.flows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A field of a flow's data that callers without {@code setlist:ReadSensitive} must not see, named
 * by a small JSONPath: {@code $} then steps {@code .name}, {@code ['name']}, {@code [0]},
 * {@code [*]} or {@code .*}, and {@code ..name} for a field at any depth ({@code $..card}).
 * {@link #redact} replaces what the path names in a JSON document with {@link #REDACTED}.
 */
public record SensitivePath(String text, List<Step> steps) {
    /** What a redacted value is replaced with. */
    public static final String REDACTED = "**redacted**";

    public SensitivePath {
        steps = List.copyOf(steps);
    }

    /** One step: a field {@code name} (null: any field or element), an {@code index}, or a descent to any depth. */
    public record Step(String name, Integer index, boolean wildcard, boolean deep) {}

    /** Thrown by {@link #parse} with what is wrong and at which character. */
    public static final class InvalidPathException extends IllegalArgumentException {
        public InvalidPathException(String message) {
            super(message);
        }
    }

    /** Parses {@code text}; throws {@link InvalidPathException} naming the position and the rule. */
    public static SensitivePath parse(String text) {
        if (text == null || !text.startsWith("$")) {
            throw new InvalidPathException("does not start with '$' (the document)");
        }
        if (text.length() > 256) {
            throw new InvalidPathException("must be at most 256 characters, was " + text.length());
        }
        List<Step> steps = new ArrayList<>();
        int i = 1;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '.') {
                boolean deep = i + 1 < text.length() && text.charAt(i + 1) == '.';
                int start = i + (deep ? 2 : 1);
                if (start < text.length() && text.charAt(start) == '*') {
                    steps.add(new Step(null, null, true, deep));
                    i = start + 1;
                    continue;
                }
                int end = start;
                while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_'
                        || text.charAt(end) == '-')) {
                    end++;
                }
                if (end == start) {
                    throw new InvalidPathException("expected a field name after '" + (deep ? ".." : ".") + "' at character "
                            + (start + 1) + " of " + text);
                }
                steps.add(new Step(text.substring(start, end), null, false, deep));
                i = end;
            } else if (c == '[') {
                int close = text.indexOf(']', i);
                if (close < 0) {
                    throw new InvalidPathException("'[' at character " + (i + 1) + " is not closed in " + text);
                }
                String inside = text.substring(i + 1, close);
                if (inside.equals("*")) {
                    steps.add(new Step(null, null, true, false));
                } else if (inside.matches("\\d{1,9}")) {
                    steps.add(new Step(null, Integer.parseInt(inside), false, false));
                } else if (inside.length() >= 3 && inside.startsWith("'") && inside.endsWith("'")
                        && inside.indexOf('\'', 1) == inside.length() - 1) {
                    steps.add(new Step(inside.substring(1, inside.length() - 1), null, false, false));
                } else {
                    throw new InvalidPathException("expected [*], [<index>] or ['<name>'] at character " + (i + 1) + " of "
                            + text + ", was [" + inside + "]");
                }
                i = close + 1;
            } else {
                throw new InvalidPathException("unexpected '" + c + "' at character " + (i + 1) + " of " + text
                        + " (steps are .name, ['name'], [0], [*] and ..name)");
            }
        }
        return new SensitivePath(text, steps);
    }

    /**
     * Replaces what this path names in {@code doc} with {@link #REDACTED}, in place; the whole
     * document when the path is {@code $}. Returns the document (a new text node for {@code $}).
     */
    public JsonNode redact(JsonNode doc) {
        if (doc == null) {
            return null;
        }
        if (steps.isEmpty()) {
            return TextNode.valueOf(REDACTED);
        }
        walk(doc, 0);
        return doc;
    }

    private void walk(JsonNode node, int at) {
        Step step = steps.get(at);
        boolean last = at == steps.size() - 1;
        if (step.deep()) {
            descend(node, at, last);
            return;
        }
        apply(node, step, at, last);
    }

    /** A {@code ..} step: applies it (as a plain step) here and at every depth below. */
    private void descend(JsonNode node, int at, boolean last) {
        Step plain = new Step(steps.get(at).name(), steps.get(at).index(), steps.get(at).wildcard(), false);
        apply(node, plain, at, last);
        if (node.isContainerNode()) {
            for (JsonNode child : node) {
                if (child.isContainerNode()) {
                    descend(child, at, last);
                }
            }
        }
    }

    private void apply(JsonNode node, Step step, int at, boolean last) {
        if (node instanceof ObjectNode o) {
            if (step.index() != null) {
                return;
            }
            List<String> names = new ArrayList<>();
            if (step.wildcard()) {
                o.fieldNames().forEachRemaining(names::add);
            } else if (o.has(step.name())) {
                names.add(step.name());
            }
            for (String n : names) {
                if (last) {
                    o.put(n, REDACTED);
                } else {
                    walk(o.get(n), at + 1);
                }
            }
        } else if (node instanceof ArrayNode a) {
            if (step.name() != null) {
                return;
            }
            for (int k = 0; k < a.size(); k++) {
                if (step.wildcard() || step.index() == k) {
                    if (last) {
                        a.set(k, TextNode.valueOf(REDACTED));
                    } else {
                        walk(a.get(k), at + 1);
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
