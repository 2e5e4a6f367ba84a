package dev.setlist.bench.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.setlist.events.EventBus;
import dev.setlist.events.Target;
import dev.setlist.server.SetlistServer;
import dev.setlist.server.auth.SigV4;
import dev.setlist.server.config.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.event.ruler.GenericMachine;

/**
 * The event bus under load, in one run: PutEvents over HTTP (signed, 64 connections) on a server
 * with 100 rules loaded, each event matching one rule whose target is a local HTTP endpoint; the
 * end-to-end latency from PutEvents to the target's invocation; and, on the same events, the raw
 * matching rate of event-ruler alone. Prints Setlist ÷ raw matching.
 *
 * <p>Run: {@code bench/run-events.sh} (settings: {@code -Dbench.connections=64 -Dbench.warmup=3
 * -Dbench.measure=8 -Dbench.rules=100}).
 */
public final class EventsReport {
    private static final String KEY = "SLBENCH000000000002";
    private static final String SECRET = "bench-secret-events-0123";
    private static final ObjectMapper JSON = new ObjectMapper();

    private EventsReport() {}

    public static void main(String[] args) throws Exception {
        int connections = Integer.getInteger("bench.connections", 64);
        int warmup = Integer.getInteger("bench.warmup", 3);
        int measure = Integer.getInteger("bench.measure", 8);
        int rules = Integer.getInteger("bench.rules", 100);
        Path data = Files.createTempDirectory("setlist-bench-events");
        ServerConfig d = ServerConfig.defaults();
        ServerConfig config = new ServerConfig("127.0.0.1", 0, data, null, "sa", "", 16, "us-east-1", "000000000000",
                d.maxBodyBytes(), d.syncTimeout(), d.activityPoll(), Duration.ofSeconds(5), d.sessionTtl(), true);
        SetlistServer server = SetlistServer.builder(config)
                .env(Map.of("SETLIST_ACCESS_KEY_ID", KEY, "SETLIST_SECRET_ACCESS_KEY", SECRET))
                .out(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .build().start();
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        List<Long> endToEnd = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong delivered = new AtomicLong();
        HttpServer target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        target.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        target.createContext("/target", exchange -> {
            long now = System.nanoTime();
            JsonNode event = JSON.readTree(exchange.getRequestBody());
            Long t0 = sentAt.remove(event.path("id").asText());
            if (t0 != null) {
                endToEnd.add(now - t0);
            }
            delivered.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        target.start();
        try {
            EventBus bus = server.eventBus();
            String url = "http://127.0.0.1:" + target.getAddress().getPort() + "/target";
            List<String> patterns = new ArrayList<>();
            for (int i = 0; i < rules; i++) {
                String pattern = "{\"source\": [\"bench.load\"], \"detail-type\": [\"Tick\"], \"detail\": {\"kind\": [\"k" + i
                        + "\"], \"amount\": [{\"numeric\": [\">=\", 0]}]}}";
                patterns.add(pattern);
                bus.putRule("rule-" + i, null, pattern, null, null, null);
                bus.putTargets("rule-" + i, null, List.of(Target.of("t", url)));
            }
            System.out.printf(Locale.ROOT, "Setlist event bus benchmark: %d rules, %d connections, %d s warm-up + %d s,"
                    + " %d cores%n", rules, connections, warmup, measure, Runtime.getRuntime().availableProcessors());
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
            int port = server.port();

            double raw = rawMatching(patterns, rules);
            double uncommitted = inProcess(bus, "bench.nomatch");
            long deliveredBefore = delivered.get();
            long[] latencies = load(http, port, connections, warmup, measure, rules, sentAt);
            double perSecond = latencies.length / (double) measure;
            for (int i = 0; i < 400 && !sentAt.isEmpty(); i++) {
                Thread.sleep(25); // let the last deliveries arrive
            }
            long[] e2e = endToEnd.stream().mapToLong(Long::longValue).sorted().toArray();
            Arrays.sort(latencies);
            System.out.printf(Locale.ROOT, "%n%-44s %12s %10s %10s%n", "measure", "per second", "p50 ms", "p99 ms");
            System.out.printf(Locale.ROOT, "%-44s %12.0f %10.2f %10.2f%n", "PutEvents over HTTP (1 entry, committed)",
                    perSecond, pct(latencies, 0.5), pct(latencies, 0.99));
            System.out.printf(Locale.ROOT, "%-44s %12s %10.2f %10.2f%n", "PutEvents → target invoked (end to end)", "",
                    pct(e2e, 0.5), pct(e2e, 0.99));
            System.out.printf(Locale.ROOT, "%-44s %12.0f %10s %10s%n", "event-ruler matching alone (1 thread)", raw, "", "");
            System.out.printf(Locale.ROOT, "%-44s %12.0f %10s %10s%n", "putEvents in process, nothing to commit", uncommitted,
                    "", "");
            System.out.printf(Locale.ROOT, "%nSetlist ÷ raw matching = %.4f (events/s published, committed and delivered,"
                    + " against events/s matched in memory); %d deliveries%n", perSecond / raw,
                    delivered.get() - deliveredBefore);
            System.out.printf(Locale.ROOT, "(load average during the run: %.1f on %d cores)%n",
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                    Runtime.getRuntime().availableProcessors());
        } finally {
            target.stop(0);
            server.stop();
            try (var files = Files.walk(data)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** PutEvents' own work without a commit (validation, envelope, matching): events that match no rule. */
    static double inProcess(EventBus bus, String source) {
        long n = 0;
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < 2_000_000_000L) {
            bus.putEvents(List.of(dev.setlist.events.PutEntry.of(source, "Tick", "{\"kind\": \"k" + (n % 100) + "\"}")));
            n++;
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    /** event-ruler alone: events matched per second on one thread, against the same rules. */
    static double rawMatching(List<String> patterns, int rules) throws Exception {
        GenericMachine<String> machine = new GenericMachine<>();
        for (int i = 0; i < patterns.size(); i++) {
            machine.addRule("rule-" + i, patterns.get(i));
        }
        List<JsonNode> events = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            events.add(JSON.readTree(envelope(i, rules)));
        }
        long matched = 0;
        long end = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < end) {
            for (JsonNode e : events) {
                matched += machine.rulesForJSONEvent(e).size();
            }
        }
        matched = 0;
        long n = 0;
        long t0 = System.nanoTime();
        end = t0 + 3_000_000_000L;
        while (System.nanoTime() < end) {
            for (JsonNode e : events) {
                matched += machine.rulesForJSONEvent(e).size();
                n++;
            }
        }
        if (matched != n) {
            throw new IllegalStateException("each event should match exactly one rule: " + matched + " of " + n);
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private static String envelope(int i, int rules) {
        return "{\"version\": \"0\", \"id\": \"" + i + "\", \"detail-type\": \"Tick\", \"source\": \"bench.load\","
                + " \"account\": \"000000000000\", \"time\": \"2026-11-25T10:00:00Z\", \"region\": \"us-east-1\","
                + " \"resources\": [], \"detail\": {\"kind\": \"k" + (i % rules) + "\", \"amount\": " + i + "}}";
    }

    private static long[] load(HttpClient http, int port, int connections, int warmup, int measure, int rules,
                               Map<String, Long> sentAt) throws Exception {
        long warmEnd = System.nanoTime() + warmup * 1_000_000_000L;
        long end = warmEnd + measure * 1_000_000_000L;
        AtomicLong errors = new AtomicLong();
        AtomicLong counter = new AtomicLong();
        List<long[]> all = new ArrayList<>();
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<long[]>> futures = new ArrayList<>();
            for (int w = 0; w < connections; w++) {
                futures.add(workers.submit(() -> {
                    long[] mine = new long[1 << 14];
                    int n = 0;
                    while (true) {
                        long i = counter.incrementAndGet();
                        String detail = "{\\\"kind\\\": \\\"k" + (i % rules) + "\\\", \\\"amount\\\": " + i + "}";
                        byte[] body = ("{\"Entries\": [{\"Source\": \"bench.load\", \"DetailType\": \"Tick\", \"Detail\": \""
                                + detail + "\"}]}").getBytes(StandardCharsets.UTF_8);
                        long t0 = System.nanoTime();
                        if (t0 >= end) {
                            break;
                        }
                        HttpResponse<byte[]> r = http.send(signed(port, body), HttpResponse.BodyHandlers.ofByteArray());
                        long t1 = System.nanoTime();
                        if (r.statusCode() != 200) {
                            if (errors.incrementAndGet() == 1) {
                                System.err.println("PutEvents: " + r.statusCode() + " "
                                        + new String(r.body(), StandardCharsets.UTF_8));
                            }
                            continue;
                        }
                        if (t0 >= warmEnd) {
                            String id = JSON.readTree(r.body()).path("Entries").path(0).path("EventId").asText();
                            sentAt.put(id, t0);
                            if (t1 <= end) {
                                if (n == mine.length) {
                                    mine = Arrays.copyOf(mine, n * 2);
                                }
                                mine[n++] = t1 - t0;
                            }
                        }
                    }
                    return Arrays.copyOf(mine, n);
                }));
            }
            for (Future<long[]> f : futures) {
                all.add(f.get());
            }
        }
        return all.stream().flatMapToLong(Arrays::stream).toArray();
    }

    private static HttpRequest signed(int port, byte[] body) {
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", "application/x-amz-json-1.1");
        headers.put("X-Amz-Target", "AWSEvents.PutEvents");
        headers.putAll(SigV4.sign("POST", "127.0.0.1:" + port, "/", body, headers, KEY, SECRET, "us-east-1", "events",
                Instant.now()));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return b.build();
    }

    private static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))] / 1e6;
    }
}
