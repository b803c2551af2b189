package io.lockstep.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.log.InMemoryLog;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.context.SessionScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.DeploymentException;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.interceptor.Interceptor;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.Transactional;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.jboss.weld.context.bound.BoundSessionContext;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.jboss.weld.junit5.WeldInitiator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The jar dropped into a CDI application: plain Weld SE with bean discovery, no test harness, so the extension comes
 * from {@code META-INF/services} and the configuration from {@code lockstep.properties} (test resources) and system
 * properties.
 */
class DropInTest {

    private static final String NODE_ID = "lockstep.nodeId";
    private static final String DEFAULT_TIMEOUT = "lockstep.defaultTimeout";

    @AfterEach
    void clearSystemProperties() {
        System.clearProperty(NODE_ID);
        System.clearProperty(DEFAULT_TIMEOUT);
    }

    private static WeldContainer discover() {
        return new Weld().initialize();
    }

    @Test
    void extensionFromServiceFileStartsManagerConfiguredByLockstepProperties() {
        try (WeldContainer container = discover()) {
            LockstepTransactionManager tm = container.select(LockstepTransactionManager.class).get();
            assertThat(tm.config().nodeId()).isEqualTo("cdi-dropin");
            assertThat(tm.config().logDirectory()).isEqualTo(Path.of("target/lockstep-cdi-log").toAbsolutePath());
            assertThat(tm.config().defaultTimeout()).hasSeconds(30);
        }
    }

    @Test
    void discoveredBeansAreIntercepted() throws Exception {
        try (WeldContainer container = discover()) {
            TransactionManager tm = container.select(TransactionManager.class).get();
            TxBeans.Required required = container.select(TxBeans.Required.class).get();
            assertThat(required.call(tm::getStatus)).isEqualTo(Status.STATUS_ACTIVE);
            assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
        }
    }

    @Test
    void systemPropertiesOverrideLockstepProperties() {
        System.setProperty(NODE_ID, "from-system");
        try (WeldContainer container = discover()) {
            assertThat(container.select(LockstepTransactionManager.class).get().config().nodeId())
                    .isEqualTo("from-system");
        }
    }

    @Test
    void managerIsClosedWhenContainerShutsDown() {
        LockstepTransactionManager tm;
        try (WeldContainer container = discover()) {
            tm = container.select(LockstepTransactionManager.class).get();
        }
        assertThatThrownBy(tm::begin).isExactlyInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
    }

    @Test
    void invalidConfigurationFailsDeploymentNamingKeyAndValue() {
        System.setProperty(DEFAULT_TIMEOUT, "0");
        assertThatThrownBy(DropInTest::discover).isInstanceOf(DeploymentException.class)
                .hasMessageContaining("lockstep.defaultTimeout")
                .hasMessageContaining("\"PT0S\"");
    }

    @Test
    void eachContainerHasItsOwnManager() throws Exception {
        try (WeldContainer dropIn = discover();
                WeldContainer other = TestContainers.weld().containerId("other").initialize()) {
            LockstepTransactionManager first = dropIn.select(LockstepTransactionManager.class).get();
            LockstepTransactionManager second = other.select(LockstepTransactionManager.class).get();
            assertThat(first).isNotSameAs(second);
            assertThat(second.config().nodeId()).isEqualTo("cdi-test");
            first.begin();
            assertThat(second.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
            first.rollback();
        }
    }

    /** A passivating bean may only use passivation-capable interceptors; Weld refuses the deployment otherwise. */
    @SessionScoped
    @Transactional
    static class Cart implements Serializable {
        private static final long serialVersionUID = 1L;

        public int status(TransactionManager tm) throws Exception {
            return tm.getStatus();
        }
    }

    @Test
    void passivatingBeanMayBeTransactional() throws Exception {
        try (WeldContainer container = TestContainers.weld(Cart.class).initialize()) {
            BoundSessionContext session = container.select(BoundSessionContext.class).get();
            Map<String, Object> storage = new HashMap<>();
            session.associate(storage);
            session.activate();
            try {
                TransactionManager tm = container.select(TransactionManager.class).get();
                assertThat(container.select(Cart.class).get().status(tm)).isEqualTo(Status.STATUS_ACTIVE);
            } finally {
                session.invalidate();
                session.deactivate();
                session.dissociate(storage);
            }
        }
    }

    /** Fails the deployment after Lockstep has started, as a later extension or validation might. */
    public static class FailingLate implements Extension {
        void fail(@Observes @Priority(Interceptor.Priority.PLATFORM_AFTER) AfterDeploymentValidation event) {
            event.addDeploymentProblem(new IllegalStateException("a later deployment problem"));
        }
    }

    @Test
    void managerIsClosedWhenALaterDeploymentProblemAbortsTheContainer() {
        LockstepExtension extension = new LockstepExtension(b -> b.nodeId("cdi-aborted")
                .transactionLog(new InMemoryLog()));
        assertThatThrownBy(() -> WeldInitiator.createWeld().addExtension(extension).addExtension(new FailingLate())
                .initialize()).isInstanceOf(DeploymentException.class).hasMessageContaining("a later deployment problem");
        assertThatThrownBy(extension::transactionManager).isExactlyInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not running");
    }

    /** Application startup code: runs a transaction as soon as the application context is initialized. */
    @ApplicationScoped
    static class StartupWork {
        static volatile int statusSeenAtStartup = -1;

        void onStart(@Observes @Initialized(ApplicationScoped.class) Object event, TxBeans.Required required,
                TransactionManager tm) throws Exception {
            statusSeenAtStartup = required.call(tm::getStatus);
        }
    }

    @Test
    void applicationStartupObserversFindTheManagerRunning() {
        StartupWork.statusSeenAtStartup = -1;
        try (WeldContainer container = TestContainers.weld(StartupWork.class, TxBeans.Required.class).initialize()) {
            assertThat(StartupWork.statusSeenAtStartup).isEqualTo(Status.STATUS_ACTIVE);
        }
    }
}
