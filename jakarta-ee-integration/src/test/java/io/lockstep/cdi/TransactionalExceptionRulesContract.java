package io.lockstep.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import jakarta.inject.Inject;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.TransactionalException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * Jakarta Transactions 2.0 §3.7 exception rules: unchecked exceptions mark rollback, checked ones do not;
 * {@code rollbackOn} and {@code dontRollbackOn} (subclasses included), {@code dontRollbackOn} winning. Each rule is
 * checked on a transaction the interceptor began (outcome seen by a synchronization) and on the caller's (status).
 */
abstract class TransactionalExceptionRulesContract {

    /** The beans these rules need; each harness deploys exactly these. */
    static final Class<?>[] BEANS = {
            TxBeans.ExceptionRules.class, TxBeans.Required.class
    };

    @Inject
    TransactionManager tm;
    @Inject
    TransactionSynchronizationRegistry tsr;
    @Inject
    TxBeans.ExceptionRules rules;
    @Inject
    TxBeans.Required required;

    /** Calls a rules method with no transaction (so its interceptor begins one) and returns how it completed. */
    private OutcomeRecorder outcomeOf(RulesCall call, Throwable thrown) {
        OutcomeRecorder outcome = new OutcomeRecorder();
        assertThatThrownBy(() -> call.run(() -> {
            tsr.registerInterposedSynchronization(outcome);
            return null;
        }, thrown)).isSameAs(thrown);
        assertThat(outcome.completed()).as("the interceptor completes the transaction it began").isTrue();
        return outcome;
    }

    interface RulesCall {
        void run(Callable<?> first, Throwable thrown) throws Exception;
    }

    private static final Callable<?> NOTHING = () -> null;

    @Test
    void uncheckedExceptionRollsBackTransactionBegunByInterceptorAndIsRethrownUnchanged() {
        IllegalStateException thrown = new IllegalStateException("boom");
        OutcomeRecorder outcome = new OutcomeRecorder();
        assertThatThrownBy(() -> required.call(() -> {
            tsr.registerInterposedSynchronization(outcome);
            throw thrown;
        })).isSameAs(thrown);
        assertThat(outcome.status()).isEqualTo(Status.STATUS_ROLLEDBACK);
    }

    @Test
    void checkedExceptionCommitsTransactionBegunByInterceptor() {
        OutcomeRecorder outcome = new OutcomeRecorder();
        IOException thrown = new IOException("checked");
        assertThatThrownBy(() -> required.call(() -> {
            tsr.registerInterposedSynchronization(outcome);
            throw thrown;
        })).isSameAs(thrown);
        assertThat(outcome.status()).isEqualTo(Status.STATUS_COMMITTED);
    }

    @Test
    void uncheckedExceptionMarksCallerTransactionRollbackOnly() throws Exception {
        tm.begin();
        assertThatThrownBy(() -> rules.defaults(NOTHING, new IllegalArgumentException("bad")))
                .isExactlyInstanceOf(IllegalArgumentException.class);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
        tm.rollback();
    }

    @Test
    void checkedExceptionLeavesCallerTransactionActive() throws Exception {
        tm.begin();
        assertThatThrownBy(() -> rules.defaults(NOTHING, new IOException("checked")))
                .isExactlyInstanceOf(IOException.class);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        tm.commit();
    }

    @Test
    void errorMarksCallerTransactionRollbackOnly() throws Exception {
        tm.begin();
        assertThatThrownBy(() -> rules.defaults(NOTHING, new AssertionError("error")))
                .isExactlyInstanceOf(AssertionError.class);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
        tm.rollback();
    }

    @Test
    void rollbackOnCheckedExceptionRollsBack() {
        OutcomeRecorder outcome = outcomeOf(rules::rollbackOnIo, new IOException("listed"));
        assertThat(outcome.status()).isEqualTo(Status.STATUS_ROLLEDBACK);
    }

    @Test
    void rollbackOnAppliesToSubclassesOfTheListedException() throws Exception {
        tm.begin();
        assertThatThrownBy(() -> rules.rollbackOnIo(NOTHING, new FileNotFoundException("an IOException")))
                .isExactlyInstanceOf(FileNotFoundException.class);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
        tm.rollback();
    }

    @Test
    void rollbackOnDoesNotStopUncheckedExceptionsFromRollingBack() throws Exception {
        tm.begin();
        assertThatThrownBy(() -> rules.rollbackOnIo(NOTHING, new IllegalStateException("unchecked")))
                .isExactlyInstanceOf(IllegalStateException.class);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
        tm.rollback();
    }

    @Test
    void dontRollbackOnUncheckedExceptionCommits() {
        OutcomeRecorder outcome = outcomeOf(rules::dontRollbackOnIllegalArgument,
                new IllegalArgumentException("exempt"));
        assertThat(outcome.status()).isEqualTo(Status.STATUS_COMMITTED);
    }

    @Test
    void dontRollbackOnAppliesToSubclassesOfTheListedException() throws Exception {
        tm.begin();
        assertThatThrownBy(() -> rules.dontRollbackOnIllegalArgument(NOTHING,
                new NumberFormatException("subclass")))
                .isExactlyInstanceOf(NumberFormatException.class);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        tm.commit();
    }

    @Test
    void dontRollbackOnSubclassWinsOverRollbackOnSuperclass() throws Exception {
        tm.begin();
        assertThatThrownBy(() -> rules.rollbackOnIoButNotFileNotFound(NOTHING,
                new FileNotFoundException("exempt")))
                .isExactlyInstanceOf(FileNotFoundException.class);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        assertThatThrownBy(() -> rules.rollbackOnIoButNotFileNotFound(NOTHING, new IOException("listed")))
                .isExactlyInstanceOf(IOException.class);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
        tm.rollback();
    }

    @Test
    void dontRollbackOnWinsWhenTheSameClassIsInBothLists() {
        OutcomeRecorder outcome = outcomeOf(rules::sameClassInBoth, new IllegalStateException("both"));
        assertThat(outcome.status()).isEqualTo(Status.STATUS_COMMITTED);
    }

    @Test
    void rollbackOnlyMarkedInsideMethodRollsBackWithoutException() throws Exception {
        OutcomeRecorder outcome = new OutcomeRecorder();
        String result = required.call(() -> {
            tsr.registerInterposedSynchronization(outcome);
            tsr.setRollbackOnly();
            return "returned";
        });
        assertThat(result).isEqualTo("returned");
        assertThat(outcome.status()).isEqualTo(Status.STATUS_ROLLEDBACK);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    }

    @Test
    void failedCommitThrowsTransactionalExceptionCausedByRollbackException() {
        assertThatThrownBy(() -> required.call(() -> {
            tm.getTransaction().registerSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                    throw new IllegalStateException("beforeCompletion fails");
                }

                @Override
                public void afterCompletion(int status) {
                }
            });
            return null;
        })).isExactlyInstanceOf(TransactionalException.class)
                .hasCauseExactlyInstanceOf(RollbackException.class);
    }

    @Test
    void failedCommitAfterCheckedExceptionIsSuppressedAndMethodExceptionRethrown() {
        IOException thrown = new IOException("checked, so the interceptor commits");
        assertThatThrownBy(() -> required.call(() -> {
            tm.getTransaction().registerSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                    throw new IllegalStateException("beforeCompletion fails");
                }

                @Override
                public void afterCompletion(int status) {
                }
            });
            throw thrown;
        })).isSameAs(thrown);
        assertThat(thrown.getSuppressed()).singleElement().isExactlyInstanceOf(TransactionalException.class)
                .extracting(Throwable::getCause).isExactlyInstanceOf(RollbackException.class);
    }

    @Test
    void transactionTimedOutDuringMethodThrowsTransactionalExceptionCausedByRollbackException() throws Exception {
        tm.setTransactionTimeout(1);
        try {
            assertThatThrownBy(() -> required.call(() -> {
                Transaction tx = tm.getTransaction();
                await().atMost(Duration.ofSeconds(10)).until(() -> tx.getStatus() == Status.STATUS_ROLLEDBACK);
                return "returned after the reaper rolled back";
            })).isExactlyInstanceOf(TransactionalException.class)
                    .hasCauseExactlyInstanceOf(RollbackException.class)
                    .hasMessageContaining("timed out");
        } finally {
            tm.setTransactionTimeout(0);
        }
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    }
}
