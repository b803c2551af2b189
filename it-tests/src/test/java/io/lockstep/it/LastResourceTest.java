package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import jakarta.transaction.RollbackException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The non-XA last resource (HikariCP, local transactions on PostgreSQL database test2) beside an XA branch
 * (PostgreSQL database test through Agroal) — the Last Resource Commit Optimisation, with and without commit
 * marks, and the crash between the local commit and the COMMIT record.
 */
class LastResourceTest {
    static final String NODE = "lrco";
    static final String XA_TABLE = "lrco_xa";
    static final String LOCAL_TABLE = "lrco_local";

    @TempDir
    Path dir;

    LockstepTransactionManager tm;
    LockstepDataSource xa;
    LockstepDataSource local;

    static LockstepDataSource xaSource(LockstepTransactionManager tm) {
        return LockstepDataSources.postgres(tm, Servers.PG_URL, Servers.PG_USER, Servers.PG_PASSWORD).name("lr-xa")
                .build();
    }

    static LockstepDataSource lastResource(LockstepTransactionManager tm, boolean marks) {
        return LockstepDataSources.lastResource(tm, Servers.PG2_URL, Servers.PG_USER, Servers.PG_PASSWORD)
                .name("lr-local").commitMarks(marks).maxSize(4).build();
    }

    @BeforeEach
    void start() throws Exception {
        Servers.postgresPlain();
        Servers.postgres2Plain();
        tm = Lockstep.builder().nodeId(NODE).logDirectory(dir.resolve("log")).build();
        xa = xaSource(tm);
        new Ledger(xa, XA_TABLE);
        try (LockstepDataSource plain = lastResource(tm, false)) {
            try (Connection c = plain.getConnection(); Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS lrco_child");
            }
            new Ledger(plain, LOCAL_TABLE);
            try (Connection c = plain.getConnection(); Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS lockstep_commit_marks");
                // a deferred foreign key: a dangling row makes the local COMMIT itself fail
                s.execute("CREATE TABLE lrco_child (ref VARCHAR(64) REFERENCES " + LOCAL_TABLE + " (id)"
                        + " DEFERRABLE INITIALLY DEFERRED)");
            }
        }
    }

    @AfterEach
    void stop() {
        if (local != null) {
            local.close();
        }
        xa.close();
        tm.close();
    }

    private Ledger xaLedger() throws SQLException {
        return new Ledger(xa, XA_TABLE, false);
    }

    private Ledger localLedger() throws SQLException {
        return new Ledger(local, LOCAL_TABLE, false);
    }

    @Test
    void lastResourceCommitsWithTheXaBranch() throws Exception {
        local = lastResource(tm, false);
        tm.begin();
        xaLedger().add("t1", 5);
        localLedger().add("t1", 5);
        try (Connection c = local.getConnection()) {
            assertThatThrownBy(c::commit).isInstanceOf(SQLException.class).hasMessageContaining("not allowed");
        }
        tm.commit();
        assertThat(xaLedger().ids()).containsExactly("t1");
        assertThat(localLedger().ids()).containsExactly("t1");
        tm.begin();
        xaLedger().add("t2", 5);
        localLedger().add("t2", 5);
        tm.rollback();
        assertThat(localLedger().ids()).containsExactly("t1");
        await().atMost(Duration.ofSeconds(5)).until(() -> local.stats().active() == 0);
    }

    @Test
    void aLastResourceWhoseCommitFailsRollsTheXaBranchesBack() throws Exception {
        local = lastResource(tm, false);
        tm.begin();
        xaLedger().add("bad", 5);
        try (Connection c = local.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO " + LOCAL_TABLE + " VALUES ('bad', 5)");
            s.executeUpdate("INSERT INTO lrco_child VALUES ('no-such-entry')"); // checked at COMMIT
        }
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class)
                .hasMessageContaining("last resource lr-local");
        assertThat(xaLedger().ids()).isEmpty();
        assertThat(localLedger().ids()).isEmpty();
        assertThat(Prepared.branches(Prepared.postgres(Servers.PG_URL), NODE)).isEmpty();
    }

    @Test
    void aSecondLastResourceInOneTransactionIsRefused() throws Exception {
        local = lastResource(tm, false);
        try (LockstepDataSource second = LockstepDataSources.lastResource(tm, Servers.PG_URL, Servers.PG_USER,
                Servers.PG_PASSWORD).name("lr-second").build()) {
            tm.begin();
            localLedger().add("one", 1);
            assertThatThrownBy(second::getConnection).isInstanceOf(SQLException.class)
                    .hasMessageContaining("lr-second").hasMessageContaining("only one")
                    .hasMessageContaining("XA data sources");
            tm.commit();
            assertThat(localLedger().ids()).containsExactly("one");
            await().atMost(Duration.ofSeconds(5)).until(() -> second.stats().active() == 0);
        }
    }

    @Test
    void commitMarksAreWrittenWithTheLocalCommitAndCleanedUpLater() throws Exception {
        local = lastResource(tm, true);
        for (int i = 0; i < 3; i++) {
            tm.begin();
            xaLedger().add("m" + i, 1);
            localLedger().add("m" + i, 1);
            tm.commit();
        }
        // Each commit deletes the marks of the finished ones before it; the last one's mark is still there.
        assertThat(marks()).isEqualTo(1);
        tm.recoverNow();
        tm.recoverNow(); // a mark seen by two passes, with nothing prepared and not alive, is deleted
        assertThat(marks()).isZero();
        assertThat(localLedger().ids()).containsExactly("m0", "m1", "m2");
    }

    private int marks() throws SQLException {
        try (Connection c = local.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM lockstep_commit_marks WHERE node_id = '" + NODE + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void crashAfterTheLocalCommitWithMarksIsCommittedByRecovery() throws Exception {
        crashChild(true, "crash-marked");
        local = lastResource(tm, true);
        tm.recoverNow();
        assertThat(localLedger().ids()).containsExactly("crash-marked");
        assertThat(xaLedger().ids()).as("the mark made recovery commit the XA branch").containsExactly("crash-marked");
        assertThat(Prepared.branches(Prepared.postgres(Servers.PG_URL), NODE)).isEmpty();
    }

    @Test
    void crashAfterTheLocalCommitWithoutMarksIsTheKnownLrcoWindow() throws Exception {
        crashChild(false, "crash-plain");
        local = lastResource(tm, false);
        tm.recoverNow();
        assertThat(localLedger().ids()).containsExactly("crash-plain");
        assertThat(xaLedger().ids()).as("presumed abort: the window commit marks close").isEmpty();
        assertThat(Prepared.branches(Prepared.postgres(Servers.PG_URL), NODE)).isEmpty();
    }

    /** Runs the child on a log of its own; then this test's manager is reopened on that log. */
    private void crashChild(boolean marks, String id) throws Exception {
        xa.close();
        tm.close();
        Path log = dir.resolve("crash-log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LastResourceCrashChild.class.getName(), log.toString(),
                String.valueOf(marks), id).redirectErrorStream(true).inheritIO().start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("halted in the window").isEqualTo(LastResourceCrashChild.HALTED);
        assertThat(Prepared.branches(Prepared.postgres(Servers.PG_URL), NODE)).as("the XA branch is prepared")
                .hasSize(1);
        tm = Lockstep.builder().nodeId(NODE).logDirectory(log).build();
        xa = xaSource(tm);
    }
}
