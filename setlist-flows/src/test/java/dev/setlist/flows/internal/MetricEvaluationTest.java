package dev.setlist.flows.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.flows.AlarmSpec.Comparison;
import dev.setlist.flows.AlarmSpec.Metric;
import dev.setlist.flows.AlarmSpec.MetricAlarm;
import dev.setlist.flows.AlarmSpec.MissingData;
import dev.setlist.flows.AlarmSpec.Statistic;
import dev.setlist.flows.AlarmState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * M-of-N evaluation and every way of treating missing data. Datapoints are written oldest first:
 * {@code 0} does not breach, {@code X} breaches, {@code -} is missing. The first two tables are
 * CloudWatch's own examples ("How alarm state is evaluated when data is missing"); "keep" means the
 * state stays what it was (the tests start from each of the three states in turn).
 */
class MetricEvaluationTest {
    static MetricAlarm alarm(int n, int m, MissingData missing) {
        return new MetricAlarm("a", null, Metric.ERRORS, Statistic.SUM, Duration.ofMinutes(5), n, m, 1.0,
                Comparison.GREATER_THAN_THRESHOLD, missing);
    }

    static List<Double> points(String text) {
        List<Double> out = new ArrayList<>();
        for (String p : text.trim().split("\\s+")) {
            out.add(switch (p) {
                case "0" -> 0.0;
                case "X" -> 2.0;
                case "-" -> null;
                default -> throw new IllegalArgumentException(p);
            });
        }
        return out;
    }

    static AlarmState expected(String cell, AlarmState current) {
        return switch (cell) {
            case "OK" -> AlarmState.OK;
            case "ALARM" -> AlarmState.ALARM;
            case "INSUFFICIENT" -> AlarmState.INSUFFICIENT_DATA;
            case "keep" -> current;
            default -> throw new IllegalArgumentException(cell);
        };
    }

    static void check(int n, int m, String data, String missing, String ignore, String breaching, String notBreaching) {
        for (AlarmState current : AlarmState.values()) {
            String[] cells = {missing, ignore, breaching, notBreaching};
            MissingData[] modes = {MissingData.MISSING, MissingData.IGNORE, MissingData.BREACHING,
                    MissingData.NOT_BREACHING};
            for (int i = 0; i < modes.length; i++) {
                MetricEvaluation.Result r = MetricEvaluation.evaluate(alarm(n, m, modes[i]), points(data), current);
                assertThat(r.state()).as("%s of %s, %s, treated as %s, from %s: %s", m, n, data, modes[i].yaml(),
                        current, r.reason()).isEqualTo(expected(cells[i], current));
            }
        }
    }

    @ParameterizedTest(name = "3 of 3: {0}")
    @CsvSource(delimiter = '|', textBlock = """
            0 - X - X | OK           | OK    | OK    | OK
            0 - - - - | OK           | OK    | OK    | OK
            - - - - - | INSUFFICIENT | keep  | ALARM | OK
            0 X X - X | ALARM        | ALARM | ALARM | ALARM
            - - - - X | INSUFFICIENT | keep  | ALARM | OK
            X - - - - | ALARM        | keep  | ALARM | OK
            """)
    void evaluate_cloudWatchTableThreeOfThree_matches(String data, String missing, String ignore, String breaching,
                                                      String notBreaching) {
        check(3, 3, data, missing.trim(), ignore.trim(), breaching.trim(), notBreaching.trim());
    }

    @ParameterizedTest(name = "2 of 3: {0}")
    @CsvSource(delimiter = '|', textBlock = """
            0 - X - X | ALARM        | ALARM | ALARM | ALARM
            0 0 X 0 X | ALARM        | ALARM | ALARM | ALARM
            0 - X - - | OK           | OK    | ALARM | OK
            - - - - 0 | OK           | OK    | ALARM | OK
            - - - - X | INSUFFICIENT | keep  | ALARM | OK
            """)
    void evaluate_cloudWatchTableTwoOfThree_matches(String data, String missing, String ignore, String breaching,
                                                    String notBreaching) {
        check(3, 2, data, missing.trim(), ignore.trim(), breaching.trim(), notBreaching.trim());
    }

    @ParameterizedTest(name = "{1} of {0}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            1 | 1 | 0 0 X           | ALARM        | ALARM | ALARM | ALARM
            1 | 1 | X X 0           | OK           | OK    | OK    | OK
            1 | 1 | X - -           | ALARM        | ALARM | ALARM | ALARM
            1 | 1 | 0 - -           | OK           | OK    | OK    | OK
            5 | 3 | 0 0 X 0 X X 0   | ALARM        | ALARM | ALARM | ALARM
            5 | 3 | 0 X 0 X 0 X 0   | OK           | OK    | OK    | OK
            5 | 3 | X X 0 X 0 0 0   | OK           | OK    | OK    | OK
            5 | 3 | X X X 0 0 0 0   | OK           | OK    | OK    | OK
            5 | 3 | 0 0 X X 0 X 0   | ALARM        | ALARM | ALARM | ALARM
            5 | 3 | X - X - X - -   | ALARM        | ALARM | ALARM | ALARM
            5 | 3 | - - - - - X X   | INSUFFICIENT | keep  | ALARM | OK
            5 | 3 | - - 0 - - X X   | OK           | OK    | ALARM | OK
            5 | 3 | X - - - - - X   | ALARM        | keep  | ALARM | OK
            5 | 5 | X X X X - X X   | ALARM        | ALARM | ALARM | ALARM
            5 | 5 | - X X X X - -   | ALARM        | keep  | ALARM | OK
            1 | 1 | - - -           | INSUFFICIENT | keep  | ALARM | OK
            5 | 5 | - - X X X - 0   | OK           | OK    | OK    | OK
            5 | 5 | - - - - - - -   | INSUFFICIENT | keep  | ALARM | OK
            """)
    void evaluate_mOfN_countsBreachingDatapointsAmongTheEvaluated(int n, int m, String data, String missing,
                                                                 String ignore, String breaching, String notBreaching) {
        check(n, m, data, missing.trim(), ignore.trim(), breaching.trim(), notBreaching.trim());
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = '|', textBlock = """
            GreaterThanThreshold          | 1.0 | false
            GreaterThanThreshold          | 1.5 | true
            GreaterThanOrEqualToThreshold | 1.0 | true
            GreaterThanOrEqualToThreshold | 0.5 | false
            LessThanThreshold             | 1.0 | false
            LessThanThreshold             | 0.5 | true
            LessThanOrEqualToThreshold    | 1.0 | true
            LessThanOrEqualToThreshold    | 1.5 | false
            """)
    void breaches_eachComparison_comparesWithTheThreshold(String comparison, double value, boolean breaches) {
        Comparison c = java.util.Arrays.stream(Comparison.values()).filter(x -> x.yaml().equals(comparison))
                .findFirst().orElseThrow();
        assertThat(c.breaches(value, 1.0)).isEqualTo(breaches);
    }

    @org.junit.jupiter.api.Test
    void evaluate_breach_explainsTheDatapointsInTheReason() {
        MetricEvaluation.Result r = MetricEvaluation.evaluate(alarm(3, 2, MissingData.NOT_BREACHING),
                points("0 0 X - X"), AlarmState.OK);
        assertThat(r.state()).isEqualTo(AlarmState.ALARM);
        assertThat(r.reason()).isEqualTo("2 of 3 datapoints [0, 2, 2] breach > 1 (2 needed for ALARM)");
        MetricEvaluation.Result partial = MetricEvaluation.evaluate(alarm(3, 2, MissingData.BREACHING),
                points("- - - - 0"), AlarmState.OK);
        assertThat(partial.reason()).isEqualTo("2 of 3 datapoints [-, -, 0] breach > 1 (2 needed for ALARM); "
                + "2 missing, treated as breaching");
    }
}
