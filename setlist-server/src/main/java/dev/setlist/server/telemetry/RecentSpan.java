package dev.setlist.server.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A finished span as the trace view shows it, kept compact: the ring holds thousands of them for
 * seconds, long enough for the garbage collector to copy every object it keeps, so it keeps a few
 * strings and one array rather than the SDK's span with its maps.
 *
 * @param parentSpanId null for a root span
 * @param attributes keys and values, alternating
 */
public record RecentSpan(String traceId, String spanId, String parentSpanId, String name, String kind,
                         long startEpochNanos, long endEpochNanos, String status, Object[] attributes) {

    static RecentSpan of(SpanData s) {
        Object[] attrs = new Object[s.getAttributes().size() * 2];
        int[] i = {0};
        s.getAttributes().forEach((AttributeKey<?> k, Object v) -> {
            attrs[i[0]++] = k.getKey();
            attrs[i[0]++] = v;
        });
        return new RecentSpan(s.getTraceId(), s.getSpanId(),
                s.getParentSpanContext().isValid() ? s.getParentSpanId() : null, s.getName(), s.getKind().name(),
                s.getStartEpochNanos(), s.getEndEpochNanos(), s.getStatus().getStatusCode().name(), attrs);
    }

    /** The attributes by key, in the order they were set. */
    public Map<String, String> attributeMap() {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i + 1 < attributes.length; i += 2) {
            out.put((String) attributes[i], String.valueOf(attributes[i + 1]));
        }
        return out;
    }
}
