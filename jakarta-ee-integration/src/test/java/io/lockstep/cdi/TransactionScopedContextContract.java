package io.lockstep.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import jakarta.enterprise.context.ContextNotActiveException;
import jakarta.enterprise.context.spi.AlterableContext;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionScoped;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code @TransactionScoped}: active only with a transaction, one instance per transaction, destroyed after it.
 *
 * <p>Tests start by clearing the application-scoped journal: Arquillian keeps one container per class and, with the
 * embedded (local) container, does not run {@code @BeforeEach} methods.
 */
abstract class TransactionScopedContextContract {

    /** The beans these rules need; each harness deploys exactly these. */
    static final Class<?>[] BEANS = {
            ScopedBeans.Counter.class, ScopedBeans.Journal.class, TxBeans.Required.class
    };

    @Inject
    TransactionManager tm;
    @Inject
    BeanManager beanManager;
    @Inject
    ScopedBeans.Counter counter;
    @Inject
    ScopedBeans.Journal journal;
    @Inject
    TxBeans.Required required;

    @Test
    void beanUsedWithoutTransactionThrowsContextNotActiveException() {
        // Weld checks isActive() itself and throws its subclass of the spec's exception
        assertThatThrownBy(counter::id).isInstanceOf(ContextNotActiveException.class);
    }

    @Test
    void contextIsActiveOnlyWhileTransactionIsAssociated() throws Exception {
        assertThat(isContextActive()).isFalse();
        tm.begin();
        assertThat(isContextActive()).isTrue();
        Transaction tx = tm.suspend();
        assertThat(isContextActive()).as("suspended").isFalse();
        tm.resume(tx);
        tm.setRollbackOnly();
        assertThat(isContextActive()).as("marked rollback-only").isTrue();
        tm.rollback();
        assertThat(isContextActive()).isFalse();
    }

    private boolean isContextActive() {
        try {
            return beanManager.getContext(TransactionScoped.class).isActive();
        } catch (ContextNotActiveException e) {
            return false;
        }
    }

    @Test
    void oneInstancePerTransaction() throws Exception {
        tm.begin();
        int first = counter.id();
        counter.increment();
        assertThat(counter.increment()).isEqualTo(2);
        assertThat(counter.id()).isEqualTo(first);
        tm.commit();

        tm.begin();
        assertThat(counter.id()).isNotEqualTo(first);
        assertThat(counter.increment()).as("a fresh instance").isEqualTo(1);
        tm.commit();
    }

    @Test
    void instanceIsDestroyedAfterCommitWithPreDestroy() throws Exception {
        journal.clear(); // one container may serve several tests (Arquillian runs no @BeforeEach here)
        tm.begin();
        int id = counter.id();
        assertThat(journal.destroyedIds()).doesNotContain(id);
        tm.commit();
        assertThat(journal.destroyedIds()).containsExactly(id);
    }

    @Test
    void instanceIsDestroyedAfterRollbackWithPreDestroy() throws Exception {
        journal.clear(); // one container may serve several tests (Arquillian runs no @BeforeEach here)
        tm.begin();
        int id = counter.id();
        tm.rollback();
        assertThat(journal.destroyedIds()).containsExactly(id);
    }

    @Test
    void instanceIsDestroyedWhenInterceptorCompletesItsTransaction() throws Exception {
        journal.clear(); // one container may serve several tests (Arquillian runs no @BeforeEach here)
        int id = required.call(counter::id);
        assertThat(journal.destroyedIds()).containsExactly(id);
    }

    @Test
    void suspendedTransactionKeepsItsInstanceAcrossAnotherTransaction() throws Exception {
        journal.clear(); // one container may serve several tests (Arquillian runs no @BeforeEach here)
        tm.begin();
        int outer = counter.id();
        Transaction suspended = tm.suspend();

        tm.begin();
        int inner = counter.id();
        tm.commit();
        assertThat(inner).isNotEqualTo(outer);
        assertThat(journal.destroyedIds()).containsExactly(inner);

        tm.resume(suspended);
        assertThat(counter.id()).isEqualTo(outer);
        tm.commit();
        assertThat(journal.destroyedIds()).containsExactly(inner, outer);
    }

    @Test
    void anotherThreadWorkingOnTheSameTransactionSeesTheSameInstance() throws Exception {
        tm.begin();
        int mine = counter.id();
        Transaction tx = tm.suspend();
        Integer theirs = CompletableFuture.supplyAsync(() -> {
            try {
                tm.resume(tx);
                int id = counter.id();
                tm.suspend();
                return id;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).get(10, TimeUnit.SECONDS);
        tm.resume(tx);
        assertThat(theirs).isEqualTo(mine);
        tm.commit();
    }

    @Test
    void initializedEventFiresOnFirstUseInTransactionWithTransactionPayload() throws Exception {
        journal.clear(); // one container may serve several tests (Arquillian runs no @BeforeEach here)
        tm.begin();
        Transaction tx = tm.getTransaction();
        assertThat(journal.initialized()).isEmpty();
        counter.id();
        counter.id();
        assertThat(journal.initialized()).containsExactly(tx);
        tm.commit();
    }

    @Test
    void destroyedEventFiresAfterCompletionWithTransactionPayload() throws Exception {
        journal.clear(); // one container may serve several tests (Arquillian runs no @BeforeEach here)
        tm.begin();
        Transaction tx = tm.getTransaction();
        counter.id();
        assertThat(journal.destroyed()).isEmpty();
        tm.commit();
        assertThat(journal.destroyed()).containsExactly(tx);
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
    }

    @Test
    void transactionWithoutScopedBeansFiresNoContextEvents() throws Exception {
        journal.clear(); // one container may serve several tests (Arquillian runs no @BeforeEach here)
        tm.begin();
        tm.commit();
        assertThat(journal.initialized()).isEmpty();
        assertThat(journal.destroyed()).isEmpty();
    }

    @Test
    void instanceIsDestroyedWhenTheReaperRollsBackATimedOutTransaction() throws Exception {
        journal.clear(); // one container may serve several tests (Arquillian runs no @BeforeEach here)
        tm.setTransactionTimeout(1);
        try {
            tm.begin();
        } finally {
            tm.setTransactionTimeout(0);
        }
        Transaction tx = tm.getTransaction();
        int id = counter.id();
        await().atMost(Duration.ofSeconds(10)).until(() -> journal.destroyedIds().contains(id));
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_ROLLEDBACK);
        assertThat(journal.destroyed()).containsExactly(tx);
        tm.rollback();
    }

    @Test
    void destroyingAnInstanceThroughTheContextRunsPreDestroyAndTheNextUseCreatesANewOne() throws Exception {
        journal.clear(); // one container may serve several tests (Arquillian runs no @BeforeEach here)
        tm.begin();
        int first = counter.id();
        AlterableContext context = (AlterableContext) beanManager.getContext(TransactionScoped.class);
        context.destroy(beanManager.resolve(beanManager.getBeans(ScopedBeans.Counter.class)));
        assertThat(journal.destroyedIds()).containsExactly(first);
        int second = counter.id();
        assertThat(second).isNotEqualTo(first);
        tm.commit();
        assertThat(journal.destroyedIds()).containsExactly(first, second);
    }
}
