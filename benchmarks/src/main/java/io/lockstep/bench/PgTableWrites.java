package io.lockstep.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/**
 * Rows inserted, updated and deleted in one PostgreSQL table since it was created, from
 * {@code pg_stat_user_tables}: proof that a log or object store really wrote to the database, and how many row
 * operations a transaction cost there. PostgreSQL publishes a backend's counts when its transaction ends at most once
 * a second, and always when the backend exits, so read them after the writers' connections are closed
 * ({@link #settled}).
 */
record PgTableWrites(long inserted, long updated, long deleted) {
    private static final String SQL = "SELECT n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables"
            + " WHERE relname = ?";
    private static final long SETTLE_MILLIS = 10_000;
    private static final long POLL_MILLIS = 250;

    /**
     * The counts of {@code table} (an unquoted name: PostgreSQL folds it to lower case) once they stop changing:
     * read until two reads {@value #POLL_MILLIS} ms apart agree and a second has passed, at most
     * {@value #SETTLE_MILLIS} ms.
     *
     * @throws IllegalStateException the table does not exist
     */
    static PgTableWrites settled(BenchDatabase pg, String table) throws SQLException, InterruptedException {
        long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
        long earliest = System.currentTimeMillis() + 1_000;
        try (Connection c = pg.connect(); Statement clear = c.createStatement();
                PreparedStatement s = c.prepareStatement(SQL)) {
            PgTableWrites last = read(clear, s, table);
            while (System.currentTimeMillis() < deadline) {
                Thread.sleep(POLL_MILLIS);
                PgTableWrites now = read(clear, s, table);
                if (now.sameAs(last) && System.currentTimeMillis() >= earliest) {
                    return now;
                }
                last = now;
            }
            return last;
        }
    }

    private static PgTableWrites read(Statement clear, PreparedStatement s, String table) throws SQLException {
        clear.execute("SELECT pg_stat_clear_snapshot()"); // a new snapshot of the statistics for every read
        s.setString(1, table.toLowerCase(Locale.ROOT));
        try (ResultSet rs = s.executeQuery()) {
            if (!rs.next()) {
                throw new IllegalStateException("table " + table + " does not exist in PostgreSQL: nothing was"
                        + " written there");
            }
            return new PgTableWrites(rs.getLong(1), rs.getLong(2), rs.getLong(3));
        }
    }

    private boolean sameAs(PgTableWrites o) {
        return inserted == o.inserted && updated == o.updated && deleted == o.deleted;
    }

    /** Per-transaction counts, e.g. "1.00 inserted, 0.00 updated, 1.00 deleted per transaction". */
    String perTransaction(long transactions) {
        double n = Math.max(1, transactions);
        return String.format(Locale.ROOT, "%.2f inserted, %.2f updated, %.2f deleted per transaction",
                inserted / n, updated / n, deleted / n);
    }
}
