package dev.setlist.flows.internal;

import dev.setlist.flows.AlarmSpec.MetricAlarm;
import dev.setlist.flows.AlarmSpec.MissingData;
import dev.setlist.flows.AlarmState;
import java.util.ArrayList;
import java.util.List;

/**
 * The state a metric alarm should be in, given the datapoints of its evaluation range, by the rules
 * CloudWatch documents ("How alarm state is evaluated when data is missing"):
 * <ul>
 * <li>The evaluation range is {@code evaluationPeriods + 2} periods, the most recent last.
 * <li>With at least {@code evaluationPeriods} real datapoints in the range, the most recent
 *     {@code evaluationPeriods} of them decide, and missing data is not considered at all.
 * <li>With none, {@code missing} gives INSUFFICIENT_DATA, {@code ignore} keeps the state,
 *     {@code breaching} gives ALARM and {@code notBreaching} OK.
 * <li>With some, every real datapoint counts and the fewest missing periods fill up to
 *     {@code evaluationPeriods}: as breaching or not for those two settings; for {@code missing}
 *     and {@code ignore} the real datapoints decide when they can (enough breaching: ALARM; any not
 *     breaching: OK), and otherwise {@code missing} gives ALARM when the oldest evaluated datapoint
 *     is a real breaching one and INSUFFICIENT_DATA when it is a filled one, and {@code ignore}
 *     keeps the state.
 * </ul>
 * In every case ALARM means at least {@code datapointsToAlarm} of the evaluated datapoints breach.
 * The range may be shorter than {@code evaluationPeriods + 2} (periods before the monitor started
 * are left out): then only the periods it has are filled.
 * A pure function.
 */
public final class MetricEvaluation {
    private MetricEvaluation() {}

    /** The new state and why; {@code state} equals the current one when nothing changes. */
    public record Result(AlarmState state, String reason) {}

    /** The number of periods the alarm looks at: its evaluation range. */
    public static int rangeLength(MetricAlarm alarm) {
        return alarm.evaluationPeriods() + 2;
    }

    /**
     * @param range the datapoints of the evaluation range, oldest first, {@code null} where a period
     *              has no data
     */
    public static Result evaluate(MetricAlarm alarm, List<Double> range, AlarmState current) {
        int n = alarm.evaluationPeriods();
        int m = alarm.datapointsToAlarm();
        List<Integer> real = new ArrayList<>();
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < range.size(); i++) {
            (range.get(i) == null ? missing : real).add(i);
        }
        String rule = alarm.comparison().symbol() + " " + CatalogReader.number(alarm.threshold());
        if (real.size() >= n) {
            List<Integer> evaluated = real.subList(real.size() - n, real.size());
            int breaching = breaching(alarm, range, evaluated);
            return new Result(breaching >= m ? AlarmState.ALARM : AlarmState.OK,
                    describe(breaching, n, m, rule, range, evaluated, List.of(), null));
        }
        MissingData treat = alarm.treatMissingData();
        if (real.isEmpty()) {
            String why = "no datapoints in the last " + range.size() + " periods";
            return switch (treat) {
                case MISSING -> new Result(AlarmState.INSUFFICIENT_DATA, why + "; missing data is treated as missing");
                case IGNORE -> new Result(current, why + "; missing data is ignored: the state stays " + current);
                case BREACHING -> new Result(n >= m ? AlarmState.ALARM : AlarmState.OK,
                        why + "; missing data is treated as breaching");
                case NOT_BREACHING -> new Result(AlarmState.OK, why + "; missing data is treated as not breaching");
            };
        }
        int fill = Math.min(n - real.size(), missing.size()); // a range shorter than n fills what it has
        List<Integer> filled = missing.subList(missing.size() - fill, missing.size());
        int breaching = breaching(alarm, range, real);
        boolean anyNotBreaching = breaching < real.size();
        switch (treat) {
            case BREACHING -> {
                return new Result(breaching + fill >= m ? AlarmState.ALARM : AlarmState.OK,
                        describe(breaching + fill, n, m, rule, range, real, filled, "breaching"));
            }
            case NOT_BREACHING -> {
                return new Result(breaching >= m ? AlarmState.ALARM : AlarmState.OK,
                        describe(breaching, n, m, rule, range, real, filled, "not breaching"));
            }
            default -> {
                String as = treat == MissingData.MISSING ? "missing" : "ignored";
                if (breaching >= m) {
                    return new Result(AlarmState.ALARM, describe(breaching, n, m, rule, range, real, filled, as));
                }
                if (anyNotBreaching) {
                    return new Result(AlarmState.OK, describe(breaching, n, m, rule, range, real, filled, as));
                }
                if (treat == MissingData.IGNORE) {
                    return new Result(current, describe(breaching, n, m, rule, range, real, filled, as)
                            + "; the state stays " + current);
                }
                boolean oldestIsReal = filled.isEmpty() || real.get(0) < filled.get(0);
                return new Result(oldestIsReal ? AlarmState.ALARM : AlarmState.INSUFFICIENT_DATA,
                        describe(breaching, n, m, rule, range, real, filled, as)
                                + (oldestIsReal ? "; the oldest evaluated datapoint breaches" : ""));
            }
        }
    }

    private static int breaching(MetricAlarm alarm, List<Double> range, List<Integer> indexes) {
        int b = 0;
        for (int i : indexes) {
            if (alarm.comparison().breaches(range.get(i), alarm.threshold())) {
                b++;
            }
        }
        return b;
    }

    private static String describe(int breaching, int n, int m, String rule, List<Double> range, List<Integer> real,
                                   List<Integer> filled, String missingAs) {
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < range.size(); i++) {
            if (!real.contains(i) && !filled.contains(i)) {
                continue;
            }
            if (!values.isEmpty()) {
                values.append(", ");
            }
            values.append(range.get(i) == null ? "-" : CatalogReader.number(range.get(i)));
        }
        return breaching + " of " + n + " datapoints [" + values + "] breach " + rule + " (" + m + " needed for ALARM)"
                + (filled.isEmpty() ? "" : "; " + filled.size() + " missing, treated as " + missingAs);
    }
}
