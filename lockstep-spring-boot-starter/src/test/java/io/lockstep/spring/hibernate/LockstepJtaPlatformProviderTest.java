package io.lockstep.spring.hibernate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hibernate.engine.transaction.jta.platform.spi.JtaPlatform;
import org.hibernate.engine.transaction.jta.platform.spi.JtaPlatformProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LockstepJtaPlatformProviderTest {

    @TempDir
    Path logs;

    private final LockstepJtaPlatformProvider provider = new LockstepJtaPlatformProvider();

    private LockstepTransactionManager start(String nodeId) {
        return Lockstep.builder().nodeId(nodeId).logDirectory(logs.resolve(nodeId)).build();
    }

    @Test
    void hibernateLoadsTheProvider() {
        assertThat(ServiceLoader.load(JtaPlatformProvider.class).stream().map(ServiceLoader.Provider::type))
                .contains(LockstepJtaPlatformProvider.class);
    }

    @Test
    void answersForExactlyOneRunningManager() {
        assertThat(Lockstep.running()).as("managers left running by an earlier test").isEmpty();
        assertThat(provider.getProvidedJtaPlatform()).isNull();
        try (LockstepTransactionManager a = start("hib-a")) {
            JtaPlatform platform = provider.getProvidedJtaPlatform();
            assertThat(platform).isInstanceOf(LockstepJtaPlatform.class);
            assertThat(platform.retrieveTransactionManager()).isSameAs(a);
            assertThat(platform.retrieveUserTransaction()).isSameAs(a);
            try (LockstepTransactionManager b = start("hib-b")) {
                assertThatThrownBy(provider::getProvidedJtaPlatform).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("hib-a, hib-b")
                        .hasMessageContaining("hibernate.transaction.jta.platform");
            }
            assertThat(provider.getProvidedJtaPlatform()).isNotNull();
        }
        assertThat(provider.getProvidedJtaPlatform()).isNull();
    }

    @Test
    void hibernateSynchronizationsAreInterposed() throws Exception {
        try (LockstepTransactionManager tm = start("hib-sync")) {
            LockstepJtaPlatform platform = new LockstepJtaPlatform(tm);
            assertThat(platform.canRegisterSynchronization()).isFalse();
            assertThat(platform.getCurrentStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);

            List<String> calls = new CopyOnWriteArrayList<>();
            tm.begin();
            assertThat(platform.canRegisterSynchronization()).isTrue();
            assertThat(platform.getCurrentStatus()).isEqualTo(Status.STATUS_ACTIVE);
            assertThat(platform.getTransactionIdentifier(tm.getTransaction())).isSameAs(tm.getTransaction());
            platform.registerSynchronization(recorder("hibernate", calls));
            tm.getTransaction().registerSynchronization(recorder("application", calls));
            tm.commit();

            assertThat(calls).containsExactly("application before", "hibernate before",
                    "hibernate after " + Status.STATUS_COMMITTED, "application after " + Status.STATUS_COMMITTED);
        }
    }

    private static Synchronization recorder(String who, List<String> calls) {
        return new Synchronization() {
            @Override
            public void beforeCompletion() {
                calls.add(who + " before");
            }

            @Override
            public void afterCompletion(int status) {
                calls.add(who + " after " + status);
            }
        };
    }
}
