package io.lockstep.spring.boot;

import io.lockstep.spring.boot.LockstepProperties.DataSourceProperties;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import java.util.Map;
import org.springframework.beans.factory.config.AutowireCapableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers one {@link LockstepDataSource} bean per {@code lockstep.datasources.<name>}: bean name and resource name
 * are both {@code <name>}. A bean of that name the application defines itself wins. Each data source depends on the
 * {@link LockstepTransactionManager} bean, so it is closed (pool closed, recovery source unregistered) before the
 * manager.
 */
final class LockstepDataSourceRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware {
    static final String DATASOURCES = LockstepProperties.PREFIX + ".datasources";
    static final String SPRING_URL = "spring.datasource.url";
    /** Bean name of the data source made from {@code spring.datasource.*}, as Spring Boot names its own. */
    static final String SPRING_BEAN_NAME = "dataSource";

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
        configured(environment).forEach((name, settings) -> {
            if (registry.containsBeanDefinition(name)) {
                return;
            }
            if (settings.getUrl() == null || settings.getUrl().isBlank()) {
                throw new IllegalStateException(DATASOURCES + "." + name + ".url is not set; every data source under "
                        + DATASOURCES + " needs a JDBC URL");
            }
            RootBeanDefinition definition = new RootBeanDefinition(LockstepDataSourceRegistrar.class);
            definition.setFactoryMethodName("create");
            definition.setTargetType(LockstepDataSource.class);
            definition.setAutowireMode(AutowireCapableBeanFactory.AUTOWIRE_CONSTRUCTOR);
            definition.getConstructorArgumentValues().addIndexedArgumentValue(1, name);
            definition.getConstructorArgumentValues().addIndexedArgumentValue(2, settings);
            definition.setDestroyMethodName("close");
            definition.setPrimary(settings.isPrimary());
            registry.registerBeanDefinition(name, definition);
        });
    }

    /** Factory method of the registered beans; the manager is autowired, so the data source depends on it. */
    static LockstepDataSource create(LockstepTransactionManager tm, String name, DataSourceProperties settings) {
        LockstepDataSources.Builder builder = LockstepDataSources.forUrl(tm, settings.getUrl(), settings.getUsername(),
                        settings.getPassword())
                .name(name)
                .maxSize(settings.getMaxSize())
                .minSize(settings.getMinSize());
        if (settings.getAcquisitionTimeout() != null) {
            builder.acquisitionTimeout(settings.getAcquisitionTimeout());
        }
        if (settings.getLeakTimeout() != null) {
            builder.leakTimeout(settings.getLeakTimeout());
        }
        if (settings.getXaCallTimeout() != null) {
            builder.xaCallTimeout(settings.getXaCallTimeout());
        }
        settings.getProperties().forEach(builder::property);
        return builder.build();
    }

    /** The data source of {@code spring.datasource.url/username/password}, resource name {@code spring.datasource.name} or "dataSource". */
    static LockstepDataSource fromSpringDataSource(LockstepTransactionManager tm, Environment environment) {
        String name = environment.getProperty("spring.datasource.name", SPRING_BEAN_NAME);
        return LockstepDataSources.forUrl(tm, environment.getRequiredProperty(SPRING_URL),
                        environment.getProperty("spring.datasource.username"),
                        environment.getProperty("spring.datasource.password"))
                .name(name)
                .build();
    }

    /** The {@code lockstep.datasources.*} entries, in the order they are declared. */
    static Map<String, DataSourceProperties> configured(Environment environment) {
        return Binder.get(environment)
                .bind(DATASOURCES, Bindable.mapOf(String.class, DataSourceProperties.class))
                .orElse(Map.of());
    }
}
