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
        boolean contains(long t, long afterMillis) {
            return t >= startMillis && t < endMillis + afterMillis;
        }
    }

    private final Recorder clock;
    private final List<Event> events = new ArrayList<>();
    private final List<Window> windows = new ArrayList<>();

    Timeline(Recorder clock) {
        this.clock = clock;
    }

    synchronized long note(String text) {
        long at = clock.offsetMillis(System.nanoTime());
        events.add(new Event(at, text));
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
