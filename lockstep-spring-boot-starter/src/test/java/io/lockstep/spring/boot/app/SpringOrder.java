package io.lockstep.spring.boot.app;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** An order, stored in PostgreSQL (persistence unit "orders"). */
@Entity
@Table(name = "spring_order")
public class SpringOrder {
    @Id
    @Column(name = "id", length = 64)
    private String id;

    @Column(name = "item", nullable = false, length = 100)
    private String item;

    protected SpringOrder() {
    }

    public SpringOrder(String id, String item) {
        this.id = id;
        this.item = item;
    }

    public String getId() {
        return id;
    }

    public String getItem() {
        return item;
    }
}
