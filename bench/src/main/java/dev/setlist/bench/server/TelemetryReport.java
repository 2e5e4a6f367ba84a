package dev.setlist.bench.server;

import dev.setlist.server.SetlistServer;
import dev.setlist.server.config.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The cost of telemetry on a plain route: two servers in this process, one with
 * {@code telemetry.enabled: false} and one with telemetry on and a flow catalog that binds
 * {@code GET /healthz} (so every request gets a server span, a timer with a percentile histogram,
 * MDC entries and an outcome for the flow monitor). Both are loaded in alternation, off then on,
 * {@code bench.rounds} times after a warm-up round that is not counted (both servers share the
 * JIT-compiled code of Javalin and Jetty), and the report prints each round, the means and the overhead
 * (1 − on/off) against the goal of at most 10%.
 *
 * <p>Run from the repository root: <pre>{@code bench/run-telemetry.sh}</pre>
 * Settings (system properties, through {@code BENCH_OPTS}): {@code bench.connections} (default 64),
 * {@code bench.warmup} and {@code bench.measure} seconds per run (defaults 3 and 8),
 * {@code bench.rounds} (default 3), {@code bench.client} ({@code wrk} or {@code jdk}; default wrk
 * when found).
 */
public final class TelemetryReport {
    private static final String FLOWS = """
            workload: bench
            flows:
              - id: status
                name: Status
                kind: system
                description: Load balancers ask whether the node is up.
                owner: Platform
                stakeholders: [Platform]
                escalation:
                  - {name: Platform, channel: log}
                businessImpact: Traffic goes to a dead node.
                criticality: medium
                targets:
                  reliability: {availability: 99.9}
                bindings:
                  routes: ["GET /healthz"]
            """;

    private TelemetryReport() {}

    public static void main(String[] args) throws Exception {
        int connections = Integer.getInteger("bench.connections", 64);
        int warmup = Integer.getInteger("bench.warmup", 3);
        int measure = Integer.getInteger("bench.measure", 8);
        int rounds = Integer.getInteger("bench.rounds", 3);
        Path data = Files.createTempDirectory("setlist-bench-telemetry");
        Path flows = data.resolve("flows.yaml");
        Files.writeString(flows, FLOWS);
        SetlistServer off = server(data.resolve("off"), false, null);
        SetlistServer on = server(data.resolve("on"), true, flows);
        try {
            String wrk = System.getProperty("bench.client", "wrk").equals("wrk") ? ServerReport.onPath("wrk") : null;
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
            System.out.printf(Locale.ROOT, "Telemetry overhead on GET /healthz: %d connections, %d s warm-up + %d s per run,"
                    + " %d rounds, %d cores, load client %s%n", connections, warmup, measure, rounds,
                    Runtime.getRuntime().availableProcessors(), wrk != null ? wrk : "java.net.http.HttpClient");
            System.out.printf(Locale.ROOT, "%n%-8s %-14s %12s %10s %10s %14s%n", "round", "telemetry", "requests/s", "p50 ms",
                    "p99 ms", "server CPU µs");
            double sumOff = 0;
            double sumOn = 0;
            double cpuOff = 0;
            double cpuOn = 0;
            for (int round = 0; round <= rounds; round++) {
                for (SetlistServer s : new SetlistServer[] {off, on}) {
                    String name = s == off ? "off" : "on";
                    String url = "http://127.0.0.1:" + s.port() + "/healthz";
                    ServerReport.Result r = wrk != null
                            ? ServerReport.wrk(wrk, name, url, null, null, connections, warmup, measure)
                            : ServerReport.run(name, http, connections, warmup, measure,
                                    i -> HttpRequest.newBuilder(URI.create(url)).GET().build());
                    System.out.printf(Locale.ROOT, "%-8s %-14s %12.0f %10.2f %10.2f %14.1f%n",
                            round == 0 ? "warm-up" : Integer.toString(round), name, r.perSecond(), r.p50Millis(),
                            r.p99Millis(), r.cpuMicros());
                    if (round == 0) {
                        continue;
                    }
                    if (s == off) {
                        sumOff += r.perSecond();
                        cpuOff += r.cpuMicros();
                    } else {
                        sumOn += r.perSecond();
                        cpuOn += r.cpuMicros();
                    }
                }
            }
            double overhead = 1 - sumOn / sumOff;
            System.out.printf(Locale.ROOT, "%nmean requests/s: off %.0f, on %.0f; overhead %.1f%% (goal <= 10%%: %s);"
                            + " server CPU per request: off %.1f µs, on %.1f µs%n", sumOff / rounds, sumOn / rounds,
                    overhead * 100, overhead <= 0.10 ? "met" : "NOT met", cpuOff / rounds, cpuOn / rounds);
        } finally {
            on.stop();
            off.stop();
        }
    }

    private static SetlistServer server(Path dir, boolean telemetry, Path flows) {
        ServerConfig d = ServerConfig.defaults();
        ServerConfig config = new ServerConfig("127.0.0.1", 0, dir, null, "sa", "", 8, "us-east-1", "000000000000",
                d.maxBodyBytes(), d.syncTimeout(), d.activityPoll(), Duration.ofSeconds(5), d.sessionTtl(), true,
                flows, telemetry, null);
        return SetlistServer.builder(config)
                .env(Map.of("SETLIST_ACCESS_KEY_ID", "SLBENCH00000000000" + (telemetry ? 2 : 1),
                        "SETLIST_SECRET_ACCESS_KEY", "bench-secret-0123456789"))
                .out(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .build().start();
    }
}
