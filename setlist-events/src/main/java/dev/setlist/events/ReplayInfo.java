package dev.setlist.events;

import java.time.Instant;
import java.util.List;

/** A replay of an archive's events of a time window to a bus (optionally to some of its rules only). */
public record ReplayInfo(String name, String arn, String archiveArn, String destinationArn, List<String> filterArns,
                         String state, String stateReason, Instant eventStartTime, Instant eventEndTime,
                         Instant replayStartTime, Instant replayEndTime, Instant eventLastReplayedTime,
                         String description) {}
