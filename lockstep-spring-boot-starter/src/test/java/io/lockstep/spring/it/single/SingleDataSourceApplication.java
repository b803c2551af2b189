package io.lockstep.spring.it.single;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The quick start: the starter, a driver, spring.datasource.* and lockstep.node-id; Boot configures JPA. */
@SpringBootApplication
public class SingleDataSourceApplication {
}
