package dev.setlist.flows;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A flow's service level over {@code [from, to)}, counting only the minutes inside the flow's
 * hours and outside its maintenance windows. {@code availability} and {@code latencySli} are
 * fractions (0.999), {@code null} without outcomes; {@code budgetRemaining} is the share of the
 * error budget left (1 untouched, 0 spent, negative overspent).
 */
public record SloStatus(String flow, Instant from, Instant to, double objective, long good, long bad,
                        Double availability, Double latencyPercentile, Duration latencyThreshold, long fast,
                        Double latencySli, double budgetRemaining, List<BurnRate> burnRates) {
    public SloStatus {
        burnRates = List.copyOf(burnRates);
    }

    public long total() {
        return good + bad;
    }

    /**
     * One multiwindow burn-rate alert: the error rate over each window divided by the budgeted
     * rate (1 − objective). It fires when both exceed {@code factor}.
     */
    public record BurnRate(String name, Duration longWindow, Duration shortWindow, double factor, double longRate,
                           double shortRate, boolean firing) {}
}
