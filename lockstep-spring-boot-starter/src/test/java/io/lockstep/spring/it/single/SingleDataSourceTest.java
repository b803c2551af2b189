package io.lockstep.spring.it.single;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.spring.hibernate.LockstepJtaPlatform;
import io.lockstep.spring.it.Servers;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import jakarta.persistence.EntityManagerFactory;
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

/** The quick start against the real PostgreSQL: spring.datasource.* becomes an XA data source, Boot's JPA uses it. */
@SpringBootTest(classes = SingleDataSourceApplication.class, properties = {
        "lockstep.node-id=spring-single", "spring.datasource.name=notes", "spring.jpa.hibernate.ddl-auto=none"})
@DirtiesContext
class SingleDataSourceTest {

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        Servers.postgres(registry, "spring.datasource");
        Servers.pgDdl("CREATE TABLE IF NOT EXISTS spring_notes (id VARCHAR(36) PRIMARY KEY, item VARCHAR(255) NOT NULL)");
        Servers.logDirectory(registry);
    }

    @Autowired
    NoteService notes;

    @Autowired
    DataSource dataSource;

    @Autowired
    EntityManagerFactory entityManagerFactory;

    @Autowired
    PlatformTransactionManager transactionManager;

    @Autowired
    LockstepTransactionManager tm;

    @Test
    void springDatasourceBecomesAnXaDataSource() {
        assertThat(dataSource).isInstanceOf(LockstepDataSource.class);
        assertThat(((LockstepDataSource) dataSource).name()).isEqualTo("notes");
        assertThat(((LockstepDataSource) dataSource).isLastResource()).isFalse();
        assertThat(tm.admin().recoverySources()).contains("notes");
    }

    @Test
    void bootsJpaRunsOnLockstep() {
        assertThat(transactionManager).isInstanceOf(JtaTransactionManager.class);
        assertThat(((JtaTransactionManager) transactionManager).getTransactionManager()).isSameAs(tm);
        JtaPlatform platform = entityManagerFactory.unwrap(SessionFactoryImplementor.class).getServiceRegistry()
                .getService(JtaPlatform.class);
        assertThat(platform).isInstanceOf(LockstepJtaPlatform.class);
    }

    @Test
    void transactionalCommitsAndRollsBack() {
        String kept = "single-" + UUID.randomUUID();
        String dropped = "single-" + UUID.randomUUID();

        notes.add(kept);
        assertThatThrownBy(() -> notes.addThenFail(dropped)).isInstanceOf(IllegalStateException.class);

        assertThat(Servers.pgCount("spring_notes", kept)).isEqualTo(1);
        assertThat(Servers.pgCount("spring_notes", dropped)).isZero();
    }
}
