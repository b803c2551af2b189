package io.lockstep.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.LockstepTransactionManager;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.ContextNotActiveException;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionScoped;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;
import java.lang.annotation.Annotation;
import org.junit.jupiter.api.Test;

/** The beans the extension contributes, their scopes, and lifecycle callbacks left alone by the interceptors. */
abstract class InjectionContract {

    /** The beans these rules need; each harness deploys exactly these. */
    static final Class<?>[] BEANS = {
            TxBeans.WithLifecycle.class
    };

    @Inject
    BeanManager beanManager;
    @Inject
    UserTransaction ut;
    @Inject
    TransactionManager tm;
    @Inject
    TransactionSynchronizationRegistry tsr;
    @Inject
    LockstepTransactionManager lockstep;
    @Inject
    Transaction transaction;
    @Inject
    Instance<TxBeans.WithLifecycle> withLifecycle;

    private Class<? extends Annotation> scopeOf(Class<?> type) {
        Bean<?> bean = beanManager.resolve(beanManager.getBeans(type));
        return bean.getScope();
    }

    @Test
    void userTransactionManagerAndRegistryAreApplicationScoped() {
        assertThat(scopeOf(UserTransaction.class)).isEqualTo(ApplicationScoped.class);
        assertThat(scopeOf(TransactionManager.class)).isEqualTo(ApplicationScoped.class);
        assertThat(scopeOf(TransactionSynchronizationRegistry.class)).isEqualTo(ApplicationScoped.class);
    }

    @Test
    void lockstepManagerIsASingletonAndServesTheInjectedInterfaces() throws Exception {
        assertThat(scopeOf(LockstepTransactionManager.class)).isEqualTo(Singleton.class);
        ut.begin();
        assertThat(lockstep.getTransaction()).isNotNull().isSameAs(tm.getTransaction());
        assertThat(tsr.getTransactionKey()).isEqualTo(lockstep.getTransactionKey());
        ut.commit();
    }

    @Test
    void injectedTransactionIsTransactionScoped() {
        assertThat(scopeOf(Transaction.class)).isEqualTo(TransactionScoped.class);
    }

    @Test
    void injectedTransactionIsTheCallingThreadsCurrentTransactionEachTime() throws Exception {
        tm.begin();
        Transaction first = tm.getTransaction();
        assertThat(transaction.toString()).isEqualTo(first.toString());
        assertThat(transaction.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        tm.commit();

        tm.begin();
        Transaction second = tm.getTransaction();
        assertThat(transaction.toString()).as("not stale").isEqualTo(second.toString()).isNotEqualTo(first.toString());
        transaction.setRollbackOnly();
        assertThat(second.getStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
        tm.rollback();
    }

    @Test
    void injectedTransactionWithoutTransactionThrowsContextNotActiveException() {
        assertThatThrownBy(transaction::getStatus).isInstanceOf(ContextNotActiveException.class);
    }

    @Test
    void postConstructOfMandatoryBeanIsNotInterceptedAndRunsWithoutTransaction() {
        TxBeans.WithLifecycle.postConstructStatus = -1;
        TxBeans.WithLifecycle bean = withLifecycle.get();
        assertThat(TxBeans.WithLifecycle.postConstructStatus).isEqualTo(Status.STATUS_NO_TRANSACTION);
        withLifecycle.destroy(bean);
    }

    @Test
    void preDestroyOfMandatoryBeanIsNotInterceptedAndRunsWithoutTransaction() {
        TxBeans.WithLifecycle bean = withLifecycle.get();
        TxBeans.WithLifecycle.preDestroyStatus = -1;
        withLifecycle.destroy(bean);
        assertThat(TxBeans.WithLifecycle.preDestroyStatus).isEqualTo(Status.STATUS_NO_TRANSACTION);
    }

    @Test
    void businessMethodOfThatBeanIsStillIntercepted() {
        TxBeans.WithLifecycle bean = withLifecycle.get();
        assertThatThrownBy(bean::business).isExactlyInstanceOf(jakarta.transaction.TransactionalException.class)
                .hasCauseExactlyInstanceOf(jakarta.transaction.TransactionRequiredException.class);
        withLifecycle.destroy(bean);
    }
}
