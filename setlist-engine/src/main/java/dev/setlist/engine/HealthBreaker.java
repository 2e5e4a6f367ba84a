package dev.setlist.engine;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * The database's health breaker: a {@link DataSource} in front of the pool that every module's
 * database access goes through (the engine's own, and the one {@link Engine#dataSource()} hands to
 * the server, the flows, the event bus and workloads).
 *
 * <p>Closed, it passes {@link #getConnection()} to the pool. The first failure to get a
 * connection (one the pool could not open, not a pool merely busy) or a connection-level failure
 * on a connection in use ({@link #observe(SQLException)}: SQLState class {@code 08}, or the
 * server ending the session, {@code 57P01}–{@code 57P03}) opens it. Open, every
 * {@code getConnection} fails at once with {@link Unavailable} (a
 * {@link SQLTransientConnectionException}, SQLState {@code 08001}), which each module turns into
 * its own "database unavailable" failure and the server into a 503 with {@code Retry-After}; one
 * background probe asks the pool for a connection and checks it ({@link Connection#isValid}), at
 * once and then every {@link #probeEvery()}, and the first probe that succeeds closes it. (For a
 * HikariCP pool the probe first opens a connection of its own, outside the pool, so as not to
 * keep the pool retrying in the background; the pool's idle connections are replaced when the
 * breaker opens.)
 * Thread safe.
 */
public final class HealthBreaker implements DataSource, AutoCloseable {
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(HealthBreaker.class);
    /** The default pause between two probes while open. */
    public static final Duration PROBE_EVERY = Duration.ofMillis(500);

    private final String name;
    private final Duration probeEvery;
    private volatile DataSource delegate;
    private volatile boolean open;
    private volatile boolean closed;
    private volatile Instant openedAt;
    private volatile String reason;
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final Object lock = new Object();
    private ScheduledExecutorService prober;
    private ScheduledFuture<?> probe;
    /** The pool's minimum of idle connections before the breaker opened (-1: none kept). */
    private int minimumIdle = -1;

    /** A breaker in front of {@code delegate}, named for its logs. */
    public HealthBreaker(String name, DataSource delegate) {
        this(name, delegate, PROBE_EVERY);
    }

    public HealthBreaker(String name, DataSource delegate, Duration probeEvery) {
        this.name = name;
        this.delegate = delegate;
        this.probeEvery = probeEvery;
    }

    /**
     * A breaker whose pool is given later ({@link #guard}), for a pool whose exception hook
     * ({@link #observe}) needs the breaker before the pool exists.
     */
    public static HealthBreaker unattached(String name) {
        return new HealthBreaker(name, null, PROBE_EVERY);
    }

    /** Puts the breaker in front of {@code pool}; once, before it is used. */
    public synchronized void guard(DataSource pool) {
        if (delegate != null) {
            throw new IllegalStateException("The " + name + " health breaker already guards a pool");
        }
        this.delegate = pool;
    }

    /** The pool behind the breaker. */
    public DataSource delegate() {
        return delegate;
    }

    /** Thrown by {@link #getConnection()} while the breaker is open: the database is unavailable. */
    public static final class Unavailable extends SQLTransientConnectionException {
        Unavailable(String message) {
            super(message, "08001");
        }
    }

    // ---- state ---------------------------------------------------------------------------------

    /** True while the database is taken for unreachable (calls fail at once). */
    public boolean isOpen() {
        return open;
    }

    /** How many times the breaker opened since it was made. */
    public long timesOpened() {
        return opened.get();
    }

    /** How many {@code getConnection} calls it refused while open. */
    public long rejected() {
        return rejected.get();
    }

    /** When it last opened (null if never). */
    public Instant openedAt() {
        return openedAt;
    }

    /** What opened it last (a summary, no secrets), null if never. */
    public String reason() {
        return reason;
    }

    public Duration probeEvery() {
        return probeEvery;
    }

    // ---- the pool's side -----------------------------------------------------------------------

    @Override
    public Connection getConnection() throws SQLException {
        if (open) {
            rejected.incrementAndGet();
            throw new Unavailable("The database is unavailable (" + name + " health breaker open since " + openedAt
                    + "; " + reason + ")");
        }
        try {
            return delegate.getConnection();
        } catch (SQLException e) {
            if (unreachable(e) && !interrupted(e)) {
                trip(e);
            }
            throw e;
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the pool's credentials are fixed");
    }

    /**
     * A failure seen on a connection in use (the pool's exception hook): a connection-level one
     * opens the breaker.
     */
    public void observe(SQLException e) {
        if (!open && !closed && connectionLevel(e) && !interrupted(e)) {
            trip(e);
        }
    }

    /**
     * A connection broken because its thread was interrupted (a virtual thread's socket is closed
     * when it is, as on shutdown) says nothing of the database.
     */
    private static boolean interrupted(SQLException e) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.io.InterruptedIOException || t instanceof java.nio.channels.ClosedByInterruptException
                    || t instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when a failure to get a connection means the database cannot be reached: anything
     * but a pool that is only busy (HikariCP's timeout without a failed attempt to connect) or shut.
     */
    static boolean unreachable(SQLException e) {
        if (e instanceof Unavailable) {
            return false;
        }
        if (e instanceof SQLTransientConnectionException && e.getCause() == null && e.getSQLState() == null
                && e.getNextException() == null) {
            return false; // every connection is in use: load, not an outage
        }
        String m = e.getMessage();
        return m == null || !m.contains("has been closed");
    }

    static boolean connectionLevel(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException s) {
                String state = s.getSQLState();
                if (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                        || state.equals("57P03"))) {
                    return true;
                }
            }
        }
        return false;
    }

    private void trip(SQLException e) {
        synchronized (lock) {
            if (open || closed) {
                return;
            }
            reason = dev.setlist.asl.SafeFailure.summary(e);
            openedAt = Instant.now();
            open = true;
            opened.incrementAndGet();
            LOG.warn("Database unavailable: the {} health breaker is open, calls fail at once until a probe"
                    + " succeeds ({})", name, reason);
            // The pool's idle connections most likely died with the database: replace them, so that
            // the first calls after recovery do not fail on them (and open the breaker again).
            // And while open it keeps no idle connections: HikariCP then stops retrying in the
            // background (where its pause grows to 5 s) and tries afresh for each probe, so the
            // probe sees the database as soon as it is back.
            if (delegate instanceof com.zaxxer.hikari.HikariDataSource h && !h.isClosed()
                    && h.getHikariPoolMXBean() != null) {
                try {
                    minimumIdle = h.getHikariConfigMXBean().getMinimumIdle();
                    h.getHikariConfigMXBean().setMinimumIdle(0);
                    h.getHikariPoolMXBean().softEvictConnections();
                } catch (RuntimeException ignored) {
                    // the probe copes with what is left
                }
            }
            if (prober == null) {
                prober = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, name + "-health-probe");
                    t.setDaemon(true);
                    return t;
                });
            }
            probe = prober.scheduleWithFixedDelay(this::probeOnce, 0, probeEvery.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void probeOnce() {
        if (!open || closed) {
            return;
        }
        if (!answersDirectly()) {
            return;
        }
        boolean ok;
        try (Connection c = delegate.getConnection()) {
            ok = c.isValid(1);
        } catch (SQLException | RuntimeException e) {
            ok = false;
        }
        if (ok) {
            synchronized (lock) {
                if (!open) {
                    return;
                }
                open = false;
                if (probe != null) {
                    probe.cancel(false);
                    probe = null;
                }
                restoreMinimumIdle();
                LOG.info("Database reachable again: the {} health breaker is closed after {} ms ({} calls refused"
                        + " meanwhile)", name, Duration.between(openedAt, Instant.now()).toMillis(), rejected.get());
            }
        }
    }

    /**
     * For a HikariCP pool, whether the database accepts a connection of its own (the pool's URL
     * and credentials, outside the pool): until it does the probe does not wait on the pool, whose
     * own attempts, kept going by a waiting probe, would pause up to 5 s between them. True for
     * any other pool (the probe asks it directly).
     */
    private boolean answersDirectly() {
        if (!(delegate instanceof com.zaxxer.hikari.HikariDataSource h) || h.getJdbcUrl() == null) {
            return true;
        }
        java.util.Properties props = new java.util.Properties();
        props.putAll(h.getDataSourceProperties());
        if (h.getUsername() != null) {
            props.setProperty("user", h.getUsername());
        }
        if (h.getPassword() != null) {
            props.setProperty("password", h.getPassword());
        }
        if (h.getJdbcUrl().startsWith("jdbc:postgresql:")) {
            props.putIfAbsent("connectTimeout", "2");
            props.putIfAbsent("loginTimeout", "2");
            props.putIfAbsent("socketTimeout", "2");
        }
        try (Connection c = java.sql.DriverManager.getConnection(h.getJdbcUrl(), props)) {
            return c.isValid(1);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    private void restoreMinimumIdle() {
        if (minimumIdle >= 0 && delegate instanceof com.zaxxer.hikari.HikariDataSource h && !h.isClosed()) {
            try {
                h.getHikariConfigMXBean().setMinimumIdle(minimumIdle);
            } catch (RuntimeException ignored) {
                // the pool fills on demand
            }
        }
        minimumIdle = -1;
    }

    /** Stops the probe (the pool is the owner's to close). */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            open = false;
            if (prober != null) {
                prober.shutdownNow();
                prober = null;
            }
        }
    }

    // ---- the rest of DataSource ----------------------------------------------------------------

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || delegate.isWrapperFor(iface);
    }
}
