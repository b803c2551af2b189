package io.lockstep.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration;
import org.springframework.boot.autoconfigure.transaction.TransactionManagerCustomizationAutoConfiguration;
import org.springframework.boot.autoconfigure.transaction.jta.JtaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.jta.JtaTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Bean wiring, property mapping, back-off and shutdown of the auto-configuration (H2 for data sources). */
class LockstepAutoConfigurationTest {

    @TempDir
    Path logs;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(LockstepAutoConfiguration.class,
                        TransactionManagerCustomizationAutoConfiguration.class, TransactionAutoConfiguration.class,
                        JtaAutoConfiguration.class, DataSourceAutoConfiguration.class))
                .withPropertyValues("lockstep.node-id=unit-1", "lockstep.log-directory=" + logs);
    }

    @Test
    void propertiesReachTheBuilder() {
        runner().withPropertyValues("lockstep.default-timeout=7", "lockstep.recovery-interval=2m",
                "lockstep.orphan-safety-interval=PT45S", "lockstep.recovery-nodes=old-1,old-2",
                "lockstep.recovery-parallelism=2", "lockstep.log.segment-size=1MB").run(ctx -> {
                    var config = ctx.getBean(LockstepTransactionManager.class).config();
                    assertThat(config.nodeId()).isEqualTo("unit-1");
                    assertThat(config.logDirectory()).isEqualTo(logs.toAbsolutePath());
                    assertThat(config.defaultTimeout()).isEqualTo(Duration.ofSeconds(7));
                    assertThat(config.recoveryInterval()).isEqualTo(Duration.ofMinutes(2));
                    assertThat(config.orphanSafetyInterval()).isEqualTo(Duration.ofSeconds(45));
                    assertThat(config.recoveryNodes()).containsExactlyInAnyOrder("unit-1", "old-1", "old-2");
                    assertThat(config.recoveryParallelism()).isEqualTo(2);
                    assertThat(config.logSegmentSize()).isEqualTo(1024 * 1024);
                });
    }

    @Test
    void springJtaTransactionManagerIsWiredWithLockstep() {
        runner().withPropertyValues("spring.transaction.default-timeout=9").run(ctx -> {
            LockstepTransactionManager tm = ctx.getBean(LockstepTransactionManager.class);
            JtaTransactionManager jta = ctx.getBean(JtaTransactionManager.class);
            assertThat(jta.getUserTransaction()).isSameAs(tm);
            assertThat(jta.getTransactionManager()).isSameAs(tm);
            assertThat(jta.getTransactionSynchronizationRegistry()).isSameAs(tm);
            assertThat(jta.getDefaultTimeout()).isEqualTo(9);
            assertThat(ctx.getBean(jakarta.transaction.TransactionManager.class)).isSameAs(tm);
            assertThat(ctx.getBean(jakarta.transaction.UserTransaction.class)).isSameAs(tm);
            assertThat(ctx.getBean(jakarta.transaction.TransactionSynchronizationRegistry.class)).isSameAs(tm);
            assertThat(ctx.getBean(TransactionTemplate.class).getTransactionManager()).isSameAs(jta);
        });
    }

    @Test
    void transactionTemplateRunsALockstepTransaction() {
        runner().run(ctx -> {
            LockstepTransactionManager tm = ctx.getBean(LockstepTransactionManager.class);
            long begun = tm.admin().counters().begun();
            Object key = ctx.getBean(TransactionTemplate.class).execute(status -> tm.getTransactionKey());
            assertThat(key).isNotNull();
            assertThat(tm.admin().counters().begun()).isEqualTo(begun + 1);
            assertThat(tm.admin().counters().committed()).isEqualTo(1);
        });
    }

    @Test
    void recoveryRunsAgainOnceTheDataSourcesAreRegistered() {
        runner().withPropertyValues("lockstep.recovery-interval=1h", "spring.datasource.url=jdbc:h2:mem:spring_rec")
                .run(ctx -> {
                    LockstepTransactionManager tm = ctx.getBean(LockstepTransactionManager.class);
                    assertThat(tm.admin().counters().recoveryPasses()).isEqualTo(2);
                    assertThat(tm.admin().recoverySources()).hasSize(1);
                });
    }

    @Test
    void closingTheContextClosesManagerAndDataSources() {
        AtomicReference<LockstepTransactionManager> tm = new AtomicReference<>();
        AtomicReference<LockstepDataSource> ds = new AtomicReference<>();
        runner().withPropertyValues("spring.datasource.url=jdbc:h2:mem:spring_close").run(ctx -> {
            tm.set(ctx.getBean(LockstepTransactionManager.class));
            ds.set(ctx.getBean(LockstepDataSource.class));
            assertThat(Lockstep.running()).contains(tm.get());
        });
        assertThat(Lockstep.running()).doesNotContain(tm.get());
        assertThatThrownBy(() -> ds.get().getConnection()).isInstanceOf(SQLException.class)
                .hasMessageContaining("closed");
        // the log directory lock is released: a new context on the same directory starts
        runner().run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(LockstepTransactionManager.class));
    }

    @Test
    void userManagerWins() {
        runner().withUserConfiguration(OwnManager.class).run(ctx -> {
            assertThat(ctx).hasSingleBean(LockstepTransactionManager.class);
            LockstepTransactionManager tm = ctx.getBean(LockstepTransactionManager.class);
            assertThat(tm.config().nodeId()).isEqualTo("mine");
            assertThat(ctx.getBean(JtaTransactionManager.class).getTransactionManager()).isSameAs(tm);
        });
    }

    @Test
    void userTransactionManagerWins() {
        runner().withUserConfiguration(OwnTransactionManager.class).run(ctx -> {
            assertThat(ctx).hasSingleBean(PlatformTransactionManager.class);
            assertThat(ctx.getBean(PlatformTransactionManager.class)).isSameAs(ctx.getBean("myTransactionManager"));
            assertThat(ctx).hasSingleBean(LockstepTransactionManager.class);
        });
    }

    @Test
    void lockstepDatasourcesBecomeOneBeanEach() {
        runner().withPropertyValues("lockstep.datasources.orders.url=jdbc:h2:mem:spring_orders",
                "lockstep.datasources.orders.max-size=3", "lockstep.datasources.orders.primary=true",
                "lockstep.datasources.stock.url=jdbc:h2:mem:spring_stock",
                "spring.datasource.url=jdbc:h2:mem:spring_ignored").run(ctx -> {
                    assertThat(ctx.getBeansOfType(DataSource.class)).containsOnlyKeys("orders", "stock");
                    LockstepDataSource orders = ctx.getBean("orders", LockstepDataSource.class);
                    assertThat(orders.name()).isEqualTo("orders");
                    assertThat(orders.stats().max()).isEqualTo(3);
                    assertThat(ctx.getBean(DataSource.class)).isSameAs(orders);
                    assertThat(ctx.getBean(LockstepTransactionManager.class).admin().recoverySources())
                            .contains("orders", "stock");
                });
    }

    @Test
    void springDatasourceBecomesOneXaDataSource() {
        runner().withPropertyValues("spring.datasource.url=jdbc:h2:mem:spring_single",
                "spring.datasource.username=sa").run(ctx -> {
                    assertThat(ctx).hasSingleBean(DataSource.class);
                    assertThat(ctx.getBean("dataSource")).isInstanceOf(LockstepDataSource.class);
                    assertThat(ctx.getBean(LockstepDataSource.class).name()).isEqualTo("h2-mem-spring_single");
                });
    }

    @Test
    void userDataSourcesWin() {
        runner().withUserConfiguration(OwnDataSource.class)
                .withPropertyValues("spring.datasource.url=jdbc:h2:mem:spring_user").run(ctx -> {
                    assertThat(ctx).hasSingleBean(DataSource.class).doesNotHaveBean(LockstepDataSource.class);
                });
        runner().withUserConfiguration(OwnDataSource.class)
                .withPropertyValues("lockstep.datasources.myDataSource.url=jdbc:h2:mem:spring_a",
                        "lockstep.datasources.other.url=jdbc:h2:mem:spring_b").run(ctx -> {
                    assertThat(ctx.getBean("myDataSource")).isInstanceOf(JdbcDataSource.class);
                    assertThat(ctx.getBean("other")).isInstanceOf(LockstepDataSource.class);
                });
    }

    @Test
    void badPropertyStopsTheApplicationNamingIt() {
        runner().withPropertyValues("lockstep.node-id=node 1").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).rootCause().isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("lockstep.nodeId \"node 1\"").hasMessageContaining("[A-Za-z0-9._-]");
        });
        runner().withPropertyValues("lockstep.datasources.orders.username=sa").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("lockstep.datasources.orders.url is required");
        });
    }

    @Test
    void disabledMeansNoBeans() {
        runner().withPropertyValues("lockstep.enabled=false").run(ctx -> {
            assertThat(ctx).doesNotHaveBean(LockstepTransactionManager.class)
                    .doesNotHaveBean(JtaTransactionManager.class);
        });
    }

    @Test
    void configurationMetadataIsGenerated() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("META-INF/spring-configuration-metadata.json").isNotNull();
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(json).contains("\"lockstep.node-id\"", "\"lockstep.log-directory\"",
                    "\"lockstep.default-timeout\"", "\"lockstep.datasources\"", "\"lockstep.log.segment-size\"");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnManager {
        @Bean
        LockstepTransactionManager myLockstep(org.springframework.core.env.Environment env) {
            return Lockstep.builder().nodeId("mine").logDirectory(Path.of(env.getProperty("lockstep.log-directory")))
                    .build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnTransactionManager {
        @Bean
        PlatformTransactionManager myTransactionManager(LockstepTransactionManager tm) {
            return new JtaTransactionManager(tm, tm);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnDataSource {
        @Bean
        DataSource myDataSource() {
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:mem:spring_own");
            return h2;
        }
    }
}
