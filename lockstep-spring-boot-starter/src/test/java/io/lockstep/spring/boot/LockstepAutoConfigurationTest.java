package io.lockstep.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lockstep.spring.hibernate.LockstepJtaPlatform;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepConfig;
import io.lockstep.tm.LogType;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.orm.jpa.HibernatePropertiesCustomizer;
import org.springframework.boot.autoconfigure.transaction.TransactionManagerCustomizationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.jta.JtaTransactionManager;

/** What the auto-configuration creates, how properties map, and when it backs off. */
class LockstepAutoConfigurationTest {
    private static final String NODE = "spring2-ac-" + Long.toString(ProcessHandle.current().pid(), 36);

    @TempDir
    Path log;

    @BeforeAll
    static void servers() {
        TestServers.preparePostgres();
    }

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(LockstepAutoConfiguration.class))
                .withPropertyValues("lockstep.node-id=" + NODE, "lockstep.log-directory=" + log);
    }

    @Test
    void propertiesMapOntoTheBuilder() {
        runner().withPropertyValues("lockstep.default-timeout=7", "lockstep.recovery-interval=45s",
                        "lockstep.orphan-safety-interval=PT25S", "lockstep.recovery-parallelism=2",
                        "lockstep.management.port=0")
                .run(context -> {
                    LockstepTransactionManager tm = context.getBean(LockstepTransactionManager.class);
                    assertThat(tm.config().nodeId()).isEqualTo(NODE);
                    assertThat(tm.config().logDirectory()).isEqualTo(log);
                    assertThat(tm.config().defaultTimeout()).isEqualTo(Duration.ofSeconds(7));
                    assertThat(tm.config().recoveryInterval()).isEqualTo(Duration.ofSeconds(45));
                    assertThat(tm.config().orphanSafetyInterval()).isEqualTo(Duration.ofSeconds(25));
                    assertThat(tm.config().recoveryParallelism()).isEqualTo(2);
                    assertThat(tm.managementAddress()).isNotNull();
                    assertThat(tm.managementAddress().getPort()).isPositive();
                });
    }

    @Test
    void logRecoveryNodesAndManagementPropertiesMapOntoTheBuilder() {
        runner().withPropertyValues("lockstep.recovery-nodes=old-1,old-2", "lockstep.log.segment-size=1MB",
                        "lockstep.log.ignore-corruption=true", "lockstep.management.port=0",
                        "lockstep.management.host=127.0.0.1", "lockstep.management.token=0123456789abcdef",
                        "lockstep.cluster.lease-timeout=5s", "lockstep.cluster.takeover=false",
                        "lockstep.cluster.max-clock-skew=3s")
                .run(context -> {
                    LockstepConfig config = context.getBean(LockstepTransactionManager.class).config();
                    assertThat(config.clusterLeaseTimeout()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(config.clusterTakeover()).isFalse();
                    assertThat(config.clusterMaxClockSkew()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(config.recoveryNodes()).containsExactlyInAnyOrder(NODE, "old-1", "old-2");
                    assertThat(config.logSegmentSize()).isEqualTo(1024 * 1024);
                    assertThat(config.logIgnoreCorruption()).isTrue();
                    assertThat(config.managementHost()).isEqualTo("127.0.0.1");
                    assertThat(config.managementToken()).isEqualTo("0123456789abcdef");
                    assertThat(context.getBean(LockstepTransactionManager.class).managementAddress()).isNotNull();
                });
    }

    @Test
    void lockstepKeysAsWrittenForTheBuilderBindToo() {
        // a plain Lockstep properties file (camelCase keys, bytes, seconds) works unchanged as Spring configuration
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LockstepAutoConfiguration.class))
                .withPropertyValues("lockstep.nodeId=" + NODE + "-plain", "lockstep.logDirectory=" + log,
                        "lockstep.defaultTimeout=12",
                        "lockstep.log.segmentSize=131072", "lockstep.recoveryNodes=old-3",
                        "lockstep.management.port=0")
                .run(context -> {
                    LockstepConfig config = context.getBean(LockstepTransactionManager.class).config();
                    assertThat(config.nodeId()).isEqualTo(NODE + "-plain");
                    assertThat(config.logDirectory()).isEqualTo(log);
                    assertThat(config.defaultTimeout()).isEqualTo(Duration.ofSeconds(12));
                    assertThat(config.logSegmentSize()).isEqualTo(131072);
                    assertThat(config.recoveryNodes()).contains("old-3");
                    assertThat(context.getBean(LockstepTransactionManager.class).managementAddress()).isNotNull();
                });
    }

    @Test
    void jdbcLogIsConfiguredByProperties() {
        runner().withPropertyValues("lockstep.log.type=jdbc", "lockstep.log.jdbc-url=" + TestServers.PG_URL,
                        "lockstep.log.jdbc-user=" + TestServers.PG_USER,
                        "lockstep.log.jdbc-password=" + TestServers.PG_PASSWORD,
                        "lockstep.log.jdbc-table=spring_lockstep_log")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    LockstepConfig config = context.getBean(LockstepTransactionManager.class).config();
                    assertThat(config.logType()).isEqualTo(LogType.JDBC);
                    assertThat(config.logJdbcTable()).isEqualTo("spring_lockstep_log");
                });
    }

    @Test
    void springTransactionManagerUsesTheManagerForAllThreeRoles() {
        runner().run(context -> {
            LockstepTransactionManager tm = context.getBean(LockstepTransactionManager.class);
            JtaTransactionManager jta = context.getBean(JtaTransactionManager.class);
            assertThat(context.getBean(PlatformTransactionManager.class)).isSameAs(jta);
            assertThat(jta.getUserTransaction()).isSameAs(tm);
            assertThat(jta.getTransactionManager()).isSameAs(tm);
            assertThat(jta.getTransactionSynchronizationRegistry()).isSameAs(tm);
        });
    }

    @Test
    void invalidPropertyFailsStartupNamingTheRule() {
        runner().withPropertyValues("lockstep.recovery-parallelism=0").run(context ->
                assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("lockstep.recoveryParallelism").hasMessageContaining("between 1 and 64"));
    }

    @Test
    void applicationManagerMakesTheAutoConfigurationBackOff() throws Exception {
        try (LockstepTransactionManager own = Lockstep.builder().nodeId(NODE + "-own")
                .logDirectory(log.resolve("own")).build()) {
            runner().withPropertyValues("lockstep.log-directory=" + log.resolve("auto"))
                    .withBean("myManager", LockstepTransactionManager.class, () -> own)
                    .run(context -> {
                        assertThat(context).hasSingleBean(LockstepTransactionManager.class);
                        assertThat(context.getBean(LockstepTransactionManager.class)).isSameAs(own);
                        assertThat(context.getBean(JtaTransactionManager.class).getTransactionManager())
                                .isSameAs(own);
                    });
        }
    }

    @Test
    void applicationPlatformTransactionManagerMakesOursBackOff() {
        PGSimpleDataSource local = new PGSimpleDataSource();
        local.setURL(TestServers.PG_URL);
        runner().withBean("myTransactionManager", PlatformTransactionManager.class,
                        () -> new DataSourceTransactionManager(local))
                .run(context -> {
                    assertThat(context).hasSingleBean(PlatformTransactionManager.class);
                    assertThat(context).hasBean("myTransactionManager").doesNotHaveBean("transactionManager");
                    assertThat(context).hasSingleBean(LockstepTransactionManager.class);
                });
    }

    @Test
    void disabledByProperty() {
        runner().withPropertyValues("lockstep.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(LockstepTransactionManager.class);
            assertThat(context).doesNotHaveBean(PlatformTransactionManager.class);
        });
    }

    @Test
    void hibernatePlatformIsSetUnlessTheApplicationSetOne() {
        runner().run(context -> {
            HibernatePropertiesCustomizer customizer = context.getBean(HibernatePropertiesCustomizer.class);
            Map<String, Object> settings = new HashMap<>();
            customizer.customize(settings);
            assertThat(settings.get(LockstepJtaPlatform.SETTING)).isInstanceOf(LockstepJtaPlatform.class);
            assertThat(((LockstepJtaPlatform) settings.get(LockstepJtaPlatform.SETTING)).transactionManager())
                    .isSameAs(context.getBean(LockstepTransactionManager.class));

            Map<String, Object> own = new HashMap<>(Map.of(LockstepJtaPlatform.SETTING, "com.example.Platform"));
            customizer.customize(own);
            assertThat(own.get(LockstepJtaPlatform.SETTING)).isEqualTo("com.example.Platform");
        });
    }

    @Test
    void springDataSourceBecomesAnXaDataSourceClosedWithTheContext() {
        LockstepDataSource[] seen = new LockstepDataSource[1];
        runner().withPropertyValues("spring.datasource.url=" + TestServers.PG_URL,
                        "spring.datasource.username=" + TestServers.PG_USER,
                        "spring.datasource.password=" + TestServers.PG_PASSWORD)
                .run(context -> {
                    assertThat(context).hasSingleBean(DataSource.class).hasBean("dataSource");
                    LockstepDataSource ds = context.getBean("dataSource", LockstepDataSource.class);
                    assertThat(ds.name()).isEqualTo("dataSource");
                    assertThat(ds.isLastResource()).isFalse();
                    try (var c = ds.getConnection(); var rs = c.createStatement().executeQuery("SELECT 1")) {
                        assertThat(rs.next()).isTrue();
                    }
                    seen[0] = ds;
                });
        assertThatThrownBy(() -> seen[0].getConnection()).isInstanceOf(SQLException.class)
                .hasMessageContaining("closed");
        // the manager was closed too: its log directory is free for the next one
        Lockstep.builder().nodeId(NODE).logDirectory(log).build().close();
    }

    @Test
    void springTransactionPropertiesApplyToTheJtaTransactionManager() {
        runner().withConfiguration(AutoConfigurations.of(TransactionManagerCustomizationAutoConfiguration.class))
                .withPropertyValues("spring.transaction.default-timeout=5s",
                        "spring.transaction.rollback-on-commit-failure=true")
                .run(context -> {
                    JtaTransactionManager jta = context.getBean(JtaTransactionManager.class);
                    assertThat(jta.getDefaultTimeout()).isEqualTo(5);
                    assertThat(jta.isRollbackOnCommitFailure()).isTrue();
                });
    }

    @Test
    void namedDataSourcesWinOverSpringDataSource() {
        runner().withPropertyValues("spring.datasource.url=" + TestServers.PG_URL,
                        "lockstep.datasources.orders.url=" + TestServers.PG_URL,
                        "lockstep.datasources.orders.username=" + TestServers.PG_USER,
                        "lockstep.datasources.orders.password=" + TestServers.PG_PASSWORD,
                        "lockstep.datasources.orders.max-size=3")
                .run(context -> {
                    assertThat(context).hasSingleBean(DataSource.class).hasBean("orders");
                    LockstepDataSource ds = context.getBean("orders", LockstepDataSource.class);
                    assertThat(ds.name()).isEqualTo("orders");
                    assertThat(ds.stats().max()).isEqualTo(3);
                });
    }

    @Test
    void dataSourcePoolAndDriverPropertiesReachTheAdapter() {
        runner().withPropertyValues("lockstep.datasources.orders.url=" + TestServers.PG_URL,
                        "lockstep.datasources.orders.username=" + TestServers.PG_USER,
                        "lockstep.datasources.orders.password=" + TestServers.PG_PASSWORD,
                        "lockstep.datasources.orders.min-size=1",
                        "lockstep.datasources.orders.acquisition-timeout=5",
                        "lockstep.datasources.orders.properties.ApplicationName=spring-starter-props")
                .run(context -> {
                    LockstepDataSource ds = context.getBean("orders", LockstepDataSource.class);
                    // before anything borrowed: only min-size opens a connection
                    await("the pool opens min-size connections").atMost(Duration.ofSeconds(10))
                            .until(() -> ds.stats().idle() >= 1);
                    try (var c = ds.getConnection();
                            var rs = c.createStatement().executeQuery("SELECT current_setting('application_name')")) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getString(1)).isEqualTo("spring-starter-props");
                    }
                });
    }

    @Test
    void recoveryRunsAgainOnceTheDataSourcesAreRegistered() {
        runner().withPropertyValues("lockstep.recovery-interval=1h", "spring.datasource.url=" + TestServers.PG_URL,
                        "spring.datasource.username=" + TestServers.PG_USER,
                        "spring.datasource.password=" + TestServers.PG_PASSWORD)
                .run(context -> {
                    LockstepTransactionManager tm = context.getBean(LockstepTransactionManager.class);
                    // one pass in build() (no source registered yet), one after the data source bean exists
                    assertThat(tm.admin().counters().recoveryPasses()).isEqualTo(2);
                    assertThat(tm.admin().recoverySources()).containsExactly("dataSource");
                    assertThat(tm.admin().lastRecoveryReport().failedSources()).isEmpty();
                });
    }

    @Test
    void applicationDataSourceMakesSpringDataSourceBackOff() {
        PGSimpleDataSource own = new PGSimpleDataSource();
        own.setURL(TestServers.PG_URL);
        runner().withPropertyValues("spring.datasource.url=" + TestServers.PG_URL)
                .withBean("myDataSource", DataSource.class, () -> own)
                .run(context -> {
                    assertThat(context).hasSingleBean(DataSource.class);
                    assertThat(context.getBean(DataSource.class)).isSameAs(own);
                });
    }

    @Test
    void applicationBeanOfTheSameNameWinsOverANamedDataSource() {
        PGSimpleDataSource own = new PGSimpleDataSource();
        own.setURL(TestServers.PG_URL);
        runner().withPropertyValues("lockstep.datasources.orders.url=" + TestServers.PG_URL)
                .withBean("orders", DataSource.class, () -> own)
                .run(context -> assertThat(context.getBean("orders")).isSameAs(own));
    }

    @Test
    void namedDataSourceWithoutUrlFailsStartup() {
        runner().withPropertyValues("lockstep.datasources.orders.username=app").run(context ->
                assertThat(context).hasFailed().getFailure()
                        .hasMessageContaining("lockstep.datasources.orders.url is not set"));
    }
}
