package dev.setlist.server.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.setlist.asl.Clock;
import dev.setlist.server.auth.PasswordReset;
import dev.setlist.server.cli.AslCommand.CliException;
import dev.setlist.server.config.ServerConfig;
import dev.setlist.server.store.Sql;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code setlist admin …}: administration of an installation from the machine it runs on. */
@Command(name = "admin", mixinStandardHelpOptions = true,
        description = "Administer an installation directly on its database (for when nobody can sign in).",
        subcommands = {AdminCommand.ResetPassword.class})
final class AdminCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "reset-password", mixinStandardHelpOptions = true,
            description = "Give USER a new random password (printed once), make sure USER holds the administrator role"
                    + " on *, and end USER's sessions. With the embedded database, stop the server first.")
    static final class ResetPassword implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "USER", description = "The user to recover, such as admin.")
        String user;

        @Option(names = "--data", paramLabel = "DIR", description = "The server's data directory (its embedded database"
                + " is DIR/setlist; default ./data, or SETLIST_DATA_DIR)")
        Path data;

        @Option(names = "--config", paramLabel = "FILE", description = "The server's YAML configuration file (for a"
                + " PostgreSQL database)")
        Path config;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws CliException {
            ServerConfig cfg;
            try {
                cfg = ServerConfig.load(config, System.getenv(), null, data);
            } catch (RuntimeException e) {
                throw new CliException(e.getMessage());
            }
            if (cfg.databaseUrl() == null && !Files.exists(cfg.dataDir().resolve("setlist.mv.db"))) {
                throw new CliException(cfg.dataDir() + ": no database here (" + cfg.dataDir().resolve("setlist.mv.db")
                        + " does not exist); pass the server's --data DIR");
            }
            HikariConfig hc = new HikariConfig();
            hc.setJdbcUrl(cfg.jdbcUrl());
            hc.setUsername(cfg.databaseUser());
            hc.setPassword(cfg.databasePassword());
            hc.setMaximumPoolSize(3);
            hc.setPoolName("setlist-admin");
            hc.setConnectionTimeout(5_000);
            PasswordReset.Result r;
            try (HikariDataSource ds = new HikariDataSource(hc)) {
                r = new PasswordReset(new Sql(ds).migrate(), Clock.SYSTEM, new SecureRandom()).reset(user);
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            } catch (RuntimeException e) {
                String why = e.getMessage() == null ? e.toString() : e.getMessage();
                throw new CliException("cannot open the database " + redact(cfg.jdbcUrl()) + ": " + why
                        + (why.contains("already in use") || why.contains("locked") ? " (is the server running? stop it first)" : ""));
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("setlist: reset the password of '" + r.user() + "'. It is shown only once:");
            out.println("  console user:      " + r.user());
            out.println("  console password:  " + r.password());
            out.println("setlist: '" + r.user() + "' " + (r.grantedAdministrator() ? "was granted" : "holds")
                    + " the administrator role on *; " + r.sessionsEnded() + " session(s) ended.");
            out.flush();
            return 0;
        }

        private static String redact(String url) {
            return url.replaceAll("(?i)(password=)[^;&]*", "$1***");
        }
    }
}
