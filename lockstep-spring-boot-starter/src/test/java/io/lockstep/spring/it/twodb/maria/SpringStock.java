package io.lockstep.spring.it.twodb.maria;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.UUID;

/** A stock movement, kept in MariaDB. */
@Entity
@Table(name = "spring_stock")
public class SpringStock {
    @Id
    private String id;

    @Column(nullable = false)
    private String item;

    private int delta;

    protected SpringStock() {
    }

    public SpringStock(String item, int delta) {
        this.id = UUID.randomUUID().toString();
        this.item = item;
        this.delta = delta;
    }

    public String item() {
        return item;
    }
}
