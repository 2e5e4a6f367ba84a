package dev.setlist.flows.internal;

import dev.setlist.flows.Flow;
import dev.setlist.flows.Hours;
import dev.setlist.flows.SloStatus;
import dev.setlist.flows.Targets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.function.LongPredicate;

/**
 * Service levels from per-minute counts: availability and latency SLIs, error budget and
 * multiwindow multi-burn-rate alerts (the Google SRE workbook's: for a 30-day objective, 14.4× over
 * 1h and 5m, 6× over 6h and 30m, 1× over 3d and 6h). For other objective windows the factors are
 * scaled so that each alert still means the same share of the budget spent in its long window
 * (2%, 5%, 10%); an alert whose long window exceeds the objective's is left out. Only minutes in the
 * flow's hours and outside its maintenance windows count. Pure functions.
 */
public final class SloMath {
    private SloMath() {}

    public record Spec(String name, Duration longWindow, Duration shortWindow, double budgetShare) {
        /** The burn rate over both windows above which the alert fires, for an objective window. */
        public double factor(Duration window) {
            return budgetShare * window.toMinutes() / longWindow.toMinutes();
        }
    }

    public static final List<Spec> SPECS = List.of(
            new Spec("burn-rate-1h", Duration.ofHours(1), Duration.ofMinutes(5), 0.02),
            new Spec("burn-rate-6h", Duration.ofHours(6), Duration.ofMinutes(30), 0.05),
            new Spec("burn-rate-3d", Duration.ofDays(3), Duration.ofHours(6), 0.10));

    /** The burn-rate alerts that apply to a flow's objective window. */
    public static List<Spec> specs(Flow flow) {
        Duration window = flow.targets().reliability().window();
        return SPECS.stream().filter(s -> s.longWindow().compareTo(window) <= 0).toList();
    }

    public static long minuteOf(Instant t) {
        return Math.floorDiv(t.toEpochMilli(), 60_000L);
    }

    /** The first minute not before {@code to}: minutes that started before {@code to} are below it. */
    public static long minuteAfter(Instant to) {
        return Math.floorDiv(to.toEpochMilli() - 1, 60_000L) + 1;
    }

    /** Whether a minute counts for the flow's objective: in its hours, outside its maintenance windows. */
    public static LongPredicate counts(Hours hours, Targets.Maintenance maintenance) {
        List<Targets.MaintenanceWindow> windows = maintenance.windows();
        return minute -> {
            Instant t = Instant.ofEpochMilli(minute * 60_000L);
            if (!hours.contains(t)) {
                return false;
            }
            for (Targets.MaintenanceWindow w : windows) {
                if (w.contains(t)) {
                    return false;
                }
            }
            return true;
        };
    }

    /** {good, bad, fast} summed over the counting minutes in {@code [fromMinute, toMinute)}. */
    public static long[] sum(NavigableMap<Long, long[]> perMinute, long fromMinute, long toMinute, LongPredicate counts) {
        long[] total = new long[3];
        for (Map.Entry<Long, long[]> e : perMinute.subMap(fromMinute, true, toMinute, false).entrySet()) {
            if (counts.test(e.getKey())) {
                total[0] += e.getValue()[0];
                total[1] += e.getValue()[1];
                total[2] += e.getValue()[2];
            }
        }
        return total;
    }

    /** The burn rate of {good, bad}: the error rate divided by the budgeted one; 0 without outcomes. */
    public static double burnRate(long[] sums, double objective) {
        long total = sums[0] + sums[1];
        return total == 0 ? 0 : (double) sums[1] / total / (1 - objective);
    }

    /**
     * The flow's status over {@code [from, to)}; {@code perMinute} must cover it (and, for the burn
     * rates, the longest alert window before {@code to}).
     */
    public static SloStatus status(Flow flow, Hours hours, NavigableMap<Long, long[]> perMinute, Instant from,
                                   Instant to) {
        Targets.Reliability r = flow.targets().reliability();
        LongPredicate counts = counts(hours, r.maintenance());
        long toMinute = minuteAfter(to);
        long[] s = sum(perMinute, minuteOf(from), toMinute, counts);
        long total = s[0] + s[1];
        double objective = r.objective();
        Double availability = total == 0 ? null : (double) s[0] / total;
        double budget = total == 0 ? 1 : 1 - s[1] / ((1 - objective) * total);
        Map.Entry<Double, Duration> tail = flow.targets().performance() == null ? null
                : flow.targets().performance().tail();
        Double latencySli = tail == null || total == 0 ? null : (double) s[2] / total;
        List<SloStatus.BurnRate> rates = new ArrayList<>();
        for (Spec spec : specs(flow)) {
            double factor = spec.factor(r.window());
            double longRate = burnRate(sum(perMinute, minuteOf(to.minus(spec.longWindow())), toMinute, counts), objective);
            double shortRate = burnRate(sum(perMinute, minuteOf(to.minus(spec.shortWindow())), toMinute, counts),
                    objective);
            rates.add(new SloStatus.BurnRate(spec.name(), spec.longWindow(), spec.shortWindow(), factor, longRate,
                    shortRate, longRate > factor && shortRate > factor));
        }
        return new SloStatus(flow.id(), from, to, objective, s[0], s[1], availability,
                tail == null ? null : tail.getKey(), tail == null ? null : tail.getValue(), tail == null ? 0 : s[2],
                latencySli, budget, rates);
    }
}
