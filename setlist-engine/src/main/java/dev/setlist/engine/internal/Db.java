package dev.setlist.engine.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride;
import dev.setlist.engine.HealthBreaker;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The engine's database: a HikariCP pool, its dialect, the schema (migrated by Flyway from
 * {@code db/engine}) and small helpers for one-statement reads and writes.
 */
public final class Db implements AutoCloseable {
    private final DataSource dataSource;
    private final Dialect dialect;
    private final HikariDataSource owned;
    private final HealthBreaker breaker;

    private Db(DataSource dataSource, Dialect dialect, HikariDataSource owned, HealthBreaker breaker) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.owned = owned;
        this.breaker = breaker;
    }

    /**
     * How long the first attempt to get a connection waits before the database is taken for
     * unreachable (the health breaker then answers at once until a probe succeeds).
     */
    public static final long CONNECTION_TIMEOUT_MILLIS = 1_500;

    /**
     * Opens a pool on {@code url}, behind a {@link HealthBreaker}. An H2 file URL gets the settings that make every commit reach
     * the operating system before it returns, so that a killed process loses nothing it committed.
     */
    public static Db open(String url, String user, String password, int poolSize) {
        Dialect dialect = Dialect.of(url);
        HikariConfig config = new HikariConfig();
        String effective = url;
        if (dialect == Dialect.H2 && !url.contains("WRITE_DELAY")) {
            effective = url + ";WRITE_DELAY=0";
        }
        config.setJdbcUrl(effective);
        if (user != null) {
            config.setUsername(user);
        }
        if (password != null) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("setlist-engine");
        config.setAutoCommit(true);
        config.setConnectionTimeout(CONNECTION_TIMEOUT_MILLIS);
        HealthBreaker breaker = HealthBreaker.unattached("setlist-engine");
        // The pool shows the breaker every failure on a connection in use (and decides on eviction as usual).
        config.setExceptionOverride(new SQLExceptionOverride() {
            // (no @Override: the interface's nested enum of that name shadows the annotation here)
            public SQLExceptionOverride.Override adjudicate(SQLException e) {
                breaker.observe(e);
                return SQLExceptionOverride.Override.CONTINUE_EVICT;
            }
        });
        HikariDataSource ds = new HikariDataSource(config);
        breaker.guard(ds);
        Db db = new Db(breaker, dialect, ds, breaker);
        try {
            db.migrate("db/engine", "sl_engine_schema_history");
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    /** Uses a pool the caller owns (and closes), with the engine's schema. */
    public static Db wrap(DataSource dataSource, String url) {
        return wrap(dataSource, url, "db/engine", "sl_engine_schema_history");
    }

    /**
     * Uses a pool the caller owns (and closes), with the engine's schema, behind a health breaker
     * of its own (unless it already is one); closing this stops the breaker's probe, not the pool.
     */
    public static Db guarded(DataSource dataSource, String url) {
        if (dataSource instanceof HealthBreaker b) {
            return wrap(b, url);
        }
        HealthBreaker breaker = new HealthBreaker("setlist-engine", dataSource);
        Db db = new Db(breaker, Dialect.of(url), null, breaker);
        try {
            db.migrate("db/engine", "sl_engine_schema_history");
        } catch (RuntimeException e) {
            breaker.close();
            throw e;
        }
        return db;
    }

    /**
     * Uses a pool the caller owns, migrating the schema of {@code location} (a classpath folder of
     * Flyway migrations) with its own history table: each module keeps its tables in the same database.
     */
    public static Db wrap(DataSource dataSource, String url, String location, String historyTable) {
        Db db = new Db(dataSource, Dialect.of(url), null, null);
        db.migrate(location, historyTable);
        return db;
    }

    private void migrate(String location, String historyTable) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:" + location)
                .table(historyTable)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** The breaker in front of the pool (null when the caller's pool is used as it is). */
    public HealthBreaker breaker() {
        return breaker;
    }

    public Dialect dialect() {
        return dialect;
    }

    public Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    /** A row of a query, read by the mapper. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    public <T> List<T> query(String sql, RowMapper<T> mapper, Object... params) {
        try (Connection c = connection()) {
            return query(c, sql, mapper, params);
        } catch (SQLException e) {
            throw new StoreException(sql, e);
        }
    }

    public static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
                return out;
            }
        }
    }

    public <T> T queryOne(String sql, RowMapper<T> mapper, Object... params) {
        List<T> rows = query(sql, mapper, params);
        return rows.isEmpty() ? null : rows.get(0);
    }

    public int update(String sql, Object... params) {
        try (Connection c = connection()) {
            return update(c, sql, params);
        } catch (SQLException e) {
            throw new StoreException(sql, e);
        }
    }

    public static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            return ps.executeUpdate();
        }
    }

    /** Sends a PostgreSQL notification (nothing on H2). */
    public void notify(String channel, String payload) {
        if (dialect == Dialect.POSTGRES) {
            query("SELECT pg_notify(?, ?)", rs -> null, channel, payload);
        }
    }

    /** Runs {@code work} in one transaction; rolls back if it throws. */
    public <T> T transaction(Work<T> work) {
        try (Connection c = connection()) {
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
        } catch (SQLException e) {
            throw new StoreException("transaction", e);
        }
    }

    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    static void bind(PreparedStatement ps, Object[] params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            Object p = params[i];
            if (p == null) {
                ps.setObject(i + 1, null);
            } else if (p instanceof Long l) {
                ps.setLong(i + 1, l);
            } else if (p instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else if (p instanceof String s) {
                ps.setString(i + 1, s);
            } else if (p instanceof Double d) {
                ps.setDouble(i + 1, d);
            } else {
                ps.setObject(i + 1, p);
            }
        }
    }

    /** Reads a nullable BIGINT column. */
    public static Long longOrNull(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    @Override
    public void close() {
        if (breaker != null) {
            breaker.close();
        }
        if (owned != null) {
            owned.close();
        }
    }
}
