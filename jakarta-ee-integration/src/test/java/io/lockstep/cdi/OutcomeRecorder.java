package io.lockstep.cdi;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import java.util.concurrent.atomic.AtomicInteger;

/** Records the status a transaction completed with; register it inside the transaction. */
final class OutcomeRecorder implements Synchronization {
    private static final int NOT_COMPLETED = -1;
    private final AtomicInteger status = new AtomicInteger(NOT_COMPLETED);

    @Override
    public void beforeCompletion() {
    }

    @Override
    public void afterCompletion(int completed) {
        status.set(completed);
    }

    boolean committed() {
        return status.get() == Status.STATUS_COMMITTED;
    }

    boolean rolledBack() {
        return status.get() == Status.STATUS_ROLLEDBACK;
    }

    boolean completed() {
        return status.get() != NOT_COMPLETED;
    }

    int status() {
        return status.get();
    }
}
