package dev.setlist.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * One event of GetExecutionHistory: {@code details} is the event's details object under its
 * Step Functions field name (for example {@code {"taskScheduledEventDetails": {...}}}), ready to be
 * merged into the event's JSON.
 */
public record HistoryRecord(long id, long previousEventId, Instant timestamp, String type, ObjectNode details) {}
