package io.lockstep.tm;

import java.util.Objects;
import java.util.regex.Pattern;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/** {@link Lockstep#named}: a name and vendor capabilities around a delegate XAResource. */
final class NamedResource implements NamedXAResource {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final String name;
    private final XAResource delegate;
    private final boolean canJoin;
    private final SuspendMode suspendMode;

    NamedResource(String name, XAResource delegate, boolean canJoin, SuspendMode suspendMode) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("resource name \"" + name + "\": only [A-Za-z0-9._-], 1 to 64 characters");
        }
        this.name = name;
        this.delegate = Objects.requireNonNull(delegate, "xaResource");
        this.canJoin = canJoin;
        this.suspendMode = Objects.requireNonNull(suspendMode, "suspendMode");
    }

    static XAResource unwrap(XAResource r) {
        return r instanceof NamedResource ? ((NamedResource) r).delegate : r;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public boolean canJoin() {
        return canJoin;
    }

    @Override
    public SuspendMode suspendMode() {
        return suspendMode;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        delegate.commit(xid, onePhase);
    }

    @Override
    public void end(Xid xid, int flags) throws XAException {
        delegate.end(xid, flags);
    }

    @Override
    public void forget(Xid xid) throws XAException {
        delegate.forget(xid);
    }

    @Override
    public int getTransactionTimeout() throws XAException {
        return delegate.getTransactionTimeout();
    }

    @Override
    public boolean isSameRM(XAResource other) throws XAException {
        return delegate.isSameRM(unwrap(other));
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        return delegate.prepare(xid);
    }

    @Override
    public Xid[] recover(int flag) throws XAException {
        return delegate.recover(flag);
    }

    @Override
    public void rollback(Xid xid) throws XAException {
        delegate.rollback(xid);
    }

    @Override
    public boolean setTransactionTimeout(int seconds) throws XAException {
        return delegate.setTransactionTimeout(seconds);
    }

    @Override
    public void start(Xid xid, int flags) throws XAException {
        delegate.start(xid, flags);
    }

    @Override
    public String toString() {
        return name + "(" + delegate + ")";
    }
}
