package io.lockstep.tm.tx;

import io.lockstep.tm.LastResource;
import io.lockstep.tm.NamedXAResource;
import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.xa.LockstepXid;
import javax.transaction.xa.XAResource;

/**
 * One branch of a global transaction: an Xid and the resource that prepares and commits it. Further resources of
 * the same resource manager may join it ({@link Enlistment}s pointing here). Guarded by the owning transaction's
 * lock until completion starts, then touched only by the completing thread.
 */
final class Branch {
    enum Outcome { NONE, PREPARED, READ_ONLY, COMMITTED, ROLLED_BACK, PENDING, HEURISTIC }

    final LockstepXid xid;
    final XAResource resource;
    final String name;
    final boolean canJoin;
    final boolean lastResource;
    Outcome outcome = Outcome.NONE;

    Branch(LockstepXid xid, XAResource resource) {
        this.xid = xid;
        this.resource = resource;
        this.name = nameOf(resource);
        this.canJoin = !(resource instanceof NamedXAResource) || ((NamedXAResource) resource).canJoin();
        this.lastResource = resource instanceof LastResource;
    }

    static String nameOf(XAResource resource) {
        return resource instanceof NamedXAResource ? ((NamedXAResource) resource).getName() : "";
    }

    BranchRef ref() {
        return new BranchRef(name, xid.branch());
    }

    String describe() {
        return name.isEmpty() ? resource.getClass().getName() : name;
    }
}
