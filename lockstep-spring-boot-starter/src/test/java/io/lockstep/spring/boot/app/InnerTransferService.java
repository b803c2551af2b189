package io.lockstep.spring.boot.app;

import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** Writes in a transaction of its own, suspending the caller's. */
@Service
public class InnerTransferService {
    @PersistenceContext(unitName = "orders")
    private EntityManager orders;

    @PersistenceContext(unitName = "payments")
    private EntityManager payments;

    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public void saveBothInNewTransaction(String id) {
        orders.persist(new SpringOrder(id, "inner"));
        payments.persist(new SpringPayment(id, 7));
    }
}
