package io.lockstep.spring.it.twodb;

import io.lockstep.spring.it.twodb.maria.SpringStock;
import io.lockstep.spring.it.twodb.pg.SpringOrder;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.vendor.HibernateJpaVendorAdapter;

/**
 * An application with two persistence units over the two XA data sources that the starter makes from
 * {@code lockstep.datasources.pg} and {@code lockstep.datasources.maria}. Neither unit names a JTA platform:
 * Hibernate finds Lockstep through its JtaPlatformProvider.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({OrderService.class, StockAudit.class})
public class TwoDatabasesApplication {

    @Bean
    LocalContainerEntityManagerFactoryBean pgUnit(@Qualifier("pg") DataSource pg) {
        return unit("pg", pg, SpringOrder.class.getPackageName());
    }

    @Bean
    LocalContainerEntityManagerFactoryBean mariaUnit(@Qualifier("maria") DataSource maria) {
        return unit("maria", maria, SpringStock.class.getPackageName());
    }

    private static LocalContainerEntityManagerFactoryBean unit(String name, DataSource dataSource, String pkg) {
        LocalContainerEntityManagerFactoryBean factory = new LocalContainerEntityManagerFactoryBean();
        factory.setPersistenceUnitName(name);
        factory.setJtaDataSource(dataSource);
        factory.setPackagesToScan(pkg);
        factory.setJpaVendorAdapter(new HibernateJpaVendorAdapter());
        factory.setJpaPropertyMap(Map.of("hibernate.hbm2ddl.auto", "none")); // the test creates its tables
        return factory;
    }
}
