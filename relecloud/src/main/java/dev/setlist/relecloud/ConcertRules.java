package dev.setlist.relecloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.StatesException;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Json;
import dev.setlist.server.sfn.Req;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * What a concert must be: the shape a planner's request is checked for at once (types, lengths,
 * ranges: a 400 naming the field) and the rules the {@code create-concert} state machine checks
 * (in the future, within two years; {@code Concert.Invalid} with the reason).
 */
public final class ConcertRules {
    public static final String INVALID = "Concert.Invalid";
    private static final String[] TEXT = {"title", "artist", "genre", "venue", "location"};

    private ConcertRules() {}

    /** Checks a request body's shape and returns the normalized concert JSON. */
    public static ObjectNode shape(Req r) {
        ObjectNode out = Json.object();
        for (String f : TEXT) {
            String v = r.str(f, 1, 200).strip();
            if (v.isEmpty()) {
                throw ApiException.validation("'" + f + "' must not be blank");
            }
            out.put(f, v);
        }
        String starts = r.str("startsAt", 1, 40);
        try {
            out.put("startsAt", Instant.parse(starts).toString());
        } catch (DateTimeParseException e) {
            throw ApiException.validation("'startsAt' must be an ISO-8601 instant such as 2026-12-04T20:00:00Z, was '"
                    + starts + "'");
        }
        Long price = r.optLong("priceCents", 0, 10_000_000);
        if (price == null) {
            throw ApiException.missing("priceCents");
        }
        Integer capacity = r.optInt("capacity", 1, 100_000);
        if (capacity == null) {
            throw ApiException.missing("capacity");
        }
        out.put("priceCents", price).put("capacity", capacity);
        String description = r.optStr("description", 0, 2000);
        if (description != null) {
            out.put("description", description);
        }
        for (var it = r.body().fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!out.has(name) && !name.equals("description")) {
                throw ApiException.validation("Unknown field '" + name + "'");
            }
        }
        return out;
    }

    /** The concert of a checked request. */
    public static Concert.Draft draft(JsonNode c) {
        try {
            return new Concert.Draft(c.path("title").asText(), c.path("artist").asText(), c.path("genre").asText(),
                    c.path("venue").asText(), c.path("location").asText(), Instant.parse(c.path("startsAt").asText()),
                    c.path("priceCents").asLong(), c.path("capacity").asInt(),
                    c.hasNonNull("description") ? c.get("description").asText() : null);
        } catch (DateTimeParseException e) {
            throw new StatesException(INVALID, "startsAt is not an instant: " + c.path("startsAt").asText());
        }
    }

    /** The business rules: fails with {@code Concert.Invalid} and the reason. */
    public static void check(Concert.Draft d, Instant now) {
        for (String v : new String[] {d.title(), d.artist(), d.genre(), d.venue(), d.location()}) {
            if (v == null || v.isBlank()) {
                throw new StatesException(INVALID, "title, artist, genre, venue and location are required");
            }
        }
        if (!d.startsAt().isAfter(now)) {
            throw new StatesException(INVALID, "startsAt is in the past (" + d.startsAt() + ")");
        }
        if (d.startsAt().isAfter(now.plus(Duration.ofDays(2 * 366)))) {
            throw new StatesException(INVALID, "startsAt is more than two years ahead (" + d.startsAt() + ")");
        }
        if (d.capacity() < 1 || d.priceCents() < 0) {
            throw new StatesException(INVALID, "capacity must be positive and the price not negative");
        }
    }
}
