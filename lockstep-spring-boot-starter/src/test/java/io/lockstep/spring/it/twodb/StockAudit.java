package io.lockstep.spring.it.twodb;

import io.lockstep.spring.it.twodb.maria.SpringStock;
import io.lockstep.spring.it.twodb.pg.SpringOrder;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** Writes to both databases in a transaction of its own, whatever the caller's transaction does afterwards. */
public class StockAudit {
    @PersistenceContext(unitName = "pg")
    private EntityManager pg;

    @PersistenceContext(unitName = "maria")
    private EntityManager maria;

    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public void record(String item) {
        pg.persist(new SpringOrder(item, 0));
        maria.persist(new SpringStock(item, 0));
    }
}
