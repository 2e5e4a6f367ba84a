package dev.setlist.asl;

import java.time.Duration;
import java.time.Instant;

/**
 * Time as a runner sees it: what time it is, and waiting until an instant. Tests use
 * {@link #manual} so that Wait states and retry back-offs take no real time.
 */
public interface Clock {
    Instant now();

    /** Returns once {@code instant} has come. */
    void sleepUntil(Instant instant) throws InterruptedException;

    Clock SYSTEM = new Clock() {
        @Override
        public Instant now() {
            return Instant.now();
        }

        @Override
        public void sleepUntil(Instant instant) throws InterruptedException {
            long millis = Duration.between(Instant.now(), instant).toMillis();
            if (millis > 0) {
                Thread.sleep(millis);
            }
        }
    };

    /** A clock that starts at {@code start} and jumps forward, instantly, whenever it is asked to wait. */
    static Manual manual(Instant start) {
        return new Manual(start);
    }

    /** A clock that only moves when told to (or when something waits on it). Thread safe. */
    final class Manual implements Clock {
        private Instant now;

        Manual(Instant start) {
            this.now = start;
        }

        @Override
        public synchronized Instant now() {
            return now;
        }

        @Override
        public synchronized void sleepUntil(Instant instant) {
            if (instant.isAfter(now)) {
                now = instant;
            }
        }

        public synchronized void advance(Duration duration) {
            now = now.plus(duration);
        }
    }
}
