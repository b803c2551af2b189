package io.lockstep.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;
import org.junit.jupiter.api.Test;

/**
 * Jakarta Transactions 2.0 §3.7: inside a {@code @Transactional} method the injected {@code UserTransaction} throws
 * {@link IllegalStateException}, except under {@code NOT_SUPPORTED}, {@code NEVER} and {@code SUPPORTS} without a
 * transaction; the {@code TransactionSynchronizationRegistry} stays usable everywhere.
 */
abstract class UserTransactionRulesContract {

    /** The beans these rules need; each harness deploys exactly these. */
    static final Class<?>[] BEANS = {
            TxBeans.Required.class, TxBeans.RequiresNew.class, TxBeans.Mandatory.class, TxBeans.Supports.class,
            TxBeans.NotSupported.class, TxBeans.Never.class
    };

    @Inject
    UserTransaction ut;
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

    @Test
    void userTransactionWorksOutsideTransactionalMethods() throws Exception {
        ut.begin();
        assertThat(ut.getStatus()).isEqualTo(Status.STATUS_ACTIVE);
        ut.commit();
        assertThat(ut.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    }

    @Test
    void userTransactionInsideRequiredThrowsIllegalStateException() {
        assertThatThrownBy(() -> required.call(() -> {
            ut.getStatus();
            return null;
        })).isExactlyInstanceOf(IllegalStateException.class).hasMessageContaining("@Transactional(REQUIRED)");
    }

    @Test
    void userTransactionCommitInsideRequiresNewThrowsIllegalStateExceptionAndInterceptorRollsBack()
            throws Exception {
        OutcomeRecorder outcome = new OutcomeRecorder();
        assertThatThrownBy(() -> requiresNew.call(() -> {
            tsr.registerInterposedSynchronization(outcome);
            ut.commit();
            return null;
        })).isExactlyInstanceOf(IllegalStateException.class).hasMessageContaining("UserTransaction.commit()");
        assertThat(outcome.status()).as("the ISE is unchecked, so the interceptor rolls back")
                .isEqualTo(Status.STATUS_ROLLEDBACK);
    }

    @Test
    void userTransactionInsideMandatoryThrowsIllegalStateException() throws Exception {
        tm.begin();
        assertThatThrownBy(() -> mandatory.call(() -> {
            ut.setRollbackOnly();
            return null;
        })).isExactlyInstanceOf(IllegalStateException.class);
        tm.rollback();
    }

    @Test
    void userTransactionInsideSupportsWithTransactionThrowsIllegalStateException() throws Exception {
        tm.begin();
        assertThatThrownBy(() -> supports.call(() -> {
            ut.getStatus();
            return null;
        })).isExactlyInstanceOf(IllegalStateException.class).hasMessageContaining("@Transactional(SUPPORTS)");
        tm.rollback();
    }

    @Test
    void userTransactionInsideSupportsWithoutTransactionDemarcatesTransactions() throws Exception {
        int inside = supports.call(() -> {
            ut.begin();
            int status = ut.getStatus();
            ut.commit();
            return status;
        });
        assertThat(inside).isEqualTo(Status.STATUS_ACTIVE);
    }

    @Test
    void userTransactionInsideNotSupportedDemarcatesTransactions() throws Exception {
        int inside = notSupported.call(() -> {
            ut.begin();
            int status = ut.getStatus();
            ut.rollback();
            return status;
        });
        assertThat(inside).isEqualTo(Status.STATUS_ACTIVE);
    }

    @Test
    void userTransactionInsideNeverDemarcatesTransactions() throws Exception {
        int inside = never.call(() -> {
            ut.begin();
            int status = ut.getStatus();
            ut.commit();
            return status;
        });
        assertThat(inside).isEqualTo(Status.STATUS_ACTIVE);
    }

    @Test
    void notSupportedNestedInRequiredAllowsUserTransactionAndRequiredForbidsItAgainAfterwards() throws Exception {
        required.call(() -> {
            int nested = notSupported.call(ut::getStatus);
            assertThat(nested).isEqualTo(Status.STATUS_NO_TRANSACTION);
            assertThatThrownBy(ut::getStatus).isExactlyInstanceOf(IllegalStateException.class);
            return null;
        });
    }

    @Test
    void userTransactionIsAllowedAgainAfterTransactionalMethodReturns() throws Exception {
        required.call(() -> null);
        assertThat(ut.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    }

    @Test
    void transactionSynchronizationRegistryIsUsableInsideRequired() throws Exception {
        Object value = required.call(() -> {
            tsr.putResource("key", "value");
            assertThat(tsr.getTransactionStatus()).isEqualTo(Status.STATUS_ACTIVE);
            return tsr.getResource("key");
        });
        assertThat(value).isEqualTo("value");
    }

    @Test
    void transactionManagerIsUsableInsideRequired() throws Exception {
        int inside = required.call(tm::getStatus);
        assertThat(inside).isEqualTo(Status.STATUS_ACTIVE);
    }
}
