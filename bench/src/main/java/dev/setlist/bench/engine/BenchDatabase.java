package dev.setlist.bench.engine;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where one system keeps its tables: for H2 an embedded file database of its own under a
 * directory, for PostgreSQL a database of its own on one server (dropped and created afresh),
 * so that the engine, the raw baseline and Flowable never share a table.
 */
public sealed interface BenchDatabase {
    /** The name printed in the report. */
    String label();

    /** A fresh, empty database for {@code name}; returns its JDBC URL. */
    String fresh(String name);

    String user();

    String password();

    /** Removes what {@link #fresh} made (H2 files); databases on a server are left for inspection. */
    void cleanUp();

    /**
     * A HikariCP pool on {@code url}, set up as the engine sets up its own (auto-commit on, 10 s
     * connection timeout); an H2 URL gets {@code WRITE_DELAY=0} as the engine gives it, so that
     * every commit reaches the file before it returns.
     */
    default HikariDataSource pool(String url, int size, String name) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url.startsWith("jdbc:h2:") && !url.contains("WRITE_DELAY") ? url + ";WRITE_DELAY=0" : url);
        config.setUsername(user());
        config.setPassword(password());
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(size);
        config.setPoolName(name);
        config.setAutoCommit(true);
        config.setConnectionTimeout(10_000);
        return new HikariDataSource(config);
    }

    /** Embedded H2 files under {@code dir}. */
    record H2(Path dir, boolean deleteAfter) implements BenchDatabase {
        @Override
        public String label() {
            return "H2 (embedded file)";
        }

        @Override
        public String fresh(String name) {
            Path d = dir.resolve(name);
            delete(d);
            try {
                Files.createDirectories(d);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return "jdbc:h2:file:" + d.toAbsolutePath() + "/db";
        }

        @Override
        public String user() {
            return "sa";
        }

        @Override
        public String password() {
            return "";
        }

        @Override
        public void cleanUp() {
            if (deleteAfter) {
                delete(dir);
            }
        }

        private static void delete(Path p) {
            if (!Files.exists(p)) {
                return;
            }
            try (Stream<Path> all = Files.walk(p)) {
                all.sorted(Comparator.reverseOrder()).forEach(x -> {
                    try {
                        Files.delete(x);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Databases on a PostgreSQL server: {@code base} is the server's URL up to the database name
     * (e.g. {@code jdbc:postgresql://127.0.0.1:5432/}), {@code admin} a database to connect to
     * while dropping and creating the others.
     */
    record Postgres(String base, String admin, String user, String password, String prefix) implements BenchDatabase {
        @Override
        public String label() {
            return "PostgreSQL";
        }

        @Override
        public String fresh(String name) {
            String db = prefix + name;
            try (Connection c = DriverManager.getConnection(base + admin, user, password);
                 Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
                s.execute("CREATE DATABASE " + db);
            } catch (SQLException e) {
                throw new IllegalStateException("could not create database " + db + " on " + base + ": " + e.getMessage(), e);
            }
            return base + db;
        }

        /** True when the server answers. */
        public boolean reachable() {
            try (Connection c = DriverManager.getConnection(base + admin, user, password)) {
                return c.isValid(5);
            } catch (SQLException e) {
                return false;
            }
        }

        @Override
        public void cleanUp() {
            // Left in place: small, and useful to look at after a run.
        }
    }
}
