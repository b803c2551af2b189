package io.lockstep.spring.boot;

import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers the XA data source beans: one per {@code lockstep.datasources.<name>} entry (bean name = resource name =
 * the key), or else one bean {@code dataSource} from {@code spring.datasource.url/username/password} (resource name
 * {@code spring.datasource.name}, or derived from the URL). A bean the application defines itself wins: a bean of
 * the same name, and for {@code spring.datasource} any {@link DataSource} bean.
 *
 * <p>Registered as bean definitions rather than {@code @Bean} methods because the number of beans comes from the
 * configuration. Each pool is built when its bean is first needed and closed when the context closes, before the
 * transaction manager (the data source is registered as its dependent).
 */
class LockstepDataSourceRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanFactoryAware {
    static final String SINGLE_BEAN_NAME = "dataSource";

    private Environment environment;
    private ConfigurableListableBeanFactory beanFactory;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
        Binder binder = Binder.get(environment);
        Map<String, LockstepProperties.DataSource> named = binder
                .bind("lockstep.datasources", Bindable.mapOf(String.class, LockstepProperties.DataSource.class))
                .orElse(Map.of());
        if (!named.isEmpty()) {
            named.forEach((name, settings) -> {
                if (!registry.containsBeanDefinition(name)) {
                    register(registry, name, name, settings, "lockstep.datasources." + name + ".url");
                }
            });
            return;
        }
        String url = binder.bind("spring.datasource.url", String.class).orElse(null);
        if (url == null || url.isBlank() || beanFactory.getBeanNamesForType(DataSource.class, true, false).length > 0) {
            return;
        }
        LockstepProperties.DataSource single = new LockstepProperties.DataSource();
        single.setUrl(url);
        single.setUsername(binder.bind("spring.datasource.username", String.class).orElse(null));
        single.setPassword(binder.bind("spring.datasource.password", String.class).orElse(null));
        String resourceName = binder.bind("spring.datasource.name", String.class).orElse(null);
        register(registry, SINGLE_BEAN_NAME, resourceName, single, "spring.datasource.url");
    }

    private void register(BeanDefinitionRegistry registry, String beanName, String resourceName,
            LockstepProperties.DataSource settings, String urlKey) {
        if (settings.getUrl() == null || settings.getUrl().isBlank()) {
            throw new IllegalStateException(urlKey + " is required: the JDBC URL of the XA data source '" + beanName
                    + "', e.g. jdbc:postgresql://localhost:5432/app");
        }
        RootBeanDefinition bean = new RootBeanDefinition(LockstepDataSource.class,
                () -> build(beanName, resourceName, settings, urlKey));
        bean.setDestroyMethodName("close");
        bean.setPrimary(settings.isPrimary());
        registry.registerBeanDefinition(beanName, bean);
    }

    private LockstepDataSource build(String beanName, String resourceName, LockstepProperties.DataSource settings,
            String urlKey) {
        String[] managers = beanFactory.getBeanNamesForType(LockstepTransactionManager.class);
        if (managers.length != 1) {
            throw new IllegalStateException("XA data source '" + beanName + "' (" + urlKey + ") needs exactly one"
                    + " LockstepTransactionManager bean, found " + managers.length);
        }
        LockstepTransactionManager tm = beanFactory.getBean(managers[0], LockstepTransactionManager.class);
        // closed before the manager on shutdown, so its recovery source is unregistered from a running manager
        beanFactory.registerDependentBean(managers[0], beanName);
        LockstepDataSources.Builder b = LockstepDataSources.forUrl(tm, settings.getUrl(),
                emptyToNull(settings.getUsername()), emptyToNull(settings.getPassword()));
        if (resourceName != null) {
            b.name(resourceName);
        }
        if (settings.getMinSize() != null) {
            b.minSize(settings.getMinSize());
        }
        if (settings.getMaxSize() != null) {
            b.maxSize(settings.getMaxSize());
        }
        if (settings.getAcquisitionTimeout() != null) {
            b.acquisitionTimeout(settings.getAcquisitionTimeout());
        }
        if (settings.getLeakTimeout() != null) {
            b.leakTimeout(settings.getLeakTimeout());
        }
        settings.getProperties().forEach(b::property);
        return b.build();
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
