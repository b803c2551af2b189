package io.lockstep.spring.it.twodb.pg;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.UUID;

/** An order, kept in PostgreSQL. */
@Entity
@Table(name = "spring_orders")
public class SpringOrder {
    @Id
    private String id;

    @Column(nullable = false)
    private String item;

    private int quantity;

    protected SpringOrder() {
    }

    public SpringOrder(String item, int quantity) {
        this.id = UUID.randomUUID().toString();
        this.item = item;
        this.quantity = quantity;
    }

    public String item() {
        return item;
    }
}
