package io.lockstep.tm.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.EndRecord;
import io.lockstep.tm.log.HeuristicRecord;
import io.lockstep.tm.log.InMemoryLog;
import io.lockstep.tm.xa.LockstepXid;
import java.time.Duration;
import java.util.List;
import javax.transaction.xa.XAException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DESIGN.md §5 against a resource manager that keeps prepared branches, with the log seeded as a crash left it. */
class RecoveryPassTest {
    private static final String PREVIOUS_RUN = "rec:1:";
    private final InMemoryLog log = new InMemoryLog();
    private final PreparedStore pg = new PreparedStore("pg");
    private final PreparedStore maria = new PreparedStore("maria");
    private LockstepTransactionManager tm;

    private LockstepTransactionManager start(Duration orphanSafety) {
        tm = Lockstep.builder().nodeId("rec").transactionLog(log).orphanSafetyInterval(orphanSafety)
                .recoveryInterval(Duration.ofHours(1)).build();
        tm.registerRecoverable(pg);
        tm.registerRecoverable(maria);
        return tm;
    }

    @AfterEach
    void close() {
        if (tm != null) {
            tm.close();
        }
    }

    private static LockstepXid xid(String gtrid, int branch) {
        return LockstepXid.of(gtrid, branch);
    }

    @Test
    void branchesOfARecordedCommitAreCommittedAndTheRecordEnded() throws Exception {
        String g = PREVIOUS_RUN + "a";
        log.append(new CommitRecord(g, 1, List.of(new BranchRef("pg", 1), new BranchRef("maria", 2))), true);
        pg.prepare(xid(g, 1));
        maria.prepare(xid(g, 2));

        RecoveryReport report = start(Duration.ofSeconds(20)).recoverNow();

        assertThat(report.committed()).extracting(RecoveryReport.Item::xid).containsExactlyInAnyOrder(g + "/1", g + "/2");
        assertThat(report.endedRecords()).isEqualTo(1);
        assertThat(report.isClean()).isTrue();
        assertThat(pg.prepared).isEmpty();
        assertThat(maria.prepared).isEmpty();
        assertThat(log.records()).last().isEqualTo(new EndRecord(g));
        assertThat(tm.admin().inDoubt()).isEmpty();
    }

    @Test
    void aRecordWhoseBranchesAreAlreadyGoneIsEndedOnlyWhenEverySourceWasScanned() throws Exception {
        String g = PREVIOUS_RUN + "b";
        log.append(new CommitRecord(g, 1, List.of(new BranchRef("pg", 1), new BranchRef("maria", 2))), true);
        maria.reachable = false;

        RecoveryReport first = start(Duration.ofSeconds(20)).recoverNow();

        assertThat(first.endedRecords()).isZero();
        assertThat(first.failedSources()).extracting(RecoveryReport.Item::source).containsExactly("maria");
        assertThat(first.pending()).extracting(RecoveryReport.Item::detail)
                .anySatisfy(d -> assertThat(d).contains("maria could not be scanned"));
        assertThat(tm.admin().inDoubt()).extracting(v -> v.gtrid()).containsExactly(g);

        maria.reachable = true;
        RecoveryReport second = tm.recoverNow();
        assertThat(second.endedRecords()).isEqualTo(1);
        assertThat(second.isClean()).isTrue();
    }

    @Test
    void aListedBranchAnsweringNotaIsNotDoneUntilRecoverNoLongerListsIt() throws Exception {
        // MariaDB and MySQL list a branch still attached to the (paused, cut off or closing) session that prepared it,
        // yet answer XAER_NOTA to every other session's XA COMMIT / XA ROLLBACK of it.
        String g = PREVIOUS_RUN + "e";
        log.append(new CommitRecord(g, 1, List.of(new BranchRef("pg", 1))), true);
        LockstepXid decided = xid(g, 1);
        LockstepXid orphan = xid(PREVIOUS_RUN + "f", 1);
        pg.prepare(decided);
        pg.prepare(orphan);
        pg.commitError = XAException.XAER_NOTA;
        pg.rollbackError = XAException.XAER_NOTA;

        RecoveryReport first = start(Duration.ofSeconds(20)).recoverNow();

        assertThat(first.isClean()).isFalse();
        assertThat(first.committed()).isEmpty();
        assertThat(first.rolledBack()).isEmpty();
        assertThat(first.endedRecords()).isZero();
        assertThat(first.pending()).extracting(RecoveryReport.Item::detail)
                .anySatisfy(d -> assertThat(d).startsWith("commit: XAER_NOTA although recover() lists the branch"))
                .anySatisfy(d -> assertThat(d).startsWith("rollback: XAER_NOTA although recover() lists the branch"));
        assertThat(log.records()).doesNotContain(new EndRecord(g));
        assertThat(tm.admin().inDoubt()).extracting(v -> v.gtrid()).contains(g);

        // The session that held them ends: it had committed its branch itself; the orphan is left to recovery.
        pg.prepared.remove(decided);
        pg.commitError = 0;
        pg.rollbackError = 0;
        RecoveryReport second = tm.recoverNow();

        assertThat(second.isClean()).isTrue();
        assertThat(second.endedRecords()).isEqualTo(1);
        assertThat(second.rolledBack()).extracting(RecoveryReport.Item::xid).containsExactly(orphan.toString());
        assertThat(pg.prepared).isEmpty();
        assertThat(log.records()).last().isEqualTo(new EndRecord(g));
    }

    @Test
    void anOrphanOfAnEarlierRunIsRolledBackInTheFirstPass() {
        LockstepXid orphan = xid(PREVIOUS_RUN + "c", 1);
        pg.prepare(orphan);

        RecoveryReport report = start(Duration.ofSeconds(20)).recoverNow();

        assertThat(report.rolledBack()).extracting(RecoveryReport.Item::xid).containsExactly(orphan.toString());
        assertThat(pg.prepared).isEmpty();
    }

    @Test
    void anOrphanOfThisRunIsRolledBackOnlyWhenSeenInTwoPassesAfterTheSafetyInterval() throws Exception {
        start(Duration.ofMillis(300));
        // A branch of this run prepared by a transaction that is not alive: its gtrid has this run's epoch.
        tm.begin();
        String current = (String) tm.getTransactionKey();
        tm.rollback();
        LockstepXid orphan = xid(current, 7);
        pg.prepare(orphan);

        RecoveryReport first = tm.recoverNow();
        assertThat(first.rolledBack()).isEmpty();
        assertThat(first.pending()).extracting(RecoveryReport.Item::detail)
                .anySatisfy(d -> assertThat(d).contains("orphan"));
        assertThat(pg.prepared).containsKey(orphan);

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !tm.recoverNow().rolledBack().isEmpty());
        assertThat(pg.prepared).isEmpty();
    }

    @Test
    void xidsOfOtherFormatsAndForeignNodesAreNeverTouched() {
        LockstepXid foreign = xid("other-node:1:1", 1);
        pg.prepare(foreign);
        pg.prepare(new javax.transaction.xa.Xid() {
            @Override public int getFormatId() { return 4711; }
            @Override public byte[] getGlobalTransactionId() { return "rec:1:z".getBytes(); }
            @Override public byte[] getBranchQualifier() { return new byte[] {0, 0, 0, 1}; }
        });

        RecoveryReport report = start(Duration.ofMillis(1)).recoverNow();

        assertThat(report.rolledBack()).isEmpty();
        assertThat(report.committed()).isEmpty();
        assertThat(pg.prepared).hasSize(2);
        assertThat(pg.calls).isEmpty();
    }

    @Test
    void aHeuristicRollbackFoundByRecoveryIsRecordedForgottenAndVisible() throws Exception {
        String g = PREVIOUS_RUN + "d";
        log.append(new CommitRecord(g, 1, List.of(new BranchRef("pg", 1))), true);
        pg.prepare(xid(g, 1));
        pg.commitError = XAException.XA_HEURRB;

        RecoveryReport report = start(Duration.ofSeconds(20)).recoverNow();

        assertThat(report.heuristics()).extracting(RecoveryReport.Item::xid).containsExactly(g + "/1");
        assertThat(pg.calls).contains("forget " + g + "/1");
        assertThat(log.records()).anySatisfy(r -> assertThat(r).isInstanceOf(HeuristicRecord.class));
        assertThat(tm.admin().heuristics()).extracting(h -> h.gtrid()).containsExactly(g);
        assertThat(report.endedRecords()).isEqualTo(1);

        tm.admin().forget(g, "checked by hand");
        assertThat(tm.admin().heuristics()).isEmpty();
    }

    @Test
    void anOperatorMayNotRollBackATransactionTheLogDecidedToCommit() throws Exception {
        String g = PREVIOUS_RUN + "e";
        log.append(new CommitRecord(g, 1, List.of(new BranchRef("pg", 1))), true);
        pg.commitError = XAException.XAER_RMFAIL;
        pg.prepare(xid(g, 1));
        start(Duration.ofSeconds(20));

        assertThatThrownBy(() -> tm.admin().rollback(g, "oops")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("COMMIT record");
        assertThatThrownBy(() -> tm.admin().commit("not-a-gtrid", "")).isInstanceOf(IllegalArgumentException.class);

        pg.commitError = 0;
        assertThat(tm.admin().commit(g, "operator alice")).containsExactly("pg " + g + "/1: committed");
        assertThat(pg.prepared).isEmpty();
        assertThat(log.records()).anySatisfy(r -> assertThat(r).isInstanceOf(io.lockstep.tm.log.AdminRecord.class));
    }
}
