package io.lockstep.tm.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.SuspendMode;
import io.lockstep.tm.testing.LockstepTestBase;
import io.lockstep.tm.testing.RecordingXAResource;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transaction;
import java.util.concurrent.atomic.AtomicReference;
import javax.transaction.xa.XAResource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** JTA 2.0 §3.3.1 and §3.4: enlistResource/delistResource, TMJOIN, suspend/resume of branches. */
class EnlistmentTest extends LockstepTestBase {

    @Test
    @DisplayName("enlist starts a branch with TMNOFLAGS; delist TMSUCCESS ends it; commit does not end it again")
    void delistSuccessEndsBranchOnce() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        RecordingXAResource rm1 = resource("rm1");
        assertThat(tx.enlistResource(rm1)).isTrue();
        assertThat(tx.delistResource(rm1, XAResource.TMSUCCESS)).isTrue();
        tm.commit();
        assertThat(xaAndLog()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm1.commit(tx1.b1, onePhase)");
    }

    @Test
    @DisplayName("delist TMFAIL ends the branch with TMFAIL and marks the transaction rollback-only")
    void delistFailMarksRollbackOnly() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        RecordingXAResource rm1 = resource("rm1");
        tx.enlistResource(rm1);
        tx.delistResource(rm1, XAResource.TMFAIL);
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
        assertThat(xaAndLog()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMFAIL)",
                "rm1.rollback(tx1.b1)");
    }

    @Test
    @DisplayName("delist TMSUSPEND then enlist again resumes the branch with TMRESUME")
    void delistSuspendThenEnlistResumes() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        RecordingXAResource rm1 = resource("rm1");
        tx.enlistResource(rm1);
        tx.delistResource(rm1, XAResource.TMSUSPEND);
        tx.enlistResource(rm1);
        tm.commit();
        assertThat(xaAndLog()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMSUSPEND)",
                "rm1.start(tx1.b1, TMRESUME)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm1.commit(tx1.b1, onePhase)");
    }

    @Test
    @DisplayName("a suspended (TMSUSPEND) branch that is never resumed is ended with TMSUCCESS at commit")
    void suspendedBranchIsEndedAtCommit() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        RecordingXAResource rm1 = resource("rm1");
        tx.enlistResource(rm1);
        tx.delistResource(rm1, XAResource.TMSUSPEND);
        tm.commit();
        assertThat(xaAndLog()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMSUSPEND)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm1.commit(tx1.b1, onePhase)");
    }

    @Test
    @DisplayName("enlisting the same resource twice is a no-op the second time")
    void enlistSameResourceTwiceIsIdempotent() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        RecordingXAResource rm1 = resource("rm1");
        assertThat(tx.enlistResource(rm1)).isTrue();
        assertThat(tx.enlistResource(rm1)).isTrue();
        tm.commit();
        assertThat(calls.entriesOf("rm1.start")).containsExactly("rm1.start(tx1.b1, TMNOFLAGS)");
    }

    @Test
    @DisplayName("a second resource of the same RM joins the first branch with TMJOIN")
    void sameRmJoinsWithTmJoin() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        RecordingXAResource a = resource("rmA", "db");
        RecordingXAResource b = resource("rmB", "db");
        tx.enlistResource(a);
        tx.enlistResource(b);
        tm.commit();
        assertThat(xaAndLog()).containsExactly(
                "rmA.start(tx1.b1, TMNOFLAGS)",
                "rmB.start(tx1.b1, TMJOIN)",
                "rmA.end(tx1.b1, TMSUCCESS)",
                "rmB.end(tx1.b1, TMSUCCESS)",
                "rmA.commit(tx1.b1, onePhase)");
        assertThat(records()).isEmpty();
    }

    @Test
    @DisplayName("a resource whose vendor cannot join (canJoin=false) gets its own branch even for the same RM")
    void sameRmWithoutJoinGetsOwnBranch() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(Lockstep.named("rmA", resource("rmA", "db"), false, SuspendMode.END_RESUME));
        tx.enlistResource(Lockstep.named("rmB", resource("rmB", "db"), false, SuspendMode.END_RESUME));
        tm.commit();
        assertThat(xaAndLog()).containsExactly(
                "rmA.start(tx1.b1, TMNOFLAGS)",
                "rmB.start(tx1.b2, TMNOFLAGS)",
                "rmA.end(tx1.b1, TMSUCCESS)",
                "rmB.end(tx1.b2, TMSUCCESS)",
                "rmA.prepare(tx1.b1)",
                "rmB.prepare(tx1.b2)",
                "log.COMMIT(tx1, forced, 2)",
                "rmA.commit(tx1.b1)",
                "rmB.commit(tx1.b2)",
                "log.END(tx1, unforced)");
    }

    @Test
    @DisplayName("END_JOIN suspend mode suspends with end(TMSUCCESS) and resumes with start(TMJOIN)")
    void endJoinSuspendMode() throws Exception {
        tm.begin();
        tm.getTransaction().enlistResource(Lockstep.named("rm1", resource("rm1"), false, SuspendMode.END_JOIN));
        Transaction tx = tm.suspend();
        tm.resume(tx);
        tm.commit();
        assertThat(xaAndLog()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm1.start(tx1.b1, TMJOIN)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm1.commit(tx1.b1, onePhase)");
    }

    @Test
    @DisplayName("END_RESUME suspend mode suspends with end(TMSUCCESS) and resumes with start(TMRESUME)")
    void endResumeSuspendMode() throws Exception {
        tm.begin();
        tm.getTransaction().enlistResource(Lockstep.named("rm1", resource("rm1"), false, SuspendMode.END_RESUME));
        Transaction tx = tm.suspend();
        tm.resume(tx);
        tm.commit();
        assertThat(xaAndLog()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm1.start(tx1.b1, TMRESUME)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm1.commit(tx1.b1, onePhase)");
    }

    @Test
    @DisplayName("enlist on a rollback-only transaction throws RollbackException and starts no branch")
    void enlistOnRollbackOnlyThrowsRollback() throws Exception {
        tm.begin();
        tm.setRollbackOnly();
        assertThatThrownBy(() -> tm.getTransaction().enlistResource(resource("rm1")))
                .isInstanceOf(RollbackException.class);
        tm.rollback();
        assertThat(xaAndLog()).isEmpty();
    }

    @Test
    @DisplayName("enlist after completion (from afterCompletion) throws IllegalStateException")
    void enlistFromAfterCompletionThrowsIllegalState() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        AtomicReference<Throwable> seen = new AtomicReference<>();
        tx.registerSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                try {
                    tx.enlistResource(resource("late"));
                } catch (Throwable t) {
                    seen.set(t);
                }
            }
        });
        tm.commit();
        assertThat(seen.get()).isInstanceOf(IllegalStateException.class);
        assertThat(calls.entriesOf("late.")).isEmpty();
    }

    @Test
    @DisplayName("enlist while the transaction is PREPARING (from another thread) throws IllegalStateException")
    void enlistWhilePreparingThrowsIllegalState() throws Exception {
        java.util.concurrent.CountDownLatch reached = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1").blockOn(io.lockstep.tm.testing.XACall.PREPARE, reached, release));
        tx.enlistResource(resource("rm2"));
        Transaction suspended = tm.suspend();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread committer = new Thread(() -> {
            try {
                suspended.commit();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        committer.start();
        assertThat(reached.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_PREPARING);
        assertThatThrownBy(() -> tx.enlistResource(resource("late"))).isInstanceOf(IllegalStateException.class);
        release.countDown();
        committer.join(10_000);
        assertThat(failure.get()).isNull();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
        assertThat(calls.entriesOf("late.")).isEmpty();
    }

    @Test
    @DisplayName("delist of a resource that was never enlisted returns false and makes no XA call")
    void delistOfUnknownResourceReturnsFalse() throws Exception {
        tm.begin();
        assertThat(tm.getTransaction().delistResource(resource("rm1"), XAResource.TMSUCCESS)).isFalse();
        tm.rollback();
        assertThat(xaAndLog()).isEmpty();
    }

    @Test
    @DisplayName("a failing start(TMNOFLAGS) makes enlistResource throw SystemException and the branch is not enlisted")
    void failingStartIsNotEnlisted() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        RecordingXAResource rm1 = resource("rm1").failOn(io.lockstep.tm.testing.XACall.START,
                javax.transaction.xa.XAException.XAER_RMFAIL);
        assertThatThrownBy(() -> tx.enlistResource(rm1)).isInstanceOf(jakarta.transaction.SystemException.class);
        tm.commit();
        assertThat(xaAndLog()).containsExactly("rm1.start(tx1.b1, TMNOFLAGS)");
    }
}
