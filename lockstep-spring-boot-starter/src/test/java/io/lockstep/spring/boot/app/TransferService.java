package io.lockstep.spring.boot.app;

import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Saves an order (PostgreSQL) and a payment (MariaDB) in one Spring-managed JTA transaction. */
@Service
public class TransferService {
    @PersistenceContext(unitName = "orders")
    private EntityManager orders;

    @PersistenceContext(unitName = "payments")
    private EntityManager payments;

    private final InnerTransferService inner;

    public TransferService(InnerTransferService inner) {
        this.inner = inner;
    }

    /** Both rows, or, when {@code fail}, an exception after both were written to their databases. */
    @Transactional
    public void saveBoth(String id, boolean fail) {
        write(id);
        if (fail) {
            throw new IllegalStateException("requested failure after writing " + id);
        }
    }

    /** Writes {@code outerId}, commits {@code innerId} in its own transaction, then fails. */
    @Transactional
    public void saveInnerThenFail(String outerId, String innerId) {
        write(outerId);
        inner.saveBothInNewTransaction(innerId);
        throw new IllegalStateException("requested failure after the inner transaction of " + innerId);
    }

    /** Writes both rows, then a PostgreSQL statement that outlasts the one-second timeout. */
    @Transactional(timeout = 1)
    public void saveBothSlowly(String id, double sleepSeconds) {
        write(id);
        orders.createNativeQuery("SELECT CAST(pg_sleep(" + sleepSeconds + ") AS TEXT)").getSingleResult();
    }

    private void write(String id) {
        orders.persist(new SpringOrder(id, "book"));
        payments.persist(new SpringPayment(id, 1200));
        orders.flush();
        payments.flush();
    }
}
