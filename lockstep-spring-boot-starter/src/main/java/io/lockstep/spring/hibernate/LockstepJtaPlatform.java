package io.lockstep.spring.hibernate;

import io.lockstep.tm.LockstepTransactionManager;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.UserTransaction;
import java.util.Objects;
import org.hibernate.engine.transaction.jta.platform.spi.JtaPlatform;

/**
 * Hibernate's view of a Lockstep transaction manager. Found without configuration through
 * {@link LockstepJtaPlatformProvider} when one Lockstep manager runs in the JVM; otherwise pass one per persistence
 * unit: {@code hibernate.transaction.jta.platform = new LockstepJtaPlatform(tm)}.
 *
 * <p>Hibernate's synchronizations (flush before completion, session cleanup after) are registered as
 * <em>interposed</em> ones, so they run after the application's and, after completion, before them, as JTA
 * specifies for persistence providers.
 */
public final class LockstepJtaPlatform implements JtaPlatform {
    private static final long serialVersionUID = 1L;

    private final transient LockstepTransactionManager tm;

    public LockstepJtaPlatform(LockstepTransactionManager tm) {
        this.tm = Objects.requireNonNull(tm, "tm");
    }

    /** The manager this platform stands for. */
    public LockstepTransactionManager transactionManager() {
        return tm;
    }

    @Override
    public TransactionManager retrieveTransactionManager() {
        return tm;
    }

    @Override
    public UserTransaction retrieveUserTransaction() {
        return tm;
    }

    /** Lockstep's transactions are distinct objects for their lifetime, so the transaction is its own key. */
    @Override
    public Object getTransactionIdentifier(Transaction transaction) {
        return transaction;
    }

    @Override
    public boolean canRegisterSynchronization() {
        return tm.getStatus() == Status.STATUS_ACTIVE;
    }

    @Override
    public void registerSynchronization(Synchronization synchronization) {
        tm.registerInterposedSynchronization(synchronization);
    }

    @Override
    public int getCurrentStatus() {
        return tm.getStatus();
    }

    @Override
    public String toString() {
        return "LockstepJtaPlatform[" + tm.config().nodeId() + "]";
    }
}
