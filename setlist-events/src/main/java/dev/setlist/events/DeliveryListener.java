package dev.setlist.events;

import java.time.Duration;

/**
 * Told of every attempt to deliver an event to a target, after it returned: the rule that matched,
 * the target, the trace header the event carried, how long the attempt took and its error (null
 * when delivered). Called on a delivery thread; must be quick and must not throw.
 */
@FunctionalInterface
public interface DeliveryListener {
    void attempted(Attempt attempt);

    DeliveryListener NONE = a -> {};

    /** One delivery attempt; {@code attempt} counts from 1. */
    record Attempt(String bus, String rule, String targetArn, String traceHeader, int attempt, Duration took,
                   String error) {
        public boolean delivered() {
            return error == null;
        }
    }
}
