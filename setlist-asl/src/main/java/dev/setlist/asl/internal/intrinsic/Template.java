package dev.setlist.asl.internal.intrinsic;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code States.Format} template split at its {@code {}} placeholders. The escapes
 * {@code \{}, {@code \}}, {@code \'} and {@code \\} stand for the character after the backslash
 * and never form a placeholder; any other backslash is kept as it is (a literal template cannot
 * contain one, the parser rejects it; a template read from data may).
 */
final class Template {
    /** The text between placeholders: one more element than there are placeholders. */
    private final String[] pieces;
    private final int length;

    private Template(String[] pieces) {
        this.pieces = pieces;
        int total = 0;
        for (String piece : pieces) {
            total += piece.length();
        }
        this.length = total;
    }

    /** Splits raw template text (escapes not yet resolved). */
    static Template compile(String raw) {
        List<String> pieces = new ArrayList<>();
        StringBuilder piece = new StringBuilder(raw.length());
        int n = raw.length();
        for (int i = 0; i < n; i++) {
            char c = raw.charAt(i);
            if (c == '\\' && i + 1 < n && isEscapable(raw.charAt(i + 1))) {
                piece.append(raw.charAt(++i));
            } else if (c == '{' && i + 1 < n && raw.charAt(i + 1) == '}') {
                pieces.add(piece.toString());
                piece.setLength(0);
                i++;
            } else {
                piece.append(c);
            }
        }
        pieces.add(piece.toString());
        return new Template(pieces.toArray(String[]::new));
    }

    static boolean isEscapable(char c) {
        return c == '\'' || c == '{' || c == '}' || c == '\\';
    }

    int placeholders() {
        return pieces.length - 1;
    }

    /** Fills the placeholders with {@code values[from..]}; the caller has checked the count. */
    String render(JsonNode[] values, int from) {
        StringBuilder out = new StringBuilder(length + 16 * placeholders());
        out.append(pieces[0]);
        for (int i = 1; i < pieces.length; i++) {
            appendValue(out, values[from + i - 1]);
            out.append(pieces[i]);
        }
        return out.toString();
    }

    /**
     * Strings are inserted without quotes; numbers, booleans and null as their JSON text. Objects
     * and arrays are rendered the way Step Functions renders them, as a Java map or list prints:
     * {@code {a=1, b=[x, y]}} (strings unquoted at every depth).
     */
    static void appendValue(StringBuilder out, JsonNode value) {
        if (value.isTextual()) {
            out.append(value.textValue());
        } else if (value.isBigDecimal()) {
            out.append(value.decimalValue().toPlainString());
        } else if (value.isObject()) {
            out.append('{');
            boolean first = true;
            for (java.util.Iterator<java.util.Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                java.util.Map.Entry<String, JsonNode> e = it.next();
                if (!first) {
                    out.append(", ");
                }
                first = false;
                out.append(e.getKey()).append('=');
                appendValue(out, e.getValue());
            }
            out.append('}');
        } else if (value.isArray()) {
            out.append('[');
            for (int i = 0; i < value.size(); i++) {
                if (i > 0) {
                    out.append(", ");
                }
                appendValue(out, value.get(i));
            }
            out.append(']');
        } else {
            out.append(value.toString());
        }
    }
}
