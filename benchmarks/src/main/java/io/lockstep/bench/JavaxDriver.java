package io.lockstep.bench;

import javax.transaction.TransactionManager;
import javax.transaction.xa.XAResource;

/** Drives a javax.transaction manager (Atomikos 6). */
final class JavaxDriver implements TxDriver {
    private final TransactionManager tm;
    private final Runnable closer;

    JavaxDriver(TransactionManager tm, Runnable closer) {
        this.tm = tm;
        this.closer = closer;
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
        javax.transaction.Transaction tx = tm.getTransaction();
        tx.enlistResource(a);
        tx.enlistResource(b);
        tm.commit();
    }

    @Override
    public void close() {
        closer.run();
    }
}
