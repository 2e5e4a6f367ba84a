package dev.setlist.engine;

import java.time.Instant;

/**
 * A Distributed Map's run: its child executions' counts by status, its limits and its status
 * (RUNNING, SUCCEEDED, FAILED, ABORTED).
 */
public record MapRunInfo(String mapRunArn, String executionArn, String status, Instant startDate, Instant stopDate,
                         int maxConcurrency, double toleratedFailurePercentage, long toleratedFailureCount,
                         Counts itemCounts, Counts executionCounts) {

    public record Counts(long pending, long running, long succeeded, long failed, long timedOut, long aborted,
                         long total, long resultsWritten) {}
}
