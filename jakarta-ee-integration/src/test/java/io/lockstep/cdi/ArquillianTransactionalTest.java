package io.lockstep.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.enterprise.inject.spi.Extension;
import jakarta.inject.Inject;
import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionRequiredException;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.TransactionalException;
import jakarta.transaction.UserTransaction;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.EmptyAsset;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The main rules again under Arquillian (embedded Weld container, deployment built with ShrinkWrap, extension
 * registered as a service provider of the archive), so the integration is also proven the way Jakarta EE projects
 * usually test. The Weld SE tests of each concern hold the full set of cases.
 */
@ExtendWith(ArquillianExtension.class)
class ArquillianTransactionalTest {

    @Deployment
    static JavaArchive deployment() {
        return ShrinkWrap.create(JavaArchive.class, "lockstep-cdi-test.jar")
                .addClasses(TxBeans.class, TxBeans.Required.class, TxBeans.RequiresNew.class,
                        TxBeans.Mandatory.class, TxBeans.NotSupported.class, TxBeans.Never.class,
                        TxBeans.ExceptionRules.class, ScopedBeans.class, ScopedBeans.Counter.class,
                        ScopedBeans.Journal.class, OutcomeRecorder.class)
                .addAsServiceProvider(Extension.class, LockstepExtension.class)
                .addAsManifestResource(EmptyAsset.INSTANCE, "beans.xml");
    }

    @Inject
    TransactionManager tm;
    @Inject
    UserTransaction ut;
    @Inject
    TransactionSynchronizationRegistry tsr;
    @Inject
    TxBeans.Required required;
    @Inject
    TxBeans.RequiresNew requiresNew;
    @Inject
    TxBeans.Mandatory mandatory;
    @Inject
    TxBeans.NotSupported notSupported;
    @Inject
    TxBeans.Never never;
    @Inject
    TxBeans.ExceptionRules rules;
    @Inject
    ScopedBeans.Counter counter;
    @Inject
    ScopedBeans.Journal journal;

    @AfterEach
    void noTransactionLeftBehind() throws Exception {
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    }

    @Test
    void requiredBeginsAndCommitsTransaction() throws Exception {
        OutcomeRecorder outcome = new OutcomeRecorder();
        int inside = required.call(() -> {
            tsr.registerInterposedSynchronization(outcome);
            return tm.getStatus();
        });
        assertThat(inside).isEqualTo(Status.STATUS_ACTIVE);
        assertThat(outcome.committed()).isTrue();
    }

    @Test
    void requiresNewSuspendsAndResumesCallerTransaction() throws Exception {
        tm.begin();
        Transaction callers = tm.getTransaction();
        assertThat(requiresNew.call(tm::getTransaction)).isNotSameAs(callers);
        assertThat(tm.getTransaction()).isSameAs(callers);
        tm.commit();
    }

    @Test
    void notSupportedRunsWithoutCallerTransaction() throws Exception {
        tm.begin();
        assertThat(notSupported.call(tm::getStatus)).isEqualTo(Status.STATUS_NO_TRANSACTION);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        tm.commit();
    }

    @Test
    void mandatoryWithoutTransactionThrowsTransactionalExceptionCausedByTransactionRequiredException() {
        assertThatThrownBy(() -> mandatory.call(tm::getStatus)).isExactlyInstanceOf(TransactionalException.class)
                .hasCauseExactlyInstanceOf(TransactionRequiredException.class);
    }

    @Test
    void neverWithTransactionThrowsTransactionalExceptionCausedByInvalidTransactionException() throws Exception {
        tm.begin();
        assertThatThrownBy(() -> never.call(tm::getStatus)).isExactlyInstanceOf(TransactionalException.class)
                .hasCauseExactlyInstanceOf(InvalidTransactionException.class);
        tm.rollback();
    }

    @Test
    void uncheckedExceptionMarksCallerTransactionRollbackOnly() throws Exception {
        tm.begin();
        assertThatThrownBy(() -> rules.defaults(() -> null, new IllegalStateException("unchecked")))
                .isExactlyInstanceOf(IllegalStateException.class);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
        tm.rollback();
    }

    @Test
    void dontRollbackOnWinsOverRollbackOn() throws Exception {
        tm.begin();
        assertThatThrownBy(() -> rules.sameClassInBoth(() -> null, new IllegalStateException("both")))
                .isExactlyInstanceOf(IllegalStateException.class);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        tm.commit();
    }

    @Test
    void userTransactionInsideRequiredThrowsIllegalStateException() {
        assertThatThrownBy(() -> required.call(ut::getStatus)).isExactlyInstanceOf(IllegalStateException.class);
    }

    @Test
    void transactionScopedBeanIsOnePerTransactionAndDestroyedAfterCompletion() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        int id = counter.id();
        assertThat(counter.id()).isEqualTo(id);
        assertThat(journal.initialized()).contains(tx);
        tm.commit();
        assertThat(journal.destroyedIds()).contains(id);
        assertThat(journal.destroyed()).contains(tx);
    }
}
