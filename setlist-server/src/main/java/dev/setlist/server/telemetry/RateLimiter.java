package dev.setlist.server.telemetry;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A token bucket per caller: {@code capacity} requests at once, refilled at {@code perSecond}.
 * Remembers the most recent 10,000 callers. Thread safe; the time source is injected.
 */
public final class RateLimiter {
    private final double capacity;
    private final double perNano;
    private final LongSupplier nanoTime;
    private final Map<String, double[]> buckets = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
            return size() > 10_000;
        }
    };

    public RateLimiter(int capacity, double perSecond, LongSupplier nanoTime) {
        if (capacity < 1 || perSecond <= 0) {
            throw new IllegalArgumentException("capacity must be >= 1 and perSecond > 0, were " + capacity + " and "
                    + perSecond);
        }
        this.capacity = capacity;
        this.perNano = perSecond / 1e9;
        this.nanoTime = nanoTime;
    }

    /** Takes a token of {@code caller}'s bucket: 0 when allowed, else the seconds until one is available. */
    public synchronized long tryTake(String caller) {
        long now = nanoTime.getAsLong();
        double[] b = buckets.computeIfAbsent(caller, k -> new double[] {capacity, now});
        b[0] = Math.min(capacity, b[0] + (now - (long) b[1]) * perNano);
        b[1] = now;
        if (b[0] >= 1) {
            b[0] -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - b[0]) / perNano / 1e9));
    }
}
