package io.lockstep.spring.boot.app;

import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernatePropertiesCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.persistenceunit.PersistenceManagedTypes;
import org.springframework.orm.jpa.vendor.HibernateJpaVendorAdapter;

/**
 * An application with two JTA persistence units: orders in PostgreSQL, payments in MariaDB. The data sources
 * "orders" and "payments" come from {@code lockstep.datasources.*}; the Hibernate platform from the starter's
 * {@link HibernatePropertiesCustomizer}, applied here because two units are more than Boot's JPA auto-configuration
 * makes.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({TransferService.class, InnerTransferService.class})
public class TwoDatabasesApplication {

    @Bean
    LocalContainerEntityManagerFactoryBean ordersEntityManagerFactory(@Qualifier("orders") DataSource orders,
            ObjectProvider<HibernatePropertiesCustomizer> customizers) {
        return unit("orders", orders, SpringOrder.class, customizers);
    }

    @Bean
    LocalContainerEntityManagerFactoryBean paymentsEntityManagerFactory(@Qualifier("payments") DataSource payments,
            ObjectProvider<HibernatePropertiesCustomizer> customizers) {
        return unit("payments", payments, SpringPayment.class, customizers);
    }

    private static LocalContainerEntityManagerFactoryBean unit(String name, DataSource dataSource, Class<?> entity,
            ObjectProvider<HibernatePropertiesCustomizer> customizers) {
        LocalContainerEntityManagerFactoryBean factory = new LocalContainerEntityManagerFactoryBean();
        factory.setPersistenceUnitName(name);
        factory.setJtaDataSource(dataSource);
        factory.setManagedTypes(PersistenceManagedTypes.of(entity.getName()));
        factory.setJpaVendorAdapter(new HibernateJpaVendorAdapter());
        Map<String, Object> properties = new HashMap<>();
        customizers.orderedStream().forEach(c -> c.customize(properties));
        properties.put("hibernate.hbm2ddl.auto", "none");
        factory.setJpaPropertyMap(properties);
        return factory;
    }
}
