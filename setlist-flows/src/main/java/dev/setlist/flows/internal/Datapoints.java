package dev.setlist.flows.internal;

import dev.setlist.flows.AlarmSpec.Metric;
import dev.setlist.flows.AlarmSpec.MetricAlarm;
import dev.setlist.flows.AlarmSpec.Statistic;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/** The datapoints of a metric alarm: one statistic per period, from the flow's per-minute outcomes. */
public final class Datapoints {
    private Datapoints() {}

    /**
     * The last {@code count} complete periods before {@code nowMinute} (periods are aligned to the
     * epoch), oldest first; {@code null} for a period without outcomes.
     */
    public static List<Double> of(MetricAlarm alarm, NavigableMap<Long, Minute> minutes, long nowMinute, int count) {
        long period = alarm.period().toMinutes();
        long end = Math.floorDiv(nowMinute, period) * period;
        List<Double> out = new ArrayList<>();
        for (int k = count; k >= 1; k--) {
            long start = end - k * period;
            Minute merged = new Minute();
            for (Map.Entry<Long, Minute> e : minutes.subMap(start, true, start + period, false).entrySet()) {
                merged.merge(e.getValue());
            }
            out.add(merged.total() == 0 ? null : statistic(alarm.metric(), alarm.statistic(), merged));
        }
        return out;
    }

    /**
     * How many of the oldest of the {@code count} periods before {@code nowMinute} began before
     * {@code firstMinute} (were not watched from their start).
     */
    public static int periodsBefore(MetricAlarm alarm, long nowMinute, int count, long firstMinute) {
        long period = alarm.period().toMinutes();
        long end = Math.floorDiv(nowMinute, period) * period;
        int n = 0;
        for (int k = count; k >= 1 && end - k * period < firstMinute; k--) {
            n++;
        }
        return n;
    }

    /** The first minute an alarm's evaluation needs, for {@code count} periods before {@code nowMinute}. */
    public static long firstMinute(MetricAlarm alarm, long nowMinute, int count) {
        long period = alarm.period().toMinutes();
        return Math.floorDiv(nowMinute, period) * period - count * period;
    }

    /**
     * A statistic of the period's samples: each outcome is one sample of every metric (see
     * {@link Metric}). Percentiles of latency come from the histogram, within 4%.
     */
    public static double statistic(Metric metric, Statistic statistic, Minute m) {
        long n = m.total();
        return switch (metric) {
            case REQUESTS -> statistic == Statistic.SAMPLE_COUNT || statistic == Statistic.SUM ? n : 1.0;
            case ERRORS -> switch (statistic) {
                case SAMPLE_COUNT -> n;
                case SUM -> m.bad;
                case AVERAGE -> (double) m.bad / n;
                case MINIMUM -> m.good > 0 ? 0 : 1;
                case MAXIMUM -> m.bad > 0 ? 1 : 0;
                default -> Math.max(1, (long) Math.ceil(statistic.percentile() / 100.0 * n - 1e-9)) <= m.good ? 0 : 1;
            };
            case LATENCY -> switch (statistic) {
                case SAMPLE_COUNT -> n;
                case SUM -> m.latencySum;
                case AVERAGE -> m.latencySum / n;
                case MINIMUM -> m.latencyMin;
                case MAXIMUM -> m.latencyMax;
                default -> m.histogram.percentile(statistic.percentile(), m.latencyMin, m.latencyMax);
            };
        };
    }
}
