package dev.setlist.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The server's tables, in the engine's database: migrated by Flyway from {@code db/server} with
 * their own history table, read and written with one-statement helpers. Thread safe.
 */
public final class Sql {
    private final DataSource dataSource;

    public Sql(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Creates or upgrades the server's tables. */
    public Sql migrate() {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/server")
                .table("sl_server_schema_history")
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
        return this;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** A row of a query, read by the mapper. */
    @FunctionalInterface
    public interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** Work done in one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    public <T> List<T> query(String sql, Row<T> row, Object... params) {
        return inConnection(c -> query(c, sql, row, params));
    }

    public <T> T one(String sql, Row<T> row, Object... params) {
        List<T> rows = query(sql, row, params);
        return rows.isEmpty() ? null : rows.get(0);
    }

    public int update(String sql, Object... params) {
        return inConnection(c -> update(c, sql, params));
    }

    public static <T> List<T> query(Connection c, String sql, Row<T> row, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(row.map(rs));
                }
                return out;
            }
        }
    }

    public static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            return ps.executeUpdate();
        }
    }

    /** Runs the work in one transaction: committed when it returns, rolled back when it throws. */
    public <T> T transaction(Work<T> work) {
        return inConnection(c -> {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        });
    }

    private <T> T inConnection(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new IllegalStateException("Database error: " + e.getMessage(), e);
        }
    }

    private static void bind(PreparedStatement ps, Object[] params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i]);
        }
    }
}
