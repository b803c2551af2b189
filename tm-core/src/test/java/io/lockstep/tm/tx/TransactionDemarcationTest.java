package io.lockstep.tm.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.testing.LockstepTestBase;
import io.lockstep.tm.testing.RecordingXAResource;
import io.lockstep.tm.testing.XACall;
import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import javax.transaction.xa.XAException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** JTA 2.0 §3.2 (UserTransaction) and §3.2.1 (TransactionManager): begin, commit, rollback, suspend, resume. */
class TransactionDemarcationTest extends LockstepTestBase {

    @Test
    @DisplayName("with no transaction the status is NO_TRANSACTION and getTransaction is null")
    void noTransactionMeansNoTransactionStatus() throws Exception {
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
        assertThat(tm.getTransaction()).isNull();
        assertThat(tm.suspend()).isNull();
    }

    @Test
    @DisplayName("begin associates an ACTIVE transaction with the thread")
    void beginAssociatesAnActiveTransaction() throws Exception {
        tm.begin();
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        assertThat(tm.getTransaction()).isNotNull();
        assertThat(tm.getTransaction().getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        tm.rollback();
    }

    @Test
    @DisplayName("begin inside a transaction throws NotSupportedException and keeps the first one")
    void nestedBeginThrowsNotSupported() throws Exception {
        tm.begin();
        Transaction first = tm.getTransaction();
        assertThatThrownBy(tm::begin).isInstanceOf(NotSupportedException.class);
        assertThat(tm.getTransaction()).isSameAs(first);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        tm.rollback();
    }

    @Test
    @DisplayName("commit, rollback and setRollbackOnly without a transaction throw IllegalStateException")
    void completionWithoutTransactionThrowsIllegalState() {
        assertThatThrownBy(tm::commit).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(tm::rollback).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(tm::setRollbackOnly).isInstanceOf(IllegalStateException.class);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    }

    @Test
    @DisplayName("commit ends the association; the Transaction object reports COMMITTED")
    void commitClearsAssociation() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tm.commit();
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
        assertThat(tm.getTransaction()).isNull();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
    }

    @Test
    @DisplayName("rollback ends the association; the branch is ended and rolled back, no log record")
    void rollbackClearsAssociationAndRollsBackBranch() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1"));
        tm.rollback();
        assertThat(tm.getTransaction()).isNull();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_ROLLEDBACK);
        assertThat(xaAndLog()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm1.rollback(tx1.b1)");
        assertThat(records()).isEmpty();
    }

    @Test
    @DisplayName("setRollbackOnly marks the transaction MARKED_ROLLBACK")
    void setRollbackOnlyMarksTransaction() throws Exception {
        tm.begin();
        tm.setRollbackOnly();
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
        assertThat(tm.getRollbackOnly()).isTrue();
        tm.rollback();
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    }

    @Test
    @DisplayName("commit of a rollback-only transaction throws RollbackException, rolls back every branch, clears the thread")
    void commitOfRollbackOnlyThrowsRollbackAndRollsBackBranches() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1"));
        tx.enlistResource(resource("rm2"));
        tm.setRollbackOnly();
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
        assertThat(tm.getTransaction()).isNull();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_ROLLEDBACK);
        assertThat(calls.entriesOf("rm1.")).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)", "rm1.end(tx1.b1, TMSUCCESS)", "rm1.rollback(tx1.b1)");
        assertThat(calls.entriesOf("rm2.")).containsExactly(
                "rm2.start(tx1.b2, TMNOFLAGS)", "rm2.end(tx1.b2, TMSUCCESS)", "rm2.rollback(tx1.b2)");
        assertThat(calls.entriesOf("rm1.prepare")).isEmpty();
        assertThat(records()).isEmpty();
    }

    @Test
    @DisplayName("setRollbackOnly on the Transaction object is seen by the manager")
    void transactionSetRollbackOnlyIsSeenByManager() throws Exception {
        tm.begin();
        tm.getTransaction().setRollbackOnly();
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    }

    @Test
    @DisplayName("the association is cleared even when commit fails with a heuristic or rollback exception")
    void associationClearedAfterFailedCommit() throws Exception {
        tm.begin();
        tm.getTransaction().enlistResource(resource("rm1").failOn(XACall.PREPARE, XAException.XAER_RMERR));
        tm.getTransaction().enlistResource(resource("rm2"));
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
        assertThat(tm.getTransaction()).isNull();
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
        tm.begin();
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        tm.rollback();
    }

    @Test
    @DisplayName("the association is cleared even when a rollback's resource fails")
    void associationClearedAfterFailingRollback() throws Exception {
        tm.begin();
        tm.getTransaction().enlistResource(resource("rm1").failOn(XACall.ROLLBACK, XAException.XAER_RMERR));
        try {
            tm.rollback();
        } catch (Exception expectedOrNot) {
            // the spec allows a SystemException here; what matters is the association
        }
        assertThat(tm.getTransaction()).isNull();
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    }

    @Test
    @DisplayName("suspend detaches the transaction (branch ended with TMSUSPEND), resume re-attaches it (TMRESUME)")
    void suspendAndResumeEndAndResumeBranches() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1"));
        Transaction suspended = tm.suspend();
        assertThat(suspended).isSameAs(tx);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        tm.resume(suspended);
        assertThat(tm.getTransaction()).isSameAs(tx);
        tm.commit();
        assertThat(xaAndLog()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMSUSPEND)",
                "rm1.start(tx1.b1, TMRESUME)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm1.commit(tx1.b1, onePhase)");
    }

    @Test
    @DisplayName("a new transaction can run while another is suspended; both complete independently")
    void suspendedTransactionIsIndependentOfTheNextOne() throws Exception {
        tm.begin();
        Transaction outer = tm.suspend();
        tm.begin();
        Transaction inner = tm.getTransaction();
        assertThat(inner).isNotSameAs(outer);
        tm.commit();
        tm.resume(outer);
        tm.rollback();
        assertThat(inner.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
        assertThat(outer.getStatus()).isEqualTo(Status.STATUS_ROLLEDBACK);
    }

    @Test
    @DisplayName("resume of a committed transaction throws InvalidTransactionException and leaves no association")
    void resumeOfCompletedTransactionThrowsInvalidTransaction() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tm.commit();
        assertThatThrownBy(() -> tm.resume(tx)).isInstanceOf(InvalidTransactionException.class);
        assertThat(tm.getTransaction()).isNull();
    }

    @Test
    @DisplayName("resume of a rolled-back transaction throws InvalidTransactionException")
    void resumeOfRolledBackTransactionThrowsInvalidTransaction() throws Exception {
        tm.begin();
        Transaction tx = tm.suspend();
        tx.rollback();
        assertThatThrownBy(() -> tm.resume(tx)).isInstanceOf(InvalidTransactionException.class);
        assertThat(tm.getTransaction()).isNull();
    }

    @Test
    @DisplayName("resume while a transaction is associated throws IllegalStateException and keeps the current one")
    void resumeWhileAssociatedThrowsIllegalState() throws Exception {
        tm.begin();
        Transaction first = tm.suspend();
        tm.begin();
        Transaction second = tm.getTransaction();
        assertThatThrownBy(() -> tm.resume(first)).isInstanceOf(IllegalStateException.class);
        assertThat(tm.getTransaction()).isSameAs(second);
        tm.rollback();
        tm.resume(first);
        tm.rollback();
    }

    @Test
    @DisplayName("commit through the Transaction object after suspend completes both branches with two-phase commit")
    void transactionCommitWorksFromSuspendedState() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1"));
        tx.enlistResource(resource("rm2"));
        tm.suspend();
        tx.commit();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
        assertThat(calls.entriesOf("rm2.")).containsExactly(
                "rm2.start(tx1.b2, TMNOFLAGS)",
                "rm2.end(tx1.b2, TMSUSPEND)",
                "rm2.end(tx1.b2, TMSUCCESS)",
                "rm2.prepare(tx1.b2)",
                "rm2.commit(tx1.b2)");
    }

    @Test
    @DisplayName("a completed Transaction refuses commit, rollback, setRollbackOnly, enlist and registration with IllegalStateException")
    void completedTransactionRefusesEverything() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tm.commit();
        assertThatThrownBy(tx::commit).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(tx::rollback).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(tx::setRollbackOnly).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> tx.enlistResource(resource("rm1"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> tx.registerSynchronization(new jakarta.transaction.Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
            }
        })).isInstanceOf(IllegalStateException.class);
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
        assertThat(calls.entries()).isEmpty();
    }

    @Test
    @DisplayName("status is PREPARING during prepare, COMMITTING during phase-2 commit, ROLLING_BACK during rollback")
    void intermediateStatusesAreVisible() throws Exception {
        assertThat(statusDuring(XACall.PREPARE, true)).isEqualTo(Status.STATUS_PREPARING);
        assertThat(statusDuring(XACall.COMMIT, true)).isEqualTo(Status.STATUS_COMMITTING);
        assertThat(statusDuring(XACall.ROLLBACK, false)).isEqualTo(Status.STATUS_ROLLING_BACK);
    }

    /** Completes a two-branch transaction on another thread, holding it inside {@code call} of rm1. */
    private int statusDuring(XACall call, boolean commit) throws Exception {
        java.util.concurrent.CountDownLatch reached = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1").blockOn(call, reached, release));
        tx.enlistResource(resource("rm2"));
        Transaction suspended = tm.suspend();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread completer = new Thread(() -> {
            try {
                if (commit) {
                    suspended.commit();
                } else {
                    suspended.rollback();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        completer.start();
        assertThat(reached.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        int during = tx.getStatus();
        release.countDown();
        completer.join(10_000);
        assertThat(failure.get()).isNull();
        assertThat(tx.getStatus()).isEqualTo(commit ? Status.STATUS_COMMITTED : Status.STATUS_ROLLEDBACK);
        return during;
    }
}
