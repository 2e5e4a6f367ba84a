package dev.setlist.engine;

import java.time.Instant;

public record ActivityInfo(String arn, String name, Instant creationDate) {}
