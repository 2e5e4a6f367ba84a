package dev.setlist.relecloud.prove;

import java.util.ArrayList;
import java.util.List;

/**
 * What happened when during a proving run: faults begun and ended, the server killed and back,
 * phases of the run. Fault windows let the report say which fault each bad outcome fell in.
 * Thread safe.
 */
final class Timeline {
    /** An event, {@code atMillis} after the run began. */
    record Event(long atMillis, String text) {}

    /** A fault's window; {@code endMillis} is {@code Long.MAX_VALUE} while it lasts. */
    record Window(String fault, long startMillis, long endMillis) {
        /** Whether a request from {@code from} to {@code to} overlaps the window extended by {@code afterMillis}. */
        boolean overlaps(long from, long to, long afterMillis) {
            return to >= startMillis && from < endMillis + afterMillis;
        }
    }

    private final Recorder clock;
    private final java.io.PrintWriter log;
    private final List<Event> events = new ArrayList<>();
    private final List<Window> windows = new ArrayList<>();

    /** Events are also printed on {@code log} as they happen. */
    Timeline(Recorder clock, java.io.PrintWriter log) {
        this.clock = clock;
        this.log = log;
    }

    synchronized long note(String text) {
        long at = clock.offsetMillis(System.nanoTime());
        events.add(new Event(at, text));
        log.printf(java.util.Locale.ROOT, "proving ground [%6.1f s] %s%n", at / 1000.0, text);
        log.flush();
        return at;
    }

    synchronized void window(String fault, long startMillis, long endMillis) {
        windows.add(new Window(fault, startMillis, endMillis));
    }

    synchronized List<Event> events() {
        return List.copyOf(events);
    }

    synchronized List<Window> windows() {
        return List.copyOf(windows);
    }
}
