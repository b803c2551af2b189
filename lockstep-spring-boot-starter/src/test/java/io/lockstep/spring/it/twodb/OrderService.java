package io.lockstep.spring.it.twodb;

import static org.awaitility.Awaitility.await;

import io.lockstep.spring.it.twodb.maria.SpringStock;
import io.lockstep.spring.it.twodb.pg.SpringOrder;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionManager;
import java.time.Duration;
import org.springframework.transaction.annotation.Transactional;

/** Places an order: one row in PostgreSQL, one in MariaDB, in one transaction. */
public class OrderService {
    @PersistenceContext(unitName = "pg")
    private EntityManager pg;

    @PersistenceContext(unitName = "maria")
    private EntityManager maria;

    private final StockAudit audit;
    private final TransactionManager jta;

    public OrderService(StockAudit audit, TransactionManager jta) {
        this.audit = audit;
        this.jta = jta;
    }

    /** Needs a running transaction (no annotation): for TransactionTemplate. */
    public void persistBoth(String item) {
        pg.persist(new SpringOrder(item, 1));
        maria.persist(new SpringStock(item, -1));
        flush();
    }

    @Transactional
    public void place(String item) {
        persistBoth(item);
    }

    @Transactional
    public void placeThenFail(String item) {
        persistBoth(item);
        throw new IllegalStateException("payment declined for " + item);
    }

    /** Both writes here roll back; the audit's, committed in its own transaction, stay. */
    @Transactional
    public void placeWithAuditThenFail(String item, String auditItem) {
        persistBoth(item);
        audit.record(auditItem);
        pg.persist(new SpringOrder(item, 2));
        flush();
        throw new IllegalStateException("payment declined for " + item);
    }

    /** Writes, then outlives its 1 s timeout: returns once Lockstep's reaper has ended the transaction. */
    @Transactional(timeout = 1)
    public void placeAndOverrun(String item) {
        persistBoth(item);
        await("the reaper ends the transaction after its 1 s timeout").atMost(Duration.ofSeconds(10))
                .pollInSameThread().pollInterval(Duration.ofMillis(50))
                .until(() -> jta.getStatus() != Status.STATUS_ACTIVE);
    }

    private void flush() {
        pg.flush();
        maria.flush();
    }
}
