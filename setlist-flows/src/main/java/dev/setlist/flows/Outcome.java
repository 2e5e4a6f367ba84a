package dev.setlist.flows;

import java.time.Duration;
import java.time.Instant;

/**
 * What happened when a flow ran once: when it ended, whether it was good (the user or system got
 * what the flow promises), how long it took, and for a bad outcome the name of its error (such as
 * {@code States.Timeout} or {@code PaymentDeclined}; {@code null} when unknown or good).
 */
public record Outcome(String flow, Instant time, boolean good, Duration latency, String error) {
    public Outcome {
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative, was " + latency);
        }
    }

    public static Outcome good(String flow, Instant time, Duration latency) {
        return new Outcome(flow, time, true, latency, null);
    }

    public static Outcome bad(String flow, Instant time, Duration latency, String error) {
        return new Outcome(flow, time, false, latency, error);
    }
}
