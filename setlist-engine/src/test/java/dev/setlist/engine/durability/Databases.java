package dev.setlist.engine.durability;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Assumptions;

/**
 * The databases of the durability tests: an H2 file database in a directory, or a fresh
 * PostgreSQL database (dropped and created again per test) on the server named by the system
 * properties {@code setlist.test.pg.host} (default 127.0.0.1), {@code .port} (5432), {@code .user}
 * (postgres) and {@code .password} (empty). Without a reachable server the PostgreSQL tests are
 * skipped, unless {@code -Dsetlist.test.pg.required=true} makes that a failure.
 */
final class Databases {
    static final String PG_HOST = System.getProperty("setlist.test.pg.host", "127.0.0.1");
    static final String PG_PORT = System.getProperty("setlist.test.pg.port", "5432");
    static final String PG_USER = System.getProperty("setlist.test.pg.user", "postgres");
    static final String PG_PASSWORD = System.getProperty("setlist.test.pg.password", "");

    /** Where a database is and how to log in. */
    record Target(String url, String user, String password) {
        boolean postgres() {
            return url.startsWith("jdbc:postgresql:");
        }

        Connection connect() throws SQLException {
            Properties p = new Properties();
            p.setProperty("user", user);
            p.setProperty("password", password);
            return DriverManager.getConnection(url, p);
        }
    }

    private Databases() {}

    static Target h2(Path dir) {
        return new Target("jdbc:h2:file:" + dir.toAbsolutePath().resolve("engine"), "sa", "");
    }

    /** A new, empty PostgreSQL database of this name (or the test is skipped without a server). */
    static Target freshPostgres(String name) throws SQLException {
        String admin = "jdbc:postgresql://" + PG_HOST + ":" + PG_PORT + "/postgres?connectTimeout=3";
        Connection c;
        try {
            c = new Target(admin, PG_USER, PG_PASSWORD).connect();
        } catch (SQLException e) {
            if (Boolean.getBoolean("setlist.test.pg.required")) {
                throw e;
            }
            Assumptions.abort("PostgreSQL is not reachable at " + PG_HOST + ":" + PG_PORT + ": " + e.getMessage());
            throw e;
        }
        try (c; Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + name);
        }
        return new Target("jdbc:postgresql://" + PG_HOST + ":" + PG_PORT + "/" + name, PG_USER, PG_PASSWORD);
    }

    static void dropPostgres(String name) {
        String admin = "jdbc:postgresql://" + PG_HOST + ":" + PG_PORT + "/postgres?connectTimeout=3";
        try (Connection c = new Target(admin, PG_USER, PG_PASSWORD).connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException ignored) {
            // best effort: the next run drops it first anyway
        }
    }

    /** Creates the effect tables before any node runs. */
    static void prepare(Target db) throws SQLException {
        try (Connection c = db.connect()) {
            Fixtures.createTables(c);
        }
    }
}
