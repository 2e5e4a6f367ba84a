package dev.setlist.events;

import java.time.Instant;

public record BusInfo(String name, String arn, Instant creationTime) {}
