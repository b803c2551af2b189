package io.lockstep.tm;

import jakarta.transaction.Status;

/**
 * The states of a Lockstep transaction and their one mapping to {@link jakarta.transaction.Status}.
 * <pre>
 * ACTIVE → (MARKED_ROLLBACK) → PREPARING → PREPARED → COMMITTING → COMMITTED
 *        ↘ ROLLING_BACK → ROLLED_BACK            ↘ HEURISTIC_{MIXED,COMMIT,ROLLBACK}
 * </pre>
 */
public enum TransactionState {
    ACTIVE(Status.STATUS_ACTIVE),
    MARKED_ROLLBACK(Status.STATUS_MARKED_ROLLBACK),
    PREPARING(Status.STATUS_PREPARING),
    PREPARED(Status.STATUS_PREPARED),
    COMMITTING(Status.STATUS_COMMITTING),
    COMMITTED(Status.STATUS_COMMITTED),
    ROLLING_BACK(Status.STATUS_ROLLING_BACK),
    ROLLED_BACK(Status.STATUS_ROLLEDBACK),
    HEURISTIC_MIXED(Status.STATUS_UNKNOWN),
    HEURISTIC_COMMIT(Status.STATUS_COMMITTED),
    HEURISTIC_ROLLBACK(Status.STATUS_ROLLEDBACK);

    private final int status;

    TransactionState(int status) {
        this.status = status;
    }

    /** The {@link jakarta.transaction.Status} constant for this state. */
    public int status() {
        return status;
    }

    /** True once the transaction can change no more. */
    public boolean isTerminal() {
        return this == COMMITTED || this == ROLLED_BACK || this == HEURISTIC_MIXED || this == HEURISTIC_COMMIT
                || this == HEURISTIC_ROLLBACK;
    }
}
