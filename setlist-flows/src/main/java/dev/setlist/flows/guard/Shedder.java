package dev.setlist.flows.guard;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import dev.setlist.flows.Flow.Criticality;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * A concurrency limit partitioned by criticality, so that overload sheds low-criticality work
 * first, then medium, while high keeps its share. The limit itself is adaptive (Netflix's
 * Gradient2 over request latencies) or fixed. A low-criticality request is admitted while fewer
 * than half the limit are in flight and never waits; medium, below 80% and waits up to 100 ms;
 * high, below the whole limit and waits up to 500 ms — each bounded further by the caller's own
 * timeout, so nothing waits for an answer its caller no longer wants. A freed slot goes to the
 * longest-waiting request of the highest criticality. Thread safe.
 */
public final class Shedder {
    private static final Map<Criticality, Double> SHARE = Map.of(Criticality.LOW, 0.5, Criticality.MEDIUM, 0.8,
            Criticality.HIGH, 1.0);
    private static final Map<Criticality, Duration> WAIT = Map.of(Criticality.LOW, Duration.ZERO,
            Criticality.MEDIUM, Duration.ofMillis(100), Criticality.HIGH, Duration.ofMillis(500));
    private static final int MAX_QUEUE = 1000;

    /** How long without a request in flight before an adaptive limit that fell is set back to its start. */
    static final Duration IDLE_RESET = Duration.ofSeconds(10);

    private volatile Limit limit;
    private final java.util.function.Supplier<Limit> fresh;
    private final int initial;
    private final LongSupplier nanos;
    /** When the last request in flight ended (or the shedder started), by {@link #nanos}. */
    private long idleSince;
    private final Map<Criticality, ArrayDeque<Waiter>> queues = new EnumMap<>(Criticality.class);
    private final Map<Criticality, LongAdder> shed = new EnumMap<>(Criticality.class);
    private int inFlight;

    /** A slot held by an admitted request; release it exactly once when the answer is done. */
    public final class Permit {
        private final long start;
        private boolean released;

        private Permit(long start) {
            this.start = start;
        }

        /** {@code dropped}: the request failed because of overload (a timeout), which lowers the limit. */
        public void release(boolean dropped) {
            int current;
            synchronized (Shedder.this) {
                if (released) {
                    return;
                }
                released = true;
                current = inFlight;
            }
            limit.onSample(start, nanos.getAsLong() - start, current, dropped);
            freeSlot();
        }
    }

    private static final class Waiter {
        final Semaphore granted = new Semaphore(0);
        boolean done;
    }

    private Shedder(java.util.function.Supplier<Limit> fresh, int initial, LongSupplier nanos) {
        this.fresh = fresh;
        this.limit = fresh.get();
        this.initial = initial;
        this.nanos = nanos;
        this.idleSince = nanos.getAsLong();
        for (Criticality c : Criticality.values()) {
            queues.put(c, new ArrayDeque<>());
            shed.put(c, new LongAdder());
        }
    }

    /**
     * A limit that adapts to latency, starting at {@code initial}, never above {@code max} and never
     * below half of {@code initial} (a few slow requests cannot shrink it to nothing); after
     * {@link #IDLE_RESET} without a request in flight a limit that fell starts again from
     * {@code initial}, since an idle server has no latency left to learn from.
     */
    public static Shedder adaptive(int initial, int max) {
        return adaptive(initial, max, System::nanoTime);
    }

    static Shedder adaptive(int initial, int max, LongSupplier nanos) {
        int floor = Math.max(1, Math.min(initial, Math.max(8, initial / 2)));
        return new Shedder(() -> Gradient2Limit.newBuilder().initialLimit(initial).minLimit(floor)
                .maxConcurrency(max).build(), initial, nanos);
    }

    /** A fixed limit of {@code limit} requests in flight. */
    public static Shedder fixed(int limit) {
        Limit fixed = FixedLimit.of(limit);
        return new Shedder(() -> fixed, limit, System::nanoTime);
    }

    /**
     * A permit for a request of criticality {@code c}, or null when it is shed. May wait briefly
     * (never longer than {@code callerTimeout}, when the caller gave one).
     */
    public Permit acquire(Criticality c, Duration callerTimeout) throws InterruptedException {
        Waiter w;
        Duration wait;
        synchronized (this) {
            if (inFlight == 0 && limit.getLimit() < initial && nanos.getAsLong() - idleSince >= IDLE_RESET.toNanos()) {
                limit = fresh.get();
            }
            if (inFlight < threshold(c) && !higherOrEqualWaiting(c)) {
                inFlight++;
                return new Permit(nanos.getAsLong());
            }
            wait = WAIT.get(c);
            if (callerTimeout != null && callerTimeout.compareTo(wait) < 0) {
                wait = callerTimeout;
            }
            if (wait.isZero() || wait.isNegative() || queues.get(c).size() >= MAX_QUEUE) {
                shed.get(c).increment();
                return null;
            }
            w = new Waiter();
            queues.get(c).addLast(w);
        }
        boolean granted;
        try {
            granted = w.granted.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            if (!cancel(c, w)) {
                freeSlot();
            }
            throw e;
        }
        // A slot granted between the timeout and the lock is kept.
        granted = granted || !cancel(c, w);
        return granted ? new Permit(nanos.getAsLong()) : null;
    }

    /** Takes a waiter that timed out off its queue; false when it was granted a slot meanwhile. */
    private synchronized boolean cancel(Criticality c, Waiter w) {
        if (w.done) {
            return false;
        }
        queues.get(c).remove(w);
        shed.get(c).increment();
        return true;
    }

    private boolean higherOrEqualWaiting(Criticality c) {
        for (Criticality q : Criticality.values()) {
            if (q.compareTo(c) >= 0 && !queues.get(q).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private int threshold(Criticality c) {
        return Math.max(1, (int) Math.floor(limit.getLimit() * SHARE.get(c)));
    }

    private void freeSlot() {
        synchronized (this) {
            inFlight--;
            if (inFlight == 0) {
                idleSince = nanos.getAsLong();
            }
            for (Criticality c : new Criticality[] {Criticality.HIGH, Criticality.MEDIUM}) {
                ArrayDeque<Waiter> q = queues.get(c);
                while (!q.isEmpty() && inFlight < threshold(c)) {
                    Waiter w = q.pollFirst();
                    w.done = true;
                    inFlight++;
                    w.granted.release();
                }
            }
        }
    }

    /** The current limit. */
    public int limit() {
        return limit.getLimit();
    }

    public synchronized int inFlight() {
        return inFlight;
    }

    /** Requests waiting for a slot now. */
    public synchronized int queued() {
        int n = 0;
        for (ArrayDeque<Waiter> q : queues.values()) {
            n += q.size();
        }
        return n;
    }

    /** Requests shed so far, by criticality. */
    public long shed(Criticality c) {
        return shed.get(c).sum();
    }

    /** The share of the limit requests of {@code c} may fill. */
    public static double share(Criticality c) {
        return SHARE.get(c);
    }
}
