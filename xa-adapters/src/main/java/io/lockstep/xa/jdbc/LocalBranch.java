package io.lockstep.xa.jdbc;

import io.lockstep.tm.LastResource;
import io.lockstep.tm.xa.LockstepXid;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import java.sql.Connection;
import java.sql.SQLException;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One local (non-XA) connection in one global transaction, as its last resource: the engine commits it in one
 * phase after every XA branch has prepared and before the COMMIT record is forced. With commit marks, the mark
 * is inserted in the same local transaction, so the local commit and the decision are one atomic fact.
 *
 * <p>It is also the transaction's synchronization that gives the connection back to the pool after completion.
 */
final class LocalBranch implements LastResource, Synchronization {
    private static final Logger LOG = LoggerFactory.getLogger(LocalBranch.class);

    private final String name;
    private final Connection connection;
    private final CommitMarks marks;
    private volatile String gtrid;

    LocalBranch(String name, Connection connection, CommitMarks marks) {
        this.name = name;
        this.connection = connection;
        this.marks = marks;
    }

    Connection connection() {
        return connection;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        LockstepXid ours = LockstepXid.from(xid);
        gtrid = ours != null ? ours.gtrid() : null;
        try {
            if (marks != null && gtrid != null) {
                marks.mark(connection, gtrid);
            }
        } catch (SQLException e) {
            rollbackQuietly();
            throw PooledBranch.xaError(XAException.XA_RBROLLBACK, "last resource " + name
                    + ": the commit mark could not be written (" + e.getMessage() + "); rolled back", e);
        }
        try {
            connection.commit();
        } catch (SQLException e) {
            if (marks != null && gtrid != null && committedAfterAll()) {
                return; // the reply was lost, the commit was not: the mark is there
            }
            rollbackQuietly();
            throw PooledBranch.xaError(XAException.XA_RBROLLBACK, "last resource " + name + ": local commit failed ("
                    + e.getMessage() + ")", e);
        }
    }

    private boolean committedAfterAll() {
        try {
            return marks.isMarked(gtrid);
        } catch (SQLException e) {
            LOG.error("last resource {}: commit of transaction {} failed and its mark cannot be read ({}); treated"
                    + " as not committed", name, gtrid, e.toString());
            return false;
        }
    }

    @Override
    public void rollback(Xid xid) throws XAException {
        try {
            connection.rollback();
        } catch (SQLException e) {
            // A local transaction that cannot be rolled back is rolled back by the database when the
            // connection is discarded, which afterCompletion does.
            throw PooledBranch.xaError(XAException.XAER_RMFAIL, "last resource " + name + ": rollback failed ("
                    + e.getMessage() + "); the connection is discarded", e);
        }
    }

    private void rollbackQuietly() {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // afterCompletion discards the connection
        }
    }

    @Override
    public void beforeCompletion() {
    }

    @Override
    public void afterCompletion(int status) {
        if (marks != null && gtrid != null && status == Status.STATUS_COMMITTED) {
            marks.finished(gtrid);
        }
        try {
            connection.setAutoCommit(true);
            connection.close();
        } catch (SQLException e) {
            LOG.warn("last resource {}: the connection could not be reset ({}); discarding it", name, e.toString());
            try {
                connection.abort(Runnable::run);
            } catch (SQLException ignored) {
                // already broken
            }
        }
    }

    // The engine never calls these on a last resource (see LastResource).

    @Override
    public void start(Xid xid, int flags) {
    }

    @Override
    public void end(Xid xid, int flags) {
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        throw PooledBranch.xaError(XAException.XAER_PROTO, "last resource " + name + " cannot prepare", null);
    }

    @Override
    public void forget(Xid xid) {
    }

    @Override
    public Xid[] recover(int flag) {
        return new Xid[0];
    }

    @Override
    public boolean isSameRM(XAResource other) {
        return other == this;
    }

    @Override
    public int getTransactionTimeout() {
        return 0;
    }

    @Override
    public boolean setTransactionTimeout(int seconds) {
        return false;
    }

    @Override
    public String toString() {
        return name + " (last resource)";
    }
}
