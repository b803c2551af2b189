package io.lockstep.spring.boot.app;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A payment, stored in MariaDB (persistence unit "payments"). */
@Entity
@Table(name = "spring_payment")
public class SpringPayment {
    @Id
    @Column(name = "id", length = 64)
    private String id;

    @Column(name = "amount", nullable = false)
    private long amount;

    protected SpringPayment() {
    }

    public SpringPayment(String id, long amount) {
        this.id = id;
        this.amount = amount;
    }

    public String getId() {
        return id;
    }

    public long getAmount() {
        return amount;
    }
}
