package io.lockstep.tm;

import javax.transaction.xa.XAResource;

/**
 * How a resource's association with its branch is suspended and resumed, when the transaction is suspended or the
 * resource is delisted with {@code TMSUSPEND}. Chosen per vendor because drivers reject different flags.
 */
public enum SuspendMode {
    /** XA spec: {@code end(TMSUSPEND)}, then {@code start(TMRESUME)}. */
    SUSPEND_RESUME(XAResource.TMSUSPEND, XAResource.TMRESUME),
    /** {@code end(TMSUCCESS)}, then {@code start(TMJOIN)} on the same resource (PostgreSQL). */
    END_JOIN(XAResource.TMSUCCESS, XAResource.TMJOIN),
    /** {@code end(TMSUCCESS)}, then {@code start(TMRESUME)} (MariaDB 10.11, which refuses {@code END ... SUSPEND}). */
    END_RESUME(XAResource.TMSUCCESS, XAResource.TMRESUME);

    private final int endFlag;
    private final int startFlag;

    SuspendMode(int endFlag, int startFlag) {
        this.endFlag = endFlag;
        this.startFlag = startFlag;
    }

    /** The flag passed to {@code end} when suspending. */
    public int endFlag() {
        return endFlag;
    }

    /** The flag passed to {@code start} when resuming. */
    public int startFlag() {
        return startFlag;
    }
}
