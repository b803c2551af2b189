package io.lockstep.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.inject.Inject;
import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionRequiredException;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.TransactionalException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Jakarta Transactions 2.0 §3.7: what each TxType does with and without the caller's transaction. */
abstract class TransactionalTxTypeContract {

    /** The beans these rules need; each harness deploys exactly these. */
    static final Class<?>[] BEANS = {
            TxBeans.Required.class, TxBeans.RequiresNew.class, TxBeans.Mandatory.class, TxBeans.Supports.class,
            TxBeans.NotSupported.class, TxBeans.Never.class, TxBeans.MethodOverridesClass.class,
            TxBeans.MethodOnly.class, TxBeans.StereotypedService.class
    };

    @Inject
    TransactionManager tm;
    @Inject
    TransactionSynchronizationRegistry tsr;
    @Inject
    TxBeans.Required required;
    @Inject
    TxBeans.RequiresNew requiresNew;
    @Inject
    TxBeans.Mandatory mandatory;
    @Inject
    TxBeans.Supports supports;
    @Inject
    TxBeans.NotSupported notSupported;
    @Inject
    TxBeans.Never never;
    @Inject
    TxBeans.MethodOverridesClass methodOverridesClass;
    @Inject
    TxBeans.MethodOnly methodOnly;
    @Inject
    TxBeans.StereotypedService stereotyped;

    @AfterEach
    void noTransactionLeftBehind() throws Exception {
        assertThat(tm.getStatus()).as("transaction left on the test thread").isEqualTo(Status.STATUS_NO_TRANSACTION);
    }

    @Test
    void requiredWithoutCallerTransactionBeginsOneAndCommitsIt() throws Exception {
        OutcomeRecorder outcome = new OutcomeRecorder();
        int inside = required.call(() -> {
            tsr.registerInterposedSynchronization(outcome);
            return tm.getStatus();
        });
        assertThat(inside).isEqualTo(Status.STATUS_ACTIVE);
        assertThat(outcome.committed()).isTrue();
    }

    @Test
    void requiredJoinsCallerTransactionAndLeavesItActive() throws Exception {
        tm.begin();
        Transaction callers = tm.getTransaction();
        Transaction inside = required.call(tm::getTransaction);
        assertThat(inside).isSameAs(callers);
        assertThat(tm.getTransaction()).isSameAs(callers);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        tm.commit();
    }

    @Test
    void requiresNewSuspendsCallerTransactionRunsInItsOwnAndResumesCaller() throws Exception {
        tm.begin();
        Transaction callers = tm.getTransaction();
        OutcomeRecorder innerOutcome = new OutcomeRecorder();
        Transaction inside = requiresNew.call(() -> {
            tsr.registerInterposedSynchronization(innerOutcome);
            assertThat(tm.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
            return tm.getTransaction();
        });
        assertThat(inside).isNotNull().isNotSameAs(callers);
        assertThat(innerOutcome.committed()).as("the inner transaction commits before the caller resumes").isTrue();
        assertThat(tm.getTransaction()).isSameAs(callers);
        assertThat(callers.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        tm.commit();
    }

    @Test
    void requiresNewWithoutCallerTransactionBeginsOneAndCommitsIt() throws Exception {
        OutcomeRecorder outcome = new OutcomeRecorder();
        int inside = requiresNew.call(() -> {
            tsr.registerInterposedSynchronization(outcome);
            return tm.getStatus();
        });
        assertThat(inside).isEqualTo(Status.STATUS_ACTIVE);
        assertThat(outcome.committed()).isTrue();
    }

    @Test
    void requiresNewRollbackOfInnerTransactionLeavesCallerActive() throws Exception {
        tm.begin();
        Transaction callers = tm.getTransaction();
        OutcomeRecorder innerOutcome = new OutcomeRecorder();
        assertThatThrownBy(() -> requiresNew.call(() -> {
            tsr.registerInterposedSynchronization(innerOutcome);
            throw new IllegalStateException("inner fails");
        })).isExactlyInstanceOf(IllegalStateException.class).hasMessage("inner fails");
        assertThat(innerOutcome.rolledBack()).isTrue();
        assertThat(tm.getTransaction()).isSameAs(callers);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        tm.commit();
    }

    @Test
    void mandatoryWithoutTransactionThrowsTransactionalExceptionCausedByTransactionRequiredException() {
        AtomicReference<Boolean> ran = new AtomicReference<>(false);
        assertThatThrownBy(() -> mandatory.call(() -> ran.getAndSet(true)))
                .isExactlyInstanceOf(TransactionalException.class)
                .hasCauseExactlyInstanceOf(TransactionRequiredException.class);
        assertThat(ran.get()).as("the method must not run").isFalse();
    }

    @Test
    void mandatoryRunsInCallerTransaction() throws Exception {
        tm.begin();
        Transaction callers = tm.getTransaction();
        assertThat(mandatory.call(tm::getTransaction)).isSameAs(callers);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        tm.commit();
    }

    @Test
    void supportsWithoutTransactionRunsWithoutOne() throws Exception {
        assertThat(supports.call(tm::getStatus)).isEqualTo(Status.STATUS_NO_TRANSACTION);
    }

    @Test
    void supportsRunsInCallerTransaction() throws Exception {
        tm.begin();
        Transaction callers = tm.getTransaction();
        assertThat(supports.call(tm::getTransaction)).isSameAs(callers);
        tm.commit();
    }

    @Test
    void notSupportedSuspendsCallerTransactionWhileRunningAndResumesIt() throws Exception {
        tm.begin();
        Transaction callers = tm.getTransaction();
        int inside = notSupported.call(tm::getStatus);
        assertThat(inside).isEqualTo(Status.STATUS_NO_TRANSACTION);
        assertThat(tm.getTransaction()).isSameAs(callers);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        tm.commit();
    }

    @Test
    void notSupportedResumesCallerTransactionWhenMethodThrows() throws Exception {
        tm.begin();
        Transaction callers = tm.getTransaction();
        assertThatThrownBy(() -> notSupported.call(() -> {
            throw new IllegalArgumentException("fails outside the transaction");
        })).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThat(tm.getTransaction()).isSameAs(callers);
        assertThat(tm.getStatus()).as("an exception outside the caller's transaction does not mark it")
                .isEqualTo(Status.STATUS_ACTIVE);
        tm.commit();
    }

    @Test
    void notSupportedWithoutTransactionRunsWithoutOne() throws Exception {
        assertThat(notSupported.call(tm::getStatus)).isEqualTo(Status.STATUS_NO_TRANSACTION);
    }

    @Test
    void neverWithTransactionThrowsTransactionalExceptionCausedByInvalidTransactionException() throws Exception {
        tm.begin();
        AtomicReference<Boolean> ran = new AtomicReference<>(false);
        assertThatThrownBy(() -> never.call(() -> ran.getAndSet(true)))
                .isExactlyInstanceOf(TransactionalException.class)
                .hasCauseExactlyInstanceOf(InvalidTransactionException.class);
        assertThat(ran.get()).as("the method must not run").isFalse();
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        tm.rollback();
    }

    @Test
    void neverWithoutTransactionRunsWithoutOne() throws Exception {
        assertThat(never.call(tm::getStatus)).isEqualTo(Status.STATUS_NO_TRANSACTION);
    }

    @Test
    void methodAnnotationWinsOverClassAnnotation() throws Exception {
        tm.begin();
        Transaction callers = tm.getTransaction();
        Transaction inside = methodOverridesClass.annotatedMethod(tm::getTransaction);
        assertThat(inside).as("REQUIRES_NEW of the method, not NEVER of the class").isNotNull().isNotSameAs(callers);
        tm.commit();
    }

    @Test
    void unannotatedMethodFollowsClassAnnotation() throws Exception {
        tm.begin();
        assertThatThrownBy(() -> methodOverridesClass.plainMethod(tm::getStatus))
                .isExactlyInstanceOf(TransactionalException.class)
                .hasCauseExactlyInstanceOf(InvalidTransactionException.class);
        tm.rollback();
    }

    @Test
    void methodAnnotationAppliesOnlyToThatMethod() throws Exception {
        assertThat(methodOnly.plainMethod(tm::getStatus)).isEqualTo(Status.STATUS_NO_TRANSACTION);
        assertThatThrownBy(() -> methodOnly.annotatedMethod(tm::getStatus))
                .isExactlyInstanceOf(TransactionalException.class)
                .hasCauseExactlyInstanceOf(TransactionRequiredException.class);
    }

    @Test
    void transactionalOnStereotypeAppliesToBeansOfThatStereotype() throws Exception {
        assertThatThrownBy(() -> stereotyped.call(tm::getStatus))
                .isExactlyInstanceOf(TransactionalException.class)
                .hasCauseExactlyInstanceOf(TransactionRequiredException.class);
        tm.begin();
        assertThat(stereotyped.call(tm::getStatus)).isEqualTo(Status.STATUS_ACTIVE);
        tm.commit();
    }
}
