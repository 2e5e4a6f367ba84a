package dev.setlist.engine.internal;

import dev.setlist.engine.EngineException;
import dev.setlist.engine.EngineException.Code;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Task tokens: opaque to callers, they name the execution and frame that waits, plus a random
 * part so that an old token of the same frame cannot complete a newer attempt.
 */
public final class Tokens {
    private Tokens() {}

    public record Parsed(long executionId, int frameId, String tag) {
        /** The index of a Distributed Map item whose child execution answers with this token, or -1. */
        public int mapItem() {
            return tag.startsWith("item-") ? Integer.parseInt(tag.substring(5)) : -1;
        }
    }

    public static String make(long executionId, int frameId, String random) {
        String raw = "v1:" + executionId + ":" + frameId + ":" + random;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    public static Parsed parse(String token) {
        if (token == null || token.isEmpty()) {
            throw new EngineException(Code.InvalidToken, "Invalid Token: the task token is missing");
        }
        if (token.length() > 1024) {
            throw new EngineException(Code.InvalidToken, "Invalid Token: longer than 1024 characters");
        }
        try {
            String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            String[] p = raw.split(":");
            if (p.length != 4 || !p[0].equals("v1")) {
                throw new IllegalArgumentException();
            }
            Parsed parsed = new Parsed(Long.parseLong(p[1]), Integer.parseInt(p[2]), p[3]);
            parsed.mapItem();
            return parsed;
        } catch (IllegalArgumentException e) {
            throw new EngineException(Code.InvalidToken, "Invalid Token: '" + abbreviate(token)
                    + "' is not a task token issued by this engine");
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
