package dev.setlist.flows.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * The outcomes of one flow in one minute (or, merged, in any set of minutes): good and bad
 * counts, how many met the flow's tail latency objective, latency sum, extremes and histogram, and
 * bad outcomes by error name. Not thread safe.
 */
public final class Minute {
    public long good;
    public long bad;
    public long fast;
    public double latencySum;
    public double latencyMin = Double.POSITIVE_INFINITY;
    public double latencyMax = Double.NEGATIVE_INFINITY;
    public final Histogram histogram;
    public final Map<String, Long> errors = new HashMap<>();

    public Minute() {
        this(new Histogram());
    }

    public Minute(Histogram histogram) {
        this.histogram = histogram;
    }

    public void add(boolean isGood, double latencyMillis, boolean isFast, String error) {
        if (isGood) {
            good++;
        } else {
            bad++;
            if (error != null) {
                errors.merge(error, 1L, Long::sum);
            }
        }
        if (isFast) {
            fast++;
        }
        latencySum += latencyMillis;
        latencyMin = Math.min(latencyMin, latencyMillis);
        latencyMax = Math.max(latencyMax, latencyMillis);
        histogram.add(latencyMillis);
    }

    public void merge(Minute other) {
        good += other.good;
        bad += other.bad;
        fast += other.fast;
        latencySum += other.latencySum;
        latencyMin = Math.min(latencyMin, other.latencyMin);
        latencyMax = Math.max(latencyMax, other.latencyMax);
        histogram.merge(other.histogram);
        other.errors.forEach((e, n) -> errors.merge(e, n, Long::sum));
    }

    public long total() {
        return good + bad;
    }
}
