package io.lockstep.bench;

import jakarta.transaction.TransactionManager;
import javax.sql.DataSource;

/**
 * The transfer as one global transaction: {@code begin}, a connection from each XA data source (each enlists its
 * branch on first use), one update on each, {@code commit} (prepare both, force the decision, commit both). The
 * connections are closed before the commit; the pool takes them back after completion.
 */
final class XaTransfer implements JdbcPeer {
    private final TransactionManager tm;
    private final DataSource debits;
    private final DataSource credits;
    private final AutoCloseable[] closers;
    private PhaseTimes phases = new PhaseTimes();

    /** {@code closers} run in order on {@link #close()}: the data sources first, the manager last. */
    XaTransfer(TransactionManager tm, DataSource debits, DataSource credits, AutoCloseable... closers) {
        this.tm = tm;
        this.debits = debits;
        this.credits = credits;
        this.closers = closers;
    }

    @Override
    public void timeInto(PhaseTimes times) {
        this.phases = times;
    }

    @Override
    public void transfer(int debitId, int creditId) throws Exception {
        long start = System.nanoTime();
        tm.begin();
        boolean updated = false;
        try {
            JdbcPeer.update(debits, BenchDatabase.DEBIT, debitId);
            JdbcPeer.update(credits, BenchDatabase.CREDIT, creditId);
            updated = true;
        } finally {
            if (updated) {
                long work = System.nanoTime();
                tm.commit();
                phases.record(work - start, System.nanoTime() - work);
            } else {
                tm.rollback();
            }
        }
    }

    @Override
    public void close() {
        JdbcPeers.closeAll(closers);
    }
}
