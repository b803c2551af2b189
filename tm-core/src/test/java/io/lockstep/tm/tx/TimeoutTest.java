package io.lockstep.tm.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.admin.TransactionView;
import io.lockstep.tm.log.InMemoryLog;
import io.lockstep.tm.testing.LockstepTestBase;
import io.lockstep.tm.testing.RecordingXAResource;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** JTA 2.0 §3.2.1 setTransactionTimeout, and the reaper (DESIGN.md §3: roll back at the deadline, not at commit). */
class TimeoutTest extends LockstepTestBase {

    private int liveTimeout() {
        List<TransactionView> live = tm.admin().live();
        assertThat(live).hasSize(1);
        return live.get(0).timeoutSeconds();
    }

    @Test
    @DisplayName("a transaction gets the configured default timeout")
    void defaultTimeoutFromConfig() throws Exception {
        tm.begin();
        assertThat(liveTimeout()).isEqualTo(60);
        tm.rollback();
        try (LockstepTransactionManager other = Lockstep.builder().nodeId("n2").transactionLog(new InMemoryLog())
                .defaultTimeout(Duration.ofSeconds(7)).build()) {
            other.begin();
            assertThat(other.admin().live()).extracting(TransactionView::timeoutSeconds).containsExactly(7);
            other.rollback();
        }
    }

    @Test
    @DisplayName("setTransactionTimeout applies to the next begin; 0 restores the configured default")
    void setTransactionTimeoutAndZeroRestoresDefault() throws Exception {
        tm.setTransactionTimeout(5);
        tm.begin();
        assertThat(liveTimeout()).isEqualTo(5);
        tm.rollback();
        tm.setTransactionTimeout(0);
        tm.begin();
        assertThat(liveTimeout()).isEqualTo(60);
        tm.rollback();
    }

    @Test
    @DisplayName("setTransactionTimeout is per thread")
    void timeoutIsPerThread() throws Exception {
        tm.setTransactionTimeout(9);
        Thread other = new Thread(() -> {
            try {
                tm.begin();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        other.start();
        other.join(10_000);
        assertThat(tm.admin().live()).extracting(TransactionView::timeoutSeconds).containsExactly(60);
    }

    @Test
    @DisplayName("a negative timeout throws SystemException and changes nothing")
    void negativeTimeoutThrowsSystemException() throws Exception {
        tm.setTransactionTimeout(4);
        assertThatThrownBy(() -> tm.setTransactionTimeout(-1)).isInstanceOf(SystemException.class);
        tm.begin();
        assertThat(liveTimeout()).isEqualTo(4);
        tm.rollback();
    }

    @Test
    @DisplayName("at the deadline the reaper rolls back the branches while the owner is busy; commit then throws RollbackException")
    void reaperRollsBackAtDeadlineWhileOwnerIsBusy() throws Exception {
        tm.setTransactionTimeout(1);
        tm.begin();
        Transaction tx = tm.getTransaction();
        RecordingXAResource rm1 = resource("rm1");
        RecordingXAResource rm2 = resource("rm2");
        tx.enlistResource(rm1);
        tx.enlistResource(rm2);
        long begun = System.nanoTime();
        // the owner is "busy": it makes no call on the transaction until the reaper has rolled both branches back
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> calls.entriesOf("rm2.rollback").size() == 1 && calls.entriesOf("rm1.rollback").size() == 1);
        assertThat(Duration.ofNanos(System.nanoTime() - begun)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        await().atMost(Duration.ofSeconds(2)).until(() -> tx.getStatus() == Status.STATUS_ROLLEDBACK);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_ROLLEDBACK);
        assertThat(tm.getTransaction()).isSameAs(tx);
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
        assertThat(tm.getTransaction()).isNull();
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
        assertThat(calls.entriesOf("rm1.")).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)", "rm1.end(tx1.b1, TMFAIL)", "rm1.rollback(tx1.b1)");
        assertThat(calls.entriesOf("rm2.")).containsExactly(
                "rm2.start(tx1.b2, TMNOFLAGS)", "rm2.end(tx1.b2, TMFAIL)", "rm2.rollback(tx1.b2)");
        assertThat(records()).isEmpty();
    }

    @Test
    @DisplayName("after a timeout rollback, enlisting on the transaction is refused and rollback by the owner clears the thread")
    void ownerRollbackAfterTimeoutClearsThread() throws Exception {
        tm.setTransactionTimeout(1);
        tm.begin();
        Transaction tx = tm.getTransaction();
        await().atMost(Duration.ofSeconds(5)).until(() -> tx.getStatus() == Status.STATUS_ROLLEDBACK);
        assertThatThrownBy(() -> tx.enlistResource(resource("late")))
                .isInstanceOfAny(RollbackException.class, IllegalStateException.class);
        tm.rollback();
        assertThat(tm.getTransaction()).isNull();
        assertThat(calls.entriesOf("late.")).isEmpty();
    }

    @Test
    @DisplayName("a transaction completed before its deadline is not touched by the reaper")
    void completedTransactionIsNotReaped() throws Exception {
        tm.setTransactionTimeout(1);
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1"));
        tm.commit();
        // a second transaction that does time out proves the reaper ran past the first one's deadline
        tm.begin();
        Transaction second = tm.getTransaction();
        await().atMost(Duration.ofSeconds(5)).until(() -> second.getStatus() == Status.STATUS_ROLLEDBACK);
        tm.rollback();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
        assertThat(calls.entriesOf("rm1.")).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)", "rm1.end(tx1.b1, TMSUCCESS)", "rm1.commit(tx1.b1, onePhase)");
    }
}
