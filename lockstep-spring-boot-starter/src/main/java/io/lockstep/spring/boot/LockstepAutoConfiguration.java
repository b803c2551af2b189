package io.lockstep.spring.boot;

import io.lockstep.spring.hibernate.LockstepJtaPlatform;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.recovery.RecoveryReport;
import org.hibernate.cfg.AvailableSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.orm.jpa.HibernatePropertiesCustomizer;
import org.springframework.boot.autoconfigure.transaction.TransactionManagerCustomizers;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.transaction.TransactionManager;
import org.springframework.transaction.jta.JtaTransactionManager;

/**
 * Auto-configuration of Lockstep for Spring Boot:
 * <ul>
 *   <li>the {@link LockstepTransactionManager} from {@code lockstep.*} ({@link LockstepProperties}), closed when the
 *       context closes; it is also the application's {@code jakarta.transaction} {@code TransactionManager},
 *       {@code UserTransaction} and {@code TransactionSynchronizationRegistry};</li>
 *   <li>Spring's {@link JtaTransactionManager} over it, so {@code @Transactional} and {@code TransactionTemplate}
 *       run Lockstep transactions (with {@code spring.transaction.*} customizations applied);</li>
 *   <li>XA data sources from {@code lockstep.datasources.*} or {@code spring.datasource.*} through
 *       {@code io.lockstep.xa.jdbc.LockstepDataSources} ({@link LockstepDataSourceRegistrar});</li>
 *   <li>with Hibernate, {@link LockstepJtaPlatform} for the persistence unit Boot configures.</li>
 * </ul>
 * Every bean backs off when the application defines its own. Runs before Boot's data source, JTA, transaction and
 * JPA auto-configurations, which then find these beans and back off in turn.
 */
@AutoConfiguration(beforeName = {
        "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
        "org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration",
        "org.springframework.boot.autoconfigure.transaction.jta.JtaAutoConfiguration",
        "org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration",
        "org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration"})
@ConditionalOnClass({LockstepTransactionManager.class, JtaTransactionManager.class})
@ConditionalOnProperty(prefix = "lockstep", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(LockstepProperties.class)
public class LockstepAutoConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(LockstepAutoConfiguration.class);

    /** The transaction manager; replays its log and runs a first recovery pass before the context goes on. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public LockstepTransactionManager lockstepTransactionManager(LockstepProperties properties) {
        return ManagerSettings.builder(properties).build();
    }

    /**
     * One recovery pass once every singleton exists: the pass that {@code build()} runs comes before any data
     * source has registered its recovery source, so without this, branches left in doubt by the previous run would
     * wait for the first background pass ({@code lockstep.recovery-interval}) while holding their locks.
     */
    @Bean
    public SmartInitializingSingleton lockstepStartupRecovery(LockstepTransactionManager lockstep) {
        return () -> {
            RecoveryReport report = lockstep.recoverNow();
            LOG.info("Lockstep recovery after startup: {}", report);
        };
    }

    /** Spring's JTA transaction manager over Lockstep; backs off for any application-defined transaction manager. */
    @Bean
    @ConditionalOnMissingBean(TransactionManager.class)
    public JtaTransactionManager transactionManager(LockstepTransactionManager lockstep,
            ObjectProvider<TransactionManagerCustomizers> customizers) {
        JtaTransactionManager jta = new JtaTransactionManager(lockstep, lockstep);
        jta.setTransactionSynchronizationRegistry(lockstep);
        customizers.ifAvailable(c -> c.customize(jta));
        return jta;
    }

    /** XA data sources through the JDBC adapter, when it and Agroal are on the class path. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"io.lockstep.xa.jdbc.LockstepDataSources", "io.agroal.pool.DataSource"})
    @Import(LockstepDataSourceRegistrar.class)
    static class DataSources {
    }

    /** Lockstep's JtaPlatform for the entity manager factory that Boot's JPA auto-configuration builds. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"org.hibernate.engine.transaction.jta.platform.spi.JtaPlatform",
            "org.springframework.boot.autoconfigure.orm.jpa.HibernatePropertiesCustomizer"})
    static class Hibernate {

        /**
         * Sets {@code hibernate.transaction.jta.platform} unless the application set it (then Boot would otherwise
         * install its own Spring-backed platform); Hibernate then registers its synchronizations as interposed
         * ones, as JPA expects in a JTA environment.
         */
        @Bean
        @ConditionalOnMissingBean(name = "lockstepHibernatePropertiesCustomizer")
        HibernatePropertiesCustomizer lockstepHibernatePropertiesCustomizer(LockstepTransactionManager lockstep) {
            return properties -> properties.putIfAbsent(AvailableSettings.JTA_PLATFORM,
                    new LockstepJtaPlatform(lockstep));
        }
    }
}
