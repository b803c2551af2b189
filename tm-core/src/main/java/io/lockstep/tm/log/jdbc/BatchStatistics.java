package io.lockstep.tm.log.jdbc;

import io.lockstep.tm.log.LogStatistics;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters of committed batches for {@link JdbcTransactionLog#statistics()}. Written by the group-commit leader
 * only (one at a time), read by metrics at any time.
 */
final class BatchStatistics {
    private volatile long batches;
    private volatile long records;
    private volatile long nanos;
    private volatile long largest;
    private final AtomicLongArray micros = new AtomicLongArray(LogStatistics.FORCE_MICROS_BOUNDS.length + 1);
    private final AtomicLongArray sizes = new AtomicLongArray(LogStatistics.BATCH_BOUNDS.length + 1);

    /** Leader only: one batch of {@code count} records committed in {@code tookNanos}. */
    void committed(int count, long tookNanos) {
        batches++;
        records += count;
        nanos += tookNanos;
        if (count > largest) {
            largest = count;
        }
        micros.incrementAndGet(LogStatistics.bucket(LogStatistics.FORCE_MICROS_BOUNDS, tookNanos / 1_000));
        sizes.incrementAndGet(LogStatistics.bucket(LogStatistics.BATCH_BOUNDS, count));
    }

    LogStatistics snapshot() {
        long[] m = new long[micros.length()];
        for (int i = 0; i < m.length; i++) {
            m[i] = micros.get(i);
        }
        long[] s = new long[sizes.length()];
        for (int i = 0; i < s.length; i++) {
            s[i] = sizes.get(i);
        }
        return new LogStatistics(batches, records, nanos, largest, m, s);
    }
}
