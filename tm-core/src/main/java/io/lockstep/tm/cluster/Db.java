package io.lockstep.tm.cluster;

import io.lockstep.tm.log.jdbc.LocalConnections;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * One kept connection to the log database for lease work, used by one thread at a time: each unit of work is one
 * local transaction; after any failure the connection is dropped and the next unit opens a new one, so lease work
 * resumes by itself when the database is back. Never an XA participant.
 */
final class Db implements AutoCloseable {
    /** A unit of work in one transaction. */
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final DataSource dataSource;
    private Connection connection;

    Db(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    <T> T inTransaction(Work<T> work) throws SQLException {
        try {
            Connection c = connection();
            T result = work.run(c);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            drop();
            throw e;
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = LocalConnections.open(dataSource);
        }
        return connection;
    }

    private void drop() {
        Connection c = connection;
        connection = null;
        LocalConnections.discard(c);
    }

    @Override
    public void close() {
        drop();
    }
}
