package dev.setlist.events;

import java.time.Instant;

/** A delivery that ran out of retries (or failed for good): it can be listed and redriven. */
public record DeadLetter(String id, String eventId, String eventBusName, String rule, String targetId, String targetArn,
                         String payload, int attempts, String lastError, Instant created) {}
