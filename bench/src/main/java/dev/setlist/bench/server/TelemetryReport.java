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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The cost of telemetry on a plain route: two servers, each in a JVM of its own started by this
 * one with the same settings, one with {@code telemetry.enabled: false} and one with telemetry on
 * and a flow catalog that binds {@code GET /healthz} (so every request gets a server span kept in
 * the trace ring, a timer with a percentile histogram, MDC entries and an outcome for the flow
 * monitor). Separate processes keep each server's garbage collection, JIT and background threads on
 * its own account.
 *
 * <p>The machine is shared and small, so one pair of runs says little: the two servers are loaded
 * one after the other in {@code bench.rounds} rounds, the order alternating (off-on, on-off, …) so
 * a drift of the machine's load falls on both sides alike, after a warm-up round of
 * {@code bench.jitWarmup} seconds per server that is not counted (each JVM's JIT compiles the hot
 * paths then; on a loaded 2-core machine C2 is still busy after 40 seconds). Each round gives the
 * ratio on ÷ off of two figures:
 * <ul>
 *   <li>requests/s under load from {@code wrk} (or virtual threads on {@code java.net.http.HttpClient});
 *   <li>CPU time the server's process spent per request (user and system, from the operating
 *       system): what telemetry adds to each request, less sensitive than requests/s to other
 *       processes taking the cores.
 * </ul>
 * The report prints every round, the median of each side, and the median of the per-round ratios
 * with their interquartile range; the overhead is 1 − median(on ÷ off requests/s), goal ≤ 10%.
 *
 * <p>Run from the repository root: <pre>{@code bench/run-telemetry.sh}</pre>
 * Settings (system properties, through {@code BENCH_OPTS}): {@code bench.connections} (default 32),
 * {@code bench.jitWarmup} (default 60), {@code bench.warmup} and {@code bench.measure} seconds per
 * run (defaults 2 and 5),
 * {@code bench.rounds} (default 12), {@code bench.client} ({@code wrk} or {@code jdk}; default wrk
 * when it is on the PATH), {@code bench.serverJvm} (the servers' JVM options, default
 * {@code -Xms1g -Xmx1g}).
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

    /** One server's figures in one round. */
    private record Run(double perSecond, double p50Millis, double p99Millis, double cpuMicros, long errors) {}

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("--serve")) {
            serve(args[1].equals("on"), Path.of(args[2]));
            return;
        }
        int connections = Integer.getInteger("bench.connections", 32);
        int warmup = Integer.getInteger("bench.warmup", 2);
        int measure = Integer.getInteger("bench.measure", 5);
        int rounds = Integer.getInteger("bench.rounds", 12);
        Path data = Files.createTempDirectory("setlist-bench-telemetry");
        ServerProcess off = ServerProcess.start(false, data.resolve("off"));
        ServerProcess on = ServerProcess.start(true, data.resolve("on"));
        try {
            String wrk = System.getProperty("bench.client", "wrk").equals("wrk") ? ServerReport.onPath("wrk") : null;
            HttpClient http = wrk != null ? null : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
            System.out.printf(Locale.ROOT, "Telemetry overhead on GET /healthz: %d connections, %d s warm-up + %d s measured"
                    + " per run, %d rounds (order alternating), %d cores, JDK %s, servers in their own JVMs (%s),"
                    + " load client %s%n", connections, warmup, measure, rounds,
                    Runtime.getRuntime().availableProcessors(), Runtime.version(), serverJvm(),
                    wrk != null ? wrk + " (2 threads, its own process)"
                            : "java.net.http.HttpClient in this process");
            System.out.printf(Locale.ROOT, "%n%-8s %-10s %12s %9s %9s %14s %7s %9s%n", "round", "telemetry", "requests/s",
                    "p50 ms", "p99 ms", "CPU µs/req", "errors", "load avg");
            List<Run> offs = new ArrayList<>();
            List<Run> ons = new ArrayList<>();
            for (int round = 0; round <= rounds; round++) {
                boolean offFirst = round % 2 == 0;
                for (ServerProcess s : offFirst ? new ServerProcess[] {off, on} : new ServerProcess[] {on, off}) {
                    String name = s == off ? "off" : "on";
                    String url = "http://127.0.0.1:" + s.port + "/healthz";
                    // The uncounted first round runs longer: it is where each JVM's JIT compiles the paths.
                    int w = round == 0 ? Integer.getInteger("bench.jitWarmup", 60) : warmup;
                    ServerReport.Result r = wrk != null
                            ? ServerReport.wrk(wrk, name, url, null, null, connections, w, measure, false, s::cpuNanos)
                            : ServerReport.run(name, http, connections, w, measure,
                                    i -> HttpRequest.newBuilder(URI.create(url)).GET().build(), false, s::cpuNanos);
                    Run run = new Run(r.perSecond(), r.p50Millis(), r.p99Millis(), r.cpuMicros(), r.errors());
                    System.out.printf(Locale.ROOT, "%-8s %-10s %12.0f %9.2f %9.2f %14.1f %7d %9.2f%n",
                            round == 0 ? "warm-up" : Integer.toString(round), name, run.perSecond, run.p50Millis,
                            run.p99Millis, run.cpuMicros, run.errors, loadAverage());
                    if (round > 0) {
                        (s == off ? offs : ons).add(run);
                    }
                }
            }
            double[] rps = new double[rounds];
            double[] cpu = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                rps[i] = ons.get(i).perSecond / offs.get(i).perSecond;
                cpu[i] = ons.get(i).cpuMicros / offs.get(i).cpuMicros;
            }
            long errors = offs.stream().mapToLong(Run::errors).sum() + ons.stream().mapToLong(Run::errors).sum();
            System.out.printf(Locale.ROOT, "%n%-24s %12s %12s %12s   %s%n", "median of the rounds", "off", "on",
                    "on ÷ off", "on ÷ off of the rounds: median [Q1 .. Q3], min .. max");
            System.out.printf(Locale.ROOT, "%-24s %12.0f %12.0f %12.3f   %s%n", "requests/s",
                    median(offs.stream().mapToDouble(Run::perSecond).toArray()),
                    median(ons.stream().mapToDouble(Run::perSecond).toArray()), median(rps), spread(rps));
            System.out.printf(Locale.ROOT, "%-24s %12.1f %12.1f %12.3f   %s%n", "CPU µs per request",
                    median(offs.stream().mapToDouble(Run::cpuMicros).toArray()),
                    median(ons.stream().mapToDouble(Run::cpuMicros).toArray()), median(cpu), spread(cpu));
            System.out.printf(Locale.ROOT, "%-24s %12.2f %12.2f%n", "p50 ms",
                    median(offs.stream().mapToDouble(Run::p50Millis).toArray()),
                    median(ons.stream().mapToDouble(Run::p50Millis).toArray()));
            double overhead = 1 - median(rps);
            double cpuOverhead = median(cpu) - 1;
            double cpuOffMedian = median(offs.stream().mapToDouble(Run::cpuMicros).toArray());
            System.out.printf(Locale.ROOT, "%noverhead of telemetry on requests/s: %.1f%% (interquartile range of the rounds"
                            + " %.1f%% .. %.1f%%); goal <= 10%%: %s%n", overhead * 100, (1 - quantile(rps, 0.75)) * 100,
                    (1 - quantile(rps, 0.25)) * 100, overhead <= 0.10 ? "met" : "NOT met");
            System.out.printf(Locale.ROOT, "overhead of telemetry on CPU per request: %+.1f%% (%+.1f µs of %.1f µs;"
                            + " interquartile range %+.1f%% .. %+.1f%%)%n", cpuOverhead * 100, cpuOverhead * cpuOffMedian,
                    cpuOffMedian, (quantile(cpu, 0.25) - 1) * 100, (quantile(cpu, 0.75) - 1) * 100);
            System.out.printf(Locale.ROOT, "non-2xx responses: %d%n", errors);
        } finally {
            on.stop();
            off.stop();
        }
    }

    private static String serverJvm() {
        return System.getProperty("bench.serverJvm", "-Xms1g -Xmx1g");
    }

    /** A server in a JVM of its own: this class with {@code --serve}, on the same class path. */
    private static final class ServerProcess {
        final Process process;
        final int port;

        private ServerProcess(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static ServerProcess start(boolean telemetry, Path dir) throws Exception {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(Arrays.asList(serverJvm().trim().split("\\s+")));
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), TelemetryReport.class.getName(), "--serve",
                    telemetry ? "on" : "off", dir.toString()));
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("PORT ")) {
                // the server's own output before it listens
            }
            if (line == null) {
                throw new IllegalStateException("the " + (telemetry ? "telemetry-on" : "telemetry-off")
                        + " server exited with " + p.waitFor());
            }
            Thread.ofVirtual().start(() -> {
                try {
                    out.transferTo(java.io.Writer.nullWriter());
                } catch (java.io.IOException ignored) {
                    // the server went away
                }
            });
            return new ServerProcess(p, Integer.parseInt(line.substring(5).trim()));
        }

        /** CPU time (user and system) of the server's process so far. */
        long cpuNanos() {
            return process.toHandle().info().totalCpuDuration().orElseThrow(
                    () -> new IllegalStateException("the operating system does not tell a process's CPU time")).toNanos();
        }

        void stop() throws InterruptedException, java.io.IOException {
            process.getOutputStream().close();
            try {
                if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                throw e;
            }
        }
    }

    /** The child's side: starts a server, prints its port, stops it when standard input closes. */
    private static void serve(boolean telemetry, Path dir) throws Exception {
        Files.createDirectories(dir);
        Path flows = null;
        if (telemetry) {
            flows = dir.resolve("flows.yaml");
            Files.writeString(flows, FLOWS);
        }
        SetlistServer server = server(dir, telemetry, flows);
        try {
            System.out.println("PORT " + server.port());
            System.out.flush();
            System.in.transferTo(java.io.OutputStream.nullOutputStream());
        } finally {
            server.stop();
        }
    }

    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    static double median(double[] values) {
        return quantile(values, 0.5);
    }

    /** The {@code q} quantile, interpolated between the closest ranks. */
    static double quantile(double[] values, double q) {
        double[] s = values.clone();
        Arrays.sort(s);
        if (s.length == 0) {
            return Double.NaN;
        }
        double at = q * (s.length - 1);
        int lo = (int) Math.floor(at);
        int hi = (int) Math.ceil(at);
        return s[lo] + (s[hi] - s[lo]) * (at - lo);
    }

    private static String spread(double[] ratios) {
        double[] s = ratios.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%.3f [%.3f .. %.3f], %.3f .. %.3f", median(s), quantile(s, 0.25),
                quantile(s, 0.75), s[0], s[s.length - 1]);
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
