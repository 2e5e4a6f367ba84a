package dev.setlist.server.telemetry;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The most recent finished spans, in memory and in their compact form ({@link RecentSpan}), for the
 * trace view. Bounded: the oldest span is dropped when {@code capacity} is reached. Thread safe.
 */
final class SpanRing implements SpanExporter {
    private final int capacity;
    private final ArrayDeque<RecentSpan> spans;

    SpanRing(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.capacity = capacity;
        this.spans = new ArrayDeque<>(Math.min(capacity, 4096));
    }

    @Override
    public synchronized CompletableResultCode export(Collection<SpanData> batch) {
        for (SpanData s : batch) {
            if (spans.size() == capacity) {
                spans.removeFirst();
            }
            spans.addLast(RecentSpan.of(s));
        }
        return CompletableResultCode.ofSuccess();
    }

    /** The kept spans of one trace, in the order they ended. */
    synchronized List<RecentSpan> trace(String traceId) {
        List<RecentSpan> out = new ArrayList<>();
        for (RecentSpan s : spans) {
            if (s.traceId().equals(traceId)) {
                out.add(s);
            }
        }
        return out;
    }

    synchronized int size() {
        return spans.size();
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
