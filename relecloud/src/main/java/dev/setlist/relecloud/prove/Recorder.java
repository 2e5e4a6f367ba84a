package dev.setlist.relecloud.prove;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Every request of a proving run as the client saw it: the flow it belongs to, the operation, when
 * it started (milliseconds since the run began), how long the user waited (retries included), the
 * final HTTP status (0 when no answer came), whether the outcome was the one a working system
 * gives, and how many attempts it took. Thread safe.
 */
final class Recorder {
    /** One request. {@code note} says what was wrong when {@code good} is false (or what it was). */
    record Sample(String flow, String op, long startMillis, long nanos, int status, boolean good, int attempts,
                  String note) {}

    private final long origin;
    private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();

    Recorder(long originNanos) {
        this.origin = originNanos;
    }

    /** Milliseconds since the run began. */
    long offsetMillis(long nanos) {
        return (nanos - origin) / 1_000_000;
    }

    void add(String flow, String op, long startNanos, int status, boolean good, int attempts, String note) {
        samples.add(new Sample(flow, op, offsetMillis(startNanos), System.nanoTime() - startNanos, status, good,
                attempts, note));
    }

    List<Sample> samples() {
        return new ArrayList<>(samples);
    }
}
