package io.lockstep.spring.quickstart;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The README's quick start: the starter, a driver, {@code lockstep.node-id} and {@code spring.datasource.*}; Boot
 * configures JPA and Spring Data over the XA data source by itself.
 */
@SpringBootApplication
public class QuickStartApplication {
}
