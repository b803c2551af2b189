package io.lockstep.tm.testing;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.time.Duration;
import javax.transaction.xa.XAResource;

/** Lockstep with a {@link RecordingLog} writing into the scenario's call log. */
public final class LockstepUnderTest implements TmUnderTest {
    private final LockstepTransactionManager tm;
    private final RecordingLog log;

    public LockstepUnderTest(CallLog calls) {
        this.log = new RecordingLog(calls);
        this.tm = Lockstep.builder().nodeId("diff").transactionLog(log).defaultTimeout(Duration.ofSeconds(60))
                .build();
    }

    @Override
    public String name() {
        return "lockstep";
    }

    @Override
    public TransactionManager tm() {
        return tm;
    }

    @Override
    public TransactionSynchronizationRegistry tsr() {
        return tm;
    }

    public RecordingLog log() {
        return log;
    }

    @Override
    public XAResource enlistable(RecordingXAResource resource) {
        return Lockstep.named(resource.name(), resource);
    }

    @Override
    public void reset() throws Exception {
        if (tm.getTransaction() != null) {
            tm.rollback();
        }
        tm.setTransactionTimeout(0);
    }

    @Override
    public void close() {
        tm.close();
    }
}
