package dev.setlist.bench.engine;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A pool wrapper that counts the transactions its users commit ({@link Connection#commit()}
 * calls) and the time those calls take, so that each system's physical commits per execution
 * can be printed beside its throughput. Everything else goes straight to the wrapped pool.
 */
public final class CountingDataSource implements DataSource {
    private final DataSource delegate;
    private final LongAdder commits = new LongAdder();
    private final LongAdder commitNanos = new LongAdder();

    public CountingDataSource(DataSource delegate) {
        this.delegate = delegate;
    }

    /** Commits so far. */
    public long commits() {
        return commits.sum();
    }

    /** Time spent inside {@link Connection#commit()} so far, in nanoseconds. */
    public long commitNanos() {
        return commitNanos.sum();
    }

    private Connection wrap(Connection c) {
        InvocationHandler h = (proxy, method, args) -> {
            boolean commit = method.getName().equals("commit") && method.getParameterCount() == 0;
            long start = commit ? System.nanoTime() : 0;
            try {
                return method.invoke(c, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                if (commit) {
                    commits.increment();
                    commitNanos.add(System.nanoTime() - start);
                }
            }
        };
        return (Connection) Proxy.newProxyInstance(CountingDataSource.class.getClassLoader(),
                new Class<?>[] {Connection.class}, h);
    }

    @Override
    public Connection getConnection() throws SQLException {
        return wrap(delegate.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return wrap(delegate.getConnection(username, password));
    }

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
        return iface.isInstance(this) ? iface.cast(this) : delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || delegate.isWrapperFor(iface);
    }
}
