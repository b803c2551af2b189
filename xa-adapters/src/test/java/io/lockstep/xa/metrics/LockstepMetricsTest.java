package io.lockstep.xa.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Micrometer binder reports what the manager did. */
class LockstepMetricsTest {
    @TempDir
    Path dir;

    static final class Ok implements XAResource {
        @Override public void commit(Xid xid, boolean onePhase) { }
        @Override public void end(Xid xid, int flags) { }
        @Override public void forget(Xid xid) { }
        @Override public int getTransactionTimeout() { return 0; }
        @Override public boolean isSameRM(XAResource other) { return false; }
        @Override public int prepare(Xid xid) { return XA_OK; }
        @Override public Xid[] recover(int flag) { return new Xid[0]; }
        @Override public void rollback(Xid xid) { }
        @Override public boolean setTransactionTimeout(int seconds) { return true; }
        @Override public void start(Xid xid, int flags) { }
    }

    @Test
    void commitsByProtocolRollbacksLogForcesAndGaugesAreReported() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (LockstepTransactionManager tm = Lockstep.builder().nodeId("metrics").logDirectory(dir).build()) {
            new LockstepMetrics(tm).bindTo(registry);
            tm.begin();
            tm.getTransaction().enlistResource(new Ok());
            tm.getTransaction().enlistResource(new Ok());
            tm.commit();
            tm.begin();
            tm.getTransaction().enlistResource(new Ok());
            tm.commit();
            tm.begin();
            tm.rollback();

            assertThat(registry.get("lockstep.transactions.committed").tag("protocol", "two_phase").functionCounter()
                    .count()).isEqualTo(1);
            assertThat(registry.get("lockstep.transactions.committed").tag("protocol", "one_phase").functionCounter()
                    .count()).isEqualTo(1);
            assertThat(registry.get("lockstep.transactions.rolled.back").functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("lockstep.log.commit.records").functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("lockstep.log.forces").tag("node", "metrics").functionCounter().count())
                    .isGreaterThanOrEqualTo(1);
            assertThat(registry.get("lockstep.transactions.live").gauge().value()).isZero();
            assertThat(registry.get("lockstep.log.force.latency.bucket").tag("le", "+Inf").functionCounter().count())
                    .isGreaterThanOrEqualTo(1);
            assertThat(registry.get("lockstep.log.batch.records.bucket").tag("le", "+Inf").functionCounter().count())
                    .isEqualTo(registry.get("lockstep.log.forces").functionCounter().count());
            assertThat(registry.get("lockstep.recovery.passes").functionCounter().count()).isGreaterThanOrEqualTo(1);
        }
    }
}
