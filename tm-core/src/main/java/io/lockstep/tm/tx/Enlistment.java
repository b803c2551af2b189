package io.lockstep.tm.tx;

import io.lockstep.tm.NamedXAResource;
import io.lockstep.tm.SuspendMode;
import javax.transaction.xa.XAResource;

/**
 * The association of one enlisted XAResource object with a branch (XA spec §2.2.6): started, suspended (by
 * {@code delistResource(TMSUSPEND)} or by {@code TransactionManager.suspend()}), or ended.
 */
final class Enlistment {
    enum Association { ACTIVE, SUSPENDED, SUSPENDED_WITH_TX, ENDED }

    final XAResource resource;
    final Branch branch;
    final SuspendMode suspendMode;
    Association association = Association.ACTIVE;

    Enlistment(XAResource resource, Branch branch) {
        this.resource = resource;
        this.branch = branch;
        this.suspendMode = resource instanceof NamedXAResource
                ? ((NamedXAResource) resource).suspendMode() : SuspendMode.SUSPEND_RESUME;
    }

    /** Whether {@code end(TMSUCCESS)} (or TMFAIL) is still owed before prepare or rollback. */
    boolean needsEnd() {
        return association == Association.ACTIVE
                || ((association == Association.SUSPENDED || association == Association.SUSPENDED_WITH_TX)
                    && suspendMode == SuspendMode.SUSPEND_RESUME);
    }
}
