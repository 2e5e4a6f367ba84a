package dev.setlist.server.cli;

import dev.setlist.flows.Bindings;
import dev.setlist.flows.Catalog;
import dev.setlist.flows.CatalogException;
import dev.setlist.flows.FlowMonitor;
import dev.setlist.flows.FlowReport;
import dev.setlist.flows.Problem;
import dev.setlist.server.cli.AslCommand.CliException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import org.h2.jdbcx.JdbcDataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code setlist flows …}: check a workload's {@code flows.yaml} and review its flows against their targets. */
@Command(name = "flows", description = "Validate a flows.yaml catalog and review the flows against their targets.",
        mixinStandardHelpOptions = true, subcommands = {FlowsCommand.Validate.class, FlowsCommand.Report.class})
final class FlowsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Check catalogs; prints FILE:LINE:COLUMN: /pointer: PROBLEM per problem. Exit 0 when all are valid, 1 otherwise.")
    static final class Validate implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "flows.yaml files.")
        List<Path> files;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            boolean allValid = true;
            for (Path file : files) {
                String text;
                try {
                    text = AslCommand.read(file);
                } catch (CliException e) {
                    out.println(e.getMessage());
                    allValid = false;
                    continue;
                }
                List<Problem> problems = Catalog.check(text, Bindings.ANY);
                if (problems.isEmpty()) {
                    out.println(file + ": valid, " + plural(Catalog.parse(text).flows().size(), "flow"));
                }
                for (Problem p : problems) {
                    out.println(file + ":" + p.located());
                }
                allValid &= problems.isEmpty();
            }
            out.flush();
            return allValid ? 0 : 1;
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "Review every flow against its targets over a period, from the outcomes the server recorded.")
    static final class Report implements Callable<Integer> {
        @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", defaultValue = "flows.yaml",
                description = "The catalog. Default: ${DEFAULT-VALUE}")
        Path file;

        @Option(names = "--format", defaultValue = "md", description = "md or html. Default: ${DEFAULT-VALUE}")
        String format;

        @Option(names = "--data", defaultValue = "data",
                description = "The server's data directory (its H2 database is DIR/setlist). Default: ${DEFAULT-VALUE}")
        Path data;

        @Option(names = "--period", defaultValue = "30d",
                description = "How far back the review looks, such as 7d or 30d. Default: ${DEFAULT-VALUE}")
        String period;

        @Option(names = "--to", description = "When the period ends (ISO-8601, such as 2024-03-31T00:00:00Z). Default: now")
        String to;

        @Option(names = "--output", description = "Write the report to this file instead of the standard output.")
        Path output;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        @SuppressWarnings("try")
        public Integer call() throws CliException {
            if (!format.equals("md") && !format.equals("html")) {
                throw new CliException("--format: must be md or html, was \"" + format + "\"");
            }
            Duration length = parseDuration(period);
            Instant end;
            try {
                end = to == null ? Instant.now() : Instant.parse(to);
            } catch (DateTimeParseException e) {
                throw new CliException("--to: must be an instant such as 2024-03-31T00:00:00Z, was \"" + to + "\"");
            }
            Catalog catalog;
            try {
                catalog = Catalog.parse(AslCommand.read(file), Bindings.ANY);
            } catch (CatalogException e) {
                PrintWriter err = spec.commandLine().getErr();
                e.problems().forEach(p -> err.println(file + ":" + p.located()));
                err.flush();
                return 2;
            }
            Path database = data.resolve("setlist.mv.db");
            if (!Files.exists(database)) {
                throw new CliException(data + ": no recorded outcomes (" + database + " does not exist); pass --data DIR");
            }
            JdbcDataSource ds = new JdbcDataSource();
            ds.setURL("jdbc:h2:file:" + data.toAbsolutePath().resolve("setlist"));
            ds.setUser("sa");
            ds.setPassword("");
            String text;
            // H2 closes a file database with its last connection: one kept open spares reopening it per query.
            try (Connection keep = ds.getConnection()) {
                FlowReport report = FlowReport.of(FlowMonitor.builder(catalog, ds).build(), end.minus(length), end);
                text = format.equals("html") ? report.html() : report.markdown();
            } catch (SQLException e) {
                throw new CliException(data + ": cannot open the database: " + e.getMessage());
            }
            if (output != null) {
                try {
                    Files.writeString(output, text, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new CliException(output + ": cannot be written: " + e.getMessage());
                }
                spec.commandLine().getOut().println(output + ": " + plural(catalog.flows().size(), "flow") + " reviewed");
            } else {
                spec.commandLine().getOut().print(text);
            }
            spec.commandLine().getOut().flush();
            return 0;
        }

        private static Duration parseDuration(String text) throws CliException {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)([mhd])").matcher(text);
            if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
                throw new CliException("--period: must be a duration such as 7d, 12h or 90m, was \"" + text + "\"");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
    }

    private static String plural(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
