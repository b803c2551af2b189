package io.lockstep.bench;

import jakarta.transaction.TransactionManager;
import javax.transaction.xa.XAResource;

/** Drives a jakarta.transaction manager (Lockstep, Narayana 7). */
final class JakartaDriver implements TxDriver {
    private final TransactionManager tm;
    private final AutoCloseable closer;

    JakartaDriver(TransactionManager tm, AutoCloseable closer) {
        this.tm = tm;
        this.closer = closer;
    }

    /** The manager itself, for benchmarks that hand it to a pool (pooled-jms enlists through it). */
    TransactionManager manager() {
        return tm;
    }

    @Override
    public void commitOne(XAResource r) throws Exception {
        tm.begin();
        tm.getTransaction().enlistResource(r);
        tm.commit();
    }

    @Override
    public void commitTwo(XAResource a, XAResource b) throws Exception {
        tm.begin();
        jakarta.transaction.Transaction tx = tm.getTransaction();
        tx.enlistResource(a);
        tx.enlistResource(b);
        tm.commit();
    }

    @Override
    public void close() {
        try {
            closer.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing " + tm + " failed", e);
        }
    }
}
