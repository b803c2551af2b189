package io.lockstep.spring.it.twodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.spring.hibernate.LockstepJtaPlatform;
import io.lockstep.spring.it.Servers;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.admin.TransactionView;
import io.lockstep.xa.jdbc.LockstepDataSource;
import jakarta.persistence.EntityManagerFactory;
import java.util.List;
import java.util.UUID;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.transaction.jta.platform.spi.JtaPlatform;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.UnexpectedRollbackException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One {@code @Transactional} method writes an entity to PostgreSQL and one to MariaDB through two persistence
 * units over the starter's XA data sources; Lockstep commits or rolls back both. Real servers.
 */
@SpringBootTest(classes = TwoDatabasesApplication.class, properties = "lockstep.node-id=spring-twodb")
@DirtiesContext
class TwoDatabasesTest {

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        Servers.postgres(registry, "lockstep.datasources.pg");
        Servers.mariadb(registry, "lockstep.datasources.maria");
        Servers.pgDdl("CREATE TABLE IF NOT EXISTS spring_orders (id VARCHAR(36) PRIMARY KEY,"
                + " item VARCHAR(255) NOT NULL, quantity INT NOT NULL)");
        Servers.mariadbDdl("CREATE TABLE IF NOT EXISTS spring_stock (id VARCHAR(36) PRIMARY KEY,"
                + " item VARCHAR(255) NOT NULL, delta INT NOT NULL) ENGINE=InnoDB");
        registry.add("lockstep.datasources.pg.max-size", () -> "5");
        Servers.logDirectory(registry);
    }

    @Autowired
    OrderService orders;

    @Autowired
    TransactionTemplate template;

    @Autowired
    LockstepTransactionManager tm;

    @Autowired
    @Qualifier("pg")
    LockstepDataSource pgDataSource;

    @Autowired
    @Qualifier("maria")
    LockstepDataSource mariaDataSource;

    @Autowired
    @Qualifier("pgUnit")
    EntityManagerFactory pgUnit;

    @Autowired
    @Qualifier("mariaUnit")
    EntityManagerFactory mariaUnit;

    private static String item() {
        return "it-" + UUID.randomUUID();
    }

    @Test
    void dataSourcesAreNamedByTheirKeys() {
        assertThat(pgDataSource.name()).isEqualTo("pg");
        assertThat(pgDataSource.isLastResource()).isFalse();
        assertThat(pgDataSource.stats().max()).isEqualTo(5);
        assertThat(mariaDataSource.name()).isEqualTo("maria");
        assertThat(tm.admin().recoverySources()).contains("pg", "maria");
    }

    @Test
    void hibernateFindsLockstepWithoutConfiguration() {
        for (EntityManagerFactory unit : List.of(pgUnit, mariaUnit)) {
            JtaPlatform platform = unit.unwrap(SessionFactoryImplementor.class).getServiceRegistry()
                    .getService(JtaPlatform.class);
            assertThat(platform).isInstanceOf(LockstepJtaPlatform.class);
            assertThat(((LockstepJtaPlatform) platform).transactionManager()).isSameAs(tm);
        }
    }

    @Test
    void successCommitsBothWithTwoPhaseCommit() {
        String item = item();
        long records = tm.admin().counters().commitRecords();

        orders.place(item);

        assertThat(Servers.pgCount("spring_orders", item)).isEqualTo(1);
        assertThat(Servers.mariadbCount("spring_stock", item)).isEqualTo(1);
        assertThat(tm.admin().counters().commitRecords()).isEqualTo(records + 1);
    }

    @Test
    void exceptionRollsBackBoth() {
        String item = item();

        assertThatThrownBy(() -> orders.placeThenFail(item)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("payment declined");

        assertThat(Servers.pgCount("spring_orders", item)).isZero();
        assertThat(Servers.mariadbCount("spring_stock", item)).isZero();
    }

    @Test
    void requiresNewCommitSurvivesOuterRollback() {
        String item = item();
        String audit = item();

        assertThatThrownBy(() -> orders.placeWithAuditThenFail(item, audit))
                .isInstanceOf(IllegalStateException.class);

        assertThat(Servers.pgCount("spring_orders", item)).isZero();
        assertThat(Servers.mariadbCount("spring_stock", item)).isZero();
        assertThat(Servers.pgCount("spring_orders", audit)).isEqualTo(1);
        assertThat(Servers.mariadbCount("spring_stock", audit)).isEqualTo(1);
    }

    @Test
    void transactionTemplateCommitsBothBranches() {
        String item = item();

        List<String> branches = template.execute(status -> {
            orders.persistBoth(item);
            Object key = tm.getTransactionKey();
            return tm.admin().live().stream().filter(v -> v.gtrid().equals(key)).findFirst()
                    .map(TransactionView::branches).orElseThrow();
        });

        assertThat(branches).containsExactlyInAnyOrder("pg", "maria");
        assertThat(Servers.pgCount("spring_orders", item)).isEqualTo(1);
        assertThat(Servers.mariadbCount("spring_stock", item)).isEqualTo(1);
    }

    @Test
    void transactionTemplateRollbackOnlyRollsBackBoth() {
        String item = item();

        template.executeWithoutResult(status -> {
            orders.persistBoth(item);
            status.setRollbackOnly();
        });

        assertThat(Servers.pgCount("spring_orders", item)).isZero();
        assertThat(Servers.mariadbCount("spring_stock", item)).isZero();
    }

    @Test
    void transactionalTimeoutBecomesLockstepTimeout() {
        String item = item();
        long timedOut = tm.admin().counters().timedOut();

        assertThatThrownBy(() -> orders.placeAndOverrun(item)).isInstanceOf(UnexpectedRollbackException.class);

        assertThat(tm.admin().counters().timedOut()).isEqualTo(timedOut + 1);
        assertThat(Servers.pgCount("spring_orders", item)).isZero();
        assertThat(Servers.mariadbCount("spring_stock", item)).isZero();
        // the thread's timeout is reset: the next transaction has the default again
        String next = item();
        orders.place(next);
        assertThat(Servers.pgCount("spring_orders", next)).isEqualTo(1);
    }
}
