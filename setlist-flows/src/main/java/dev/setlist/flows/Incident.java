package dev.setlist.flows;

import java.time.Instant;
import java.util.List;

/**
 * An alarm that fired and is being (or was) escalated along its flow's path. {@code step} is the
 * index of the last contact notified; {@code events} tells who was notified when, escalations,
 * delivery failures, the acknowledgement and the resolution, oldest first.
 */
public record Incident(String id, String flow, String alarm, State state, String reason, Instant opened, int step,
                       Instant notifiedAt, String acknowledgedBy, Instant acknowledgedAt, Instant resolvedAt,
                       List<Event> events) {
    public Incident {
        events = List.copyOf(events);
    }

    /** OPEN escalates until ACKNOWLEDGED; either ends RESOLVED when the alarm returns to OK. */
    public enum State {
        OPEN, ACKNOWLEDGED, RESOLVED
    }

    /** One entry of an incident's log; {@code contact} is null for entries about no contact. */
    public record Event(Instant time, String kind, String contact, String detail) {}
}
