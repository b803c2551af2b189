package io.lockstep.xa.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/** What a {@link LockstepDataSource} draws its connections from: an Agroal XA pool or a HikariCP local pool. */
interface Pool extends AutoCloseable {

    /** A connection, enlisted in the calling thread's transaction when there is one. */
    Connection getConnection() throws SQLException;

    PoolStats stats();

    /** The pool object itself (for unwrap). */
    Object unwrapPool();

    @Override
    void close();
}
