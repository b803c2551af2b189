package io.lockstep.spring.boot;

import static io.lockstep.spring.boot.TestServers.countMariaDb;
import static io.lockstep.spring.boot.TestServers.countPostgres;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.spring.boot.app.SpringOrder;
import io.lockstep.spring.boot.app.SpringPayment;
import io.lockstep.spring.boot.app.TransferService;
import io.lockstep.spring.boot.app.TwoDatabasesApplication;
import io.lockstep.spring.hibernate.LockstepJtaPlatform;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.PersistenceException;
import jakarta.persistence.PersistenceUnit;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.transaction.jta.platform.spi.JtaPlatform;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.jta.JtaTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One Spring {@code @Transactional} method saving a JPA entity in PostgreSQL and one in MariaDB, through the
 * starter's auto-configured Lockstep manager, JtaTransactionManager and XA data sources, on the real servers.
 */
@SpringBootTest(classes = TwoDatabasesApplication.class, properties = "spring.data.jpa.repositories.enabled=false")
class TwoDatabasesTransactionTest {

    @DynamicPropertySource
    static void lockstep(DynamicPropertyRegistry registry) throws IOException {
        TestServers.preparePostgres();
        TestServers.prepareMariaDb();
        String log = Files.createTempDirectory("lockstep-spring-log").toString();
        registry.add("lockstep.node-id", () -> "spring2-boot-" + Long.toString(ProcessHandle.current().pid(), 36));
        registry.add("lockstep.log-directory", () -> log);
        registry.add("lockstep.default-timeout", () -> "30s");
        registry.add("lockstep.datasources.orders.url", () -> TestServers.PG_URL);
        registry.add("lockstep.datasources.orders.username", () -> TestServers.PG_USER);
        registry.add("lockstep.datasources.orders.password", () -> TestServers.PG_PASSWORD);
        registry.add("lockstep.datasources.orders.max-size", () -> "5");
        registry.add("lockstep.datasources.orders.primary", () -> "true");
        registry.add("lockstep.datasources.payments.url", () -> TestServers.MARIADB_URL);
        registry.add("lockstep.datasources.payments.username", () -> TestServers.MARIADB_USER);
        registry.add("lockstep.datasources.payments.password", () -> TestServers.MARIADB_PASSWORD);
        registry.add("lockstep.datasources.payments.max-size", () -> "5");
    }

    @Autowired
    TransferService service;

    @Autowired
    LockstepTransactionManager tm;

    @Autowired
    PlatformTransactionManager transactionManager;

    @Autowired
    TransactionTemplate transactionTemplate;

    @Autowired
    LockstepDataSource orders;

    @Autowired
    @Qualifier("payments")
    LockstepDataSource payments;

    @PersistenceUnit(unitName = "orders")
    EntityManagerFactory ordersUnit;

    @PersistenceContext(unitName = "orders")
    EntityManager ordersEm;

    @PersistenceContext(unitName = "payments")
    EntityManager paymentsEm;

    private static String newId(String what) {
        return what + "-" + UUID.randomUUID();
    }

    @Test
    void autoConfiguredBeansAreWiredToTheOneManager() {
        assertThat(transactionManager).isInstanceOf(JtaTransactionManager.class);
        JtaTransactionManager jta = (JtaTransactionManager) transactionManager;
        assertThat(jta.getTransactionManager()).isSameAs(tm);
        assertThat(jta.getUserTransaction()).isSameAs(tm);
        assertThat(jta.getTransactionSynchronizationRegistry()).isSameAs(tm);
        assertThat(orders.name()).isEqualTo("orders");
        assertThat(payments.name()).isEqualTo("payments");
        assertThat(orders.isLastResource()).isFalse();
        assertThat(tm.config().nodeId()).startsWith("spring2-boot-");
        assertThat(tm.config().defaultTimeout()).isEqualTo(Duration.ofSeconds(30));
        JtaPlatform platform = ordersUnit.unwrap(SessionFactoryImplementor.class).getServiceRegistry()
                .requireService(JtaPlatform.class);
        assertThat(platform).isInstanceOf(LockstepJtaPlatform.class);
        assertThat(((LockstepJtaPlatform) platform).transactionManager()).isSameAs(tm);
    }

    @Test
    void successCommitsBothDatabases() {
        String id = newId("ok");
        service.saveBoth(id, false);
        assertThat(countPostgres("spring_order", id)).isEqualTo(1);
        assertThat(countMariaDb("spring_payment", id)).isEqualTo(1);
    }

    @Test
    void exceptionRollsBackBothDatabases() {
        String id = newId("fail");
        assertThatThrownBy(() -> service.saveBoth(id, true))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("requested failure");
        assertThat(countPostgres("spring_order", id)).isZero();
        assertThat(countMariaDb("spring_payment", id)).isZero();
    }

    @Test
    void requiresNewCommitSurvivesOuterRollback() {
        String outer = newId("outer");
        String inner = newId("inner");
        assertThatThrownBy(() -> service.saveInnerThenFail(outer, inner)).isInstanceOf(IllegalStateException.class);
        assertThat(countPostgres("spring_order", inner)).isEqualTo(1);
        assertThat(countMariaDb("spring_payment", inner)).isEqualTo(1);
        assertThat(countPostgres("spring_order", outer)).isZero();
        assertThat(countMariaDb("spring_payment", outer)).isZero();
    }

    @Test
    void transactionTemplateCommitsAndRollsBack() {
        String committed = newId("template");
        transactionTemplate.executeWithoutResult(status -> {
            ordersEm.persist(new SpringOrder(committed, "pen"));
            paymentsEm.persist(new SpringPayment(committed, 3));
        });
        assertThat(countPostgres("spring_order", committed)).isEqualTo(1);
        assertThat(countMariaDb("spring_payment", committed)).isEqualTo(1);

        String rolledBack = newId("template-rb");
        transactionTemplate.executeWithoutResult(status -> {
            ordersEm.persist(new SpringOrder(rolledBack, "pen"));
            paymentsEm.persist(new SpringPayment(rolledBack, 3));
            ordersEm.flush();
            paymentsEm.flush();
            status.setRollbackOnly();
        });
        assertThat(countPostgres("spring_order", rolledBack)).isZero();
        assertThat(countMariaDb("spring_payment", rolledBack)).isZero();
    }

    @Test
    void statementOutlastingTheTimeoutRollsBackBoth() throws Exception {
        // at the deadline Lockstep rolls the branches back, cancelling the running statement: the method fails
        // after about one second, not after the five the statement would take
        String slow = newId("slow");
        long start = System.nanoTime();
        assertThatThrownBy(() -> service.saveBothSlowly(slow, 5))
                .isInstanceOfAny(TransactionException.class, PersistenceException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        assertThat(countPostgres("spring_order", slow)).isZero();
        assertThat(countMariaDb("spring_payment", slow)).isZero();

        // really rolled back, not left open: the same keys can be written again at once (an open branch would
        // hold their locks)
        service.saveBoth(slow, false);
        assertThat(countPostgres("spring_order", slow)).isEqualTo(1);
        assertThat(countMariaDb("spring_payment", slow)).isEqualTo(1);

        // and the pools stay healthy: after the reaper's rollback every pooled connection (max-size 5) takes new
        // transactions, from this thread and from five others at once
        for (int i = 0; i < 6; i++) {
            service.saveBoth(newId("after-timeout"), false);
        }
        ExecutorService threads = Executors.newFixedThreadPool(5);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < 15; i++) {
                runs.add(threads.submit(() -> service.saveBoth(newId("after-timeout-mt"), false)));
            }
            for (Future<?> run : runs) {
                run.get(30, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(orders.stats().active()).isZero();
        assertThat(payments.stats().active()).isZero();
    }
}
