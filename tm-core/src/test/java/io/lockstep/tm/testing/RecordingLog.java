package io.lockstep.tm.testing;

import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.EndRecord;
import io.lockstep.tm.log.HeuristicRecord;
import io.lockstep.tm.log.InMemoryLog;
import io.lockstep.tm.log.LogRecord;
import io.lockstep.tm.log.TransactionLog;
import java.util.List;

/**
 * An {@link InMemoryLog} that also writes each append, with its force flag, into the test's {@link CallLog}, so a
 * test can assert where the COMMIT record falls among the XA calls, e.g. {@code log.COMMIT(tx1, forced, 2)}.
 */
public final class RecordingLog implements TransactionLog {
    private final InMemoryLog delegate = new InMemoryLog();
    private final CallLog calls;

    public RecordingLog(CallLog calls) {
        this.calls = calls;
    }

    @Override
    public long append(LogRecord record, boolean force) {
        String forced = force ? "forced" : "unforced";
        if (record instanceof CommitRecord) {
            calls.logRecord("COMMIT(%tx, " + forced + ", " + ((CommitRecord) record).branches().size() + ")",
                    record.gtrid());
        } else if (record instanceof EndRecord) {
            calls.logRecord("END(%tx, " + forced + ")", record.gtrid());
        } else if (record instanceof HeuristicRecord) {
            calls.logRecord("HEURISTIC(%tx, " + ((HeuristicRecord) record).outcome() + ")", record.gtrid());
        } else {
            calls.logRecord(record.type() + "(%tx)", record.gtrid());
        }
        return delegate.append(record, force);
    }

    @Override
    public void awaitDurable(long lsn) {
        delegate.awaitDurable(lsn);
    }

    @Override
    public List<LogRecord> replay() {
        return delegate.replay();
    }

    /** Every record appended so far, in order. */
    public List<LogRecord> records() {
        return delegate.records();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
