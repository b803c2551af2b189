package io.lockstep.tm;

/**
 * How recovery reaches one resource manager (SPI). Registered with
 * {@link LockstepTransactionManager#registerRecoverable(XAResourceSource)}; adapters register theirs
 * automatically.
 *
 * <p>{@link #name()} is the same stable name its enlisted resources report through {@link NamedXAResource}, so
 * recovery knows which source must be scanned before a commit record may be ended.
 */
public interface XAResourceSource {

    /** Stable unique name; equals the {@link NamedXAResource#getName()} of the resources it recovers. */
    String name();

    /**
     * Opens a session for one recovery pass. Called on the recovery thread; may block on the network.
     *
     * @throws Exception the resource manager cannot be reached; the pass reports the source as failed and retries
     *                   on the next pass
     */
    RecoverySession open() throws Exception;
}
