package dev.setlist.events;

import java.time.Instant;

/** An archive of a bus's events (those matching its pattern, if any), kept {@code retentionDays} (0: forever). */
public record ArchiveInfo(String name, String arn, String eventSourceArn, String eventPattern, String description,
                          int retentionDays, String state, long eventCount, long sizeBytes, Instant creationTime) {}
