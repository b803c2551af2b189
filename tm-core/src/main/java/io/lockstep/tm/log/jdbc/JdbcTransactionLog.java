package io.lockstep.tm.log.jdbc;

import io.lockstep.tm.log.LogRecord;
import io.lockstep.tm.log.LogStatistics;
import io.lockstep.tm.log.RecordCodec;
import io.lockstep.tm.log.TransactionLog;
import io.lockstep.tm.log.TransactionLogException;
import io.lockstep.tm.log.jdbc.BatchWriter.CorruptRowException;
import io.lockstep.tm.log.jdbc.BatchWriter.Pending;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TransactionLog} kept in a database table over plain JDBC (docs/log-format.md, "JDBC log"), so that the
 * log lives where the operators already keep their data. PostgreSQL first; MariaDB, MySQL and H2 work with the
 * same SQL. The driver and the {@link DataSource} are the application's: this class uses {@code java.sql} only.
 *
 * <p>The log database is never an XA participant: every batch is one plain local transaction (READ COMMITTED; on
 * PostgreSQL a one-round batch is the implicit transaction of one round trip, see {@link BatchWriter}) on a
 * connection of its own, which must not be enlisted in any global transaction (give it a
 * plain, non-XA data source). Rows are this node's only ({@code node_id}); several nodes can share one table.
 *
 * <h2>Group commit (leader/follower)</h2>
 * An appender encodes its payload on its own thread, then, under {@link #lock}, adds it to {@code pending} and
 * takes the next LSN. A forced append waits until {@code durableLsn} reaches its LSN; if no leader is active, the
 * waiter becomes the leader: it swaps {@code pending} with the spare list (appenders keep going), releases the lock,
 * writes the whole batch in one database transaction — on PostgreSQL one round trip for all its rows and one for the
 * COMMIT, elsewhere one JDBC batch of INSERTs, one of DELETEs, one COMMIT (see {@link BatchWriter}) — then takes the
 * lock again to publish {@code durableLsn} and wake everyone. Appenders that arrive during a commit wait for the next
 * leader, which takes all of them at once. Before it takes them, a leader may wait briefly for the callers of the
 * previous batch to come back ({@link #gather}), bounded by the previous batch's duration; a lone caller never waits,
 * so it pays one batch.
 *
 * <p>Unforced appends (END) only queue: they ride with the next forced batch, or a background flush writes them
 * within {@value #BACKGROUND_FLUSH_MILLIS} ms when nothing forced comes along (at once when
 * {@value #UNFORCED_FLUSH_RECORDS} are queued), so the table does not keep finished transactions for long.
 *
 * <h2>Failures</h2>
 * A batch whose transaction fails fails exactly its LSNs: each forced caller of that batch gets a
 * {@link TransactionLogException} whose cause is the driver's {@link SQLException}, and its record counts as never
 * written. The connection is discarded; the next batch opens a new one, so the log works again as soon as the
 * database does. A connection that broke while idle (database restarted between batches) is retried once on a new
 * connection, since nothing of that batch reached the database. When the COMMIT itself failed, its outcome is
 * unknown: the next batch first deletes the rows of those LSNs, so a record its caller was told failed does not
 * replay (as the file log zeroes a failed write).
 *
 * <p>Thread-safe. {@link #close()} writes what is queued, then releases the connection.
 */
public final class JdbcTransactionLog implements TransactionLog {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcTransactionLog.class);
    /** Queued unforced records that make the background flusher write at once. */
    static final int UNFORCED_FLUSH_RECORDS = 256;
    /** Longest time an unforced record waits for a batch when nothing forced comes along. */
    static final long BACKGROUND_FLUSH_MILLIS = 100;
    private static final int MAX_FAILED_RANGES = 1024;
    private static final int MAX_GTRID_BYTES = 128;
    private static final int MAX_NODE_ID = 64;
    /** Longest a leader waits for the committers of the previous batch to come back, see {@link #gather}. */
    static final long MAX_GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final String nodeId;
    private final LogTable table;
    /** The fencing token checked by every batch, or null (no node leases). */
    private final Fence fence;
    private final String source;
    private final BatchWriter writer;
    private final ScheduledExecutorService flusher;
    private final BatchStatistics statistics = new BatchStatistics();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition batchDone = lock.newCondition();
    /** Signalled when {@link #pendingForcedCount} reaches {@link #expectedForced} while a leader gathers. */
    private final Condition gathered = lock.newCondition();
    // Guarded by lock.
    private ArrayList<Pending> pending = new ArrayList<>();
    private long nextLsn;
    private long durableLsn;
    private boolean leaderActive;
    /** Some record in {@code pending} was appended with force: its batch counts in the statistics. */
    private boolean pendingForced;
    /** Forced records in {@code pending}. */
    private int pendingForcedCount;
    /**
     * Forced records the next batch can expect: those of the last batch (their callers come back with their next
     * transaction) plus those queued while it was written.
     */
    private int expectedForced;
    /** How long the last batch with a forced record took to write. */
    private long lastBatchNanos;
    /** A leader is waiting in {@link #gather}. */
    private boolean gathering;
    private boolean flushRequested;
    private boolean closed;
    /** Failed batches: first LSN → the failure (last LSN, exception). */
    private final TreeMap<Long, Failed> failed = new TreeMap<>();

    // Owned by the leader (touched only while leaderActive, or under the lock while no leader is active).
    private ArrayList<Pending> spare = new ArrayList<>();
    /** LSN ranges of batches whose COMMIT failed with an unknown outcome; deleted by the next batch. */
    private final List<long[]> unknownOutcome = new ArrayList<>();

    private JdbcTransactionLog(DataSource dataSource, String nodeId, LogTable table, Fence fence) {
        this.nodeId = nodeId;
        this.table = table;
        this.fence = fence;
        this.source = describe(dataSource);
        this.writer = new BatchWriter(dataSource, nodeId, table, fence);
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lockstep-jdbc-log-" + nodeId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens the log of {@code nodeId} in table {@code lockstep_log}, see {@link #open(DataSource, String, String)}. */
    public static JdbcTransactionLog open(DataSource dataSource, String nodeId) throws TransactionLogException {
        return open(dataSource, nodeId, LogTable.DEFAULT_NAME);
    }

    /**
     * Opens the log of {@code nodeId} in {@code table}, creating the table and its index if they do not exist.
     *
     * @param dataSource plain (non-XA) connections to the log database; the log keeps one open between batches
     * @param nodeId     the manager's node id: the log reads and writes only rows with this {@code node_id}
     * @param table      an SQL identifier, optionally schema-qualified
     * @throws IllegalArgumentException bad node id or table name
     * @throws TransactionLogException  the database cannot be reached or the table cannot be created or read
     */
    public static JdbcTransactionLog open(DataSource dataSource, String nodeId, String table)
            throws TransactionLogException {
        return open(dataSource, nodeId, table, null, BACKGROUND_FLUSH_MILLIS);
    }

    /**
     * As {@link #open(DataSource, String, String)}, for a writer that holds a node lease: every batch checks
     * {@code fence} in its transaction and fails once another owner has raised it; from then on every append
     * fails at once with {@link Fence#fencedReason()}.
     *
     * @param fence the lease's fencing token for {@code nodeId}, or null for none
     */
    public static JdbcTransactionLog open(DataSource dataSource, String nodeId, String table, Fence fence)
            throws TransactionLogException {
        if (fence != null && !fence.nodeId().equals(nodeId)) {
            throw new IllegalArgumentException(fence + " does not belong to node " + nodeId);
        }
        return open(dataSource, nodeId, table, fence, BACKGROUND_FLUSH_MILLIS);
    }

    /** As {@link #open(DataSource, String, String)}, with the background flush period (tests lengthen it). */
    static JdbcTransactionLog open(DataSource dataSource, String nodeId, String table, long flushMillis)
            throws TransactionLogException {
        return open(dataSource, nodeId, table, null, flushMillis);
    }

    private static JdbcTransactionLog open(DataSource dataSource, String nodeId, String table, Fence fence,
            long flushMillis) throws TransactionLogException {
        Objects.requireNonNull(dataSource, "dataSource");
        if (nodeId == null || nodeId.isEmpty() || nodeId.length() > MAX_NODE_ID) {
            throw new IllegalArgumentException("node id \"" + nodeId + "\": 1 to " + MAX_NODE_ID + " characters");
        }
        JdbcTransactionLog log = new JdbcTransactionLog(dataSource, nodeId, new LogTable(table), fence);
        try {
            long max = log.writer.open();
            log.nextLsn = max;
            log.durableLsn = max;
        } catch (SQLException | RuntimeException e) {
            log.writer.close();
            log.flusher.shutdownNow();
            throw new TransactionLogException("cannot open " + log + ": " + e.getMessage(), e);
        }
        log.flusher.scheduleWithFixedDelay(log::backgroundFlush, flushMillis, flushMillis, TimeUnit.MILLISECONDS);
        return log;
    }

    /**
     * Checks a table name as {@link #open(DataSource, String, String)} would.
     *
     * @return {@code name}
     * @throws IllegalArgumentException not an SQL identifier, optionally schema-qualified
     */
    public static String checkTableName(String name) {
        return LogTable.checkName(name);
    }

    private static String describe(DataSource dataSource) {
        return dataSource instanceof UrlDataSource ? dataSource.toString() : dataSource.getClass().getName();
    }

    @Override
    public long append(LogRecord record, boolean force) throws TransactionLogException {
        Pending p = new Pending(record, encode(record));
        lock.lock();
        try {
            if (closed) {
                throw new TransactionLogException(this + " is closed");
            }
            if (fence != null && fence.fencedReason() != null) {
                throw new TransactionLogException(fence.fencedReason());
            }
            pending.add(p);
            long lsn = ++nextLsn;
            if (force) {
                pendingForced = true;
                pendingForcedCount++;
                if (gathering && pendingForcedCount >= expectedForced) {
                    gathered.signal();
                }
                awaitDurableLocked(lsn);
            } else if (pending.size() >= UNFORCED_FLUSH_RECORDS && !leaderActive && !flushRequested) {
                flushRequested = true;
                flusher.execute(this::backgroundFlush);
            }
            return lsn;
        } finally {
            lock.unlock();
        }
    }

    private static byte[] encode(LogRecord record) throws TransactionLogException {
        if (record.gtrid().length() > MAX_GTRID_BYTES) {
            throw new TransactionLogException("gtrid of " + record.gtrid().length() + " characters does not fit the"
                    + " log table's gtrid column (" + MAX_GTRID_BYTES + ")");
        }
        ByteBuffer buf = ByteBuffer.allocate(RecordCodec.maxFrameSize(record));
        try {
            RecordCodec.writeFrame(record, buf);
        } catch (IllegalArgumentException e) {
            throw new TransactionLogException("cannot encode " + record.type() + " record of " + record.gtrid() + ": "
                    + e.getMessage(), e);
        }
        int length = buf.position() - RecordCodec.FRAME_HEADER;
        if (length > RecordCodec.MAX_PAYLOAD) {
            throw new TransactionLogException("a " + record.type() + " record of " + length + " bytes exceeds the log's"
                    + " limit of " + RecordCodec.MAX_PAYLOAD + " bytes");
        }
        return Arrays.copyOfRange(buf.array(), RecordCodec.FRAME_HEADER, buf.position());
    }

    @Override
    public void awaitDurable(long lsn) throws TransactionLogException {
        lock.lock();
        try {
            if (lsn > nextLsn) {
                throw new IllegalArgumentException("LSN " + lsn + " was never returned by append (last is "
                        + nextLsn + ")");
            }
            awaitDurableLocked(lsn);
        } finally {
            lock.unlock();
        }
    }

    private void awaitDurableLocked(long lsn) throws TransactionLogException {
        while (true) {
            checkFailed(lsn);
            if (durableLsn >= lsn) {
                return;
            }
            if (closed) {
                throw new TransactionLogException(this + " was closed before record " + lsn + " became durable");
            }
            if (!leaderActive) {
                gather();
                lead(true);
            } else {
                batchDone.awaitUninterruptibly();
            }
        }
    }

    private void checkFailed(long lsn) throws TransactionLogException {
        if (failed.isEmpty()) {
            return;
        }
        Map.Entry<Long, Failed> range = failed.floorEntry(lsn);
        if (range != null && lsn <= range.getValue().last) {
            TransactionLogException f = range.getValue().failure;
            throw new TransactionLogException("log record " + lsn + " is not durable: " + f.getMessage(),
                    f.getCause() != null ? f.getCause() : f);
        }
    }

    /**
     * Before a forced batch, waits (lock released) until as many forced records are queued as the last batch had plus
     * those that queued while it was written, at most as long as the last batch took and at most
     * {@value #MAX_GATHER_NANOS} ns. Called with the lock held and no leader active; other appenders see a leader
     * while it waits.
     *
     * <p>Why: under load the group commit otherwise settles into two alternating halves. While batch k is written,
     * the callers of batch k-1 queue for k+1; when k ends, k+1 starts at once, before the callers of k are back with
     * their next transaction, so they queue for k+2. Each batch then holds half of the concurrent committers. Waiting
     * for the committers of the last batch — usually far shorter than a batch — lets one batch carry them all.
     * A lone caller (the last batch had one forced record and nothing queued meanwhile) never waits; when
     * concurrency drops, one batch waits its full bound and the next expects fewer.
     */
    private void gather() {
        if (pendingForcedCount >= expectedForced || lastBatchNanos <= 0) {
            return;
        }
        leaderActive = true;
        gathering = true;
        boolean interrupted = false;
        try {
            long remaining = Math.min(lastBatchNanos, MAX_GATHER_NANOS);
            while (pendingForcedCount < expectedForced && remaining > 0 && !closed) {
                try {
                    remaining = gathered.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    interrupted = true;
                    break; // write what is queued now; the interrupt stays set for the caller
                }
            }
        } finally {
            gathering = false;
            leaderActive = false;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Writes everything pending as one batch. Called with the lock held and no leader active; returns with the
     * lock held, having published the outcome and woken the waiters.
     *
     * @param forced for a forced append or {@link #awaitDurable}: counted in {@link #statistics()}, as is any batch
     *               holding a forced record, like the file log counts its forces (a background flush of unforced
     *               records only is not)
     * @return the failure of this batch, or null
     */
    private TransactionLogException lead(boolean forced) {
        leaderActive = true;
        boolean counted = forced || pendingForced;
        pendingForced = false;
        int forcedRecords = pendingForcedCount;
        pendingForcedCount = 0;
        ArrayList<Pending> batch = pending;
        pending = spare;
        int count = batch.size();
        long last = nextLsn;
        long first = last - count + 1;
        lock.unlock();
        TransactionLogException failure = new TransactionLogException("the batch's leader thread stopped");
        long started = System.nanoTime();
        try {
            failure = count > 0 || !unknownOutcome.isEmpty() ? write(batch, first, last, counted) : null;
        } finally {
            long took = System.nanoTime() - started;
            lock.lock();
            if (counted) {
                lastBatchNanos = took;
                expectedForced = forcedRecords + pendingForcedCount;
            }
            batch.clear();
            spare = batch;
            if (failure == null) {
                durableLsn = Math.max(durableLsn, last);
            } else if (count > 0) {
                failed.put(first, new Failed(last, failure));
                if (failed.size() > MAX_FAILED_RANGES) {
                    failed.pollFirstEntry();
                }
            }
            leaderActive = false;
            batchDone.signalAll();
        }
        return failure;
    }

    /**
     * Leader only, without the lock. A batch whose kept connection fails in its first round trip is written once
     * more on a new connection (the connection may have broken while idle): when nothing was committed yet, as it
     * is; when that round trip also committed (PostgreSQL, one round), its outcome is unknown, so the second attempt
     * first deletes the batch's own LSN range and then writes it again — either way the table ends up holding the
     * batch exactly once.
     */
    private TransactionLogException write(List<Pending> batch, long first, long last, boolean counted) {
        long started = System.nanoTime();
        boolean outcomeUnknown = false;
        for (int attempt = 1; ; attempt++) {
            try {
                writer.write(batch, first, unknownOutcome);
                unknownOutcome.clear();
                if (counted && !batch.isEmpty()) {
                    statistics.committed(batch.size(), System.nanoTime() - started);
                }
                return null;
            } catch (Exception | Error e) {
                if (e instanceof VirtualMachineError) {
                    throw (VirtualMachineError) e;
                }
                // Drivers report a lost connection as SQLException, but some throw RuntimeExceptions or, with
                // assertions on, AssertionErrors from their own checks: each means this batch did not commit.
                boolean beforeCommit = writer.failedBeforeCommit();
                if (e instanceof Fence.FencedException) {
                    TransactionLogException failure = new TransactionLogException(e.getMessage(), e);
                    LOG.error("{}: {}", this, e.getMessage());
                    return failure;
                }
                if (!beforeCommit && !batch.isEmpty() && !outcomeUnknown) {
                    unknownOutcome.add(new long[] {first, last});
                    outcomeUnknown = true;
                }
                if (attempt == 1 && writer.wasReused() && (beforeCommit || writer.failedInOneRoundTrip())) {
                    continue; // the kept connection may have broken while idle: once more on a new one
                }
                String what = batch.isEmpty() ? "cleanup of failed batches" : "a batch of " + batch.size()
                        + " record(s) (LSN " + first + ".." + last + ")";
                TransactionLogException failure = new TransactionLogException(this + ": " + what + " was not "
                        + "committed" + (outcomeUnknown ? " (outcome of the COMMIT unknown; its rows will be "
                        + "deleted)" : "") + ": " + e.getMessage(), e);
                LOG.warn("{}", failure.getMessage());
                return failure;
            }
        }
    }

    /** On the flusher thread: writes queued unforced records when no leader is doing it anyway. */
    private void backgroundFlush() {
        lock.lock();
        try {
            flushRequested = false;
            if (!closed && !leaderActive && !pending.isEmpty()) {
                lead(false);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * This node's live records, read from the table in LSN order after writing whatever is queued (so an END
     * appended just before is already folded in): COMMITs without END, HEURISTICs not forgotten, and the ADMIN
     * records of those transactions.
     */
    @Override
    public List<LogRecord> replay() throws TransactionLogException {
        lock.lock();
        try {
            while (leaderActive) {
                batchDone.awaitUninterruptibly();
            }
            if (closed) {
                throw new TransactionLogException(this + " is closed");
            }
            if (!pending.isEmpty() || !unknownOutcome.isEmpty()) {
                TransactionLogException f = lead(false);
                if (f != null && !unknownOutcome.isEmpty()) {
                    throw f; // rows of a failed batch may still be there: do not hand them out
                }
                while (leaderActive) {
                    batchDone.awaitUninterruptibly();
                }
            }
            leaderActive = true;
            lock.unlock();
            try {
                return writer.readAll();
            } catch (SQLException | RuntimeException | AssertionError e) {
                throw new TransactionLogException("cannot read " + this + ": " + e.getMessage(), e);
            } catch (CorruptRowException e) {
                throw new TransactionLogException(this + " holds a damaged record: " + e.getMessage() + "; inspect"
                        + " it with SELECT * FROM " + table + " WHERE node_id = '" + nodeId + "' AND lsn = " + e.lsn,
                        e);
            } finally {
                lock.lock();
                leaderActive = false;
                batchDone.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public LogStatistics statistics() {
        return statistics.snapshot();
    }

    /** The node whose rows this log reads and writes. */
    public String nodeId() {
        return nodeId;
    }

    /** The table name, as configured. */
    public String table() {
        return table.name();
    }

    /** Writes what is queued, stops the background flusher and closes the connection. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            while (leaderActive) {
                batchDone.awaitUninterruptibly();
            }
            if (!pending.isEmpty()) {
                lead(false);
            }
            closed = true;
            batchDone.signalAll();
        } finally {
            lock.unlock();
        }
        flusher.shutdownNow();
        writer.close();
    }

    /** Names table, node and database; never a password. */
    @Override
    public String toString() {
        return "JDBC log " + table + " of node " + nodeId + " (" + source + ")";
    }

    private static final class Failed {
        final long last;
        final TransactionLogException failure;

        Failed(long last, TransactionLogException failure) {
            this.last = last;
            this.failure = failure;
        }
    }
}
