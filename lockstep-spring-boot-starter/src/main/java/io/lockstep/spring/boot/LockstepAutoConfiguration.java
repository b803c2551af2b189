package io.lockstep.spring.boot;

import io.lockstep.spring.hibernate.LockstepJtaPlatform;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepBuilder;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernatePropertiesCustomizer;
import org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration;
import org.springframework.boot.autoconfigure.transaction.TransactionManagerCustomizers;
import org.springframework.boot.autoconfigure.transaction.jta.JtaAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.jta.JtaTransactionManager;

/**
 * Lockstep for Spring Boot: the {@link LockstepTransactionManager} from {@code lockstep.*}, a Spring
 * {@link JtaTransactionManager} over it (so {@code @Transactional} and {@code TransactionTemplate} run global
 * transactions), XA data sources from {@code lockstep.datasources.*} or {@code spring.datasource.*}, and the
 * Hibernate JTA platform. Each part backs off when the application defines its own bean; {@code lockstep.enabled=false}
 * turns all of it off.
 *
 * <p>Runs before Boot's data source, JPA and transaction auto-configurations so that theirs back off.
 */
@AutoConfiguration(before = {DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class,
        HibernateJpaAutoConfiguration.class, TransactionAutoConfiguration.class, JtaAutoConfiguration.class})
@ConditionalOnClass(LockstepTransactionManager.class)
@ConditionalOnProperty(prefix = LockstepProperties.PREFIX, name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(LockstepProperties.class)
public class LockstepAutoConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(LockstepAutoConfiguration.class);

    /** The transaction manager; closed (reaper, recovery, log lock) when the context closes. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public LockstepTransactionManager lockstepTransactionManager(LockstepProperties properties) {
        return builder(properties).build();
    }

    /**
     * One more recovery pass once every singleton exists. The pass {@code build()} runs comes before any data source
     * has registered its recovery source, so without this, branches a previous run left in doubt would hold their
     * database locks until the first background pass ({@code lockstep.recovery-interval} later).
     */
    @Bean
    public SmartInitializingSingleton lockstepStartupRecovery(LockstepTransactionManager tm) {
        return () -> LOG.info("Lockstep recovery pass after startup: {}", tm.recoverNow());
    }

    /** Spring's JTA transaction manager over Lockstep's UserTransaction, TransactionManager and registry. */
    @Bean
    @ConditionalOnMissingBean(PlatformTransactionManager.class)
    public JtaTransactionManager transactionManager(LockstepTransactionManager tm,
            ObjectProvider<TransactionManagerCustomizers> customizers) {
        JtaTransactionManager jta = new JtaTransactionManager(tm, tm);
        jta.setTransactionSynchronizationRegistry(tm);
        customizers.ifAvailable(c -> c.customize(jta));
        return jta;
    }

    /** The builder with every property that is set; the others keep the builder's defaults. */
    static LockstepBuilder builder(LockstepProperties p) {
        LockstepBuilder b = Lockstep.builder();
        if (p.getNodeId() != null) {
            b.nodeId(p.getNodeId());
        }
        if (p.getLogDirectory() != null) {
            b.logDirectory(p.getLogDirectory());
        }
        if (p.getDefaultTimeout() != null) {
            b.defaultTimeout(p.getDefaultTimeout());
        }
        if (p.getRecoveryInterval() != null) {
            b.recoveryInterval(p.getRecoveryInterval());
        }
        if (p.getOrphanSafetyInterval() != null) {
            b.orphanSafetyInterval(p.getOrphanSafetyInterval());
        }
        if (p.getRecoveryParallelism() != null) {
            b.recoveryParallelism(p.getRecoveryParallelism());
        }
        if (p.getRecoveryCallTimeout() != null) {
            b.recoveryCallTimeout(p.getRecoveryCallTimeout());
        }
        if (!p.getRecoveryNodes().isEmpty()) {
            b.recoveryNodes(p.getRecoveryNodes().toArray(String[]::new));
        }
        log(p.getLog(), b);
        cluster(p.getCluster(), b);
        management(p.getManagement(), b);
        return b;
    }

    private static void cluster(LockstepProperties.Cluster c, LockstepBuilder b) {
        if (c.getLeaseTimeout() != null) {
            b.clusterLeaseTimeout(c.getLeaseTimeout());
        }
        if (c.getTakeover() != null) {
            b.clusterTakeover(c.getTakeover());
        }
        if (c.getMaxClockSkew() != null) {
            b.clusterMaxClockSkew(c.getMaxClockSkew());
        }
    }

    private static void log(LockstepProperties.Log log, LockstepBuilder b) {
        if (log.getType() != null) {
            b.logType(log.getType());
        }
        if (log.getSegmentSize() != null) {
            b.logSegmentSize(log.getSegmentSize().toBytes());
        }
        if (log.getIgnoreCorruption() != null) {
            b.logIgnoreCorruption(log.getIgnoreCorruption());
        }
        if (log.getJdbcUrl() != null) {
            b.logJdbcUrl(log.getJdbcUrl());
        }
        if (log.getJdbcUser() != null) {
            b.logJdbcUser(log.getJdbcUser());
        }
        if (log.getJdbcPassword() != null) {
            b.logJdbcPassword(log.getJdbcPassword());
        }
        if (log.getJdbcTable() != null) {
            b.logJdbcTable(log.getJdbcTable());
        }
    }

    private static void management(LockstepProperties.Management m, LockstepBuilder b) {
        if (m.getPort() != null) {
            b.managementPort(m.getPort());
        }
        if (m.getHost() != null) {
            b.managementHost(m.getHost());
        }
        if (m.getToken() != null) {
            b.managementToken(m.getToken());
        }
    }

    /**
     * XA data sources through the JDBC adapter: one bean per {@code lockstep.datasources.<name>}, or, when there is
     * none, a bean {@code dataSource} from {@code spring.datasource.*} unless the application defines a DataSource.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({LockstepDataSources.class, io.agroal.api.AgroalDataSource.class})
    @Import(LockstepDataSourceRegistrar.class)
    static class DataSources {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean(DataSource.class)
        @Conditional(SpringDataSourceCondition.class)
        LockstepDataSource dataSource(LockstepTransactionManager tm, Environment environment) {
            return LockstepDataSourceRegistrar.fromSpringDataSource(tm, environment);
        }
    }

    /**
     * Hibernate (Spring Boot JPA) uses {@link LockstepJtaPlatform} over this manager, set as an instance into
     * {@code hibernate.transaction.jta.platform}; a platform the application sets itself
     * ({@code spring.jpa.properties.hibernate.transaction.jta.platform}) is left alone.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({HibernatePropertiesCustomizer.class,
            org.hibernate.engine.transaction.jta.platform.internal.AbstractJtaPlatform.class})
    static class Hibernate {

        @Bean
        HibernatePropertiesCustomizer lockstepJtaPlatformCustomizer(LockstepTransactionManager tm) {
            return properties -> properties.putIfAbsent(LockstepJtaPlatform.SETTING, new LockstepJtaPlatform(tm));
        }
    }
}
