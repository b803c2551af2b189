package io.lockstep.bench;

import javax.transaction.xa.XAResource;

/**
 * One transaction manager under test, seen through the three calls a benchmark makes: begin, enlist, commit. Hides
 * whether the manager speaks the jakarta or the javax API. Thread-safe as its manager is.
 */
public interface TxDriver extends AutoCloseable {

    /** begin, enlist {@code r}, commit: a one-phase commit. */
    void commitOne(XAResource r) throws Exception;

    /** begin, enlist {@code a} and {@code b} (two resource managers), commit: a two-phase commit. */
    void commitTwo(XAResource a, XAResource b) throws Exception;

    /** Stops the manager; best effort, the fork ends right after. */
    @Override
    void close();
}
