package io.lockstep.tm;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one manager, updated on the hot path with {@link LongAdder}s (no contention, no allocation) and read by
 * the management endpoint and the Micrometer binder. Thread-safe; values are monotonic totals since start.
 */
public final class TransactionCounters {

    /** How a committed transaction was completed. */
    public enum Protocol {
        /** No branch, or every branch voted read-only: no commit call, no log write. */
        NONE,
        /** One branch: {@code commit(xid, true)}, no log write. */
        ONE_PHASE,
        /** Prepare, then commit; a COMMIT record when two or more branches prepared. */
        TWO_PHASE
    }

    private final LongAdder begun = new LongAdder();
    private final LongAdder committedNone = new LongAdder();
    private final LongAdder committedOnePhase = new LongAdder();
    private final LongAdder committedTwoPhase = new LongAdder();
    private final LongAdder rolledBack = new LongAdder();
    private final LongAdder timedOut = new LongAdder();
    private final LongAdder heuristic = new LongAdder();
    private final LongAdder commitRecords = new LongAdder();
    private final LongAdder recoveryPasses = new LongAdder();
    private final LongAdder recoveredCommitted = new LongAdder();
    private final LongAdder recoveredRolledBack = new LongAdder();
    private final LongAdder recoveryFailedSources = new LongAdder();
    private final LongAdder recoveryNanos = new LongAdder();
    private final LongAdder takeoverClaims = new LongAdder();
    private final LongAdder takeoversCompleted = new LongAdder();
    private final LongAdder takeoversAbandoned = new LongAdder();

    public void onBegin() {
        begun.increment();
    }

    /** A transaction ended in {@code state}; {@code protocol} says how, for committed ones. */
    public void onCompleted(TransactionState state, Protocol protocol) {
        switch (state) {
            case COMMITTED:
                switch (protocol) {
                    case NONE: committedNone.increment(); break;
                    case ONE_PHASE: committedOnePhase.increment(); break;
                    default: committedTwoPhase.increment();
                }
                break;
            case ROLLED_BACK:
                rolledBack.increment();
                break;
            default:
                heuristic.increment();
        }
    }

    public void onTimeout() {
        timedOut.increment();
    }

    public void onCommitRecord() {
        commitRecords.increment();
    }

    /** One recovery pass finished. */
    public void onRecoveryPass(long nanos, int committed, int rolledBack, int failedSources) {
        recoveryPasses.increment();
        recoveryNanos.add(nanos);
        recoveredCommitted.add(committed);
        recoveredRolledBack.add(rolledBack);
        recoveryFailedSources.add(failedSources);
    }

    /** This node claimed a peer whose lease had expired (or that had stopped). */
    public void onTakeoverClaim() {
        takeoverClaims.increment();
    }

    /** A takeover by this node finished: everything the peer left is resolved. */
    public void onTakeoverCompleted() {
        takeoversCompleted.increment();
    }

    /** A takeover by this node stopped before finishing (the peer came back, or this node was fenced or closed). */
    public void onTakeoverAbandoned() {
        takeoversAbandoned.increment();
    }

    public long begun() { return begun.sum(); }
    public long committed(Protocol p) {
        return p == Protocol.NONE ? committedNone.sum() : p == Protocol.ONE_PHASE ? committedOnePhase.sum()
                : committedTwoPhase.sum();
    }
    public long committed() { return committedNone.sum() + committedOnePhase.sum() + committedTwoPhase.sum(); }
    public long rolledBack() { return rolledBack.sum(); }
    public long timedOut() { return timedOut.sum(); }
    public long heuristic() { return heuristic.sum(); }
    public long commitRecords() { return commitRecords.sum(); }
    public long recoveryPasses() { return recoveryPasses.sum(); }
    public long recoveredCommitted() { return recoveredCommitted.sum(); }
    public long recoveredRolledBack() { return recoveredRolledBack.sum(); }
    public long recoveryFailedSources() { return recoveryFailedSources.sum(); }
    public double recoverySeconds() { return recoveryNanos.sum() / 1e9; }
    public long takeoverClaims() { return takeoverClaims.sum(); }
    public long takeoversCompleted() { return takeoversCompleted.sum(); }
    public long takeoversAbandoned() { return takeoversAbandoned.sum(); }
}
