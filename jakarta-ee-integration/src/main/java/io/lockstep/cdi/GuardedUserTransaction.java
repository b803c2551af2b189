package io.lockstep.cdi;

import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.SystemException;
import jakarta.transaction.UserTransaction;

/**
 * The {@link UserTransaction} handed to applications (CDI injection and JNDI): the manager's own, refusing every call
 * made inside a {@code @Transactional} method that forbids it (see {@link UserTransactionGuard}). Thread-safe.
 */
final class GuardedUserTransaction implements UserTransaction {

    private final UserTransaction delegate;
    private final UserTransactionGuard guard;

    GuardedUserTransaction(UserTransaction delegate, UserTransactionGuard guard) {
        this.delegate = delegate;
        this.guard = guard;
    }

    @Override
    public void begin() throws NotSupportedException, SystemException {
        guard.check("begin");
        delegate.begin();
    }

    @Override
    public void commit() throws RollbackException, HeuristicMixedException, HeuristicRollbackException,
            SecurityException, IllegalStateException, SystemException {
        guard.check("commit");
        delegate.commit();
    }

    @Override
    public void rollback() throws IllegalStateException, SecurityException, SystemException {
        guard.check("rollback");
        delegate.rollback();
    }

    @Override
    public void setRollbackOnly() throws IllegalStateException, SystemException {
        guard.check("setRollbackOnly");
        delegate.setRollbackOnly();
    }

    @Override
    public int getStatus() throws SystemException {
        guard.check("getStatus");
        return delegate.getStatus();
    }

    @Override
    public void setTransactionTimeout(int seconds) throws SystemException {
        guard.check("setTransactionTimeout");
        delegate.setTransactionTimeout(seconds);
    }

    @Override
    public String toString() {
        return "UserTransaction[" + delegate + "]";
    }
}
