package dev.setlist.flows;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a flow measured over a review period, beside its targets: the service level, latency
 * percentiles (milliseconds, by percentile; empty without outcomes), how often each of its alarms
 * fired, and its most frequent errors.
 */
public record FlowReview(Flow flow, SloStatus slo, Map<Double, Double> latencyMillis, Map<String, Integer> alarmsFired,
                         List<ErrorCount> topErrors) {
    public FlowReview {
        latencyMillis = Collections.unmodifiableSortedMap(new TreeMap<>(latencyMillis));
        alarmsFired = Collections.unmodifiableMap(new LinkedHashMap<>(alarmsFired));
        topErrors = List.copyOf(topErrors);
    }

    public record ErrorCount(String error, long count) {}
}
