package io.lockstep.cdi;

import static jakarta.enterprise.event.TransactionPhase.AFTER_COMPLETION;
import static jakarta.enterprise.event.TransactionPhase.AFTER_FAILURE;
import static jakarta.enterprise.event.TransactionPhase.AFTER_SUCCESS;
import static jakarta.enterprise.event.TransactionPhase.BEFORE_COMPLETION;
import static jakarta.enterprise.event.TransactionPhase.IN_PROGRESS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lockstep.cdi.PhaseObservers.Placed;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.UserTransaction;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * CDI transactional observer methods (CDI 4.1 §10.4.4) with Lockstep as Weld's {@code TransactionServices}:
 * {@code IN_PROGRESS} observers run when the event is fired, the others when the transaction completes, each only
 * for the outcome it names; without a transaction every observer runs at once.
 *
 * <p>Tests start by clearing the application-scoped journal: Arquillian keeps one container per class and, with the
 * embedded (local) container, does not run {@code @BeforeEach} methods.
 */
abstract class TransactionalObserversContract {

    /** The beans these rules need; each harness deploys exactly these. */
    static final Class<?>[] BEANS = {
            PhaseObservers.class, PhaseObservers.Journal.class, TxBeans.Required.class, TxBeans.RequiresNew.class
    };

    @Inject
    TransactionManager tm;
    @Inject
    BeanManager beanManager;
    @Inject
    Event<Placed> placed;
    @Inject
    PhaseObservers.Journal journal;
    @Inject
    TxBeans.Required required;
    @Inject
    TxBeans.RequiresNew requiresNew;

    @Test
    void commitNotifiesBeforeCompletionWhileActiveThenAfterSuccessAndAfterCompletion() throws Exception {
        journal.clear();
        tm.begin();
        placed.fire(new Placed("commit"));
        assertThat(journal.phases("commit")).as("before the commit").containsExactly(IN_PROGRESS);
        assertThat(journal.only("commit", IN_PROGRESS).status()).isEqualTo(Status.STATUS_ACTIVE);

        tm.commit();

        assertThat(journal.phases("commit")).hasSize(4).startsWith(IN_PROGRESS, BEFORE_COMPLETION)
                .contains(AFTER_SUCCESS, AFTER_COMPLETION).doesNotContain(AFTER_FAILURE);
        assertThat(journal.only("commit", BEFORE_COMPLETION).status())
                .as("a before-completion observer still runs inside the transaction").isEqualTo(Status.STATUS_ACTIVE);
        assertThat(journal.only("commit", AFTER_SUCCESS).status()).isNotEqualTo(Status.STATUS_ACTIVE);
    }

    @Test
    void rollbackNotifiesAfterFailureAndAfterCompletionOnly() throws Exception {
        journal.clear();
        tm.begin();
        placed.fire(new Placed("rollback"));
        assertThat(journal.phases("rollback")).containsExactly(IN_PROGRESS);

        tm.rollback();

        assertThat(journal.phases("rollback")).hasSize(3).startsWith(IN_PROGRESS)
                .contains(AFTER_FAILURE, AFTER_COMPLETION);
    }

    @Test
    void eventInARollbackOnlyTransactionWaitsForTheRollback() throws Exception {
        journal.clear();
        tm.begin();
        tm.setRollbackOnly();
        placed.fire(new Placed("marked"));
        assertThat(journal.phases("marked")).as("nothing but IN_PROGRESS before completion")
                .containsExactly(IN_PROGRESS);

        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);

        assertThat(journal.phases("marked")).as("a rollback has no before-completion phase").hasSize(3)
                .startsWith(IN_PROGRESS).contains(AFTER_FAILURE, AFTER_COMPLETION);
    }

    @Test
    void withoutTransactionEveryObserverIsNotifiedAtOnce() {
        journal.clear();
        placed.fire(new Placed("none"));
        assertThat(journal.phases("none")).containsExactlyInAnyOrder(IN_PROGRESS, BEFORE_COMPLETION,
                AFTER_COMPLETION, AFTER_SUCCESS, AFTER_FAILURE);
        assertThat(journal.entries()).allSatisfy(n -> assertThat(n.status())
                .isEqualTo(Status.STATUS_NO_TRANSACTION));
    }

    @Test
    void transactionalMethodNotifiesAfterSuccessOnceItsTransactionCommitted() throws Exception {
        journal.clear();
        required.call(() -> {
            placed.fire(new Placed("method"));
            assertThat(journal.phases("method")).containsExactly(IN_PROGRESS);
            return null;
        });
        assertThat(journal.phases("method")).containsExactlyInAnyOrder(IN_PROGRESS, BEFORE_COMPLETION,
                AFTER_SUCCESS, AFTER_COMPLETION);
    }

    @Test
    void transactionalMethodThatThrowsNotifiesAfterFailure() {
        journal.clear();
        IllegalStateException failure = new IllegalStateException("rolls back");
        assertThatThrownBy(() -> required.call(() -> {
            placed.fire(new Placed("failed-method"));
            throw failure;
        })).isSameAs(failure);
        assertThat(journal.phases("failed-method")).containsExactlyInAnyOrder(IN_PROGRESS, AFTER_FAILURE,
                AFTER_COMPLETION);
    }

    @Test
    void eachTransactionNotifiesItsOwnObservers() throws Exception {
        journal.clear();
        tm.begin();
        placed.fire(new Placed("outer"));
        // REQUIRES_NEW suspends the outer transaction; the inner one commits on its own
        requiresNew.call(() -> {
            placed.fire(new Placed("inner"));
            return null;
        });
        assertThat(journal.phases("inner")).contains(AFTER_SUCCESS);
        assertThat(journal.phases("outer")).as("the outer transaction is still running").containsExactly(IN_PROGRESS);

        tm.rollback();

        assertThat(journal.phases("inner")).doesNotContain(AFTER_FAILURE);
        assertThat(journal.phases("outer")).contains(AFTER_FAILURE).doesNotContain(AFTER_SUCCESS);
    }

    @Test
    void timedOutTransactionNotifiesAfterFailureFromTheReaper() throws Exception {
        journal.clear();
        tm.setTransactionTimeout(1);
        try {
            tm.begin();
        } finally {
            tm.setTransactionTimeout(0);
        }
        Transaction tx = tm.getTransaction();
        placed.fire(new Placed("timeout"));

        await().atMost(Duration.ofSeconds(10)).until(() -> journal.phases("timeout").size() == 3);
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_ROLLEDBACK);
        assertThat(journal.only("timeout", AFTER_FAILURE).thread()).as("the reaper's thread")
                .isNotSameAs(Thread.currentThread());
        assertThat(journal.phases("timeout")).containsExactlyInAnyOrder(IN_PROGRESS, AFTER_FAILURE,
                AFTER_COMPLETION);
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
    }

    @Test
    void injectedUserTransactionIsLockstepsNotTheContainersBuiltIn() {
        Bean<?> bean = beanManager.resolve(beanManager.getBeans(UserTransaction.class));
        assertThat(bean.getBeanClass()).isEqualTo(LockstepExtension.class);
    }
}
