package io.lockstep.xa.jdbc;

import io.agroal.api.transaction.TransactionAware;
import io.agroal.api.transaction.TransactionIntegration;
import io.lockstep.tm.LockstepTransactionManager;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Synchronization;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import java.sql.SQLException;
import javax.transaction.xa.XAResource;

/**
 * Agroal's {@link TransactionIntegration} for Lockstep: one pooled connection per data source and global
 * transaction, enlisted when the application first asks for a connection inside the transaction, handed back to
 * the pool after completion (an interposed synchronization), whatever the application did with {@code close()}.
 */
final class AgroalIntegration implements TransactionIntegration {
    private final LockstepTransactionManager tm;
    private final String name;
    private final Vendor vendor;
    private final XaCallTimeout timeout;
    /** The key of this data source's connection among the transaction's resources (TSR). */
    private final Object key = new Object();
    private volatile ResourceRecoveryFactory recoveryFactory;

    AgroalIntegration(LockstepTransactionManager tm, String name, Vendor vendor, XaCallTimeout timeout) {
        this.tm = tm;
        this.name = name;
        this.vendor = vendor;
        this.timeout = timeout;
    }

    /** The running transaction of the calling thread, or null when none is ACTIVE or MARKED_ROLLBACK. */
    Transaction running() throws SQLException {
        return Running.transaction(tm, name);
    }

    @Override
    public TransactionAware getTransactionAware() throws SQLException {
        return running() != null ? (TransactionAware) tm.getResource(key) : null;
    }

    @Override
    public void associate(TransactionAware connection, XAResource xaResource) throws SQLException {
        connection.transactionCheckCallback(() -> running() != null);
        Transaction tx = running();
        if (tx == null) {
            return;
        }
        if (tm.getResource(key) != null) {
            connection.transactionStart(); // the transaction's own connection, handed out again
            return;
        }
        if (xaResource == null) {
            throw new SQLException("data source '" + name + "' is not an XA data source; it cannot join global"
                    + " transaction " + tx);
        }
        boolean enlisted;
        try {
            enlisted = tx.enlistResource(new PooledBranch(name, vendor, xaResource, connection, timeout));
        } catch (RollbackException e) {
            throw new SQLException("data source '" + name + "': transaction " + tx
                    + " is marked rollback-only; no new work can join it", "25000", e);
        } catch (SystemException | IllegalStateException e) {
            throw new SQLException("data source '" + name + "': cannot enlist in transaction " + tx + ": "
                    + e.getMessage(), e);
        }
        if (!enlisted) {
            throw new SQLException("data source '" + name + "': transaction " + tx + " refused the connection");
        }
        // From here on the branch holds the connection: it goes back to the pool after completion, not before.
        tm.putResource(key, connection);
        tm.registerInterposedSynchronization(new ReturnToPool(connection));
    }

    @Override
    public boolean disassociate(TransactionAware connection) throws SQLException {
        if (running() != null && tm.getResource(key) == connection) {
            tm.putResource(key, null);
        }
        return true;
    }

    @Override
    public void addResourceRecoveryFactory(ResourceRecoveryFactory factory) {
        recoveryFactory = factory;
    }

    @Override
    public void removeResourceRecoveryFactory(ResourceRecoveryFactory factory) {
        if (recoveryFactory == factory) {
            recoveryFactory = null;
        }
    }

    ResourceRecoveryFactory recoveryFactory() {
        return recoveryFactory;
    }

    /** Returns the transaction's connection to the pool once the transaction is over. */
    private static final class ReturnToPool implements Synchronization {
        private final TransactionAware connection;

        ReturnToPool(TransactionAware connection) {
            this.connection = connection;
        }

        @Override
        public void beforeCompletion() {
        }

        @Override
        public void afterCompletion(int status) {
            try {
                connection.transactionEnd();
            } catch (SQLException e) {
                connection.setFlushOnly();
            }
        }
    }
}
