package io.lockstep.bench;

import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * An XAResource that keeps nothing: every call succeeds at once, {@code prepare} votes {@link #XA_OK}, and no call
 * allocates. It stands in for a resource manager so a benchmark measures the transaction manager alone.
 *
 * <p>Instances with the same {@link #rm} name stand for connections to one resource manager ({@link #isSameRM}
 * compares names, as a real driver compares servers), so every benchmark thread owns its own instances of RMs "a"
 * and "b" and a transaction enlisting both makes two branches and a two-phase commit, while a manager that keeps a
 * registry of resource managers (Atomikos) sees two, not two per thread. Not shared between threads, so the
 * counters are plain fields. The counters let a benchmark check that the manager really called
 * prepare and commit (a peer that skipped phase one would be caught).
 */
public final class InMemoryXAResource implements XAResource {
    private static final Xid[] NONE = new Xid[0];

    private final String rm;
    private int timeoutSeconds;
    /** Calls of {@code prepare}; written by the owning benchmark thread only. */
    long prepares;
    /** Calls of {@code commit} (one- and two-phase); written by the owning benchmark thread only. */
    long commits;

    /** @param rm name of the resource manager this resource is a connection to */
    public InMemoryXAResource(String rm) {
        this.rm = rm;
    }

    @Override
    public void start(Xid xid, int flags) {
    }

    @Override
    public void end(Xid xid, int flags) {
    }

    @Override
    public int prepare(Xid xid) {
        prepares++;
        return XA_OK;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) {
        commits++;
    }

    @Override
    public void rollback(Xid xid) {
    }

    @Override
    public void forget(Xid xid) {
    }

    @Override
    public Xid[] recover(int flag) {
        return NONE;
    }

    @Override
    public boolean isSameRM(XAResource other) {
        return other instanceof InMemoryXAResource && ((InMemoryXAResource) other).rm.equals(rm);
    }

    @Override
    public int getTransactionTimeout() {
        return timeoutSeconds;
    }

    @Override
    public boolean setTransactionTimeout(int seconds) throws XAException {
        this.timeoutSeconds = seconds;
        return true;
    }

    /** The resource manager name. */
    public String rm() {
        return rm;
    }

    @Override
    public String toString() {
        return "InMemoryXAResource[" + rm + "]";
    }

    /** Calls of {@code prepare} so far. */
    public long prepares() {
        return prepares;
    }

    /** Calls of {@code commit} so far. */
    public long commits() {
        return commits;
    }
}
