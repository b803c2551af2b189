package io.lockstep.tm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.EndRecord;
import io.lockstep.tm.log.InMemoryLog;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The README's plain-Java quick start, as a test: two resources, one transaction, one commit record. */
class QuickStartTest {
    private final InMemoryLog log = new InMemoryLog();
    private final LockstepTransactionManager tm = Lockstep.builder().nodeId("quick").transactionLog(log)
            .defaultTimeout(Duration.ofSeconds(30)).build();

    @AfterEach
    void close() {
        tm.close();
    }

    /** Records calls as "name:method". */
    static final class Resource implements XAResource {
        final String name;
        final List<String> calls;
        int prepareError;

        Resource(String name, List<String> calls) {
            this.name = name;
            this.calls = calls;
        }

        @Override public void start(Xid xid, int flags) { calls.add(name + ":start"); }
        @Override public void end(Xid xid, int flags) { calls.add(name + ":end"); }
        @Override public int prepare(Xid xid) throws XAException {
            calls.add(name + ":prepare");
            if (prepareError != 0) {
                throw new XAException(prepareError);
            }
            return XA_OK;
        }
        @Override public void commit(Xid xid, boolean onePhase) { calls.add(name + ":commit" + (onePhase ? "1p" : "")); }
        @Override public void rollback(Xid xid) { calls.add(name + ":rollback"); }
        @Override public void forget(Xid xid) { calls.add(name + ":forget"); }
        @Override public Xid[] recover(int flag) { return new Xid[0]; }
        @Override public boolean isSameRM(XAResource other) { return other == this; }
        @Override public int getTransactionTimeout() { return 0; }
        @Override public boolean setTransactionTimeout(int seconds) { return true; }
    }

    @Test
    void twoResourcesCommitWithOneForcedCommitRecordThenEnd() throws Exception {
        List<String> calls = new ArrayList<>();
        tm.begin();
        tm.getTransaction().enlistResource(Lockstep.named("a", new Resource("a", calls)));
        tm.getTransaction().enlistResource(Lockstep.named("b", new Resource("b", calls)));
        tm.commit();

        assertThat(calls).containsExactly("a:start", "b:start", "a:end", "b:end", "a:prepare", "b:prepare",
                "a:commit", "b:commit");
        assertThat(log.records()).hasSize(2);
        assertThat(log.records().get(0)).isInstanceOf(CommitRecord.class);
        assertThat(((CommitRecord) log.records().get(0)).branches()).extracting(b -> b.resourceName())
                .containsExactly("a", "b");
        assertThat(log.records().get(1)).isInstanceOf(EndRecord.class);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
    }

    @Test
    void prepareFailureRollsBackEverythingAndWritesNothing() throws Exception {
        List<String> calls = new ArrayList<>();
        Resource b = new Resource("b", calls);
        b.prepareError = XAException.XA_RBDEADLOCK;
        tm.begin();
        tm.getTransaction().enlistResource(new Resource("a", calls));
        tm.getTransaction().enlistResource(b);

        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class)
                .hasCauseInstanceOf(XAException.class).hasMessageContaining("XA_RBDEADLOCK");
        assertThat(calls).containsExactly("a:start", "b:start", "a:end", "b:end", "a:prepare", "b:prepare",
                "a:rollback");
        assertThat(log.records()).isEmpty();
        assertThat(tm.getTransaction()).isNull();
    }
}
