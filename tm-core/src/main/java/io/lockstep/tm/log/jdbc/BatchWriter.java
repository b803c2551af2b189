package io.lockstep.tm.log.jdbc;

import io.lockstep.tm.log.LogRecord;
import io.lockstep.tm.log.RecordCodec;
import io.lockstep.tm.log.RecordType;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The group-commit leader's connection to the log table: writes one batch of records as one local transaction.
 * Used by one thread at a time (the leader of {@link JdbcTransactionLog}); not thread-safe.
 *
 * <h2>How records become rows</h2>
 * <ul>
 *   <li>COMMIT, HEURISTIC, ADMIN: one row each (INSERT, sent as one JDBC batch).</li>
 *   <li>END: deletes its transaction's COMMIT row, and its ADMIN rows unless a HEURISTIC row remains.</li>
 *   <li>ADMIN FORGET: deletes its transaction's HEURISTIC rows, and its ADMIN rows (itself included) unless a
 *       COMMIT row remains.</li>
 *   <li>Any other ADMIN: deletes its transaction's ADMIN rows (itself included) unless a COMMIT or HEURISTIC row
 *       remains — an audit of a finished transaction has nothing to keep alive.</li>
 * </ul>
 * So the table holds exactly the records {@code replay()} must return, as the file log's reclaim does, and stays
 * as small as the set of transactions in doubt. Within a batch the INSERTs run before the DELETEs (two JDBC
 * batches instead of one round trip per record); a record that would be inserted for a gtrid already deleted
 * earlier in the same batch starts a new INSERT/DELETE round, so the outcome is the same as running them in order.
 *
 * <p>On PostgreSQL a round is one round trip ({@link PgBatch}: fence check, INSERT, DELETE in one statement text),
 * and a batch of one round with no failed ranges to delete runs it with autocommit on, as the implicit transaction
 * of that round trip: the whole batch, COMMIT included, in one round trip. Other batches run their rounds in an
 * explicit transaction and COMMIT.
 *
 * <p>With node leases, every batch checks its writer's {@link Fence} under a shared lock on the lease row, before
 * any of its INSERTs and DELETEs, so a takeover of the node either sees the batch's rows or makes it fail.
 *
 * <p>The connection is kept between batches (autocommit off between them, READ COMMITTED) and dropped after any
 * failure; the next batch opens a new one, which is how the log recovers when the database is back.
 */
final class BatchWriter implements AutoCloseable {

    private final DataSource dataSource;
    private final String nodeId;
    private final LogTable table;
    /** Checked in every batch's transaction, or null when the writer is not fenced (no node leases). */
    private final Fence fence;

    private Connection connection;
    private PreparedStatement insert;
    private PreparedStatement cancel;
    private PreparedStatement fenceCheck;
    /** On PostgreSQL: each round in one round trip instead of {@link #insert}, {@link #cancel}, {@link #fenceCheck}. */
    private PgBatch pg;
    private boolean reused;
    private boolean committing;
    private boolean oneRoundTrip;

    BatchWriter(DataSource dataSource, String nodeId, LogTable table, Fence fence) {
        this.dataSource = dataSource;
        this.nodeId = nodeId;
        this.table = table;
        this.fence = fence;
    }

    /** Opens the connection, creates the table if needed and returns the largest LSN of this node's rows. */
    long open() throws SQLException {
        Connection c = connection();
        table.ensureExists(c);
        try (PreparedStatement s = c.prepareStatement(table.maxLsn)) {
            s.setString(1, nodeId);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                long max = rs.getLong(1);
                c.commit();
                return max;
            }
        }
    }

    /** True when the last failure of {@link #write} surely happened before the COMMIT was sent. */
    boolean failedBeforeCommit() {
        return !committing;
    }

    /**
     * True when the last failure of {@link #write} was in its only round trip, which also committed (PostgreSQL, a
     * batch of one round): the connection may have broken while idle, but the outcome is unknown.
     */
    boolean failedInOneRoundTrip() {
        return oneRoundTrip;
    }

    /** True when the connection of the last {@link #write} had served an earlier batch. */
    boolean wasReused() {
        return reused;
    }

    /**
     * Writes {@code batch} (LSNs {@code firstLsn}, {@code firstLsn + 1}, …) in one transaction, after deleting the
     * rows of earlier failed batches ({@code failed}: inclusive LSN ranges) whose COMMIT outcome was unknown.
     * On failure the connection is rolled back and dropped.
     */
    void write(List<Pending> batch, long firstLsn, List<long[]> failed) throws SQLException {
        committing = false;
        oneRoundTrip = false;
        reused = connection != null;
        try {
            Connection c = connection();
            int n = batch.size();
            int i = 0;
            if (pg != null && n > 0) {
                i = fillPgRound(batch, firstLsn, 0);
                if (i == n && failed.isEmpty()) {
                    writeInOneRoundTrip(c);
                    return;
                }
            }
            if (fence != null && (pg == null || !failed.isEmpty())) {
                fence.check(fenceCheck); // shared lock on the lease row until this batch commits
            }
            if (!failed.isEmpty()) {
                try (PreparedStatement s = c.prepareStatement(table.deleteRange)) {
                    for (long[] range : failed) {
                        s.setString(1, nodeId);
                        s.setLong(2, range[0]);
                        s.setLong(3, range[1]);
                        s.addBatch();
                    }
                    s.executeBatch();
                }
            }
            if (pg != null) {
                pg.execute(); // the first round, filled above (nothing filled: only the fence check of PgBatch)
            }
            while (i < n) {
                i = pg != null ? writePgRound(batch, firstLsn, i) : writeRound(batch, firstLsn, i);
            }
            committing = true;
            c.commit();
        } catch (Throwable e) { // also a driver's AssertionError (pgjdbc asserts on a broken connection under -ea)
            drop();
            throw e;
        }
    }

    /**
     * Runs the filled round as a transaction of its own: with autocommit on, PostgreSQL runs the statements of one
     * round trip (up to the protocol's Sync) as one implicit transaction and commits it before it answers, or rolls
     * all of it back when one fails. So the whole batch costs one round trip. (Switching autocommit between batches
     * sends nothing: no transaction is open then.)
     */
    private void writeInOneRoundTrip(Connection c) throws SQLException {
        c.setAutoCommit(true);
        committing = true;
        oneRoundTrip = true;
        pg.execute(); // on failure the connection is dropped, autocommit and all
        c.setAutoCommit(false);
    }

    /** Adds records from {@code from} on to one INSERT batch and one DELETE batch and runs them; returns the next. */
    private int writeRound(List<Pending> batch, long firstLsn, int from) throws SQLException {
        Set<String> cancelled = null;
        int inserts = 0;
        int cancels = 0;
        int i = from;
        for (; i < batch.size(); i++) {
            Pending p = batch.get(i);
            LogRecord r = p.record;
            boolean isEnd = r.type() == RecordType.END;
            if (!isEnd) {
                if (cancelled != null && cancelled.contains(r.gtrid())) {
                    break;
                }
                insert.setString(1, nodeId);
                insert.setLong(2, firstLsn + i);
                insert.setString(3, r.gtrid());
                insert.setShort(4, r.type().code());
                insert.setBytes(5, p.payload);
                insert.addBatch();
                inserts++;
            }
            if (isEnd || r.type() == RecordType.ADMIN) {
                Cancel kind = Cancel.of(r);
                cancel.setString(1, nodeId);
                cancel.setString(2, r.gtrid());
                cancel.setShort(3, kind.deletes);
                cancel.setString(4, nodeId);
                cancel.setString(5, r.gtrid());
                cancel.setShort(6, kind.keep1);
                cancel.setShort(7, kind.keep2);
                cancel.addBatch();
                cancels++;
                if (cancelled == null) {
                    cancelled = new HashSet<>();
                }
                cancelled.add(r.gtrid());
            }
        }
        if (inserts > 0) {
            insert.executeBatch();
        }
        if (cancels > 0) {
            cancel.executeBatch();
        }
        return i;
    }

    /** As {@link #writeRound}, on PostgreSQL (see {@link PgBatch}): fills one round, runs it, returns the next. */
    private int writePgRound(List<Pending> batch, long firstLsn, int from) throws SQLException {
        int i = fillPgRound(batch, firstLsn, from);
        pg.execute();
        return i;
    }

    /**
     * Adds records from {@code from} on to the next {@link PgBatch} round: up to the first record for a gtrid the
     * round already cancels (an insert after the cancel, or a second cancel: both must follow it). Returns the next.
     */
    private int fillPgRound(List<Pending> batch, long firstLsn, int from) {
        int i = from;
        for (; i < batch.size(); i++) {
            Pending p = batch.get(i);
            LogRecord r = p.record;
            if (pg.cancels(r.gtrid())) {
                break;
            }
            if (r.type() != RecordType.END) {
                pg.insert(firstLsn + i, r.gtrid(), r.type().code(), p.payload);
            }
            Cancel kind = Cancel.of(r);
            if (kind != null) {
                pg.cancel(r.gtrid(), kind);
            }
        }
        return i;
    }

    /** This node's rows in LSN order, decoded. */
    List<LogRecord> readAll() throws SQLException, CorruptRowException {
        try {
            Connection c = connection();
            List<LogRecord> records = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement(table.select)) {
                s.setString(1, nodeId);
                s.setFetchSize(1000);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        long lsn = rs.getLong(1);
                        byte type = (byte) rs.getShort(2);
                        byte[] payload = rs.getBytes(3);
                        try {
                            records.add(RecordCodec.decode(type, ByteBuffer.wrap(payload)));
                        } catch (IllegalArgumentException e) {
                            throw new CorruptRowException(lsn, type, e);
                        }
                    }
                }
            }
            c.commit();
            return records;
        } catch (Throwable e) {
            drop();
            throw e;
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            Connection c = LocalConnections.open(dataSource);
            try {
                if (Dialect.of(c, "the JDBC log database") == Dialect.POSTGRESQL) {
                    pg = PgBatch.prepare(c, nodeId, table, fence);
                } else {
                    insert = c.prepareStatement(table.insert);
                    cancel = c.prepareStatement(table.cancel);
                }
                fenceCheck = fence == null ? null : fence.prepare(c);
            } catch (SQLException | RuntimeException e) {
                LocalConnections.closeQuietly(c);
                throw e;
            }
            connection = c;
        }
        return connection;
    }

    /** Rolls back and closes the connection; the next batch opens a new one. */
    void drop() {
        Connection c = connection;
        connection = null;
        insert = null;
        cancel = null;
        fenceCheck = null;
        pg = null;
        LocalConnections.discard(c);
    }


    @Override
    public void close() {
        drop();
    }

    /** A record waiting for the next batch, with its payload already encoded by the appending thread. */
    static final class Pending {
        final LogRecord record;
        final byte[] payload;

        Pending(LogRecord record, byte[] payload) {
            this.record = record;
            this.payload = payload;
        }
    }

    /** A row whose payload is not a valid record of its type. */
    static final class CorruptRowException extends Exception {
        private static final long serialVersionUID = 1L;
        final long lsn;

        CorruptRowException(long lsn, byte type, IllegalArgumentException cause) {
            super("row lsn " + lsn + " (type " + type + "): " + cause.getMessage(), cause);
            this.lsn = lsn;
        }
    }
}
