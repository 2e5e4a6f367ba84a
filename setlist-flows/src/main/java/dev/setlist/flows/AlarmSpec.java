package dev.setlist.flows;

import java.time.Duration;

/**
 * A flow's alarm, with the semantics of Amazon CloudWatch: a metric alarm over one of the flow's
 * metrics, or a composite alarm whose rule combines the states of other alarms.
 */
public sealed interface AlarmSpec permits AlarmSpec.MetricAlarm, AlarmSpec.CompositeAlarm {
    String name();

    String description();

    /**
     * The flow's metrics. Every outcome adds one sample to each: {@code requests} a 1,
     * {@code errors} a 1 when the outcome was bad and a 0 otherwise (so {@code Sum} counts errors and
     * {@code Average} is the error rate), {@code latency} its latency in milliseconds.
     */
    enum Metric {
        REQUESTS, ERRORS, LATENCY;

        public String yaml() {
            return name().toLowerCase();
        }
    }

    /** The statistic of a period's samples; {@code p50}…{@code p99} are percentiles. */
    enum Statistic {
        SAMPLE_COUNT("SampleCount"), SUM("Sum"), AVERAGE("Average"), MINIMUM("Minimum"), MAXIMUM("Maximum"),
        P50("p50"), P90("p90"), P95("p95"), P99("p99");

        private final String yaml;

        Statistic(String yaml) {
            this.yaml = yaml;
        }

        public String yaml() {
            return yaml;
        }

        /** The percentile (50.0 for p50), or NaN for the other statistics. */
        public double percentile() {
            return yaml.startsWith("p") ? Double.parseDouble(yaml.substring(1)) : Double.NaN;
        }
    }

    enum Comparison {
        GREATER_THAN_THRESHOLD("GreaterThanThreshold"),
        GREATER_THAN_OR_EQUAL_TO_THRESHOLD("GreaterThanOrEqualToThreshold"),
        LESS_THAN_THRESHOLD("LessThanThreshold"),
        LESS_THAN_OR_EQUAL_TO_THRESHOLD("LessThanOrEqualToThreshold");

        private final String yaml;

        Comparison(String yaml) {
            this.yaml = yaml;
        }

        public String yaml() {
            return yaml;
        }

        /** Whether {@code value} breaches {@code threshold}. */
        public boolean breaches(double value, double threshold) {
            return switch (this) {
                case GREATER_THAN_THRESHOLD -> value > threshold;
                case GREATER_THAN_OR_EQUAL_TO_THRESHOLD -> value >= threshold;
                case LESS_THAN_THRESHOLD -> value < threshold;
                case LESS_THAN_OR_EQUAL_TO_THRESHOLD -> value <= threshold;
            };
        }

        public String symbol() {
            return switch (this) {
                case GREATER_THAN_THRESHOLD -> ">";
                case GREATER_THAN_OR_EQUAL_TO_THRESHOLD -> ">=";
                case LESS_THAN_THRESHOLD -> "<";
                case LESS_THAN_OR_EQUAL_TO_THRESHOLD -> "<=";
            };
        }
    }

    /** How periods without samples count, as CloudWatch's {@code TreatMissingData}. */
    enum MissingData {
        MISSING("missing"), NOT_BREACHING("notBreaching"), BREACHING("breaching"), IGNORE("ignore");

        private final String yaml;

        MissingData(String yaml) {
            this.yaml = yaml;
        }

        public String yaml() {
            return yaml;
        }
    }

    /**
     * Goes to ALARM when at least {@code datapointsToAlarm} of the last {@code evaluationPeriods}
     * datapoints (each the {@code statistic} of one {@code period}) breach the threshold.
     */
    record MetricAlarm(String name, String description, Metric metric, Statistic statistic, Duration period,
                       int evaluationPeriods, int datapointsToAlarm, double threshold, Comparison comparison,
                       MissingData treatMissingData) implements AlarmSpec {}

    /**
     * Goes to ALARM when its rule, such as {@code ALARM(errors-high) AND NOT OK("latency-high")},
     * is true, and to OK otherwise.
     */
    record CompositeAlarm(String name, String description, String rule) implements AlarmSpec {}
}
