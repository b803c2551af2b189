package io.lockstep.spring.hibernate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.spring.boot.TestServers;
import io.lockstep.spring.boot.app.SpringOrder;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import java.nio.file.Path;
import java.util.UUID;
import org.hibernate.SessionFactory;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.cfg.Configuration;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.transaction.jta.platform.spi.JtaPlatform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plain Hibernate (no Spring) finds Lockstep through the JtaPlatformProvider once the application registered it. */
class LockstepJtaPlatformProviderTest {
    private static final String NODE = "spring2-hb-" + Long.toString(ProcessHandle.current().pid(), 36);

    @TempDir
    Path log;

    @Test
    void offersNothingUntilAManagerIsRegistered() throws Exception {
        LockstepJtaPlatformProvider provider = new LockstepJtaPlatformProvider();
        assertThat(provider.getProvidedJtaPlatform()).isNull();
        try (LockstepTransactionManager tm = Lockstep.builder().nodeId(NODE).logDirectory(log.resolve("a")).build();
                LockstepTransactionManager other = Lockstep.builder().nodeId(NODE + "-2")
                        .logDirectory(log.resolve("b")).build()) {
            try (var registration = LockstepJtaPlatformProvider.register(tm)) {
                JtaPlatform platform = provider.getProvidedJtaPlatform();
                assertThat(platform).isInstanceOf(LockstepJtaPlatform.class);
                assertThat(((LockstepJtaPlatform) platform).transactionManager()).isSameAs(tm);
                assertThatThrownBy(() -> LockstepJtaPlatformProvider.register(other))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("another Lockstep manager is registered");
            }
            assertThat(provider.getProvidedJtaPlatform()).isNull();
        }
    }

    @Test
    void hibernateWithoutPlatformSettingRunsInLockstepTransactions() throws Exception {
        TestServers.preparePostgres();
        try (LockstepTransactionManager tm = Lockstep.builder().nodeId(NODE).logDirectory(log).build();
                LockstepDataSource ds = LockstepDataSources.forUrl(tm, TestServers.PG_URL, TestServers.PG_USER,
                        TestServers.PG_PASSWORD).name("plain-orders").maxSize(2).build();
                var registration = LockstepJtaPlatformProvider.register(tm)) {
            Configuration configuration = new Configuration().addAnnotatedClass(SpringOrder.class);
            configuration.getProperties().put(AvailableSettings.DATASOURCE, ds);
            configuration.setProperty(AvailableSettings.TRANSACTION_COORDINATOR_STRATEGY, "jta");
            configuration.setProperty(AvailableSettings.CURRENT_SESSION_CONTEXT_CLASS, "jta");
            configuration.setProperty(AvailableSettings.HBM2DDL_AUTO, "none");
            try (SessionFactory sf = configuration.buildSessionFactory()) {
                JtaPlatform platform = sf.unwrap(SessionFactoryImplementor.class).getServiceRegistry()
                        .requireService(JtaPlatform.class);
                assertThat(platform).isInstanceOf(LockstepJtaPlatform.class);

                String committed = "plain-" + UUID.randomUUID();
                tm.begin();
                sf.getCurrentSession().persist(new SpringOrder(committed, "lamp"));
                tm.commit();
                assertThat(TestServers.countPostgres("spring_order", committed)).isEqualTo(1);

                String rolledBack = "plain-rb-" + UUID.randomUUID();
                tm.begin();
                sf.getCurrentSession().persist(new SpringOrder(rolledBack, "lamp"));
                sf.getCurrentSession().flush();
                tm.rollback();
                assertThat(TestServers.countPostgres("spring_order", rolledBack)).isZero();
            }
        }
    }
}
