package dev.setlist.flows;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A flow's measurable targets per pillar of the Well-Architected Framework. Only reliability is
 * required; the other pillars are {@code null} when the catalog leaves them out.
 */
public record Targets(Reliability reliability, Performance performance, Security security, Cost cost,
                      Operations operations) {

    /**
     * The availability objective (a percentage of good outcomes, such as 99.9) during the named
     * {@code hours}, over a rolling {@code window}, when maintenance may take the flow down, and the
     * {@code expectedErrors}: error names that are business outcomes, not failures of the flow (a
     * declined payment, a sold-out concert). An outcome failing with one of them counts as good.
     */
    public record Reliability(double availability, String hours, Duration window, Maintenance maintenance,
                              List<String> expectedErrors) {
        public Reliability {
            expectedErrors = List.copyOf(expectedErrors);
        }

        public Reliability(double availability, String hours, Duration window, Maintenance maintenance) {
            this(availability, hours, window, maintenance, List.of());
        }

        /** The objective as a fraction: 0.999 for 99.9. */
        public double objective() {
            return availability / 100.0;
        }

        /** Whether an outcome failing with {@code error} is a business outcome (good for the flow). */
        public boolean expected(String error) {
            return error != null && expectedErrors.contains(error);
        }
    }

    /** When maintenance may happen. */
    public enum MaintenancePolicy {
        /** Only outside the flow's hours, where downtime does not count anyway. */
        OUTSIDE_HOURS,
        /** In windows announced at least {@code notice} ahead; those minutes do not count. */
        ANNOUNCED,
        /** Never. */
        NONE;

        public String yaml() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    public record Maintenance(MaintenancePolicy policy, Duration notice, List<MaintenanceWindow> windows) {
        public static final Maintenance NONE = new Maintenance(MaintenancePolicy.NONE, null, List.of());

        public Maintenance {
            windows = List.copyOf(windows);
        }
    }

    /** A maintenance window {@code [start, end)}, announced at {@code announced} (null when not required). */
    public record MaintenanceWindow(Instant start, Instant end, Instant announced) {
        public boolean contains(Instant t) {
            return !t.isBefore(start) && t.isBefore(end);
        }
    }

    /**
     * Latency objectives by percentile ({@code 50.0 → 200ms}, {@code 99.0 → 1s}, ordered by
     * percentile) and the throughput the flow must sustain, in operations per second ({@code null}
     * when not set).
     */
    public record Performance(Map<Double, Duration> latency, Double throughputPerSecond, String throughput) {
        public Performance {
            latency = Map.copyOf(latency);
        }

        /** The objective of the highest percentile (the tail the flow promises), or {@code null}. */
        public Map.Entry<Double, Duration> tail() {
            return latency.entrySet().stream().max(Map.Entry.comparingByKey()).orElse(null);
        }
    }

    public enum DataClassification {
        PUBLIC, INTERNAL, CONFIDENTIAL, RESTRICTED;

        public String yaml() {
            return name().toLowerCase();
        }
    }

    /**
     * Who may use the flow and how sensitive its data is: the classification and the fields of its
     * executions' data ({@code sensitivePaths}) that callers without {@code setlist:ReadSensitive}
     * see redacted.
     */
    public record Security(List<String> roles, DataClassification dataClassification,
                           List<SensitivePath> sensitivePaths) {
        public Security {
            roles = List.copyOf(roles);
            sensitivePaths = sensitivePaths == null ? List.of() : List.copyOf(sensitivePaths);
        }

        public Security(List<String> roles, DataClassification dataClassification) {
            this(roles, dataClassification, List.of());
        }

        /**
         * Whether executions' data is redacted whole for callers without {@code setlist:ReadSensitive}:
         * a {@code confidential} or {@code restricted} flow that names no sensitive paths.
         */
        public boolean redactsWhole() {
            return sensitivePaths.isEmpty() && dataClassification != null
                    && dataClassification.compareTo(DataClassification.CONFIDENTIAL) >= 0;
        }
    }

    /** What the flow may cost: per thousand runs and per month, in {@code currency} (ISO 4217). */
    public record Cost(BigDecimal perThousandRuns, BigDecimal perMonth, String currency) {}

    /**
     * The alarms (by name) that watch the flow, and those that page its escalation path; the
     * burn-rate alerts are named {@code burn-rate-1h}, {@code burn-rate-6h} and {@code burn-rate-3d}.
     * An empty {@code page} list pages for every alarm and alert of the flow.
     */
    public record Operations(List<String> alarms, List<String> page) {
        public static final Operations NONE = new Operations(List.of(), List.of());

        public Operations {
            alarms = List.copyOf(alarms);
            page = List.copyOf(page);
        }
    }
}
