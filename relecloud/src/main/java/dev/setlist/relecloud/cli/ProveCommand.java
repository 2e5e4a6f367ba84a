package dev.setlist.relecloud.cli;

import dev.setlist.relecloud.prove.ProveRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code setlist prove}: the proving ground. Runs Relecloud as a child process, drives mixed
 * traffic over its six flows with faults injected on a schedule, then checks the invariants in
 * the database and prints a report against each flow's targets (also written to
 * {@code bench/results/prove-<date>-<database>.md}). Exits 1 when an invariant fails; flows that
 * miss their targets are reported, not fatal.
 */
@Command(name = "prove", mixinStandardHelpOptions = true,
        description = "Prove Relecloud under mixed traffic and faults: per-flow availability and latency against the"
                + " flows' targets, and the invariants (no oversold concert, no lost or duplicated purchase, every"
                + " execution ended).")
public final class ProveCommand implements Callable<Integer> {
    @Option(names = "--minutes", paramLabel = "N", defaultValue = "3",
            description = "how long the traffic lasts, fractions allowed (default ${DEFAULT-VALUE})")
    double minutes;

    @Option(names = "--port", paramLabel = "N", defaultValue = "0",
            description = "the server's port (default: a free one)")
    int port;

    @Option(names = "--data", paramLabel = "DIR", description = "the server's data directory (default: a new temporary one)")
    Path data;

    @Option(names = "--database", paramLabel = "h2|postgres", defaultValue = "h2",
            description = "h2 (embedded, default) or postgres (127.0.0.1:5432, user postgres; database setlist_prove is"
                    + " recreated)")
    String database;

    @Option(names = "--faults", paramLabel = "LIST", split = ",", defaultValue = "gateway-errors,gateway-latency,database,kill",
            description = "faults to inject: gateway-errors, gateway-latency, database, kill; 'none' for none"
                    + " (default: all; the database outage needs --database postgres)")
    List<String> faults;

    @Option(names = "--scale", paramLabel = "N", defaultValue = "1", description = "multiplies the virtual users (default 1)")
    int scale;

    @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "150",
            description = "how long to wait after the traffic for purchases and executions to end (default ${DEFAULT-VALUE})")
    int grace;

    @Option(names = "--output", paramLabel = "DIR", defaultValue = "bench/results",
            description = "where the report is written (default ${DEFAULT-VALUE})")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        CommandLine cl = spec.commandLine();
        if (!(minutes > 0 && minutes <= 120)) {
            throw new CommandLine.ParameterException(cl, "--minutes must be more than 0 and at most 120, was " + minutes);
        }
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(cl, "--port must be between 0 and 65535, was " + port);
        }
        if (!database.equals("h2") && !database.equals("postgres")) {
            throw new CommandLine.ParameterException(cl, "--database must be h2 or postgres, was '" + database + "'");
        }
        if (scale < 1 || scale > 20) {
            throw new CommandLine.ParameterException(cl, "--scale must be between 1 and 20, was " + scale);
        }
        if (grace < 0 || grace > 3600) {
            throw new CommandLine.ParameterException(cl, "--grace must be between 0 and 3600 seconds, was " + grace);
        }
        Set<String> chosen = new LinkedHashSet<>(faults);
        chosen.remove("none");
        for (String f : chosen) {
            if (!ProveRun.FAULTS.contains(f)) {
                throw new CommandLine.ParameterException(cl, "--faults: unknown fault '" + f + "'; faults: "
                        + ProveRun.FAULTS + " or none");
            }
        }
        ProveRun.Settings settings = new ProveRun.Settings(Duration.ofMillis(Math.round(minutes * 60_000)), port, data,
                database.equals("postgres"), chosen, output, ProveRun.launcher(System.getProperty("java.class.path")), scale,
                Duration.ofSeconds(grace));
        ProveRun.Result result = ProveRun.run(settings, spec.commandLine().getErr());
        out.println(result.markdown());
        out.println("Report written to " + result.file().toAbsolutePath());
        out.flush();
        return result.invariantsHold() ? 0 : 1;
    }
}
