package dev.setlist.server.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads {@code application/x-www-form-urlencoded} bodies that were already read as bytes (the
 * server reads bodies itself, within its size limit, so the servlet's form parsing sees nothing).
 */
public final class Forms {
    private Forms() {}

    /** The first value of each field; a malformed escape is a {@code SerializationException}. */
    public static Map<String, String> parse(byte[] body) {
        Map<String, String> fields = new HashMap<>();
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.isEmpty()) {
            return fields;
        }
        try {
            for (String pair : text.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                fields.putIfAbsent(name, value);
            }
        } catch (IllegalArgumentException e) {
            throw ApiException.serialization("The form body is not URL-encoded: " + e.getMessage());
        }
        return fields;
    }
}
