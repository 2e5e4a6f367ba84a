package dev.setlist.server.telemetry;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * A collector's OTLP/HTTP trace endpoint ({@code POST /v1/traces}, protobuf) on a local port: it
 * decodes each {@code ExportTraceServiceRequest} with a small reader of the protobuf wire format
 * (field numbers of {@code opentelemetry/proto/trace/v1/trace.proto}) and keeps the spans.
 */
final class OtlpReceiver implements AutoCloseable {
    /** One received span, with its resource's attributes. */
    record ReceivedSpan(String traceId, String spanId, String parentSpanId, String name, int kind,
                        Map<String, String> attributes, Map<String, String> resource) {}

    final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
    final List<String> contentTypes = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    OtlpReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/v1/traces", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                body = new GZIPInputStream(new ByteArrayInputStream(body)).readAllBytes();
            }
            contentTypes.add(String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type")));
            int status = 200;
            try {
                read(body);
            } catch (RuntimeException e) {
                status = 400;
            }
            exchange.sendResponseHeaders(status, -1); // an empty ExportTraceServiceResponse
            exchange.close();
        });
        server.start();
    }

    /** The base URL to configure as the OTLP endpoint. */
    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void read(byte[] request) {
        for (Object rs : fields(request).getOrDefault(1, List.of())) {                 // resource_spans
            Map<Integer, List<Object>> resourceSpans = fields((byte[]) rs);
            Map<String, String> resource = new LinkedHashMap<>();
            for (Object r : resourceSpans.getOrDefault(1, List.of())) {                    // resource
                attributes(fields((byte[]) r).getOrDefault(1, List.of()), resource);
            }
            for (Object ss : resourceSpans.getOrDefault(2, List.of())) {                   // scope_spans
                for (Object s : fields((byte[]) ss).getOrDefault(2, List.of())) {          // spans
                    Map<Integer, List<Object>> span = fields((byte[]) s);
                    Map<String, String> attrs = new LinkedHashMap<>();
                    attributes(span.getOrDefault(9, List.of()), attrs);
                    spans.add(new ReceivedSpan(hex(span, 1), hex(span, 2), hex(span, 4), text(span, 5),
                            span.containsKey(6) ? ((Long) span.get(6).get(0)).intValue() : 0, attrs, resource));
                }
            }
        }
    }

    /** KeyValue messages: key (1) and an AnyValue (2) holding a string (1), bool (2), int (3) or double (4). */
    private static void attributes(List<Object> keyValues, Map<String, String> into) {
        for (Object kv : keyValues) {
            Map<Integer, List<Object>> f = fields((byte[]) kv);
            Map<Integer, List<Object>> value = f.containsKey(2) ? fields((byte[]) f.get(2).get(0)) : Map.of();
            String v = value.containsKey(1) ? new String((byte[]) value.get(1).get(0), StandardCharsets.UTF_8)
                    : value.containsKey(2) ? String.valueOf((Long) value.get(2).get(0) != 0)
                    : value.containsKey(3) ? String.valueOf(value.get(3).get(0))
                    : value.containsKey(4) ? String.valueOf(Double.longBitsToDouble((Long) value.get(4).get(0)))
                    : null;
            into.put(text(f, 1), v);
        }
    }

    private static String text(Map<Integer, List<Object>> f, int field) {
        return f.containsKey(field) ? new String((byte[]) f.get(field).get(0), StandardCharsets.UTF_8) : null;
    }

    private static String hex(Map<Integer, List<Object>> f, int field) {
        return f.containsKey(field) ? HexFormat.of().formatHex((byte[]) f.get(field).get(0)) : "";
    }

    /** One protobuf message, field number to values: byte[] when length-delimited, Long otherwise. */
    static Map<Integer, List<Object>> fields(byte[] b) {
        Map<Integer, List<Object>> out = new HashMap<>();
        int[] at = {0};
        while (at[0] < b.length) {
            long tag = varint(b, at);
            int field = (int) (tag >>> 3);
            Object v = switch ((int) (tag & 7)) {
                case 0 -> varint(b, at);
                case 1 -> {
                    long x = ByteBuffer.wrap(b, at[0], 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                    at[0] += 8;
                    yield x;
                }
                case 2 -> {
                    int len = (int) varint(b, at);
                    byte[] x = Arrays.copyOfRange(b, at[0], at[0] + len);
                    if (at[0] + len > b.length) {
                        throw new IllegalArgumentException("truncated field " + field);
                    }
                    at[0] += len;
                    yield x;
                }
                case 5 -> {
                    long x = ByteBuffer.wrap(b, at[0], 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
                    at[0] += 4;
                    yield x;
                }
                default -> throw new IllegalArgumentException("wire type " + (tag & 7) + " of field " + field);
            };
            out.computeIfAbsent(field, k -> new ArrayList<>()).add(v);
        }
        return out;
    }

    private static long varint(byte[] b, int[] at) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte x = b[at[0]++];
            v |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("varint longer than 10 bytes");
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
