package io.lockstep.cli.demo;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.NamedXAResource;
import io.lockstep.tm.RecoverySession;
import io.lockstep.tm.XAResourceSource;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * A branch that belongs to no resource manager, for stopping a transaction in the middle of phase two when its
 * real branches come from pooled data sources (which cannot be wrapped like the demo's {@link HaltingResource}
 * does): enlisted after the first bank's connection and before the second's, its commit runs after the first bank
 * committed and before the second, and does what the test asked ({@code onCommit}: halt or stall). Phase one votes
 * OK, so the branch is in the COMMIT record; as a recovery source (registered by every node under {@link #NAME}) it
 * never has anything prepared, so recovery counts its branch done. Test harness only.
 */
final class Tripwire implements XAResource, XAResourceSource {
    static final String NAME = "tripwire";
    private static final Xid[] NONE = new Xid[0];

    private final Runnable onCommit;

    private Tripwire(Runnable onCommit) {
        this.onCommit = onCommit;
    }

    /** A branch to enlist whose commit runs {@code onCommit}. */
    static NamedXAResource armed(Runnable onCommit) {
        return Lockstep.named(NAME, new Tripwire(onCommit));
    }

    /** The recovery source every node registers, so a COMMIT record with a tripwire branch can be ended. */
    static XAResourceSource source() {
        return new Tripwire(() -> { });
    }

    @Override
    public void commit(Xid xid, boolean onePhase) {
        onCommit.run();
    }

    @Override
    public int prepare(Xid xid) {
        return XA_OK;
    }

    @Override
    public Xid[] recover(int flag) {
        return NONE;
    }

    @Override
    public boolean isSameRM(XAResource other) {
        return other == this;
    }

    @Override public void start(Xid xid, int flags) { }
    @Override public void end(Xid xid, int flags) { }
    @Override public void rollback(Xid xid) { }
    @Override public void forget(Xid xid) { }
    @Override public int getTransactionTimeout() { return 0; }
    @Override public boolean setTransactionTimeout(int seconds) { return false; }

    // ---------------------------------------------------------------- XAResourceSource

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RecoverySession open() {
        return new RecoverySession() {
            @Override
            public XAResource xaResource() {
                return Tripwire.this;
            }

            @Override
            public void close() {
                // nothing was opened
            }
        };
    }
}
