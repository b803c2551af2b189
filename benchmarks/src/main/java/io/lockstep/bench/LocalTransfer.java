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

    LocalTransfer(DataSource debits, DataSource credits, AutoCloseable... closers) {
        this.debits = debits;
        this.credits = credits;
        this.closers = closers;
    }

    @Override
    public void transfer(int debitId, int creditId) throws Exception {
        try (Connection c = debits.getConnection()) {
            JdbcPeer.update(c, BenchDatabase.DEBIT, debitId);
            c.commit();
        }
        try (Connection c = credits.getConnection()) {
            JdbcPeer.update(c, BenchDatabase.CREDIT, creditId);
            c.commit();
        }
    }

    @Override
    public void close() {
        JdbcPeers.closeAll(closers);
    }
}
