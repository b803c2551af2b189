package io.lockstep.spring.quickstart;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

@Entity
@Table(name = "spring_order")
public class QuickOrder {
    @Id
    private String id;

    @Column(nullable = false)
    private String item;

    protected QuickOrder() {
    }

    public QuickOrder(String id, String item) {
        this.id = id;
        this.item = item;
    }
}
