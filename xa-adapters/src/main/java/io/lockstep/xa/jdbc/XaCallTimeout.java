package io.lockstep.xa.jdbc;

import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executor;
import javax.transaction.xa.XAException;
import javax.transaction.xa.Xid;

/**
 * The bound on Lockstep's XA calls over one data source's connections ({@code xaCallTimeout}).
 *
 * <p>XA has no timeout of its own: {@code prepare}, {@code commit}, {@code rollback} and {@code recover} block until
 * the database answers, so a network that stops delivering packets without closing the connection (a stall) would
 * hold the caller until the operating system gives up on the socket — with default settings, never. The bound is
 * the driver's own network timeout ({@link Connection#setNetworkTimeout}: the socket's read timeout): it is switched
 * to {@code xaCallTimeout} for the XA calls and back to the application's value before the application uses the
 * connection again, so statements keep whatever timeout the application chose. PostgreSQL (pgjdbc), MySQL
 * Connector/J and MariaDB Connector/J apply it to XA commands (checked against the real servers behind a stalling
 * proxy in {@code it-tests} {@code JdbcStallAndResetTest}); when it fires, the driver closes the connection and the call
 * fails, which {@link #explain} turns into {@code XAER_RMFAIL} naming the resource and the bound. H2 runs in-process
 * here and has no network timeout.
 *
 * <p>Immutable and thread-safe; the per-connection state (the application's timeout to restore) lives in the caller.
 */
final class XaCallTimeout {
    /** Runs the driver's timeout change on the calling thread, before the XA call. */
    static final Executor DIRECT = Runnable::run;
    /** Returned by {@link #arm} when nothing was changed, so nothing is to be restored. */
    static final int NOT_ARMED = -1;

    private final String resource;
    private final int millis;

    /** @param bound zero for no bound (the driver's default: wait for the operating system) */
    XaCallTimeout(String resource, Vendor vendor, Duration bound) {
        this.resource = resource;
        this.millis = vendor.hasNetworkTimeout() ? (int) Math.min(Integer.MAX_VALUE, bound.toMillis()) : 0;
    }

    boolean enabled() {
        return millis > 0;
    }

    int millis() {
        return millis;
    }

    /**
     * Switches {@code c} to the XA bound.
     *
     * @return the network timeout to restore afterwards, or {@link #NOT_ARMED} when nothing changed (no bound, or the
     *         connection is already broken: the XA call will fail and say so itself)
     */
    int arm(Connection c) {
        if (millis == 0) {
            return NOT_ARMED;
        }
        try {
            int previous = c.getNetworkTimeout();
            if (previous != millis) {
                c.setNetworkTimeout(DIRECT, millis);
            }
            return previous;
        } catch (SQLException | RuntimeException e) {
            return NOT_ARMED;
        }
    }

    /** Gives {@code c} back the application's network timeout {@code previous} (from {@link #arm}). */
    void disarm(Connection c, int previous) {
        if (previous == NOT_ARMED || previous == millis) {
            return;
        }
        try {
            c.setNetworkTimeout(DIRECT, previous);
        } catch (SQLException | RuntimeException e) {
            // the call broke the connection; the pool discards it (setFlushOnly), nobody reads its timeout again
        }
    }

    /**
     * The driver's failure of an XA call begun at {@code startedNanos} ({@link System#nanoTime()}), or, when the call
     * ran out of time, {@code XAER_RMFAIL} whose message names the call, the resource and the bound, with the
     * driver's failure as cause. Drivers report the timeout differently (pgjdbc sometimes only as "This connection
     * has been closed", MariaDB Connector/J with error code 0), so the elapsed time decides, besides a
     * {@link SocketTimeoutException} among the causes.
     */
    XAException explain(String call, Xid xid, long startedNanos, XAException e) {
        if (millis == 0) {
            return e;
        }
        boolean timedOut = System.nanoTime() - startedNanos >= millis * 1_000_000L;
        for (Throwable t = e; t != null && !timedOut; t = t.getCause() == t ? null : t.getCause()) {
            timedOut = t instanceof SocketTimeoutException;
        }
        if (!timedOut) {
            return e;
        }
        return PooledBranch.xaError(XAException.XAER_RMFAIL, resource + ": " + call
                + (xid == null ? "" : " of branch " + xid) + " got no answer within xaCallTimeout " + describe(millis)
                + " (the network or the database stalled); the driver closed the connection", e);
    }

    /** {@code 2 s}, {@code 1500 ms}. */
    static String describe(long millis) {
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
