package dev.setlist.flows.internal;

/**
 * A sparse log-scale histogram of latencies: bucket {@code i} holds values in
 * {@code (1.04^(i-1), 1.04^i]} microseconds (bucket 0 everything up to 1µs), so a percentile read
 * from it is at most 4% above the true value. Merging histograms adds their counts, which is what
 * lets per-minute histograms answer for any longer period. Not thread safe.
 */
public final class Histogram {
    private static final double GROWTH = 1.04;
    private static final double LOG_GROWTH = Math.log(GROWTH);

    /**
     * Counts of the buckets {@code base … base + counts.length - 1}, grown on demand to the range
     * seen: an array (no boxing on the per-request path) about as small as a sparse map, since one
     * minute's latencies cluster (a day's latency is bucket 640).
     */
    private int base;
    private long[] counts = new long[0];

    static int bucket(double millis) {
        double micros = millis * 1000.0;
        return micros <= 1.0 ? 0 : (int) Math.ceil(Math.log(micros) / LOG_GROWTH - 1e-9);
    }

    static double upperMillis(int bucket) {
        return Math.pow(GROWTH, bucket) / 1000.0;
    }

    public void add(double millis) {
        add(bucket(millis), 1);
    }

    private void add(int bucket, long n) {
        if (counts.length == 0) {
            base = bucket;
            counts = new long[8];
        } else if (bucket < base) {
            int grow = Math.max(base - bucket, 8);
            long[] wider = new long[counts.length + grow];
            System.arraycopy(counts, 0, wider, grow, counts.length);
            counts = wider;
            base -= grow;
            if (base < 0) { // never below bucket 0: shift back
                counts = java.util.Arrays.copyOfRange(counts, -base, counts.length);
                base = 0;
            }
        } else if (bucket - base >= counts.length) {
            counts = java.util.Arrays.copyOf(counts, Math.max(bucket - base + 1, counts.length + 8));
        }
        counts[bucket - base] += n;
    }

    public void merge(Histogram other) {
        for (int i = other.counts.length - 1; i >= 0; i--) {
            if (other.counts[i] != 0) {
                add(other.base + i, other.counts[i]);
            }
        }
    }

    public long count() {
        long n = 0;
        for (long c : counts) {
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
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(max, Math.max(min, upperMillis(base + i)));
            }
        }
        return max;
    }

    /** {@code "bucket:count,…"}, the stored form. */
    public String encode() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) {
                if (!out.isEmpty()) {
                    out.append(',');
                }
                out.append(base + i).append(':').append(counts[i]);
            }
        }
        return out.toString();
    }

    public static Histogram decode(String text) {
        Histogram h = new Histogram();
        if (text != null && !text.isEmpty()) {
            for (String pair : text.split(",")) {
                int colon = pair.indexOf(':');
                h.add(Math.max(0, Integer.parseInt(pair.substring(0, colon))), Long.parseLong(pair.substring(colon + 1)));
            }
        }
        return h;
    }
}
