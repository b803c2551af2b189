package io.lockstep.tm.log;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** {@link TransactionLog#noop()}: accepts every record and keeps none. */
final class NoopLog implements TransactionLog {
    static final NoopLog INSTANCE = new NoopLog();

    private final AtomicLong lsn = new AtomicLong();

    private NoopLog() {
    }

    @Override
    public long append(LogRecord record, boolean force) {
        return lsn.incrementAndGet();
    }

    @Override
    public void awaitDurable(long lsn) {
    }

    @Override
    public List<LogRecord> replay() {
        return List.of();
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "noop log";
    }
}
