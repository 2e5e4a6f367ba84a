package dev.setlist.bench.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The engine benchmark: executions of a machine of 5 Task states (handler does nothing) per
 * second, by closed-loop starter threads, on H2 and on PostgreSQL, for
 * <ul>
 *   <li>Setlist Standard: StartExecution, then AwaitExecution (every step committed);
 *   <li>the raw baseline: plain JDBC writing the same rows in the same number of transactions
 *       ({@link RawJdbcTarget});
 *   <li>Flowable, each of 5 service tasks async (a job, so a commit, per step), and Flowable
 *       fully synchronous (one transaction per instance) for context ({@link FlowableTarget});
 *   <li>Setlist Express: StartSyncExecution, in memory.
 * </ul>
 * Each figure is the number of executions that ended within the measurement window divided by
 * its length (after a warm-up at the same concurrency), with p50/p99 of their latencies
 * (start call to end seen by the starter). Transitions/s counts one transition per Task state
 * entered: 5 per execution. Ratios: Setlist Standard ÷ raw (goal ≥ 0.5) and Setlist Standard ÷
 * Flowable async (goal ≥ 3).
 *
 * <p>Run it from the repository root with {@code bench/run-engine.sh}. Settings, as system
 * properties (through {@code BENCH_OPTS}):
 * <ul>
 *   <li>{@code bench.seconds} measurement window per figure (default 6), {@code bench.warmup} warm-up before it (default 2)
 *   <li>{@code bench.concurrency} starter threads, comma separated (default 1,8,64)
 *   <li>{@code bench.repeat} rounds: the whole matrix runs this many times and each figure printed is the median
 *       of its rounds, so that a burst of load from elsewhere spoils one run, not the figure (default 1)
 *   <li>{@code bench.databases} {@code h2}, {@code postgres} or both (default h2,postgres)
 *   <li>{@code bench.systems} any of standard, raw, flowable-async, flowable-sync, express (default all)
 *   <li>{@code bench.dir} where the H2 files go (default a temporary directory, deleted afterwards)
 *   <li>{@code bench.pg.url} (default jdbc:postgresql://127.0.0.1:5432/), {@code bench.pg.admin} database to
 *       connect to for CREATE DATABASE (default postgres), {@code bench.pg.user} (postgres), {@code bench.pg.password}
 *       (empty), {@code bench.pg.prefix} of the databases made (default setlist_bench_)
 *   <li>{@code bench.raw.pool} the raw baseline's pool size (default 0: as many connections as starters)
 *   <li>{@code bench.flowable.threads} async executor threads (default 16), {@code bench.flowable.pool} its pool (default 0: starters + threads + 1),
 *       {@code bench.flowable.exclusive} true for exclusive async jobs, Flowable's default, which lock the process
 *       instance in a transaction of their own before each job: 11 commits per instance instead of 6 (default false)
 *   <li>{@code bench.timeout} seconds one execution may take before it counts as an error (default 30)
 *   <li>{@code bench.jvmWarmup} seconds each system runs at 8 starters, unmeasured, before the first figures, so
 *       that the first figures do not pay for JIT compilation (default 3)
 *   <li>{@code bench.dump} seconds: print every thread's stack to standard error that often (to look into a stall)
 * </ul>
 */
public final class EngineReport {
    private EngineReport() {}

    /** The settings of one run. */
    public record Settings(Duration warmup, Duration measure, int[] concurrency, int repeat, List<String> databases,
                           List<String> systems, Path dir, boolean deleteDir, String pgUrl, String pgAdmin, String pgUser,
                           String pgPassword, String pgPrefix, int rawPool, int flowableThreads, int flowablePool,
                           boolean flowableExclusive, Duration timeout, Duration jvmWarmup) {
        static Settings fromSystemProperties() throws java.io.IOException {
            String dir = System.getProperty("bench.dir");
            Path d = dir == null ? Files.createTempDirectory("setlist-engine-bench") : Path.of(dir);
            return new Settings(
                    Duration.ofMillis((long) (1000 * Double.parseDouble(System.getProperty("bench.warmup", "2")))),
                    Duration.ofMillis((long) (1000 * Double.parseDouble(System.getProperty("bench.seconds", "6")))),
                    Arrays.stream(System.getProperty("bench.concurrency", "1,8,64").split(","))
                            .map(String::trim).mapToInt(Integer::parseInt).toArray(),
                    Integer.getInteger("bench.repeat", 1),
                    list(System.getProperty("bench.databases", "h2,postgres")),
                    list(System.getProperty("bench.systems", "standard,raw,flowable-async,flowable-sync,express")),
                    d, dir == null,
                    System.getProperty("bench.pg.url", "jdbc:postgresql://127.0.0.1:5432/"),
                    System.getProperty("bench.pg.admin", "postgres"),
                    System.getProperty("bench.pg.user", "postgres"),
                    System.getProperty("bench.pg.password", ""),
                    System.getProperty("bench.pg.prefix", "setlist_bench_"),
                    Integer.getInteger("bench.raw.pool", 0),
                    Integer.getInteger("bench.flowable.threads", 16),
                    Integer.getInteger("bench.flowable.pool", 0),
                    Boolean.parseBoolean(System.getProperty("bench.flowable.exclusive", "false")),
                    Duration.ofSeconds(Integer.getInteger("bench.timeout", 30)),
                    Duration.ofMillis((long) (1000 * Double.parseDouble(System.getProperty("bench.jvmWarmup", "3")))));
        }

        private static List<String> list(String s) {
            return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
        }

        boolean runs(String system) {
            return systems.contains(system);
        }
    }

    /** The systems, in the order they are printed. */
    enum Sys {
        STANDARD("standard", "Setlist Standard"),
        RAW("raw", "raw JDBC baseline"),
        FLOWABLE_ASYNC("flowable-async", "Flowable, async tasks"),
        FLOWABLE_SYNC("flowable-sync", "Flowable, synchronous"),
        EXPRESS("express", "Setlist Express");

        final String key;
        final String label;

        Sys(String key, String label) {
            this.key = key;
            this.label = label;
        }
    }

    /** One printed figure (the median of its rounds) and the exec/s of every round. */
    public record Figure(String database, Sys system, int concurrency, Load.Result result, double commitsPerExecution,
                         double millisPerCommit, List<Double> repeats, long errors) {
        double perSecond() {
            return result.perSecond();
        }
    }

    /** Everything one database's part of the run measured, and what it noticed. */
    public record Part(String database, List<Figure> figures, List<String> notes) {}

    public static void main(String[] args) throws Exception {
        Settings s = Settings.fromSystemProperties();
        String dump = System.getProperty("bench.dump");
        if (dump != null) {
            dumpThreadsEvery(Duration.ofMillis((long) (1000 * Double.parseDouble(dump))));
        }
        System.out.printf(Locale.ROOT, "Setlist engine benchmark: 5 Task states (handler does nothing) per execution;"
                        + " %s s warm-up + %s s measured per figure, %d round(s); starters %s; databases %s; systems %s%n",
                seconds(s.warmup()), seconds(s.measure()), s.repeat(), Arrays.toString(s.concurrency()), s.databases(),
                s.systems());
        List<BenchDatabase> dbs = new ArrayList<>();
        for (String name : s.databases()) {
            if (name.equals("h2")) {
                dbs.add(new BenchDatabase.H2(s.dir(), s.deleteDir()));
            } else if (name.equals("postgres") || name.equals("postgresql")) {
                BenchDatabase.Postgres pg = new BenchDatabase.Postgres(s.pgUrl(), s.pgAdmin(), s.pgUser(), s.pgPassword(),
                        s.pgPrefix());
                if (pg.reachable()) {
                    dbs.add(pg);
                } else {
                    System.out.println("PostgreSQL at " + s.pgUrl() + s.pgAdmin() + " does not answer: skipped.");
                }
            } else {
                throw new IllegalArgumentException("unknown database '" + name + "': use h2 or postgres");
            }
        }
        // The whole matrix runs bench.repeat times (rounds), so that a burst of load from elsewhere on
        // the machine hits one run of a figure, not all of them; each figure is the median of its rounds.
        List<List<Part>> rounds = new ArrayList<>();
        for (int round = 1; round <= s.repeat(); round++) {
            List<Part> parts = new ArrayList<>();
            for (BenchDatabase db : dbs) {
                System.out.println("== " + db.label() + (s.repeat() > 1 ? ", round " + round + " of " + s.repeat() : ""));
                try {
                    parts.add(run(db, s, round == 1 && db == dbs.get(0), System.out::println));
                } finally {
                    db.cleanUp();
                }
            }
            rounds.add(parts);
        }
        System.out.print(report(medians(rounds), s));
    }

    /** Per database, each figure as the median (by exec/s) of its rounds; the notes of every round. */
    static List<Part> medians(List<List<Part>> rounds) {
        Map<String, List<Figure>> byCell = new LinkedHashMap<>();
        Map<String, List<String>> notes = new LinkedHashMap<>();
        for (int i = 0; i < rounds.size(); i++) {
            String prefix = rounds.size() > 1 ? "round " + (i + 1) + ": " : "";
            for (Part p : rounds.get(i)) {
                List<String> kept = notes.computeIfAbsent(p.database(), k -> new ArrayList<>());
                for (String n : p.notes()) {
                    if (n.startsWith("Flowable tuning")) {
                        if (!kept.contains(n)) {
                            kept.add(n);
                        }
                    } else {
                        kept.add(prefix + n);
                    }
                }
                for (Figure f : p.figures()) {
                    byCell.computeIfAbsent(p.database() + "|" + f.system() + "|" + f.concurrency(), k -> new ArrayList<>())
                            .add(f);
                }
            }
        }
        List<Part> out = new ArrayList<>();
        for (String db : notes.keySet()) {
            List<Figure> figures = new ArrayList<>();
            for (Map.Entry<String, List<Figure>> e : byCell.entrySet()) {
                if (!e.getKey().startsWith(db + "|")) {
                    continue;
                }
                List<Figure> runs = new ArrayList<>(e.getValue());
                runs.sort(Comparator.comparingDouble(Figure::perSecond));
                Figure mid = runs.get((runs.size() - 1) / 2);
                figures.add(new Figure(mid.database(), mid.system(), mid.concurrency(), mid.result(),
                        mid.commitsPerExecution(), mid.millisPerCommit(),
                        e.getValue().stream().map(Figure::perSecond).toList(),
                        e.getValue().stream().mapToLong(Figure::errors).sum()));
            }
            out.add(new Part(db, figures, notes.get(db)));
        }
        return out;
    }

    /** Prints every thread's stack to standard error periodically (to look into a stall). */
    private static void dumpThreadsEvery(Duration period) {
        Thread.ofPlatform().name("bench-dump").daemon(true).start(() -> {
            while (true) {
                try {
                    Thread.sleep(period.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                StringBuilder b = new StringBuilder("---- thread dump\n");
                Thread.getAllStackTraces().forEach((t, frames) -> {
                    b.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
                    for (StackTraceElement f : frames) {
                        b.append("\tat ").append(f).append('\n');
                    }
                    b.append('\n');
                });
                System.err.print(b);
            }
        });
    }

    /** Runs every system on one database. */
    public static Part run(BenchDatabase db, Settings s, boolean warmJvm, java.util.function.Consumer<String> progress)
            throws Exception {
        List<Figure> figures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        String label = db.label();
        notes.add("load average (1 min) at the start of this database's part: " + loadAverage() + " on "
                + Runtime.getRuntime().availableProcessors() + " cores");
        if (s.runs("standard") || s.runs("express")) {
            try (SetlistTarget setlist = new SetlistTarget(db, db.fresh("engine"), s.timeout())) {
                boolean standardWorks = true;
                if (s.runs("standard")) {
                    standardWorks = preflight(setlist::standard, "Setlist Standard", notes, progress);
                }
                if (s.runs("standard") && standardWorks) {
                    warm(warmJvm, s, setlist::standard);
                    for (int c : s.concurrency()) {
                        figures.add(measure(label, Sys.STANDARD, c, s, setlist::standard, setlist.counter(), progress));
                    }
                    SetlistTarget.Stored st = setlist.stored();
                    notes.add(String.format(Locale.ROOT, "Setlist Standard stored %,d executions, %,d SUCCEEDED; per execution"
                                    + " %.2f step commits (sl_execution.version: 1 for the start's insert + 1 per fenced"
                                    + " step write) and %.1f history events", st.executions(), st.succeeded(),
                            st.commitsPerExecution(), st.eventsPerExecution()));
                }
                if (s.runs("express")) {
                    if (preflight(setlist::express, "Setlist Express", notes, progress)) {
                        warm(warmJvm, s, setlist::express);
                        for (int c : s.concurrency()) {
                            figures.add(measure(label, Sys.EXPRESS, c, s, setlist::express, setlist.counter(), progress));
                        }
                    }
                }
            }
        }
        if (s.runs("raw")) {
            String url = db.fresh("raw");
            if (warmJvm) {
                try (RawJdbcTarget raw = new RawJdbcTarget(db, url, 8)) {
                    warm(true, s, raw::execution);
                }
            }
            for (int c : s.concurrency()) {
                int poolSize = s.rawPool() > 0 ? s.rawPool() : Math.max(2, c);
                try (RawJdbcTarget raw = new RawJdbcTarget(db, url, poolSize)) {
                    figures.add(measure(label, Sys.RAW, c, s, raw::execution, raw.counter(), progress));
                }
            }
            try (RawJdbcTarget raw = new RawJdbcTarget(db, url, 2)) {
                long[] st = raw.stored();
                notes.add(String.format(Locale.ROOT, "raw JDBC stored %,d executions, %,d of them SUCCEEDED at version %d;"
                        + " %.1f events per execution", st[1], st[0], RawJdbcTarget.COMMITS,
                        st[1] == 0 ? 0.0 : st[2] / (double) st[1]));
            }
        }
        if (s.runs("flowable-async") || s.runs("flowable-sync")) {
            try (FlowableTarget flowable = new FlowableTarget(db, db.fresh("flowable"), s.flowableThreads(),
                    s.flowablePool(), s.flowableExclusive(), s.timeout())) {
                notes.add("Flowable tuning: " + flowable.tuning());
                if (s.runs("flowable-async") && preflight(flowable::async, "Flowable async", notes, progress)) {
                    flowable.prepareFor(8);
                    warm(warmJvm, s, flowable::async);
                    for (int c : s.concurrency()) {
                        flowable.prepareFor(c);
                        figures.add(measure(label, Sys.FLOWABLE_ASYNC, c, s, flowable::async, flowable.counter(),
                                progress));
                    }
                }
                if (s.runs("flowable-sync") && preflight(flowable::sync, "Flowable sync", notes, progress)) {
                    flowable.prepareFor(8);
                    warm(warmJvm, s, flowable::sync);
                    for (int c : s.concurrency()) {
                        flowable.prepareFor(c);
                        figures.add(measure(label, Sys.FLOWABLE_SYNC, c, s, flowable::sync, flowable.counter(),
                                progress));
                    }
                }
                notes.add(String.format(Locale.ROOT, "Flowable history: %,d fiveAsync and %,d fiveSync instances finished",
                        flowable.finished("fiveAsync"), flowable.finished("fiveSync")));
            }
        }
        return new Part(label, figures, notes);
    }

    /** Runs the system unmeasured at 8 starters (JIT warm-up), once per JVM. */
    private static void warm(boolean warmJvm, Settings s, Load.Op op) throws InterruptedException {
        if (warmJvm && !s.jvmWarmup().isZero()) {
            Load.run(8, Duration.ZERO, s.jvmWarmup(), op);
        }
    }

    /** Runs one execution first; false (and a note) if it does not end as it should. */
    private static boolean preflight(Load.Op op, String what, List<String> notes, java.util.function.Consumer<String> progress) {
        try {
            op.run();
            return true;
        } catch (Exception | AssertionError e) {
            String msg = what + ": a single execution did not complete, so it was not measured: " + e;
            notes.add(msg);
            progress.accept("  " + msg);
            return false;
        }
    }

    private static Figure measure(String database, Sys system, int concurrency, Settings s, Load.Op op,
                                  CountingDataSource commits, java.util.function.Consumer<String> progress)
            throws InterruptedException {
        long before = commits.commits();
        long beforeNanos = commits.commitNanos();
        Load.Result result = Load.run(concurrency, s.warmup(), s.measure(), op);
        long n = commits.commits() - before;
        double perExecution = result.totalCompleted() == 0 ? Double.NaN : n / (double) result.totalCompleted();
        double millis = n == 0 ? Double.NaN : (commits.commitNanos() - beforeNanos) / 1e6 / n;
        progress.accept(String.format(Locale.ROOT, "  %-24s %3d starters: %,9.0f exec/s  p50 %7.2f ms  p99 %7.2f ms"
                        + "  %5.2f commits/exec  %5.2f ms/commit  load %s%s", system.label, concurrency, result.perSecond(),
                result.latencyMillis(0.5), result.latencyMillis(0.99), perExecution, millis, loadAverage(),
                result.errors() == 0 ? "" : "  " + result.errors() + " errors, first: " + result.firstError()));
        if (result.firstError() != null) {
            System.err.println("first error of " + system.label + " at " + concurrency + " starters on " + database + ":");
            result.firstError().printStackTrace();
        }
        return new Figure(database, system, concurrency, result, perExecution, millis, List.of(result.perSecond()),
                result.errors());
    }

    /** The machine's 1-minute load average, or "?" where it cannot be read. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException | RuntimeException e) {
            return "?";
        }
    }

    // ---- the report -----------------------------------------------------------------------------

    static String report(List<Part> parts, Settings s) {
        StringBuilder out = new StringBuilder();
        for (Part p : parts) {
            out.append(String.format(Locale.ROOT, "%n%s%n", p.database()));
            out.append(String.format(Locale.ROOT, "%-24s | %7s | %10s | %13s | %8s | %8s | %12s | %9s | %6s | %s%n",
                    "system", "starters", "exec/s", "transitions/s", "p50 ms", "p99 ms", "commits/exec", "ms/commit",
                    "errors", s.repeat() > 1 ? "exec/s of the rounds" : ""));
            out.append("-".repeat(24)).append("-+-").append("-".repeat(8)).append("-+-").append("-".repeat(10)).append("-+-")
                    .append("-".repeat(13)).append("-+-").append("-".repeat(8)).append("-+-").append("-".repeat(8))
                    .append("-+-").append("-".repeat(12)).append("-+-").append("-".repeat(9)).append("-+-")
                    .append("-".repeat(6)).append("-+-").append(s.repeat() > 1 ? "-".repeat(20) : "").append('\n');
            for (Sys sys : Sys.values()) {
                for (Figure f : p.figures()) {
                    if (f.system() != sys) {
                        continue;
                    }
                    Load.Result r = f.result();
                    boolean durable = f.commitsPerExecution() >= 0.01;
                    out.append(String.format(Locale.ROOT, "%-24s | %8d | %,10.0f | %,13.0f | %8.2f | %8.2f | %12s | %9s | %6d | %s%n",
                            sys.label, f.concurrency(), r.perSecond(), r.perSecond() * SetlistTarget.STEPS,
                            r.latencyMillis(0.5), r.latencyMillis(0.99),
                            durable ? String.format(Locale.ROOT, "%.2f", f.commitsPerExecution()) : "-",
                            durable ? String.format(Locale.ROOT, "%.2f", f.millisPerCommit()) : "-", f.errors(),
                            s.repeat() > 1 ? rounds(f.repeats()) : ""));
                }
            }
            out.append('\n');
            out.append(ratios(p, s));
            for (String note : p.notes()) {
                out.append("  * ").append(note).append('\n');
            }
        }
        out.append(String.format(Locale.ROOT, "%nHow measured: each starter thread loops (start an execution, wait for its"
                + " end); exec/s = executions that ended inside the %s s window after a %s s warm-up, ÷ the window;"
                + " %s; latency = start call to end seen by the starter. transitions/s = 5 × exec/s (one per Task"
                + " state entered). commits/exec = transactions committed on the system's pool during the whole"
                + " load ÷ executions ended during it (Setlist's committer groups many executions' steps into one"
                + " transaction, so it falls below the 7 step commits per execution as load grows; reads in"
                + " auto-commit mode are not counted); ms/commit = mean time inside Connection.commit().%n", seconds(s.measure()), seconds(s.warmup()),
                s.repeat() == 1 ? "one run per figure" : "median of " + s.repeat() + " rounds (the whole matrix run again)"));
        return out.toString();
    }

    private static String rounds(List<Double> perSecond) {
        StringBuilder b = new StringBuilder();
        for (double v : perSecond) {
            b.append(b.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%,.0f", v));
        }
        return b.toString();
    }

    private static String ratios(Part p, Settings s) {
        Map<Sys, Map<Integer, Figure>> by = new LinkedHashMap<>();
        for (Figure f : p.figures()) {
            by.computeIfAbsent(f.system(), k -> new LinkedHashMap<>()).put(f.concurrency(), f);
        }
        record Ratio(String label, Sys top, Sys bottom, Double goal) {}
        List<Ratio> ratios = List.of(
                new Ratio("Setlist Standard ÷ raw JDBC", Sys.STANDARD, Sys.RAW, 0.5),
                new Ratio("Setlist Standard ÷ Flowable async", Sys.STANDARD, Sys.FLOWABLE_ASYNC, 3.0),
                new Ratio("Setlist Standard ÷ Flowable sync", Sys.STANDARD, Sys.FLOWABLE_SYNC, null),
                new Ratio("Setlist Express ÷ Setlist Standard", Sys.EXPRESS, Sys.STANDARD, null));
        StringBuilder out = new StringBuilder();
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-36s", "ratio (exec/s)"));
        for (int c : s.concurrency()) {
            head.append(String.format(Locale.ROOT, " | %9s", c + " st."));
        }
        out.append(head).append(" | goal\n");
        StringBuilder perRound = new StringBuilder();
        for (Ratio r : ratios) {
            Map<Integer, Figure> top = by.get(r.top());
            Map<Integer, Figure> bottom = by.get(r.bottom());
            if (top == null || bottom == null) {
                continue;
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-36s", r.label()));
            StringBuilder rounds = new StringBuilder(String.format(Locale.ROOT, "  %-34s", r.label()));
            boolean met = true;
            for (int c : s.concurrency()) {
                Figure a = top.get(c);
                Figure b = bottom.get(c);
                List<Double> paired = new ArrayList<>();
                if (a != null && b != null) {
                    for (int i = 0; i < Math.min(a.repeats().size(), b.repeats().size()); i++) {
                        if (b.repeats().get(i) > 0) {
                            paired.add(a.repeats().get(i) / b.repeats().get(i));
                        }
                    }
                }
                if (paired.isEmpty()) {
                    line.append(String.format(Locale.ROOT, " | %9s", "-"));
                    rounds.append(String.format(Locale.ROOT, " | %-20s", "-"));
                    met = false;
                    continue;
                }
                List<Double> sorted = new ArrayList<>(paired);
                sorted.sort(null);
                double ratio = sorted.get((sorted.size() - 1) / 2);
                met &= r.goal() == null || ratio >= r.goal();
                line.append(String.format(Locale.ROOT, " | %8.2f×", ratio));
                StringBuilder each = new StringBuilder();
                for (double x : paired) {
                    each.append(each.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", x));
                }
                rounds.append(String.format(Locale.ROOT, " | %-20s", each));
            }
            line.append(r.goal() == null ? " | (context)" : String.format(Locale.ROOT, " | ≥ %s: %s", fmt(r.goal()),
                    met ? "met" : "NOT met"));
            out.append(line).append('\n');
            perRound.append(rounds).append('\n');
        }
        if (s.repeat() > 1) {
            out.append("ratios are the median of the rounds' own ratios (both sides measured in the same round); per round:\n")
                    .append(perRound);
        }
        return out.toString();
    }

    private static String seconds(Duration d) {
        return fmt(d.toMillis() / 1000.0);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
