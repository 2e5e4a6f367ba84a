package dev.setlist.relecloud.prove;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.setlist.flows.Catalog;
import dev.setlist.relecloud.DemoData;
import dev.setlist.relecloud.gateway.PaymentGateway;
import dev.setlist.server.http.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The proving ground: starts Relecloud as a child process beside a payment gateway simulator,
 * drives mixed traffic over its six flows while injecting faults on a schedule (gateway error
 * bursts and latency spikes through the simulator's admin endpoint, a database outage through a
 * TCP proxy on PostgreSQL, a SIGKILL of the server and its restart on the same data), waits for
 * the work in flight to end, checks the invariants in the database and writes the report.
 */
public final class ProveRun {
    /** The faults a run can inject, in the order of the schedule. */
    public static final List<String> FAULTS = List.of("gateway-errors", "gateway-latency", "database", "kill");

    private static final String BASELINE = "{\"failureRate\": 0.02, \"declineRate\": 0, \"latencyMs\": {\"median\": 40,"
            + " \"p99\": 300}, \"down\": false}";
    private static final String PG_ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";
    private static final String PG_DATABASE = "setlist_prove";

    /**
     * How to run.
     *
     * @param traffic   how long the traffic lasts
     * @param port      the server's port (0: a free one, kept across restarts)
     * @param data      the server's data directory (null: a new temporary one)
     * @param postgres  PostgreSQL on 127.0.0.1:5432 (database {@code setlist_prove}, recreated) instead of H2
     * @param faults    which of {@link #FAULTS} to inject
     * @param output    the directory the report is written to
     * @param launcher  the command that runs the {@code setlist} command line for the child server
     * @param scale     multiplies the number of virtual users
     * @param grace     how long to wait after the traffic for the work in flight to end
     */
    public record Settings(Duration traffic, int port, Path data, boolean postgres, Set<String> faults, Path output,
                           List<String> launcher, int scale, Duration grace) {
        public Settings {
            faults = Set.copyOf(faults);
            launcher = List.copyOf(launcher);
            for (String f : faults) {
                if (!FAULTS.contains(f)) {
                    throw new IllegalArgumentException("Unknown fault '" + f + "'; faults: " + FAULTS);
                }
            }
        }
    }

    /** The report, where it was written, and whether every invariant held. */
    public record Result(String markdown, Path file, boolean invariantsHold, List<Report.FlowResult> flows) {}

    /** The command that runs this very {@code setlist} (same java, same class path) with a bounded heap. */
    public static List<String> launcher(String classPath) {
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, "-Xms64m", "-Xmx768m", "-XX:+ExitOnOutOfMemoryError", "-cp", classPath,
                "dev.setlist.relecloud.cli.RelecloudMain");
    }

    private final Settings settings;
    private final PrintWriter log;
    private final Recorder rec = new Recorder(System.nanoTime());
    private final Timeline timeline;
    private final HttpClient admin = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ProveRun(Settings settings, PrintWriter log) {
        this.settings = settings;
        this.log = log;
        this.timeline = new Timeline(rec, log);
    }

    /** Runs the proving ground and writes its report; {@code log} gets progress lines. */
    public static Result run(Settings settings, PrintWriter log) throws IOException, InterruptedException, SQLException {
        return new ProveRun(settings, log).run();
    }

    private Result run() throws IOException, InterruptedException, SQLException {
        String runId = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36), 36);
        Path data = settings.data() != null ? Files.createDirectories(settings.data())
                : Files.createTempDirectory("setlist-prove-");
        int port = settings.port() != 0 ? settings.port() : freePort();
        Catalog catalog = Catalog.parse(resource("relecloud/flows.yaml"));
        Map<String, String> env = new HashMap<>();
        String jdbcUrl;
        String jdbcUser;
        TcpProxy proxy = null;
        if (settings.postgres()) {
            recreateDatabase();
            proxy = TcpProxy.start("127.0.0.1", 5432);
            env.put("SETLIST_DATABASE_URL", "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + PG_DATABASE);
            env.put("SETLIST_DATABASE_USER", "postgres");
            env.put("SETLIST_DATABASE_PASSWORD", "");
            jdbcUrl = "jdbc:postgresql://127.0.0.1:5432/" + PG_DATABASE;
            jdbcUser = "postgres";
        } else {
            jdbcUrl = "jdbc:h2:file:" + data.toAbsolutePath().resolve("setlist");
            jdbcUser = "sa";
        }
        PaymentGateway gateway = PaymentGateway.start(0, System.nanoTime());
        ServerProcess server = new ServerProcess(settings.launcher(), port, data.toAbsolutePath(), gateway.uri(), env,
                data.resolve("server.log"));
        try {
            gateway(gateway.uri(), BASELINE);
            log.printf("proving ground: data %s, database %s, gateway %s, port %d%n", data, settings.postgres()
                    ? "PostgreSQL (through a TCP proxy)" : "H2 (embedded)", gateway.uri(), port);
            String loadBefore = loadAverage();
            long t0 = System.nanoTime();
            server.start(Duration.ofSeconds(180));
            timeline.note(String.format(Locale.ROOT, "server started (pid %d) in %.1f s, sample data loaded", server.pid(),
                    (System.nanoTime() - t0) / 1e9));
            Client client = new Client(server.base());
            Traffic traffic = new Traffic(client, rec, runId);
            traffic.prepare();
            long trafficStart = timeline.note("traffic starts: " + settings.traffic().toSeconds() + " s over the six flows");
            traffic.start(Math.max(1, settings.scale()));
            faults(trafficStart, server, gateway.uri(), proxy);
            sleepUntil(trafficStart + settings.traffic().toMillis());
            String loadAfter = loadAverage();
            timeline.note("traffic stops; users finish what they are doing (purchases followed to their end)");
            traffic.stop(Duration.ofSeconds(100));
            gateway(gateway.uri(), "{\"failureRate\": 0, \"latencyMs\": {\"median\": 40, \"p99\": 300}, \"down\": false,"
                    + " \"outages\": []}");
            timeline.note("users stopped; gateway reliable; grace period for the work in flight (at most "
                    + settings.grace().toSeconds() + " s)");
            boolean settled = settle(client, traffic.acks());
            timeline.note(settled ? "every purchase and execution ended" : "grace period over with work still running");
            timeline.note(server.stop(Duration.ofSeconds(60)));
            List<Recorder.Sample> samples = rec.samples();
            List<Invariants.Check> checks;
            try (HikariDataSource ds = dataSource(jdbcUrl, jdbcUser)) {
                checks = Invariants.check(ds, traffic.acks(), gateway.authorizations(), samples);
            }
            List<Report.FlowResult> flows = Report.flows(catalog, samples, timeline.windows());
            String date = LocalDate.now(ZoneOffset.UTC).toString();
            List<String> setting = List.of(
                    "run " + runId + " of " + date + ": " + fmtMinutes(settings.traffic()) + " of mixed traffic, "
                            + samples.size() + " requests, " + (settings.postgres() ? "PostgreSQL 127.0.0.1:5432 behind a"
                            + " TCP proxy" : "embedded H2") + ", server as a child process on port " + port,
                    "virtual users: " + 5 * settings.scale() + " listing, " + 3 * settings.scale() + " searching, "
                            + 4 * settings.scale() + " buying, 1 planner, " + 2 * settings.scale() + " signing in and"
                            + " probing refusals, 3 browsers reporting errors, 1 metrics scraper",
                    "client: HTTP/1.1 (JDK HttpClient) on virtual threads; idempotent calls retried up to "
                            + Client.MAX_ATTEMPTS + " attempts with full-jitter back-off from " + Client.BASE_BACKOFF_MS
                            + " ms capped at " + Client.MAX_BACKOFF_MS + " ms, honouring Retry-After",
                    "machine: " + Runtime.getRuntime().availableProcessors() + " cores; load average (1 min) "
                            + loadBefore + " before the server started, " + loadAfter + " when the traffic stopped",
                    "gateway simulator baseline: 2% failures, latency median 40 ms, p99 300 ms",
                    "faults: " + (settings.faults().isEmpty() ? "none" : FAULTS.stream().filter(settings.faults()::contains)
                            .toList()) + (settings.postgres() || !settings.faults().contains("database") ? ""
                            : " (database outage skipped: the embedded H2 database lives inside the server process)"));
            String md = Report.markdown("Proving ground: Relecloud", setting, flows, samples, timeline, checks);
            Files.createDirectories(settings.output());
            Path file = settings.output().resolve("prove-" + date + (settings.postgres() ? "-postgres" : "-h2") + ".md");
            Files.writeString(file, md);
            return new Result(md, file, checks.stream().allMatch(Invariants.Check::ok), flows);
        } finally {
            server.close();
            gateway.close();
            if (proxy != null) {
                proxy.close();
            }
        }
    }

    // ---- faults --------------------------------------------------------------------------------

    private record Step(long atMillis, String what, Action action) {}

    @FunctionalInterface
    private interface Action {
        void run() throws IOException, InterruptedException;
    }

    /** Runs the fault schedule, spread over the traffic in proportion to its length. */
    private void faults(long start, ServerProcess server, URI gateway, TcpProxy proxy) throws InterruptedException {
        long total = settings.traffic().toMillis();
        List<Step> steps = new ArrayList<>();
        if (settings.faults().contains("gateway-errors")) {
            long at = start + total * 12 / 100;
            long len = Math.max(5000, total * 8 / 100);
            steps.add(new Step(at, "gateway error burst: 60% of gateway calls answered 503", () ->
                    gateway(gateway, "{\"failureRate\": 0.6}")));
            steps.add(new Step(at + len, "gateway error burst ends", () -> gateway(gateway, BASELINE)));
            timeline.window("gateway-errors", at, at + len);
        }
        if (settings.faults().contains("gateway-latency")) {
            long at = start + total * 30 / 100;
            long len = Math.max(5000, total * 11 / 100);
            steps.add(new Step(at, "gateway latency spike: median 1.5 s, p99 6 s (the server's gateway client times out"
                    + " at 2 s)", () -> gateway(gateway, "{\"latencyMs\": {\"median\": 1500, \"p99\": 6000}}")));
            steps.add(new Step(at + len, "gateway latency spike ends", () -> gateway(gateway, BASELINE)));
            timeline.window("gateway-latency", at, at + len);
        }
        if (settings.faults().contains("database") && proxy != null) {
            long at = start + total * 47 / 100;
            long len = Math.min(20_000, Math.max(5000, total / 5));
            steps.add(new Step(at, "database outage: the proxy to PostgreSQL resets every connection and refuses new"
                    + " ones", proxy::cut));
            steps.add(new Step(at + len, "database back: the proxy listens again", proxy::restore));
            timeline.window("database", at, at + len);
        }
        if (settings.faults().contains("kill")) {
            long at = start + total * 72 / 100;
            steps.add(new Step(at, "SIGKILL of the server", () -> {
                long pid = server.pid();
                long killed = System.nanoTime();
                server.kill();
                timeline.note("server (pid " + pid + ") killed; restarting it on the same data");
                server.start(Duration.ofSeconds(180));
                long back = rec.offsetMillis(System.nanoTime());
                timeline.note(String.format(Locale.ROOT, "server back (pid %d), %.1f s after the kill", server.pid(),
                        (System.nanoTime() - killed) / 1e9));
                timeline.window("kill", rec.offsetMillis(killed), back);
            }));
        }
        steps.sort(Comparator.comparingLong(Step::atMillis));
        for (Step s : steps) {
            sleepUntil(s.atMillis());
            timeline.note(s.what());
            try {
                s.action().run();
            } catch (IOException e) {
                timeline.note("the fault could not be injected: " + e.getMessage());
            }
        }
    }

    private void gateway(URI gateway, String behaviour) throws IOException, InterruptedException {
        HttpResponse<String> r = admin.send(HttpRequest.newBuilder(gateway.resolve("/admin/behaviour"))
                .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(behaviour)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("The gateway refused the behaviour " + behaviour + ": " + r.body());
        }
    }

    // ---- grace ---------------------------------------------------------------------------------

    /**
     * Waits until every acknowledged purchase is in a final state and no execution runs (executions
     * of a killed server resume once their leases expire), as an administrator sees it through the API.
     */
    private boolean settle(Client client, Map<String, Traffic.Ack> acks) throws InterruptedException {
        Client.Session admin = new Client.Session("admin", DemoData.USERS.get("admin")[1]);
        client.signIn(admin);
        Set<String> open = new HashSet<>();
        acks.values().forEach(a -> open.addAll(a.purchaseIds()));
        long end = System.nanoTime() + settings.grace().toNanos();
        while (System.nanoTime() < end) {
            open.removeIf(id -> {
                Client.Answer a = client.get(admin, "/api/relecloud/purchases/" + id);
                return a.ok() && !"RUNNING".equals(a.json().path("status").asText());
            });
            if (open.isEmpty() && running(client, admin) == 0) {
                return true;
            }
            Thread.sleep(1000);
        }
        return false;
    }

    private static int running(Client client, Client.Session admin) {
        Client.Answer machines = client.get(admin, "/api/v1/state-machines");
        if (!machines.ok()) {
            return -1;
        }
        int running = 0;
        for (JsonNode m : machines.json().path("stateMachines")) {
            Client.Answer a = client.get(admin, "/api/v1/state-machines/" + URLEncoder.encode(
                    m.path("stateMachineArn").asText(), StandardCharsets.UTF_8) + "/executions?status=RUNNING");
            if (!a.ok()) {
                return -1;
            }
            running += a.json().path("executions").size();
        }
        return running;
    }

    // ---- plumbing ------------------------------------------------------------------------------

    private static void recreateDatabase() throws SQLException {
        try (Connection c = DriverManager.getConnection(PG_ADMIN_URL, "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + PG_DATABASE + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + PG_DATABASE);
        }
    }

    private static HikariDataSource dataSource(String url, String user) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setUsername(user);
        c.setPassword("");
        c.setMaximumPoolSize(2);
        return new HikariDataSource(c);
    }

    /** The one-minute load average of the machine (Linux), or "unknown". */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void sleepUntil(long offsetMillis) throws InterruptedException {
        long wait = offsetMillis - rec.offsetMillis(System.nanoTime());
        if (wait > 0) {
            Thread.sleep(wait);
        }
    }

    private static String fmtMinutes(Duration d) {
        return d.toSeconds() % 60 == 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }

    private static String resource(String name) {
        try (InputStream in = ProveRun.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("Missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
