package dev.setlist.flows;

import java.time.Instant;

/** The current state of an alarm or burn-rate alert, why, and since when. */
public record Alarm(String name, String flow, AlarmChange.Kind kind, AlarmState state, String reason,
                    Instant since) {}
