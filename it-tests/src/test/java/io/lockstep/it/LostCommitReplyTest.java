package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.EndRecord;
import io.lockstep.tm.log.HeuristicRecord;
import io.lockstep.tm.log.LogRecord;
import io.lockstep.tm.log.file.LogReader;
import io.lockstep.tm.recovery.RecoveryReport;
import jakarta.transaction.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.XADataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The heuristic hazard that is not one (Narayana's "false heuristic"): a resource manager commits a prepared branch
 * but its reply is lost (a loopback proxy forwards the {@code COMMIT PREPARED} / {@code XA COMMIT}, swallows the
 * answer and closes the connection). The commit decision stands, the caller sees a committed transaction, and when
 * recovery finds the branch gone it counts it as done: no heuristic in the outcome, the admin view, the counters or
 * the log; the row is committed; nothing stays prepared. Both on the application's phase two and on recovery's own
 * commit, for PostgreSQL and for MariaDB through both of its drivers.
 */
class LostCommitReplyTest {
    private static final String NODE = "faults-lost";

    /** The database behind the proxy (its reply is lost), and the other one reached directly. */
    enum Target {
        POSTGRES("COMMIT PREPARED"),
        MARIADB_VIA_MYSQL_DRIVER("XA COMMIT"),
        MARIADB_VIA_MARIADB_DRIVER("XA COMMIT");

        final String commitRequest;

        Target(String commitRequest) {
            this.commitRequest = commitRequest;
        }
    }

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private final class Setup {
        final LockstepTransactionManager tm;
        final TcpProxy proxy;
        final Ledger proxied;
        final Ledger direct;
        final XADataSource proxiedXa;

        Setup(Target target) throws Exception {
            String table = "faults_lost_" + target.name().toLowerCase();
            tm = Lockstep.builder().nodeId(NODE).logDirectory(dir.resolve("log"))
                    .recoveryInterval(Duration.ofHours(1)).build();
            toClose.add(tm);
            ProxiedDatabases dbs = new ProxiedDatabases(tm, ProxiedDatabases.Proxied.valueOf(target.name()),
                    "faults", b -> b);
            toClose.add(dbs);
            proxy = dbs.proxy;
            proxiedXa = dbs.proxiedXa;
            // Branches an earlier, failed run of this node left prepared hold locks on the tables: roll them back
            // (an earlier incarnation's orphans) before the tables are dropped.
            tm.recoverNow();
            proxied = new Ledger(dbs.proxied, table);
            direct = new Ledger(dbs.direct, table);
        }

        /** One transfer over both databases; returns the status afterCompletion saw. */
        int transfer(String id) throws Exception {
            tm.begin();
            direct.add(id, 1);
            proxied.add(id, 1);
            FaultFixtures.Completion done = FaultFixtures.commitObserved(tm);
            assertThat(done.thrown()).isNull();
            return done.status();
        }

        void assertNoHeuristicAnywhere(List<RecoveryReport> passes) throws Exception {
            for (RecoveryReport r : passes) {
                assertThat(r.heuristics()).as("heuristics of recovery pass %s", r).isEmpty();
            }
            assertThat(tm.admin().heuristics()).isEmpty();
            assertThat(tm.admin().counters().heuristic()).isZero();
            assertThat(tm.admin().inDoubt()).isEmpty();
            assertThat(Prepared.branches(Prepared.postgres(Servers.PG_URL), NODE)).isEmpty();
            assertThat(Prepared.branches(Prepared.mysql(Servers.MYSQL_URL), NODE)).isEmpty();
            assertThat(Prepared.branches(proxiedXa, NODE)).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Target.class)
    void aCommitWhoseReplyIsLostInPhaseTwoIsCommittedNotHeuristic(Target target) throws Exception {
        Setup s = new Setup(target);
        s.proxy.loseReplyTo(target.commitRequest);

        int status = s.transfer("t1");

        assertThat(s.proxy.lostReplies()).as("the proxy swallowed the reply to the commit").isEqualTo(1);
        assertThat(status).as("afterCompletion status").isEqualTo(Status.STATUS_COMMITTED);
        assertThat(s.proxied.ids()).as("the server committed although the client never heard").containsExactly("t1");
        assertThat(s.direct.ids()).containsExactly("t1");
        assertThat(s.tm.admin().inDoubt()).as("the record waits for recovery to see the branch gone")
                .extracting(v -> v.hasCommitRecord()).containsOnly(true);

        RecoveryReport pass = s.tm.recoverNow();
        assertThat(pass.isClean()).as(pass.toString()).isTrue();
        assertThat(pass.endedRecords()).isEqualTo(1);
        s.assertNoHeuristicAnywhere(List.of(pass));
        s.tm.close();
        assertLogHasNoHeuristicAndEveryCommitEnded(1);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Target.class)
    void aRecoveryCommitWhoseReplyIsLostIsDoneWhenTheNextPassFindsTheBranchGone(Target target) throws Exception {
        Setup s = new Setup(target);
        // Phase two cannot reach the proxied database (the connection is cut after every branch prepared) ...
        s.tm.begin();
        s.direct.add("t2", 2);
        s.proxied.add("t2", 2);
        s.tm.getTransaction().enlistResource(new JdbcConnectionCutTest.Hook(JdbcConnectionCutTest.Hook.When.PREPARE,
                s.proxy));
        s.tm.registerRecoverable(new JdbcConnectionCutTest.HookSource());
        s.tm.commit();
        assertThat(Prepared.branches(s.proxiedXa, NODE)).hasSize(1);
        s.proxy.restore();
        assertThat(s.proxied.ids()).isEmpty();

        // ... so recovery commits it, and that reply is lost too.
        s.proxy.loseReplyTo(target.commitRequest);
        RecoveryReport lost = s.tm.recoverNow();
        assertThat(s.proxy.lostReplies()).isEqualTo(1);
        assertThat(lost.isClean()).as("the lost reply leaves the record pending: %s", lost).isFalse();
        assertThat(lost.endedRecords()).isZero();

        RecoveryReport next = s.tm.recoverNow();
        assertThat(next.isClean()).as(next.toString()).isTrue();
        assertThat(next.endedRecords()).isEqualTo(1);
        assertThat(s.proxied.ids()).containsExactly("t2");
        assertThat(s.direct.ids()).containsExactly("t2");
        s.assertNoHeuristicAnywhere(List.of(lost, next));
        s.tm.close();
        assertLogHasNoHeuristicAndEveryCommitEnded(1);
    }

    /**
     * The contrast: with one branch there is no prepare and no log write (one-phase commit), so when the reply to
     * the COMMIT is lost nothing can find out what the database did. That hazard is real, and it is reported as one
     * (HeuristicMixedException, a HAZARD record the operator sees and forgets) — here the database had committed.
     */
    @org.junit.jupiter.api.Test
    void aOnePhaseCommitWhoseReplyIsLostIsATrueHazardAndReportedAsOne() throws Exception {
        Setup s = new Setup(Target.POSTGRES);
        s.proxy.loseReplyTo("COMMIT");
        s.tm.begin();
        String gtrid = String.valueOf(s.tm.getTransactionKey());
        s.proxied.add("t3", 3);
        org.assertj.core.api.Assertions.assertThatThrownBy(s.tm::commit)
                .isInstanceOf(jakarta.transaction.HeuristicMixedException.class)
                .hasMessageContaining("one-phase commit").hasMessageContaining("outcome of the branch is unknown");
        assertThat(s.proxy.lostReplies()).isEqualTo(1);
        assertThat(s.proxied.ids()).as("what the database really did").containsExactly("t3");
        assertThat(s.tm.admin().heuristics()).singleElement().satisfies(h -> {
            assertThat(h.gtrid()).isEqualTo(gtrid);
            assertThat(h.outcome()).isEqualTo(io.lockstep.tm.log.HeuristicOutcome.HAZARD);
        });
        s.tm.admin().forget(gtrid, "checked: t3 is in faults_lost_postgres");
        assertThat(s.tm.admin().heuristics()).isEmpty();
        assertThat(Prepared.branches(s.proxiedXa, NODE)).isEmpty();
    }

    private void assertLogHasNoHeuristicAndEveryCommitEnded(int transactions) throws Exception {
        List<LogRecord> records = new ArrayList<>();
        LogReader.read(dir.resolve("log"), new LogReader.Visitor() {
            @Override
            public void segment(Path file, long seq, String nodeId, long size) {
            }

            @Override
            public void record(Path file, long offset, LogRecord record) {
                records.add(record);
            }

            @Override
            public void damaged(Path file, long offset, String what) {
                throw new AssertionError("damaged log: " + file + " at " + offset + ": " + what);
            }
        });
        assertThat(records).noneMatch(r -> r instanceof HeuristicRecord);
        assertThat(records.stream().filter(r -> r instanceof CommitRecord)).hasSize(transactions);
        assertThat(records.stream().filter(r -> r instanceof EndRecord)).hasSize(transactions);
    }
}
