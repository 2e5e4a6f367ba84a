package dev.setlist.events;

import java.time.Instant;

/** An event bus; {@code deadLetterArn} and {@code description} are null when not set. */
public record BusInfo(String name, String arn, Instant creationTime, String description, String deadLetterArn,
                      Instant lastModifiedTime) {

    public BusInfo(String name, String arn, Instant creationTime) {
        this(name, arn, creationTime, null, null, creationTime);
    }
}
