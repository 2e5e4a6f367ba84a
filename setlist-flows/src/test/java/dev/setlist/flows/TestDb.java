package dev.setlist.flows;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** Fresh databases for tests: an H2 in memory, or a new PostgreSQL database when one runs locally. */
final class TestDb {
    private TestDb() {}

    static DataSource h2() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:flows-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        return ds;
    }

    static final String PG = "jdbc:postgresql://127.0.0.1:5432/";

    static boolean postgresRuns() {
        try (Connection c = DriverManager.getConnection(PG + "postgres?connectTimeout=2", "postgres", "")) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** A new, empty PostgreSQL database (its name starts with {@code setlist_flows_test_}). */
    static DataSource postgres() throws SQLException {
        String name = "setlist_flows_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(PG + name);
        ds.setUser("postgres");
        return ds;
    }

    /** Drops a database that {@link #postgres} created. */
    static void drop(DataSource ds) throws SQLException {
        String name = ((PGSimpleDataSource) ds).getDatabaseName();
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}
