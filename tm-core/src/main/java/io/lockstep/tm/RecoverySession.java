package io.lockstep.tm;

import javax.transaction.xa.XAResource;

/**
 * An open connection to a resource manager for one recovery pass: recovery calls {@code recover}, {@code commit},
 * {@code rollback} and {@code forget} on {@link #xaResource()}, then closes the session. Used by one thread at a
 * time.
 */
public interface RecoverySession extends AutoCloseable {

    /** The XAResource to scan and resolve branches with; valid until {@link #close()}. */
    XAResource xaResource();

    /** Releases the connection. */
    @Override
    void close() throws Exception;
}
