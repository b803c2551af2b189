package io.lockstep.tm.log;

import java.util.List;

/**
 * The durable memory of the transaction manager (SPI). Integrators may implement it (e.g. over JDBC); the default
 * is the segmented file log in {@code io.lockstep.tm.log.file}.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #append(LogRecord, boolean)} with {@code force == true} returns only after the record is on stable
 *       storage. Concurrent forced appends may share one physical force (group commit).</li>
 *   <li>With {@code force == false} it returns once the record is accepted; it becomes durable with the next force
 *       or {@link #awaitDurable(long)} of its sequence number.</li>
 *   <li>{@link #replay()} returns the records the log still holds that may matter after a restart: every COMMIT
 *       without its END, every HEURISTIC not forgotten, and ADMIN records, in no particular order between different
 *       transactions. A reader folds them as sets: an END cancels the COMMIT with the same gtrid wherever they
 *       appear.</li>
 *   <li>Implementations are thread-safe. After {@link #close()}, appends fail with
 *       {@link TransactionLogException}.</li>
 * </ul>
 */
public interface TransactionLog extends AutoCloseable {

    /**
     * Appends a record.
     *
     * @param force wait until the record is durable before returning
     * @return the log sequence number of the record, increasing with every append
     * @throws TransactionLogException the record is not durable (I/O error, disk full, closed log)
     */
    long append(LogRecord record, boolean force) throws TransactionLogException;

    /** Waits until every record up to and including {@code lsn} is durable. */
    void awaitDurable(long lsn) throws TransactionLogException;

    /** The records that survive for recovery, see the class contract. */
    List<LogRecord> replay() throws TransactionLogException;

    /** Appends an unforced {@link EndRecord}: the transaction is finished and its COMMIT may be reclaimed. */
    default void end(String gtrid) throws TransactionLogException {
        append(new EndRecord(gtrid), false);
    }

    /** Group-commit statistics, or null for a log that keeps none. */
    default LogStatistics statistics() {
        return null;
    }

    /** Releases files and locks. Idempotent. */
    @Override
    void close();

    /**
     * A log that keeps nothing: for benchmarks of the engine alone and for tests. Transactions committed with it
     * cannot be recovered after a crash.
     */
    static TransactionLog noop() {
        return NoopLog.INSTANCE;
    }
}
