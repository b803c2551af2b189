package io.lockstep.tm.testing;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.log.LogRecord;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A fresh Lockstep manager per test over a {@link RecordingLog}, with one {@link CallLog} shared by the resources
 * the test creates. Default timeout 60 s unless a subclass overrides {@link #defaultTimeout()}.
 */
public abstract class LockstepTestBase {
    protected final CallLog calls = new CallLog();
    protected RecordingLog log;
    protected LockstepTransactionManager tm;

    @BeforeEach
    void startManager() {
        log = new RecordingLog(calls);
        tm = Lockstep.builder().nodeId("n1").transactionLog(log).defaultTimeout(defaultTimeout()).build();
        calls.clear();
    }

    @AfterEach
    void closeManager() {
        if (tm != null) {
            tm.close();
        }
    }

    protected Duration defaultTimeout() {
        return Duration.ofSeconds(60);
    }

    /** A resource of its own RM. */
    protected RecordingXAResource resource(String name) {
        return new RecordingXAResource(name, calls);
    }

    /** A resource of RM {@code rmId}. */
    protected RecordingXAResource resource(String name, String rmId) {
        return new RecordingXAResource(name, rmId, calls);
    }

    /** The XA calls (entries of resources named {@code rm*}) and log records, in order. */
    protected List<String> xaAndLog() {
        return calls.entries().stream().filter(e -> e.startsWith("rm") || e.startsWith("log.")).toList();
    }

    protected List<LogRecord> records() {
        return log.records();
    }
}
