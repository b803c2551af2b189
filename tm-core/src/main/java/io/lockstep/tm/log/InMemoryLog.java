package io.lockstep.tm.log;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A log kept in memory: survives {@code close()} and reopening within one JVM (pass the same instance to a new
 * manager), not a crash. For tests of the engine and recovery; records are kept exactly as appended, with live
 * records folded like the durable log does.
 */
public final class InMemoryLog implements TransactionLog {
    private final ReentrantLock lock = new ReentrantLock();
    private final List<LogRecord> all = new ArrayList<>();
    private long lsn;

    @Override
    public long append(LogRecord record, boolean force) {
        lock.lock();
        try {
            all.add(record);
            return ++lsn;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void awaitDurable(long lsn) {
    }

    @Override
    public List<LogRecord> replay() {
        lock.lock();
        try {
            Map<String, Boolean> ended = new HashMap<>();
            for (LogRecord r : all) {
                if (r instanceof EndRecord) {
                    ended.put(r.gtrid(), Boolean.TRUE);
                }
            }
            List<LogRecord> live = new ArrayList<>();
            for (LogRecord r : all) {
                if (r instanceof CommitRecord && ended.containsKey(r.gtrid())) {
                    continue;
                }
                if (r instanceof EndRecord) {
                    continue;
                }
                live.add(r);
            }
            return live;
        } finally {
            lock.unlock();
        }
    }

    /** Every record appended so far, in order; for assertions in tests. */
    public List<LogRecord> records() {
        lock.lock();
        try {
            return List.copyOf(all);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
    }
}
