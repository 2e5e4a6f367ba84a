package dev.setlist.relecloud;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.server.http.Json;
import java.time.Instant;

/** A concert on sale: what it is, where and when, its price and its seats. */
public record Concert(long id, String title, String artist, String genre, String venue, String location,
                      Instant startsAt, long priceCents, int capacity, int seatsLeft, String description,
                      Instant createdAt) {

    public ObjectNode json() {
        ObjectNode o = Json.object().put("id", id).put("title", title).put("artist", artist).put("genre", genre)
                .put("venue", venue).put("location", location).put("startsAt", startsAt.toString())
                .put("priceCents", priceCents).put("currency", "USD").put("capacity", capacity).put("seatsLeft", seatsLeft);
        Json.opt(o, "description", description);
        o.put("createdAt", createdAt.toString());
        return o;
    }

    /** What a planner asks for; validated by the create-concert state machine. */
    public record Draft(String title, String artist, String genre, String venue, String location, Instant startsAt,
                        long priceCents, int capacity, String description) {}
}
