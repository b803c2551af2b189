package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.xa.LockstepXid;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import jakarta.transaction.Transaction;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each XA quirk of DESIGN.md §6 shown on the real server (the raw driver behaves as the table says), then shown
 * handled by the adapter.
 */
class VendorQuirksTest {
    private static final String NODE = "quirks";

    @TempDir
    Path dir;

    LockstepTransactionManager tm;

    @BeforeEach
    void start() {
        tm = Lockstep.builder().nodeId(NODE).logDirectory(dir.resolve("log")).build();
    }

    @AfterEach
    void stop() {
        tm.close();
    }

    private static Xid xid() {
        return LockstepXid.of("quirks:0:" + UUID.randomUUID().toString().substring(0, 8), 1);
    }

    /** On the raw driver: end(TMSUSPEND) is refused, end(TMSUCCESS) then start(resumeFlag) is accepted. */
    private static void assertSuspendRefusedButEndThenStartAccepted(XADataSource ds, int resumeFlag)
            throws Exception {
        XAConnection xc = ds.getXAConnection();
        try {
            XAResource xar = xc.getXAResource();
            Xid x = xid();
            xar.start(x, XAResource.TMNOFLAGS);
            assertThatThrownBy(() -> xar.end(x, XAResource.TMSUSPEND)).isInstanceOf(XAException.class);
            xar.end(x, XAResource.TMSUCCESS);
            xar.start(x, resumeFlag);
            xar.end(x, XAResource.TMSUCCESS);
            xar.rollback(x);
        } finally {
            xc.close();
        }
    }

    /** Through the adapter: work before and after a suspend/resume of the transaction commits together. */
    private void assertSuspendResumeCommits(LockstepDataSource ds, String table) throws Exception {
        Ledger l = new Ledger(ds, table);
        tm.begin();
        l.add("before", 1);
        Transaction t = tm.suspend();
        tm.resume(t);
        l.add("after", 2);
        tm.commit();
        assertThat(l.ids()).as(ds.name()).containsExactly("after", "before");
    }

    @Test
    void postgresRejectsSuspendSoTheAdapterEndsAndJoins() throws Exception {
        assertSuspendRefusedButEndThenStartAccepted(Prepared.postgres(Servers.postgresPlain()), XAResource.TMJOIN);
        try (LockstepDataSource pg = LockstepDataSources.postgres(tm, Servers.PG_URL, Servers.PG_USER,
                Servers.PG_PASSWORD).name("pg-quirk").build()) {
            assertSuspendResumeCommits(pg, "quirks_pg");
        }
    }

    @Test
    void postgresIsSameRmOnlyForTheSameObjectAndRecoversPerDatabase() throws Exception {
        XADataSource test = Prepared.postgres(Servers.postgresPlain());
        XADataSource test2 = Prepared.postgres(Servers.postgres2Plain());
        XAConnection c1 = test.getXAConnection();
        XAConnection c2 = test.getXAConnection();
        try {
            assertThat(c1.getXAResource().isSameRM(c2.getXAResource())).isFalse();
            Xid x = xid();
            XAResource xar = c1.getXAResource();
            xar.start(x, XAResource.TMNOFLAGS);
            xar.end(x, XAResource.TMSUCCESS);
            xar.prepare(x);
            try {
                assertThat(Prepared.branches(test, NODE)).contains(LockstepXid.from(x).toString());
                assertThat(Prepared.branches(test2, NODE)).as("recover lists one database only").isEmpty();
            } finally {
                c2.getXAResource().rollback(x);
            }
        } finally {
            c1.close();
            c2.close();
        }
    }

    @Test
    void mysqlSaysSameRmAcrossConnectionsButRefusesJoinSoTheAdapterNeverJoins() throws Exception {
        XADataSource maria = Prepared.mysql(Servers.mysqlPlain());
        XAConnection c1 = maria.getXAConnection();
        XAConnection c2 = maria.getXAConnection();
        try {
            XAResource r1 = c1.getXAResource();
            XAResource r2 = c2.getXAResource();
            assertThat(r1.isSameRM(r2)).isTrue();
            Xid x = xid();
            r1.start(x, XAResource.TMNOFLAGS);
            assertThatThrownBy(() -> r2.start(x, XAResource.TMJOIN)).isInstanceOf(XAException.class);
            r1.end(x, XAResource.TMSUCCESS);
            r1.rollback(x);
        } finally {
            c1.close();
            c2.close();
        }
        try (LockstepDataSource one = LockstepDataSources.mysql(tm, Servers.MYSQL_URL, Servers.MYSQL_USER,
                Servers.MYSQL_PASSWORD).name("maria-one").build();
             LockstepDataSource two = LockstepDataSources.mysql(tm, Servers.MYSQL_URL, Servers.MYSQL_USER,
                     Servers.MYSQL_PASSWORD).name("maria-two").build()) {
            Ledger l1 = new Ledger(one, "quirks_m1");
            Ledger l2 = new Ledger(two, "quirks_m2");
            tm.begin();
            l1.add("x", 1);
            l2.add("x", 2);
            tm.commit();
            assertThat(l1.ids()).containsExactly("x");
            assertThat(l2.ids()).containsExactly("x");
        }
    }

    @Test
    void mariadbRefusesEndSuspendButAcceptsEndThenStartResume() throws Exception {
        assertSuspendRefusedButEndThenStartAccepted(Prepared.mysql(Servers.mysqlPlain()), XAResource.TMRESUME);
        for (boolean mariadbDriver : new boolean[] {false, true}) {
            String url = mariadbDriver ? Servers.mariadbPlain() : Servers.MYSQL_URL;
            try (LockstepDataSource ds = LockstepDataSources.forUrl(tm, url, Servers.MYSQL_USER,
                    Servers.MYSQL_PASSWORD).name(mariadbDriver ? "mariadb-driver" : "mysql-driver").build()) {
                assertSuspendResumeCommits(ds, "quirks_resume");
            }
        }
    }

    @Test
    void mariadbKeepsPreparedBranchesAfterDisconnect() throws Exception {
        XADataSource maria = Prepared.mysql(Servers.mysqlPlain());
        Xid x = xid();
        XAConnection xc = maria.getXAConnection();
        XAResource xar = xc.getXAResource();
        try (java.sql.Statement s = xc.getConnection().createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS quirks_keep (id INT)");
            xar.start(x, XAResource.TMNOFLAGS);
            s.execute("INSERT INTO quirks_keep VALUES (1)"); // an empty branch would be rolled back at prepare
        }
        xar.end(x, XAResource.TMSUCCESS);
        xar.prepare(x);
        xc.close();
        assertThat(Prepared.branches(maria, NODE)).contains(LockstepXid.from(x).toString());
        XAConnection again = maria.getXAConnection();
        try {
            again.getXAResource().rollback(x);
        } finally {
            again.close();
        }
        assertThat(Prepared.branches(maria, NODE)).doesNotContain(LockstepXid.from(x).toString());
    }

    @Test
    void h2KeepsItsOneConnectionUntilPhaseTwo() throws Exception {
        String url = "jdbc:h2:" + dir.resolve("h2db").toAbsolutePath() + ";DB_CLOSE_DELAY=-1";
        try (LockstepDataSource h2 = LockstepDataSources.h2(tm, url, "sa", "").name("h2-quirk").build();
             LockstepDataSource pg = LockstepDataSources.postgres(tm, Servers.postgresPlain(), Servers.PG_USER,
                     Servers.PG_PASSWORD).name("pg-h2-quirk").build()) {
            Ledger h = new Ledger(h2, "quirks_h2");
            Ledger p = new Ledger(pg, "quirks_h2");
            tm.begin();
            h.add("a", 1);
            h.add("b", 2); // the same pooled connection: its one handle, so the branch survives to phase 2
            p.add("a", 3);
            tm.commit();
            tm.begin();
            h.add("c", 4);
            p.add("c", 4);
            tm.rollback();
            assertThat(h.ids()).containsExactly("a", "b");
            assertThat(p.ids()).containsExactly("a");
        }
    }

    @Test
    void postgresWithoutPreparedTransactionsIsRefusedAtBuildWithTheSettingToChange() throws Exception {
        try (ScratchPostgres scratch = ScratchPostgres.start("max_prepared_transactions=0")) {
            assertThatThrownBy(() -> LockstepDataSources.postgres(tm, scratch.url(), "postgres", "").build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("max_prepared_transactions = 0")
                    .hasMessageContaining("ALTER SYSTEM SET max_prepared_transactions")
                    .hasMessageContaining("restart");
            // Without the start check, the first prepare says the same.
            try (LockstepDataSource pg = LockstepDataSources.postgres(tm, scratch.url(), "postgres", "")
                    .name("pg-no-prepare").checkOnStart(false).build();
                 LockstepDataSource other = LockstepDataSources.postgres(tm, Servers.postgresPlain(), Servers.PG_USER,
                         Servers.PG_PASSWORD).name("pg-other").build()) {
                Ledger l = new Ledger(pg, "quirks_noprep");
                Ledger o = new Ledger(other, "quirks_noprep");
                tm.begin();
                l.add("x", 1);
                o.add("x", 1);
                assertThatThrownBy(tm::commit).isInstanceOf(jakarta.transaction.RollbackException.class)
                        .rootCause().hasMessageContaining("prepared transactions are disabled");
                assertThat(causeMessages(catchCommit(l, o))).contains("max_prepared_transactions");
                assertThat(l.ids()).isEmpty();
                assertThat(o.ids()).isEmpty();
            }
        }
    }

    private Throwable catchCommit(Ledger l, Ledger o) throws Exception {
        tm.begin();
        l.add("y", 1);
        o.add("y", 1);
        try {
            tm.commit();
            return null;
        } catch (jakarta.transaction.RollbackException e) {
            return e;
        }
    }

    private static String causeMessages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append('\n');
        }
        return sb.toString();
    }

    @Test
    void wrongCredentialsFailTheBuildWithTheDriversCauseAndNoPassword() {
        assertThatThrownBy(() -> LockstepDataSources.mysql(tm, Servers.mysqlPlain(), "nobody_here", "s3cret-pw")
                .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nobody_here")
                .hasMessageNotContaining("s3cret-pw")
                .hasCauseInstanceOf(SQLException.class);
        assertThatThrownBy(() -> LockstepDataSources.postgres(tm, Servers.postgresPlain(), "no_such_role", "x")
                .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no_such_role");
        LockstepDataSource lazy = LockstepDataSources.postgres(tm, Servers.postgresPlain(), "no_such_role", "x")
                .name("pg-lazy").checkOnStart(false).acquisitionTimeout(java.time.Duration.ofSeconds(3)).build();
        try {
            assertThatThrownBy(lazy::getConnection).isInstanceOf(SQLException.class)
                    .hasMessageContaining("pg-lazy")
                    .hasCauseInstanceOf(SQLException.class);
        } finally {
            lazy.close();
        }
    }
}
