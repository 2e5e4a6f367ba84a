package dev.setlist.flows;

import java.time.Instant;

/**
 * An alarm or burn-rate alert changed state: its history entry, and what an {@link AlarmSink}
 * receives. Burn-rate alerts are named {@code <flow>:burn-rate-1h} (and {@code -6h}, {@code -3d}).
 */
public record AlarmChange(String alarm, String flow, Kind kind, AlarmState from, AlarmState to, String reason,
                          Instant time) {
    public enum Kind {
        METRIC, COMPOSITE, BURN_RATE
    }
}
