package io.lockstep.tm.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import java.nio.file.Path;
import java.util.List;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Users who profile in production see transaction completions and log writes as JFR events. */
class JfrEventsTest {
    @TempDir
    Path dir;

    static final class Prepares implements XAResource {
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
    void aTwoPhaseCommitEmitsACompletionEventAndAForcedLogWriteEvent() throws Exception {
        String gtrid;
        try (Recording recording = new Recording();
                LockstepTransactionManager tm = Lockstep.builder().nodeId("jfr").logDirectory(dir.resolve("log"))
                        .build()) {
            recording.enable("io.lockstep.TransactionCompletion");
            recording.enable("io.lockstep.LogForce");
            recording.start();
            tm.begin();
            gtrid = (String) tm.getTransactionKey();
            tm.getTransaction().enlistResource(Lockstep.named("a", new Prepares()));
            tm.getTransaction().enlistResource(Lockstep.named("b", new Prepares()));
            tm.commit();
            recording.stop();
            Path file = dir.resolve("events.jfr");
            recording.dump(file);
            List<RecordedEvent> events = RecordingFile.readAllEvents(file);

            assertThat(events).anySatisfy(e -> {
                assertThat(e.getEventType().getName()).isEqualTo("io.lockstep.TransactionCompletion");
                assertThat(e.getString("gtrid")).isEqualTo(gtrid);
                assertThat(e.getString("outcome")).isEqualTo("COMMITTED");
                assertThat(e.getString("protocol")).isEqualTo("TWO_PHASE");
                assertThat(e.getInt("branches")).isEqualTo(2);
            });
            assertThat(events).anySatisfy(e -> {
                assertThat(e.getEventType().getName()).isEqualTo("io.lockstep.LogForce");
                assertThat(e.getBoolean("forced")).isTrue();
                assertThat(e.getInt("records")).isGreaterThanOrEqualTo(1);
            });
            assertThat(tm.admin().logStatistics().forces()).isGreaterThanOrEqualTo(1);
        }
    }
}
