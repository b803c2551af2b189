package io.lockstep.tm;

import io.lockstep.tm.log.TransactionLog;

/** Placeholder while the engine is written; replaced in the next commit. */
public final class LockstepTransactionManager implements AutoCloseable {
    static LockstepTransactionManager start(LockstepConfig config, TransactionLog log, TransactionListener listener) {
        throw new UnsupportedOperationException("engine not yet written");
    }

    @Override
    public void close() {
    }
}
