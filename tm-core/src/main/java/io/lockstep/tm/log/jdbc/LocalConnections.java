package io.lockstep.tm.log.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The plain local connections of the log database (JDBC log batches, node leases): opened with autocommit off and
 * READ COMMITTED, and discarded after any failure so that the next unit of work starts on a fresh one.
 */
public final class LocalConnections {
    private LocalConnections() {
    }

    /** A new connection with autocommit off and READ COMMITTED; closed again if setting either fails. */
    public static Connection open(DataSource dataSource) throws SQLException {
        Connection c = dataSource.getConnection();
        try {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            return c;
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /** Rolls back and closes {@code c}, ignoring failures: it is being thrown away. Null is ignored. */
    public static void discard(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.rollback();
        } catch (SQLException | RuntimeException ignored) {
            // the connection is being discarded; its transaction ends with it
        }
        closeQuietly(c);
    }

    /** Closes {@code c}, ignoring failures. */
    public static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException ignored) {
            // nothing more to release
        }
    }
}
