package io.lockstep.tm.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.tm.CommitMarkSource;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.EndRecord;
import io.lockstep.tm.log.InMemoryLog;
import io.lockstep.tm.xa.LockstepXid;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Recovery with a commit-markable last resource's marks (CommitMarkSource). */
class CommitMarksRecoveryTest {
    private static final String PREVIOUS_RUN = "mk:1:";
    private final InMemoryLog log = new InMemoryLog();
    private final PreparedStore pg = new PreparedStore("pg");
    private final Marks marks = new Marks();
    private LockstepTransactionManager tm;

    /** Marks in memory; unreadable on demand. */
    static final class Marks implements CommitMarkSource {
        final Set<String> gtrids = ConcurrentHashMap.newKeySet();
        volatile boolean readable = true;

        @Override
        public String name() {
            return "legacy";
        }

        @Override
        public Set<String> marks(Set<String> nodeIds) {
            if (!readable) {
                throw new IllegalStateException("legacy database unreachable");
            }
            return Set.copyOf(gtrids);
        }

        @Override
        public void forget(Collection<String> g) {
            gtrids.removeAll(g);
        }
    }

    private void start() {
        tm = Lockstep.builder().nodeId("mk").transactionLog(log).orphanSafetyInterval(Duration.ofSeconds(20))
                .recoveryInterval(Duration.ofHours(1)).build();
        tm.registerRecoverable(pg);
        tm.registerCommitMarks(marks);
    }

    @AfterEach
    void close() {
        if (tm != null) {
            tm.close();
        }
    }

    @Test
    void aMarkedOrphanIsCommittedThroughANewCommitRecordThenItsMarkIsForgotten() {
        LockstepXid x = LockstepXid.of(PREVIOUS_RUN + "a", 1);
        pg.prepare(x);
        marks.gtrids.add(x.gtrid());
        start();

        RecoveryReport first = tm.recoverNow();
        assertThat(first.committed()).extracting(RecoveryReport.Item::xid).containsExactly(x.toString());
        assertThat(first.rolledBack()).isEmpty();
        assertThat(pg.prepared).isEmpty();
        assertThat(log.records()).anySatisfy(r -> assertThat(r).isInstanceOf(CommitRecord.class))
                .last().isEqualTo(new EndRecord(x.gtrid()));
        assertThat(marks.gtrids).as("kept until a later pass confirms nothing needs it").contains(x.gtrid());

        tm.recoverNow();
        assertThat(marks.gtrids).isEmpty();
    }

    @Test
    void anUnmarkedOrphanIsStillPresumedAborted() {
        LockstepXid x = LockstepXid.of(PREVIOUS_RUN + "b", 1);
        pg.prepare(x);
        start();
        assertThat(tm.recoverNow().rolledBack()).extracting(RecoveryReport.Item::xid).containsExactly(x.toString());
    }

    @Test
    void whileTheMarksCannotBeReadOrphansWaitInsteadOfBeingRolledBack() {
        LockstepXid x = LockstepXid.of(PREVIOUS_RUN + "c", 1);
        pg.prepare(x);
        marks.gtrids.add(x.gtrid());
        marks.readable = false;
        start();

        RecoveryReport blind = tm.recoverNow();
        assertThat(blind.rolledBack()).isEmpty();
        assertThat(blind.committed()).isEmpty();
        assertThat(blind.failedSources()).extracting(RecoveryReport.Item::source).containsExactly("legacy");
        assertThat(blind.pending()).extracting(RecoveryReport.Item::detail)
                .anySatisfy(d -> assertThat(d).contains("commit-mark source legacy cannot be read"));
        assertThat(pg.prepared).containsKey(x);

        marks.readable = true;
        assertThat(tm.recoverNow().committed()).extracting(RecoveryReport.Item::xid).containsExactly(x.toString());
    }
}
