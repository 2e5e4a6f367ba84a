package dev.setlist.bench.server;

import dev.setlist.server.SetlistServer;
import dev.setlist.server.auth.SigV4;
import dev.setlist.server.config.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Load over HTTP against a Setlist server started in this process (embedded H2 in a temporary
 * directory, authentication on): a hello-world endpoint ({@code GET /healthz}), then
 * StartSyncExecution of a 3-state Pass machine (EXPRESS) and StartExecution of the same machine as
 * STANDARD, each request signed with SigV4 as the AWS SDKs sign. Prints requests/s, p50 and p99
 * latency and the ratio of each to hello-world, and whether StartSyncExecution reaches the goal of
 * half of hello-world's rate. Client and server share the machine, as they do in the same run.
 *
 * <p>The load comes from {@code wrk} (Debian's package) when it is installed: the harness signs each
 * scenario's request once and hands wrk the signed headers in a Lua script (a SigV4 signature
 * stays valid for 15 minutes; the server, like AWS, does not refuse a repeated signature). Without
 * wrk, or with {@code -Dbench.client=jdk}, virtual threads drive {@code java.net.http.HttpClient},
 * signing every request; that client costs more CPU of the shared cores, so its absolute figures
 * are lower while the ratios stay comparable.
 *
 * <p>Run from the repository root: <pre>{@code bench/run-server.sh}</pre>
 * Settings (system properties, through {@code BENCH_OPTS}): {@code bench.connections} (default 64),
 * {@code bench.warmup} and {@code bench.measure} seconds per scenario (defaults 5 and 10),
 * {@code bench.goal} (default 0.5), {@code bench.client} ({@code wrk} or {@code jdk}; default wrk
 * when found).
 */
public final class ServerReport {
    private static final String KEY = "SLBENCH000000000001";
    private static final String SECRET = "bench-secret-0123456789";
    private static final String PASS3 = "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"Next\":\"B\"},"
            + "\"B\":{\"Type\":\"Pass\",\"Result\":{\"b\":1},\"ResultPath\":\"$.b\",\"Next\":\"C\"},\"C\":{\"Type\":\"Pass\",\"End\":true}}}";

    private ServerReport() {}

    /** One scenario's figures. */
    record Result(String name, double perSecond, double p50Millis, double p99Millis, long errors, double cpuMicros) {}

    /** CPU time this process (the server) used so far, in nanoseconds. */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    public static void main(String[] args) throws Exception {
        int connections = Integer.getInteger("bench.connections", 64);
        int warmup = Integer.getInteger("bench.warmup", 5);
        int measure = Integer.getInteger("bench.measure", 10);
        double goal = Double.parseDouble(System.getProperty("bench.goal", "0.5"));
        Path data = Files.createTempDirectory("setlist-bench");
        ServerConfig d = ServerConfig.defaults();
        ServerConfig config = new ServerConfig("127.0.0.1", 0, data, null, "sa", "", 16, "us-east-1", "000000000000",
                d.maxBodyBytes(), d.syncTimeout(), d.activityPoll(), Duration.ofSeconds(5), d.sessionTtl(), true);
        SetlistServer server = SetlistServer.builder(config)
                .env(Map.of("SETLIST_ACCESS_KEY_ID", KEY, "SETLIST_SECRET_ACCESS_KEY", SECRET))
                .out(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .build().start();
        try {
            String base = "http://127.0.0.1:" + server.port();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
            String express = create(http, server.port(), "bench-express", "EXPRESS");
            String standard = create(http, server.port(), "bench-standard", "STANDARD");
            System.out.printf(Locale.ROOT, "Setlist server benchmark: %d connections, %d s warm-up + %d s per scenario, %d cores%n",
                    connections, warmup, measure, Runtime.getRuntime().availableProcessors());
            String wrk = System.getProperty("bench.client", "wrk").equals("wrk") ? onPath("wrk") : null;
            System.out.println("load client: " + (wrk != null ? wrk + " (requests signed once)" : "java.net.http.HttpClient on virtual threads (every request signed)"));
            byte[] sync = ("{\"stateMachineArn\":\"" + express + "\",\"input\":\"{\\\"n\\\":1}\"}").getBytes(StandardCharsets.UTF_8);
            byte[] start = ("{\"stateMachineArn\":\"" + standard + "\",\"input\":\"{\\\"n\\\":1}\"}").getBytes(StandardCharsets.UTF_8);
            List<Result> results = new ArrayList<>();
            String only = System.getProperty("bench.only");
            if (only != null) {
                byte[] body = only.equals("StartExecution") ? start : sync;
                Result r = wrk(wrk, only, base + "/", only, body, connections, warmup, measure);
                System.out.printf(Locale.ROOT, "%s: %.0f requests/s, %.1f µs server CPU per request%n", only, r.perSecond,
                        r.cpuMicros);
                return;
            }
            if (wrk != null) {
                results.add(wrk(wrk, "hello-world GET /healthz", base + "/healthz", null, null, connections, warmup, measure));
                results.add(wrk(wrk, "StartSyncExecution (EXPRESS, 3 Pass)", base + "/", "StartSyncExecution", sync, connections,
                        warmup, measure));
                results.add(wrk(wrk, "StartExecution (STANDARD, 3 Pass)", base + "/", "StartExecution", start, connections,
                        warmup, measure));
            } else {
                HttpRequest hello = HttpRequest.newBuilder(URI.create(base + "/healthz")).GET().build();
                results.add(run("hello-world GET /healthz", http, connections, warmup, measure, i -> hello));
                results.add(run("StartSyncExecution (EXPRESS, 3 Pass)", http, connections, warmup, measure,
                        i -> signed(server.port(), "StartSyncExecution", sync)));
                results.add(run("StartExecution (STANDARD, 3 Pass)", http, connections, warmup, measure,
                        i -> signed(server.port(), "StartExecution", start)));
            }
            Result baseline = results.get(0);
            System.out.printf(Locale.ROOT, "%n%-40s %12s %10s %10s %10s %8s %14s %12s%n", "scenario", "requests/s", "p50 ms",
                    "p99 ms", "vs hello", "errors", "server CPU µs", "CPU vs hello");
            for (Result r : results) {
                System.out.printf(Locale.ROOT, "%-40s %12.0f %10.2f %10.2f %10.2f %8d %14.1f %12.2f%n", r.name, r.perSecond,
                        r.p50Millis, r.p99Millis, r.perSecond / baseline.perSecond, r.errors, r.cpuMicros,
                        baseline.cpuMicros / r.cpuMicros);
            }
            double ratio = results.get(1).perSecond / baseline.perSecond;
            System.out.printf(Locale.ROOT, "%nStartSyncExecution / hello-world = %.2f requests/s, %.2f by server CPU per request"
                    + " (goal >= %.2f): %s%n", ratio, baseline.cpuMicros / results.get(1).cpuMicros, goal,
                    ratio >= goal ? "MET" : "NOT MET");
            System.out.printf(Locale.ROOT, "(load average during the run: %.1f on %d cores; other processes skew requests/s,"
                    + " less so CPU per request)%n", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                    .getSystemLoadAverage(), Runtime.getRuntime().availableProcessors());
        } finally {
            server.stop();
            try (var files = Files.walk(data)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static Result wrk(String wrk, String name, String url, String action, byte[] body, int connections, int warmup,
                      int measure) throws IOException, InterruptedException {
        return wrk(wrk, name, url, action, body, connections, warmup, measure, true, ServerReport::cpuNanos);
    }

    /**
     * Runs wrk against {@code url}: unsigned GET when {@code action} is null, else a POST signed once;
     * {@code print}: a line with the scenario's requests/s; {@code serverCpu}: the server's CPU time
     * so far in nanoseconds, read before and after the measured run.
     */
    static Result wrk(String wrk, String name, String url, String action, byte[] body, int connections, int warmup,
                      int measure, boolean print, java.util.function.LongSupplier serverCpu)
            throws IOException, InterruptedException {
        Path script = Files.createTempFile("setlist-bench", ".lua");
        StringBuilder lua = new StringBuilder();
        if (action != null) {
            URI uri = URI.create(url);
            Map<String, String> headers = new HashMap<>();
            headers.put("Content-Type", "application/x-amz-json-1.0");
            headers.put("X-Amz-Target", "AWSStepFunctions." + action);
            headers.putAll(SigV4.sign("POST", uri.getHost() + ":" + uri.getPort(), "/", body, headers, KEY, SECRET, "us-east-1",
                    "states", Instant.now()));
            lua.append("wrk.method = \"POST\"\n");
            lua.append("wrk.body = ").append(luaString(new String(body, StandardCharsets.UTF_8))).append("\n");
            headers.forEach((k, v) -> lua.append("wrk.headers[").append(luaString(k)).append("] = ").append(luaString(v)).append("\n"));
        }
        Files.writeString(script, lua.toString());
        String threads = "2";
        exec(List.of(wrk, "-t" + threads, "-c" + connections, "-d" + warmup + "s", "-s", script.toString(), url));
        long cpu0 = serverCpu.getAsLong();
        String out = exec(List.of(wrk, "-t" + threads, "-c" + connections, "-d" + measure + "s", "--latency", "-s",
                script.toString(), url));
        long cpu = serverCpu.getAsLong() - cpu0;
        long requests = Long.parseLong(match(out, "(\\d+) requests in"));
        Files.deleteIfExists(script);
        double rps = Double.parseDouble(match(out, "Requests/sec:\\s+([0-9.]+)"));
        String errors = find(out, "Non-2xx or 3xx responses:\\s+(\\d+)");
        Result r = new Result(name, rps, millis(match(out, "\\s50%\\s+([0-9.]+[a-z]+)")), millis(match(out, "\\s99%\\s+([0-9.]+[a-z]+)")),
                errors == null ? 0 : Long.parseLong(errors), cpu / 1000.0 / Math.max(1, requests));
        if (print) {
            System.out.printf(Locale.ROOT, "  %-40s %10.0f req/s%n", name, r.perSecond);
        }
        return r;
    }

    private static String exec(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
        }
        return out;
    }

    private static String match(String text, String regex) {
        String m = find(text, regex);
        if (m == null) {
            throw new IllegalStateException("no " + regex + " in wrk's output:\n" + text);
        }
        return m;
    }

    private static String find(String text, String regex) {
        var m = java.util.regex.Pattern.compile(regex).matcher(text);
        return m.find() ? m.group(1) : null;
    }

    private static double millis(String wrkDuration) {
        var m = java.util.regex.Pattern.compile("([0-9.]+)([a-z]+)").matcher(wrkDuration);
        if (!m.matches()) {
            throw new IllegalStateException("not a wrk duration: " + wrkDuration);
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "ms" -> v;
            case "s" -> v * 1000;
            case "m" -> v * 60_000;
            default -> throw new IllegalStateException("unknown unit in " + wrkDuration);
        };
    }

    private static String luaString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    static String onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    private static String create(HttpClient http, int port, String name, String type) throws IOException, InterruptedException {
        String body = "{\"name\":\"" + name + "\",\"type\":\"" + type + "\",\"roleArn\":\"arn:aws:iam::000000000000:role/bench\","
                + "\"definition\":" + quote(PASS3) + "}";
        HttpResponse<String> r = http.send(signed(port, "CreateStateMachine", body.getBytes(StandardCharsets.UTF_8)),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("CreateStateMachine answered " + r.statusCode() + " " + r.body());
        }
        return "arn:aws:states:us-east-1:000000000000:stateMachine:" + name;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static HttpRequest signed(int port, String action, byte[] body) {
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", "application/x-amz-json-1.0");
        headers.put("X-Amz-Target", "AWSStepFunctions." + action);
        headers.putAll(SigV4.sign("POST", "127.0.0.1:" + port, "/", body, headers, KEY, SECRET, "us-east-1", "states",
                Instant.now()));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return b.build();
    }

    static Result run(String name, HttpClient http, int connections, int warmup, int measure,
                      IntFunction<HttpRequest> request) throws Exception {
        return run(name, http, connections, warmup, measure, request, true, ServerReport::cpuNanos);
    }

    /**
     * Runs the scenario with {@code connections} workers, each sending one request after the other.
     * Its CPU per request is {@code serverCpu}'s growth over the measured seconds (this process's,
     * client and server together, when the server runs here).
     */
    static Result run(String name, HttpClient http, int connections, int warmup, int measure,
                      IntFunction<HttpRequest> request, boolean print, java.util.function.LongSupplier serverCpu)
            throws Exception {
        long warmEnd = System.nanoTime() + warmup * 1_000_000_000L;
        long end = warmEnd + measure * 1_000_000_000L;
        AtomicLong errors = new AtomicLong();
        AtomicLong cpuAtWarmEnd = new AtomicLong();
        List<long[]> latencies = new ArrayList<>();
        Thread cpuMark = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(Math.max(0, (warmEnd - System.nanoTime()) / 1_000_000));
                cpuAtWarmEnd.set(serverCpu.getAsLong());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<long[]>> futures = new ArrayList<>();
            for (int w = 0; w < connections; w++) {
                futures.add(workers.submit(() -> {
                    long[] mine = new long[1 << 16];
                    int n = 0;
                    int i = 0;
                    while (true) {
                        long t0 = System.nanoTime();
                        if (t0 >= end) {
                            break;
                        }
                        HttpResponse<byte[]> r = http.send(request.apply(i++), HttpResponse.BodyHandlers.ofByteArray());
                        long t1 = System.nanoTime();
                        if (r.statusCode() != 200) {
                            if (errors.incrementAndGet() == 1) {
                                System.err.println(name + ": " + r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8));
                            }
                        }
                        if (t0 >= warmEnd && t1 <= end) {
                            if (n == mine.length) {
                                mine = Arrays.copyOf(mine, n * 2);
                            }
                            mine[n++] = t1 - t0;
                        }
                    }
                    return Arrays.copyOf(mine, n);
                }));
            }
            for (Future<long[]> f : futures) {
                latencies.add(f.get());
            }
        }
        long cpu = serverCpu.getAsLong() - cpuAtWarmEnd.get();
        cpuMark.join();
        long total = latencies.stream().mapToLong(a -> a.length).sum();
        long[] all = new long[(int) total];
        int at = 0;
        for (long[] a : latencies) {
            System.arraycopy(a, 0, all, at, a.length);
            at += a.length;
        }
        Arrays.sort(all);
        double p50 = all.length == 0 ? 0 : all[all.length / 2] / 1e6;
        double p99 = all.length == 0 ? 0 : all[Math.min(all.length - 1, (int) (all.length * 0.99))] / 1e6;
        Result r = new Result(name, total / (double) measure, p50, p99, errors.get(), cpu / 1000.0 / Math.max(1, total));
        if (print) {
            System.out.printf(Locale.ROOT, "  %-40s %10.0f req/s%n", name, r.perSecond);
        }
        return r;
    }
}
