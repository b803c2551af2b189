package io.lockstep.xa.jdbc;

import io.agroal.api.transaction.TransactionAware;
import io.lockstep.tm.NamedXAResource;
import io.lockstep.tm.SuspendMode;
import java.sql.Connection;
import java.sql.SQLException;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * The branch of one pooled connection in one global transaction: the driver's XAResource under the data source's
 * name and its vendor's rules, telling the pool when the connection joins and leaves the transaction.
 *
 * <p>Timeout: the manager's reaper ends a branch with {@code TMFAIL} from its own thread while the application may
 * be inside a long statement on the connection, where the driver would block the reaper until the statement ends.
 * So a {@code TMFAIL} from another thread than the one that started the branch aborts the physical connection
 * first: the statement in flight fails at once, the database rolls the unprepared branch back when the connection
 * drops, and the pool discards the connection.
 *
 * <p>Stalls: every XA call runs under the data source's {@link XaCallTimeout} (the driver's network timeout). The
 * connection is switched to it at the first XA call after the application's work ({@code start}, {@code end}) and
 * back to the application's timeout when the application may use it again: after {@code start} returns, and when
 * the branch is finished ({@code commit}, {@code rollback}, a read-only vote, {@code forget}). The manager never
 * calls one branch from two threads at once, except the reaper's {@code TMFAIL}, which touches no timeout.
 */
final class PooledBranch implements NamedXAResource {
    private final String name;
    private final Vendor vendor;
    private final XAResource xar;
    private final TransactionAware connection;
    private final XaCallTimeout timeout;
    private volatile Thread owner;
    private volatile boolean aborted;
    /** The application's network timeout while the XA bound is armed, else {@link XaCallTimeout#NOT_ARMED}. */
    private int restoreTo = XaCallTimeout.NOT_ARMED;

    PooledBranch(String name, Vendor vendor, XAResource xar, TransactionAware connection, XaCallTimeout timeout) {
        this.name = name;
        this.vendor = vendor;
        this.xar = xar;
        this.connection = connection;
        this.timeout = timeout;
    }

    private Connection physical() {
        return (Connection) connection.getConnection();
    }

    /** Puts the connection under the XA bound (once until {@link #disarm}); returns System.nanoTime() for explain. */
    private long arm() {
        if (restoreTo == XaCallTimeout.NOT_ARMED) {
            restoreTo = timeout.arm(physical());
        }
        return System.nanoTime();
    }

    /** Gives the connection its application timeout back. */
    private void disarm() {
        if (restoreTo != XaCallTimeout.NOT_ARMED) {
            timeout.disarm(physical(), restoreTo);
            restoreTo = XaCallTimeout.NOT_ARMED;
        }
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public boolean canJoin() {
        return false;
    }

    @Override
    public SuspendMode suspendMode() {
        return vendor.suspendMode();
    }

    @Override
    public void start(Xid xid, int flags) throws XAException {
        try {
            connection.transactionStart();
        } catch (SQLException e) {
            connection.setFlushOnly();
            throw xaError(XAException.XAER_RMFAIL, "cannot start branch " + xid + " on " + name, e);
        }
        long t0 = arm();
        try {
            xar.start(xid, flags);
            owner = Thread.currentThread();
        } catch (XAException e) {
            connection.setFlushOnly();
            throw explained(timeout.explain("start", xid, t0, e));
        } finally {
            disarm(); // the application's statements follow, under its own timeout
        }
    }

    @Override
    public void end(Xid xid, int flags) throws XAException {
        if (flags == TMFAIL && owner != null && owner != Thread.currentThread()) {
            abortPhysicalConnection();
            return;
        }
        long t0 = arm(); // stays armed through prepare and commit: the application is done with the connection
        try {
            xar.end(xid, flags);
        } catch (XAException e) {
            if (e.errorCode < XAException.XA_RBBASE || e.errorCode > XAException.XA_RBEND) {
                connection.setFlushOnly();
            }
            throw explained(timeout.explain("end", xid, t0, e));
        }
    }

    private void abortPhysicalConnection() {
        aborted = true;
        connection.setFlushOnly();
        try {
            ((Connection) connection.getConnection()).abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            // The connection is being discarded either way; the branch was never prepared.
        }
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        long t0 = arm();
        try {
            int vote = xar.prepare(xid);
            if (vote == XA_RDONLY) {
                disarm(); // finished: no phase two follows
            }
            return vote;
        } catch (XAException e) {
            connection.setFlushOnly();
            throw explained(timeout.explain("prepare", xid, t0, e));
        }
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        connection.transactionBeforeCompletion(true);
        long t0 = arm();
        try {
            xar.commit(xid, onePhase);
        } catch (XAException e) {
            connection.setFlushOnly();
            throw explained(timeout.explain(onePhase ? "one-phase commit" : "commit", xid, t0, e));
        } finally {
            disarm();
        }
    }

    @Override
    public void rollback(Xid xid) throws XAException {
        connection.transactionBeforeCompletion(false);
        if (aborted) {
            return; // the database rolled the unprepared branch back when the connection was aborted
        }
        long t0 = arm();
        try {
            xar.rollback(xid);
        } catch (XAException e) {
            connection.setFlushOnly();
            throw explained(timeout.explain("rollback", xid, t0, e));
        } finally {
            disarm();
        }
    }

    @Override
    public void forget(Xid xid) throws XAException {
        long t0 = arm();
        try {
            xar.forget(xid);
        } catch (XAException e) {
            throw timeout.explain("forget", xid, t0, e);
        } finally {
            disarm();
        }
    }

    @Override
    public Xid[] recover(int flag) throws XAException {
        long t0 = arm();
        try {
            return xar.recover(flag);
        } catch (XAException e) {
            throw timeout.explain("recover", null, t0, e);
        } finally {
            disarm();
        }
    }

    @Override
    public boolean isSameRM(XAResource other) throws XAException {
        return other == this;
    }

    @Override
    public int getTransactionTimeout() throws XAException {
        return xar.getTransactionTimeout();
    }

    @Override
    public boolean setTransactionTimeout(int seconds) throws XAException {
        return xar.setTransactionTimeout(seconds);
    }

    /** The driver's XAException with a hint added when the cause is a known misconfiguration. */
    private XAException explained(XAException e) {
        String hint = Vendor.explain(e);
        return hint == null ? e : xaError(e.errorCode, name + ": " + hint, e);
    }

    static XAException xaError(int code, String message, Throwable cause) {
        XAException x = new XAException(message);
        x.errorCode = code;
        x.initCause(cause);
        return x;
    }

    @Override
    public String toString() {
        return name;
    }
}
