package dev.setlist.flows.internal;

import java.util.Map;
import java.util.TreeMap;

/**
 * A sparse log-scale histogram of latencies: bucket {@code i} holds values in
 * {@code (1.04^(i-1), 1.04^i]} microseconds (bucket 0 everything up to 1µs), so a percentile read
 * from it is at most 4% above the true value. Merging histograms adds their counts, which is what
 * lets per-minute histograms answer for any longer period. Not thread safe.
 */
public final class Histogram {
    private static final double GROWTH = 1.04;
    private static final double LOG_GROWTH = Math.log(GROWTH);

    private final TreeMap<Integer, Long> counts = new TreeMap<>();

    static int bucket(double millis) {
        double micros = millis * 1000.0;
        return micros <= 1.0 ? 0 : (int) Math.ceil(Math.log(micros) / LOG_GROWTH - 1e-9);
    }

    static double upperMillis(int bucket) {
        return Math.pow(GROWTH, bucket) / 1000.0;
    }

    public void add(double millis) {
        counts.merge(bucket(millis), 1L, Long::sum);
    }

    public void merge(Histogram other) {
        other.counts.forEach((b, n) -> counts.merge(b, n, Long::sum));
    }

    public long count() {
        long n = 0;
        for (long c : counts.values()) {
            n += c;
        }
        return n;
    }

    /**
     * The {@code percentile} (0–100) in milliseconds: the upper bound of the bucket holding the
     * sample of rank ⌈p/100·n⌉, kept within {@code [min, max]}, the exact extremes. NaN when empty.
     */
    public double percentile(double percentile, double min, double max) {
        long n = count();
        if (n == 0) {
            return Double.NaN;
        }
        long rank = Math.max(1, (long) Math.ceil(percentile / 100.0 * n - 1e-9));
        long seen = 0;
        for (Map.Entry<Integer, Long> e : counts.entrySet()) {
            seen += e.getValue();
            if (seen >= rank) {
                return Math.min(max, Math.max(min, upperMillis(e.getKey())));
            }
        }
        return max;
    }

    /** {@code "bucket:count,…"}, the stored form. */
    public String encode() {
        StringBuilder out = new StringBuilder();
        counts.forEach((b, n) -> {
            if (!out.isEmpty()) {
                out.append(',');
            }
            out.append(b).append(':').append(n);
        });
        return out.toString();
    }

    public static Histogram decode(String text) {
        Histogram h = new Histogram();
        if (text != null && !text.isEmpty()) {
            for (String pair : text.split(",")) {
                int colon = pair.indexOf(':');
                h.counts.merge(Integer.parseInt(pair.substring(0, colon)), Long.parseLong(pair.substring(colon + 1)),
                        Long::sum);
            }
        }
        return h;
    }
}
