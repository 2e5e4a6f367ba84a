package dev.setlist.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The breaker's rules on a pool that fails on demand (no database). */
class HealthBreakerTest {
    /** A pool that is up or down; counts the connections asked of it. */
    private static final class Pool implements DataSource {
        final AtomicBoolean up = new AtomicBoolean(true);
        final AtomicInteger asked = new AtomicInteger();
        volatile SQLException failure = new SQLTransientConnectionException("refused", "08001");

        @Override
        public Connection getConnection() throws SQLException {
            asked.incrementAndGet();
            if (!up.get()) {
                throw failure;
            }
            return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                    (p, m, a) -> switch (m.getName()) {
                        case "isValid" -> true;
                        case "close" -> null;
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
        }

        @Override
        public Connection getConnection(String u, String p) {
            throw new UnsupportedOperationException();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> iface) {
            return null;
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }

    private static void await(java.util.function.BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!done.getAsBoolean() && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertThat(done.getAsBoolean()).isTrue();
    }

    @Test
    void aFailedConnection_opensIt_callsFailAtOnce_andTheFirstGoodProbeClosesIt() throws Exception {
        Pool pool = new Pool();
        try (HealthBreaker b = new HealthBreaker("test", pool, Duration.ofMillis(50))) {
            b.getConnection().close();
            pool.up.set(false);
            assertThatThrownBy(b::getConnection).isNotInstanceOf(HealthBreaker.Unavailable.class);
            assertThat(b.isOpen()).isTrue();
            assertThat(b.timesOpened()).isEqualTo(1);
            assertThatThrownBy(b::getConnection).isInstanceOf(HealthBreaker.Unavailable.class)
                    .isInstanceOf(SQLTransientConnectionException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08001"));
            assertThat(b.rejected()).isEqualTo(1);
            Thread.sleep(200); // the probe keeps asking, the calls do not reach the pool
            int probes = pool.asked.get();
            assertThat(probes).isGreaterThan(2);
            pool.up.set(true);
            await(() -> !b.isOpen());
            b.getConnection().close();
            assertThat(b.timesOpened()).isEqualTo(1);
        }
    }

    @Test
    void aBusyPool_aBrokenConnectionOfAnInterruptedThread_orAStatementError_doNotOpenIt() throws Exception {
        Pool pool = new Pool();
        try (HealthBreaker b = new HealthBreaker("test", pool, Duration.ofMillis(50))) {
            pool.up.set(false);
            pool.failure = new SQLTransientConnectionException("Connection is not available, request timed out");
            assertThatThrownBy(b::getConnection).isInstanceOf(SQLTransientConnectionException.class);
            assertThat(b.isOpen()).isFalse();
            b.observe(new SQLException("duplicate key", "23505"));
            b.observe(new SQLException("serialization failure", "40001"));
            assertThat(b.isOpen()).isFalse();
            b.observe(new SQLException("I/O error", "08006", new java.io.InterruptedIOException()));
            assertThat(b.isOpen()).isFalse();
            pool.failure = new SQLException("Interrupted during connection acquisition", null,
                    new InterruptedException());
            assertThatThrownBy(b::getConnection).isInstanceOf(SQLException.class);
            assertThat(b.isOpen()).isFalse();
            b.observe(new SQLException("terminating connection due to administrator command", "57P01"));
            assertThat(b.isOpen()).isTrue();
        }
    }
}
