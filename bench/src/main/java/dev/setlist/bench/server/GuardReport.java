package dev.setlist.bench.server;

import dev.setlist.server.http.Access;
import dev.setlist.server.Extension;
import dev.setlist.server.SetlistServer;
import dev.setlist.server.config.ServerConfig;
import io.javalin.config.RoutesConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The traffic guard's two figures, in one run.
 *
 * <p><b>Cached read vs hello world.</b> One server with a workload extension: {@code GET /bench/hello}
 * (bound to no flow, a constant answer) and {@code GET /bench/concerts} (bound to a high-criticality
 * flow whose answers are cached for an hour; the origin builds a 50-concert JSON list). Both are
 * loaded in alternation at {@code bench.connections} connections, after a warm-up round, and the
 * report prints requests/s and p99 of each and the ratio cached/hello (goal >= 0.6).
 *
 * <p><b>Overload curve.</b> A second server with a fixed concurrency limit of {@code bench.limit}
 * and three flows, high, medium and low, whose handlers each take 10 ms (a stand-in for I/O).
 * Closed-loop clients, a third per criticality, offer 1×, 2× and 3× the limit in concurrent
 * requests; a shed client waits 10 ms before its next request (the server said Retry-After). The
 * report prints goodput (2xx per second), the shed share and the p50/p99 of good answers per
 * criticality at each load.
 *
 * <p>Run from the repository root: <pre>{@code bench/run-guard.sh}</pre>
 * Settings (system properties, through {@code BENCH_OPTS}): {@code bench.connections} (default 64),
 * {@code bench.warmup} and {@code bench.measure} seconds per run (defaults 3 and 8),
 * {@code bench.rounds} (default 3), {@code bench.limit} (default 30), {@code bench.client}
 * ({@code wrk} or {@code jdk}; default wrk when found).
 */
public final class GuardReport {
    private static final String CACHED = """
            workload: bench
            flows:
              - id: concerts
                name: List concerts
                kind: user
                description: Customers list the concerts.
                owner: Sales
                stakeholders: [Sales]
                escalation: [{name: On-call, channel: log}]
                businessImpact: No browsing, no sales.
                criticality: high
                targets: {reliability: {availability: 99.9}}
                bindings: {routes: ["GET /bench/concerts", "GET /bench/concerts/mine"]}
                guard:
                  cache: {ttl: 3600s}
                  rate: 1000000/s
                  burst: 1000000
                  callerRate: 1000000/s
                  callerBurst: 1000000
            """;

    private GuardReport() {}

    public static void main(String[] args) throws Exception {
        int connections = Integer.getInteger("bench.connections", 64);
        int warmup = Integer.getInteger("bench.warmup", 3);
        int measure = Integer.getInteger("bench.measure", 8);
        int rounds = Integer.getInteger("bench.rounds", 3);
        int limit = Integer.getInteger("bench.limit", 30);
        Path data = Files.createTempDirectory("setlist-bench-guard");
        String wrk = System.getProperty("bench.client", "wrk").equals("wrk") ? ServerReport.onPath("wrk") : null;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        System.out.printf(Locale.ROOT, "Traffic guard: %d connections, %d s warm-up + %d s per run, %d rounds, %d cores,"
                        + " load client %s%n", connections, warmup, measure, rounds, Runtime.getRuntime().availableProcessors(),
                wrk != null ? wrk : "java.net.http.HttpClient");

        SetlistServer cached = server(data.resolve("cached"), CACHED, 100_000, new Extension() {
            @Override
            public String flowsYaml() {
                return CACHED;
            }

            @Override
            public void routes(RoutesConfig routes, SetlistServer s) {
                routes.get("/bench/hello", ctx -> ctx.result("hello"), Access.anyone());
                routes.get("/bench/concerts", ctx -> ctx.json(concerts()), Access.anyone());
                // The same flow's cache, for signed-in callers only: the gate checks the API key first.
                routes.get("/bench/concerts/mine", ctx -> ctx.json(concerts()), Access.signedIn());
            }
        });
        String apiKey = cached.authStore().createApiKey("setlist", "admin")[1];
        try {
            System.out.printf(Locale.ROOT, "%n%-8s %-16s %12s %10s %10s %8s%n", "round", "route", "requests/s", "p50 ms",
                    "p99 ms", "errors");
            double sumHello = 0;
            double sumCached = 0;
            double sumSigned = 0;
            double p99Hello = 0;
            double p99Cached = 0;
            double p99Signed = 0;
            for (int round = 0; round <= rounds; round++) {
                for (String path : new String[] {"/bench/hello", "/bench/concerts", "/bench/concerts/mine"}) {
                    String url = "http://127.0.0.1:" + cached.port() + path;
                    boolean signed = path.endsWith("/mine");
                    // wrk sends no credentials here: the signed-in read always goes through the JDK client
                    ServerReport.Result r = wrk != null && !signed
                            ? ServerReport.wrk(wrk, path, url, null, null, connections, warmup, measure)
                            : ServerReport.run(path, http, connections, warmup, measure,
                                    i -> signed ? HttpRequest.newBuilder(URI.create(url))
                                            .header("Authorization", "Bearer " + apiKey).GET().build()
                                            : HttpRequest.newBuilder(URI.create(url)).GET().build());
                    System.out.printf(Locale.ROOT, "%-8s %-16s %12.0f %10.2f %10.2f %8d%n",
                            round == 0 ? "warm-up" : Integer.toString(round), path, r.perSecond(), r.p50Millis(),
                            r.p99Millis(), r.errors());
                    if (round == 0) {
                        continue;
                    }
                    if (path.equals("/bench/hello")) {
                        sumHello += r.perSecond();
                        p99Hello += r.p99Millis();
                    } else if (signed) {
                        sumSigned += r.perSecond();
                        p99Signed += r.p99Millis();
                    } else {
                        sumCached += r.perSecond();
                        p99Cached += r.p99Millis();
                    }
                }
            }
            double ratio = sumCached / sumHello;
            System.out.printf(Locale.ROOT, "%nmean: hello %.0f req/s (p99 %.2f ms), cached read %.0f req/s (p99 %.2f ms);"
                            + " ratio %.2f (goal >= 0.6: %s)%n", sumHello / rounds, p99Hello / rounds, sumCached / rounds,
                    p99Cached / rounds, ratio, ratio >= 0.6 ? "met" : "NOT met");
            System.out.printf(Locale.ROOT, "signed-in cached read (API key checked by the gate): %.0f req/s (p99 %.2f ms);"
                            + " ratio to hello %.2f, to the anonymous cached read %.2f%n", sumSigned / rounds,
                    p99Signed / rounds, sumSigned / sumHello, sumSigned / sumCached);
            var stats = cached.guard().stats("concerts");
            System.out.printf(Locale.ROOT, "cache of flow concerts: %d hits, %d misses%n", stats.hits.sum(),
                    stats.misses.sum());
        } finally {
            cached.stop();
        }

        String overloadYaml = overloadCatalog();
        SetlistServer overload = server(data.resolve("overload"), overloadYaml, limit, new Extension() {
            @Override
            public String flowsYaml() {
                return overloadYaml;
            }

            @Override
            public void routes(RoutesConfig routes, SetlistServer s) {
                for (String c : new String[] {"high", "medium", "low"}) {
                    routes.get("/bench/" + c, ctx -> {
                        Thread.sleep(10);
                        ctx.result(c);
                    }, Access.anyone());
                }
            }
        });
        try {
            System.out.printf(Locale.ROOT, "%nOverload: concurrency limit %d, handlers of 10 ms (capacity about %d req/s)%n",
                    limit, limit * 100);
            System.out.printf(Locale.ROOT, "%-6s %-8s %8s %12s %8s %10s %10s%n", "load", "flow", "clients", "goodput/s",
                    "shed %", "p50 ms", "p99 ms");
            curve(http, overload.port(), limit, 1, 2, false);
            for (int factor = 1; factor <= 3; factor++) {
                curve(http, overload.port(), limit, factor, measure, true);
            }
        } finally {
            overload.stop();
        }
    }

    private static void curve(HttpClient http, int port, int limit, int factor, int seconds, boolean print)
            throws Exception {
        String[] flows = {"high", "medium", "low"};
        int clients = Math.max(1, limit * factor / 3);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        Map<String, List<Future<long[]>>> futures = new HashMap<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String f : flows) {
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/bench/" + f))
                        .header("X-Setlist-Timeout-Ms", "1000").GET().build();
                List<Future<long[]>> mine = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    mine.add(pool.submit(() -> client(http, request, end)));
                }
                futures.put(f, mine);
            }
            for (String f : flows) {
                long good = 0;
                long shed = 0;
                List<long[]> lat = new ArrayList<>();
                for (Future<long[]> fu : futures.get(f)) {
                    long[] r = fu.get();
                    shed += r[0];
                    good += r.length - 1;
                    lat.add(Arrays.copyOfRange(r, 1, r.length));
                }
                long[] all = lat.stream().flatMapToLong(Arrays::stream).sorted().toArray();
                double p50 = all.length == 0 ? 0 : all[all.length / 2] / 1e6;
                double p99 = all.length == 0 ? 0 : all[Math.min(all.length - 1, (int) (all.length * 0.99))] / 1e6;
                if (print) {
                    System.out.printf(Locale.ROOT, "%-6s %-8s %8d %12.0f %8.1f %10.2f %10.2f%n", factor + "x", f, clients,
                            good / (double) seconds, 100.0 * shed / Math.max(1, good + shed), p50, p99);
                }
            }
        }
    }

    /** One closed-loop client: element 0 counts refusals, the rest are latencies (ns) of good answers. */
    private static long[] client(HttpClient http, HttpRequest request, long end) throws Exception {
        long[] out = new long[1 << 12];
        int n = 1;
        while (true) {
            long t0 = System.nanoTime();
            if (t0 >= end) {
                break;
            }
            HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
            long t1 = System.nanoTime();
            if (r.statusCode() == 200) {
                if (t1 <= end) {
                    if (n == out.length) {
                        out = Arrays.copyOf(out, n * 2);
                    }
                    out[n++] = t1 - t0;
                }
            } else {
                out[0]++;
                Thread.sleep(10);
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static String overloadCatalog() {
        StringBuilder y = new StringBuilder("workload: bench\nflows:\n");
        for (String c : new String[] {"high", "medium", "low"}) {
            y.append("""
                      - id: %s
                        name: %s flow
                        kind: user
                        description: A flow of %s criticality.
                        owner: Bench
                        stakeholders: [Bench]
                        escalation: [{name: On-call, channel: log}]
                        businessImpact: None.
                        criticality: %s
                        targets: {reliability: {availability: 99}}
                        bindings: {routes: ["GET /bench/%s"]}
                        guard: {rate: 1000000/s, burst: 1000000, callerRate: 1000000/s, callerBurst: 1000000}
                    """.formatted(c, c, c, c, c));
        }
        return y.toString();
    }

    private static List<Map<String, Object>> concerts() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            out.add(Map.of("id", "c-" + i, "artist", "Artist " + i, "venue", "Venue " + (i % 7),
                    "date", "2027-0" + (1 + i % 9) + "-1" + (i % 10), "price", 40 + i));
        }
        return out;
    }

    private static SetlistServer server(Path dir, String yaml, int concurrency, Extension extension) {
        ServerConfig d = ServerConfig.defaults();
        ServerConfig config = new ServerConfig("127.0.0.1", 0, dir, null, "sa", "", 8, "us-east-1", "000000000000",
                d.maxBodyBytes(), d.syncTimeout(), d.activityPoll(), Duration.ofSeconds(5), d.sessionTtl(), true,
                null, true, null);
        return SetlistServer.builder(config)
                .env(Map.of("SETLIST_ACCESS_KEY_ID", "SLBENCHGUARD0000001", "SETLIST_SECRET_ACCESS_KEY",
                        "bench-secret-0123456789", "SETLIST_GUARD_CONCURRENCY", Integer.toString(concurrency)))
                .out(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .extension(extension)
                .build().start();
    }
}
