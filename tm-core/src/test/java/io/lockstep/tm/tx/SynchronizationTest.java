package io.lockstep.tm.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.testing.LockstepTestBase;
import io.lockstep.tm.testing.XACall;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transaction;
import java.util.concurrent.atomic.AtomicReference;
import javax.transaction.xa.XAException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** JTA 2.0 §3.3.2 (Synchronization) and §3.4.7 (TransactionSynchronizationRegistry). */
class SynchronizationTest extends LockstepTestBase {

    /** Records its callbacks into the call log as {@code name.before} and {@code name.after(status)}. */
    private Synchronization sync(String name) {
        return new Synchronization() {
            @Override
            public void beforeCompletion() {
                calls.event(name + ".before");
            }

            @Override
            public void afterCompletion(int status) {
                calls.event(name + ".after(" + status + ")");
            }
        };
    }

    @Test
    @DisplayName("commit: regular before, then interposed before, branches, interposed after, then regular after")
    void synchronizationOrderOnCommit() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1"));
        tm.registerInterposedSynchronization(sync("interposed1"));
        tx.registerSynchronization(sync("regular1"));
        tm.registerInterposedSynchronization(sync("interposed2"));
        tx.registerSynchronization(sync("regular2"));
        tm.commit();
        int committed = Status.STATUS_COMMITTED;
        assertThat(calls.entries()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "regular1.before",
                "regular2.before",
                "interposed1.before",
                "interposed2.before",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm1.commit(tx1.b1, onePhase)",
                "interposed1.after(" + committed + ")",
                "interposed2.after(" + committed + ")",
                "regular1.after(" + committed + ")",
                "regular2.after(" + committed + ")");
    }

    @Test
    @DisplayName("rollback: no beforeCompletion; afterCompletion interposed first, then regular, with ROLLEDBACK")
    void synchronizationOrderOnRollback() throws Exception {
        tm.begin();
        tm.getTransaction().registerSynchronization(sync("regular"));
        tm.registerInterposedSynchronization(sync("interposed"));
        tm.rollback();
        int rolledBack = Status.STATUS_ROLLEDBACK;
        assertThat(calls.entries()).containsExactly(
                "interposed.after(" + rolledBack + ")",
                "regular.after(" + rolledBack + ")");
    }

    @Test
    @DisplayName("a synchronization registered in beforeCompletion of another is called too")
    void synchronizationRegisteredDuringBeforeCompletionRuns() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.registerSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
                try {
                    tx.registerSynchronization(sync("late"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void afterCompletion(int status) {
            }
        });
        tm.commit();
        assertThat(calls.entries()).containsExactly("late.before", "late.after(" + Status.STATUS_COMMITTED + ")");
    }

    @Test
    @DisplayName("a beforeCompletion that throws rolls the transaction back: RollbackException with that cause")
    void throwingBeforeCompletionRollsBack() throws Exception {
        IllegalStateException boom = new IllegalStateException("flush failed");
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1"));
        tx.enlistResource(resource("rm2"));
        tx.registerSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
                throw boom;
            }

            @Override
            public void afterCompletion(int status) {
                calls.event("thrower.after(" + status + ")");
            }
        });
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class).hasCause(boom);
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_ROLLEDBACK);
        assertThat(tm.getTransaction()).isNull();
        assertThat(calls.entries()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "rm2.start(tx1.b2, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm2.end(tx1.b2, TMSUCCESS)",
                "rm1.rollback(tx1.b1)",
                "rm2.rollback(tx1.b2)",
                "thrower.after(" + Status.STATUS_ROLLEDBACK + ")");
        assertThat(records()).isEmpty();
    }

    @Test
    @DisplayName("afterCompletion runs with the final status even when prepare fails")
    void afterCompletionSeesRolledBackAfterPrepareFailure() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1").failOn(XACall.PREPARE, XAException.XA_RBROLLBACK));
        tx.enlistResource(resource("rm2"));
        tx.registerSynchronization(sync("s"));
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
        assertThat(calls.entriesOf("s.")).containsExactly("s.before", "s.after(" + Status.STATUS_ROLLEDBACK + ")");
    }

    @Test
    @DisplayName("exceptions from afterCompletion never escape commit, and later synchronizations still run")
    void afterCompletionExceptionsNeverEscape() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.registerSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                throw new IllegalStateException("after failed");
            }
        });
        tx.registerSynchronization(sync("next"));
        tm.commit();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
        assertThat(calls.entriesOf("next.")).containsExactly("next.before",
                "next.after(" + Status.STATUS_COMMITTED + ")");
    }

    @Test
    @DisplayName("exceptions from afterCompletion never escape rollback")
    void afterCompletionExceptionsNeverEscapeRollback() throws Exception {
        tm.begin();
        tm.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                throw new IllegalStateException("after failed");
            }
        });
        tm.rollback();
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    }

    @Test
    @DisplayName("registering a synchronization from afterCompletion throws IllegalStateException")
    void registrationAfterCompletionThrowsIllegalState() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        AtomicReference<Throwable> regular = new AtomicReference<>();
        AtomicReference<Throwable> interposed = new AtomicReference<>();
        tx.registerSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                try {
                    tx.registerSynchronization(sync("late"));
                } catch (Throwable t) {
                    regular.set(t);
                }
            }
        });
        tm.commit();
        assertThat(regular.get()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> tx.registerSynchronization(sync("afterwards")))
                .isInstanceOf(IllegalStateException.class);
        assertThat(calls.entriesOf("late.")).isEmpty();
        assertThat(interposed.get()).isNull();
    }

    @Test
    @DisplayName("an interposed synchronization registered during regular beforeCompletion is called")
    void interposedRegisteredDuringRegularBeforeCompletionRuns() throws Exception {
        tm.begin();
        tm.getTransaction().registerSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
                tm.registerInterposedSynchronization(sync("fromRegular"));
            }

            @Override
            public void afterCompletion(int status) {
            }
        });
        tm.commit();
        assertThat(calls.entriesOf("fromRegular.")).containsExactly("fromRegular.before",
                "fromRegular.after(" + Status.STATUS_COMMITTED + ")");
    }

    @Test
    @DisplayName("registering a regular synchronization once interposed beforeCompletion has begun throws IllegalStateException")
    void regularRegistrationDuringInterposedBeforeCompletionIsRefused() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        AtomicReference<Throwable> refused = new AtomicReference<>();
        tm.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
                try {
                    tx.registerSynchronization(sync("late"));
                } catch (Throwable t) {
                    refused.set(t);
                }
            }

            @Override
            public void afterCompletion(int status) {
            }
        });
        tm.commit();
        // JTA 2.0 §3.3.2 / TSR javadoc: every regular beforeCompletion runs before any interposed one; a regular
        // synchronization accepted now could only run after an interposed one (Narayana refuses it too)
        assertThat(refused.get()).isInstanceOf(IllegalStateException.class);
        assertThat(calls.entriesOf("late.")).isEmpty();
    }

    @Test
    @DisplayName("registering a synchronization on a rollback-only transaction throws RollbackException")
    void registrationOnRollbackOnlyThrowsRollback() throws Exception {
        tm.begin();
        tm.setRollbackOnly();
        assertThatThrownBy(() -> tm.getTransaction().registerSynchronization(sync("s")))
                .isInstanceOf(RollbackException.class);
        tm.rollback();
    }

    @Test
    @DisplayName("TSR resources are per transaction and the key is null without a transaction")
    void registryResourcesArePerTransaction() throws Exception {
        assertThat(tm.getTransactionKey()).isNull();
        assertThat(tm.getTransactionStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
        assertThatThrownBy(() -> tm.putResource("k", "v")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> tm.getResource("k")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> tm.registerInterposedSynchronization(sync("s")))
                .isInstanceOf(IllegalStateException.class);

        tm.begin();
        Object key1 = tm.getTransactionKey();
        tm.putResource("k", "one");
        assertThat(tm.getResource("k")).isEqualTo("one");
        assertThat(tm.getTransactionKey()).isEqualTo(key1);
        Transaction first = tm.suspend();

        tm.begin();
        Object key2 = tm.getTransactionKey();
        assertThat(key2).isNotNull().isNotEqualTo(key1);
        assertThat(tm.getResource("k")).isNull();
        tm.putResource("k", "two");
        assertThat(tm.getResource("k")).isEqualTo("two");
        tm.commit();

        tm.resume(first);
        assertThat(tm.getResource("k")).isEqualTo("one");
        assertThat(tm.getTransactionKey()).isEqualTo(key1);
        tm.rollback();
        assertThat(tm.getTransactionKey()).isNull();
    }

    @Test
    @DisplayName("TSR getResource works in afterCompletion; putResource with a null key throws NullPointerException")
    void registryResourceVisibleInAfterCompletion() throws Exception {
        tm.begin();
        tm.putResource("k", "v");
        AtomicReference<Object> seen = new AtomicReference<>();
        tm.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                seen.set(tm.getResource("k"));
            }
        });
        assertThatThrownBy(() -> tm.putResource(null, "v")).isInstanceOf(NullPointerException.class);
        tm.commit();
        assertThat(seen.get()).isEqualTo("v");
    }

    @Test
    @DisplayName("TSR getRollbackOnly and setRollbackOnly follow the current transaction")
    void registryRollbackOnly() throws Exception {
        tm.begin();
        assertThat(tm.getRollbackOnly()).isFalse();
        tm.setRollbackOnly();
        assertThat(tm.getRollbackOnly()).isTrue();
        assertThat(tm.getTransactionStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
        tm.rollback();
        assertThatThrownBy(tm::getRollbackOnly).isInstanceOf(IllegalStateException.class);
    }
}
