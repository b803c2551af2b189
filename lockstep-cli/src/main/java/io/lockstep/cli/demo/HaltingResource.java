package io.lockstep.cli.demo;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.NamedXAResource;
import java.util.concurrent.atomic.AtomicInteger;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * The crash child's view of a resource: counts prepares and commits across the transaction's branches and halts
 * the JVM right after the one its {@link CrashPoint} names. Test harness only; no production code has such hooks.
 */
final class HaltingResource implements XAResource {
    private final XAResource delegate;
    private final CrashPoint point;
    private final AtomicInteger prepares;
    private final AtomicInteger commits;

    private HaltingResource(XAResource delegate, CrashPoint point, AtomicInteger prepares, AtomicInteger commits) {
        this.delegate = delegate;
        this.point = point;
        this.prepares = prepares;
        this.commits = commits;
    }

    /** Wraps a named resource keeping its name and vendor behaviour. */
    static NamedXAResource wrap(NamedXAResource r, CrashPoint point, AtomicInteger prepares, AtomicInteger commits) {
        return Lockstep.named(r.getName(), new HaltingResource(r, point, prepares, commits), r.canJoin(),
                r.suspendMode());
    }

    /** A resource that halts the JVM right after the {@code n}-th commit counted by {@code commits}. */
    static XAResource haltingAfterCommit(XAResource r, int n, AtomicInteger commits) {
        return new HaltingResource(r, new CrashPoint(CrashPoint.Kind.AFTER_COMMIT, n), new AtomicInteger(), commits);
    }

    static void halt(String where) {
        System.out.println("HALT " + where);
        System.out.flush();
        Runtime.getRuntime().halt(CrashChild.HALT_STATUS);
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        int vote = delegate.prepare(xid);
        int n = prepares.incrementAndGet();
        if (point.haltsAfterPrepare(n)) {
            halt("after branch " + n + " prepared");
        }
        return vote;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        delegate.commit(xid, onePhase);
        int n = commits.incrementAndGet();
        if (point.haltsAfterCommit(n)) {
            halt("after branch " + n + " committed");
        }
    }

    @Override public void end(Xid xid, int flags) throws XAException { delegate.end(xid, flags); }
    @Override public void forget(Xid xid) throws XAException { delegate.forget(xid); }
    @Override public int getTransactionTimeout() throws XAException { return delegate.getTransactionTimeout(); }
    @Override public boolean isSameRM(XAResource other) throws XAException { return delegate.isSameRM(other); }
    @Override public Xid[] recover(int flag) throws XAException { return delegate.recover(flag); }
    @Override public void rollback(Xid xid) throws XAException { delegate.rollback(xid); }
    @Override public boolean setTransactionTimeout(int s) throws XAException { return delegate.setTransactionTimeout(s); }
    @Override public void start(Xid xid, int flags) throws XAException { delegate.start(xid, flags); }
}
