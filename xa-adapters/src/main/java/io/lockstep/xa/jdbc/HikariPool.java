package io.lockstep.xa.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.lockstep.tm.LockstepTransactionManager;
import jakarta.transaction.RollbackException;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Local connections pooled by HikariCP; inside a global transaction one connection per transaction becomes its
 * last resource ({@link LocalBranch}).
 */
final class HikariPool implements Pool {
    private final LockstepTransactionManager tm;
    private final String name;
    private final String where;
    private final HikariDataSource hikari;
    private final CommitMarks marks;
    private final Object key = new Object();

    HikariPool(LockstepTransactionManager tm, String name, String where, HikariDataSource hikari, CommitMarks marks) {
        this.tm = tm;
        this.name = name;
        this.where = where;
        this.hikari = hikari;
        this.marks = marks;
    }

    @Override
    public Connection getConnection() throws SQLException {
        Transaction tx = Running.transaction(tm, name);
        if (tx == null) {
            return borrow();
        }
        LocalBranch branch = (LocalBranch) tm.getResource(key);
        if (branch == null) {
            branch = enlist(tx);
        }
        return new EnlistedConnection(branch.connection(), tx, name, false);
    }

    private LocalBranch enlist(Transaction tx) throws SQLException {
        Connection c = borrow();
        LocalBranch branch;
        try {
            c.setAutoCommit(false);
            if (marks != null) {
                marks.ensureTable(c);
            }
            branch = new LocalBranch(name, c, marks);
            if (!tx.enlistResource(branch)) {
                throw new SQLException("data source '" + name + "': transaction " + tx + " refused the connection");
            }
        } catch (IllegalStateException e) {
            c.close();
            throw new SQLException("data source '" + name + "' is a non-XA last resource and " + e.getMessage()
                    + "; a transaction can hold only one. Make the others XA data sources"
                    + " (LockstepDataSources.postgres/mysql/mariadb/h2/forUrl).", "25000", e);
        } catch (RollbackException e) {
            c.close();
            throw new SQLException("data source '" + name + "': transaction " + tx
                    + " is marked rollback-only; no new work can join it", "25000", e);
        } catch (SQLException | SystemException | RuntimeException e) {
            c.close();
            throw e instanceof SQLException ? (SQLException) e
                    : new SQLException("data source '" + name + "': cannot enlist in " + tx + ": " + e, e);
        }
        tm.putResource(key, branch);
        tm.registerInterposedSynchronization(branch);
        return branch;
    }

    private Connection borrow() throws SQLException {
        try {
            return hikari.getConnection();
        } catch (SQLException e) {
            throw LockstepDataSource.explained(name, where, e);
        }
    }

    @Override
    public PoolStats stats() {
        HikariPoolMXBean m = hikari.getHikariPoolMXBean();
        if (m == null) {
            return new PoolStats(0, 0, hikari.getMaximumPoolSize(), 0, 0, 0, 0);
        }
        return new PoolStats(m.getActiveConnections(), m.getIdleConnections(), hikari.getMaximumPoolSize(),
                m.getThreadsAwaitingConnection(), -1, -1, -1);
    }

    @Override
    public Object unwrapPool() {
        return hikari;
    }

    @Override
    public void close() {
        hikari.close();
    }
}
