package dev.setlist.server.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.List;

/**
 * W3C trace context ({@code traceparent: 00-<trace id>-<span id>-<flags>}) as the engine and the
 * event bus carry it: a plain string in {@code traceHeader}. A header that is not W3C trace context
 * (an X-Ray {@code Root=…} header, garbage) gives no parent, never an error.
 */
public final class Traceparent {
    private static final TextMapGetter<String> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
            return List.of("traceparent");
        }

        @Override
        public String get(String carrier, String key) {
            return "traceparent".equals(key) ? carrier : null;
        }
    };

    private Traceparent() {}

    /** The traceparent of the span current on this thread, or null when there is none. */
    public static String current() {
        return of(Span.current().getSpanContext());
    }

    public static String of(SpanContext sc) {
        if (!sc.isValid()) {
            return null;
        }
        return "00-" + sc.getTraceId() + "-" + sc.getSpanId() + "-" + sc.getTraceFlags().asHex();
    }

    /** The parent context a header names (the root context for null or a header that is not W3C). */
    public static Context parent(String header) {
        if (header == null || header.isEmpty()) {
            return Context.root();
        }
        return W3CTraceContextPropagator.getInstance().extract(Context.root(), header, GETTER);
    }

    /** The trace id of a header, or null. */
    public static String traceId(String header) {
        SpanContext sc = Span.fromContext(parent(header)).getSpanContext();
        return sc.isValid() ? sc.getTraceId() : null;
    }
}
