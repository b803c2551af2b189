package io.lockstep.xa.jdbc;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A pooled data source whose connections join the calling thread's global transaction, built by
 * {@link LockstepDataSources}.
 *
 * <p>Inside a transaction, the first {@link #getConnection()} enlists one pooled connection; later calls in the
 * same transaction get that same connection; {@code close()} is accepted at any time but the connection goes back
 * to the pool only after the transaction completes. {@code commit}, {@code rollback}, {@code setAutoCommit(true)}
 * and savepoints are refused while the transaction runs. Outside a transaction the connection is an ordinary
 * auto-commit connection.
 *
 * <p>An XA data source registers its recovery source with the manager under {@link #name()}; {@link #close()}
 * unregisters it and closes the pool.
 */
public final class LockstepDataSource implements DataSource, AutoCloseable {
    private final String name;
    private final String where;
    private final Vendor vendor;
    private final boolean lastResource;
    private final Runnable unregister;
    private final Pool pool;
    private final AtomicBoolean closed = new AtomicBoolean();

    LockstepDataSource(String name, String where, Vendor vendor, boolean lastResource,
            Runnable unregister, Pool pool) {
        this.name = name;
        this.where = where;
        this.vendor = vendor;
        this.lastResource = lastResource;
        this.unregister = unregister;
        this.pool = pool;
    }

    /** The stable resource name: in commit records, recovery, logs and metrics. */
    public String name() {
        return name;
    }

    /** The database vendor. */
    public Vendor vendor() {
        return vendor;
    }

    /** True for a non-XA last resource (HikariCP), false for an XA data source (Agroal). */
    public boolean isLastResource() {
        return lastResource;
    }

    /** The pool's current figures. */
    public PoolStats stats() {
        return pool.stats();
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (closed.get()) {
            throw new SQLException("data source '" + name + "' is closed", "08003");
        }
        return pool.getConnection();
    }

    /** Not supported: a pool's credentials are fixed when it is built. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("data source '" + name + "': credentials are fixed when the pool"
                + " is built (LockstepDataSources....build()); use getConnection()");
    }

    /** Unregisters the recovery source and closes the pool. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                unregister.run();
            } finally {
                pool.close();
            }
        }
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // logging goes through SLF4J
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        throw new SQLFeatureNotSupportedException("data source '" + name + "': set timeouts on the builder");
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("Lockstep logs through SLF4J");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        Object p = pool.unwrapPool();
        if (iface.isInstance(p)) {
            return iface.cast(p);
        }
        throw new SQLException("data source '" + name + "' is not a wrapper for " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this) || iface.isInstance(pool.unwrapPool());
    }

    @Override
    public String toString() {
        return "LockstepDataSource[" + name + ", " + (lastResource ? "last resource" : "XA") + ", " + where + "]";
    }

    /** A driver failure to get a connection, with the data source named and the driver's exception as cause. */
    static SQLException explained(String name, String where, SQLException e) {
        String hint = Vendor.explain(e);
        return new SQLException("data source '" + name + "' at " + where + ": cannot get a connection: "
                + e.getMessage() + (hint == null ? "" : " — " + hint), e.getSQLState(), e.getErrorCode(), e);
    }
}
