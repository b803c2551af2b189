package io.lockstep.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * One way of moving money from a PostgreSQL account to a MariaDB account, as {@link JdbcBenchmark} measures it:
 * {@link JdbcPeers} builds the configurations. Every configuration runs exactly the same two statements
 * ({@link BenchDatabase#DEBIT}, {@link BenchDatabase#CREDIT}) on connections borrowed from a pool per database.
 * Thread-safe.
 */
interface JdbcPeer extends AutoCloseable {

    /** Debits account {@code debitId} in PostgreSQL and credits account {@code creditId} in MariaDB. */
    void transfer(int debitId, int creditId) throws Exception;

    /** Where to add the time of each transfer's work and commit (default: a private, unreported one). */
    void timeInto(PhaseTimes times);

    /** Closes the pools and stops the manager, if any; best effort, the fork ends right after. */
    @Override
    void close();

    /** Runs one update of exactly one row on {@code c}. */
    static void update(Connection c, String sql, int id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setInt(1, id);
            int rows = s.executeUpdate();
            if (rows != 1) {
                throw new IllegalStateException(sql + " with id " + id + " updated " + rows + " rows, expected 1;"
                        + " is table " + BenchDatabase.TABLE + " filled?");
            }
        }
    }

    /** Borrows a connection from {@code ds}, updates one row on it and closes it. */
    static void update(DataSource ds, String sql, int id) throws SQLException {
        try (Connection c = ds.getConnection()) {
            update(c, sql, id);
        }
    }
}
