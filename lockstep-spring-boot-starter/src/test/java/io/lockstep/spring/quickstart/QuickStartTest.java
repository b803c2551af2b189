package io.lockstep.spring.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.spring.boot.TestServers;
import io.lockstep.spring.hibernate.LockstepJtaPlatform;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import jakarta.persistence.EntityManagerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.util.UUID;
import javax.sql.DataSource;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.transaction.jta.platform.spi.JtaPlatform;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.jta.JtaTransactionManager;

/**
 * The quick start end to end on the real PostgreSQL: {@code spring.datasource.*} becomes an XA data source, and
 * Boot's own JPA and Spring Data configuration run on Lockstep (the entity manager factory Boot builds, not one the
 * application wires).
 */
@SpringBootTest(classes = QuickStartApplication.class, properties = "spring.jpa.hibernate.ddl-auto=none")
@DirtiesContext
class QuickStartTest {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        TestServers.preparePostgres();
        String log = Files.createTempDirectory("lockstep-spring-quickstart").toString();
        registry.add("lockstep.node-id", () -> "spring-qs-" + Long.toString(ProcessHandle.current().pid(), 36));
        registry.add("lockstep.log-directory", () -> log);
        registry.add("spring.datasource.url", () -> TestServers.PG_URL);
        registry.add("spring.datasource.username", () -> TestServers.PG_USER);
        registry.add("spring.datasource.password", () -> TestServers.PG_PASSWORD);
    }

    @Autowired
    QuickOrderService service;

    @Autowired
    DataSource dataSource;

    @Autowired
    EntityManagerFactory entityManagerFactory;

    @Autowired
    PlatformTransactionManager transactionManager;

    @Autowired
    LockstepTransactionManager tm;

    @Test
    void bootsOwnJpaRunsOnLockstep() {
        assertThat(dataSource).isInstanceOf(LockstepDataSource.class);
        assertThat(transactionManager).isInstanceOf(JtaTransactionManager.class);
        assertThat(((JtaTransactionManager) transactionManager).getTransactionManager()).isSameAs(tm);
        JtaPlatform platform = entityManagerFactory.unwrap(SessionFactoryImplementor.class).getServiceRegistry()
                .getService(JtaPlatform.class);
        assertThat(platform).isInstanceOf(LockstepJtaPlatform.class);
        assertThat(((LockstepJtaPlatform) platform).transactionManager()).isSameAs(tm);
    }

    @Test
    void repositoryWritesCommitAndRollBackWithTheLockstepTransaction() {
        String kept = "qs-" + UUID.randomUUID();
        String dropped = "qs-" + UUID.randomUUID();
        long begun = tm.admin().counters().begun();

        service.place(kept);
        assertThatThrownBy(() -> service.placeThenFail(dropped)).isInstanceOf(IllegalStateException.class);

        assertThat(TestServers.countPostgres("spring_order", kept)).isEqualTo(1);
        assertThat(TestServers.countPostgres("spring_order", dropped)).isZero();
        assertThat(tm.admin().counters().begun()).isEqualTo(begun + 2);
    }
}
