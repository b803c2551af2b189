package io.lockstep.bench;

import java.sql.Connection;
import javax.sql.DataSource;

/**
 * The floor: the same two updates without XA, each committed in its own local transaction on a connection from a
 * non-XA pool (auto-commit off). Not atomic across the two databases, which is what XA pays for.
 */
final class LocalTransfer implements JdbcPeer {
    private final DataSource debits;
    private final DataSource credits;
    private final AutoCloseable[] closers;
    private PhaseTimes phases = new PhaseTimes();

    LocalTransfer(DataSource debits, DataSource credits, AutoCloseable... closers) {
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
        long t0 = System.nanoTime();
        long t1;
        long t2;
        try (Connection c = debits.getConnection()) {
            JdbcPeer.update(c, BenchDatabase.DEBIT, debitId);
            t1 = System.nanoTime();
            c.commit();
        }
        try (Connection c = credits.getConnection()) {
            t2 = System.nanoTime();
            JdbcPeer.update(c, BenchDatabase.CREDIT, creditId);
            long t3 = System.nanoTime();
            c.commit();
            long t4 = System.nanoTime();
            phases.record((t1 - t0) + (t3 - t2), (t2 - t1) + (t4 - t3));
        }
    }

    @Override
    public void close() {
        JdbcPeers.closeAll(closers);
    }
}
