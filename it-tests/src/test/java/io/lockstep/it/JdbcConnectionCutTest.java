package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.RecoverySession;
import io.lockstep.tm.XAResourceSource;
import io.lockstep.tm.recovery.RecoveryReport;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import jakarta.transaction.RollbackException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A loopback TCP proxy in front of PostgreSQL cuts the pooled connections at chosen points of two-phase commit
 * (a hook resource, enlisted in the right place, pulls the plug); recovery finishes what the commit could not.
 */
class JdbcConnectionCutTest {
    private static final String NODE = "jdbccut";

    @TempDir
    Path dir;

    LockstepTransactionManager tm;
    TcpProxy proxy;
    LockstepDataSource pg;
    LockstepDataSource maria;
    Ledger p;
    Ledger m;

    @BeforeEach
    void start() throws Exception {
        URI target = URI.create(Servers.postgresPlain().substring("jdbc:".length()));
        proxy = new TcpProxy(target.getHost(), target.getPort());
        tm = Lockstep.builder().nodeId(NODE).logDirectory(dir.resolve("log"))
                .orphanSafetyInterval(Duration.ofMillis(1)).build();
        pg = LockstepDataSources.postgres(tm, "jdbc:postgresql://127.0.0.1:" + proxy.port() + target.getPath(),
                Servers.PG_USER, Servers.PG_PASSWORD).name("pg-proxied").build();
        maria = LockstepDataSources.mysql(tm, Servers.mysqlPlain(), Servers.MYSQL_USER, Servers.MYSQL_PASSWORD)
                .name("maria-direct").build();
        tm.registerRecoverable(new HookSource());
        p = new Ledger(pg, "jdbccut_ledger");
        m = new Ledger(maria, "jdbccut_ledger");
    }

    @AfterEach
    void stop() throws Exception {
        pg.close();
        maria.close();
        tm.close();
        proxy.close();
    }

    @Test
    void cutAfterEveryBranchPreparedIsCommittedByRecovery() throws Exception {
        tm.begin();
        p.add("after-prepare", 1);
        m.add("after-prepare", 1);
        tm.getTransaction().enlistResource(new Hook(Hook.When.PREPARE, proxy));
        tm.commit(); // the COMMIT record is forced; PostgreSQL's commit fails and is left to recovery
        assertThat(m.ids()).containsExactly("after-prepare");
        assertThat(Prepared.branches(Prepared.postgres(Servers.PG_URL), NODE)).hasSize(1);

        RecoveryReport down = tm.recoverNow();
        assertThat(down.failedSources()).extracting(RecoveryReport.Item::source).contains("pg-proxied");
        proxy.restore();
        tm.recoverNow();
        assertThat(p.ids()).containsExactly("after-prepare");
        assertNothingPrepared();
    }

    @Test
    void cutInPhaseTwoAfterTheFirstCommitIsCompletedByRecovery() throws Exception {
        tm.begin();
        m.add("mid-commit", 1);
        tm.getTransaction().enlistResource(new Hook(Hook.When.COMMIT, proxy));
        p.add("mid-commit", 1);
        tm.commit();
        assertThat(m.ids()).containsExactly("mid-commit");
        proxy.restore();
        tm.recoverNow();
        assertThat(p.ids()).containsExactly("mid-commit");
        assertNothingPrepared();
        // the pool replaced the broken connection
        tm.begin();
        p.add("next", 2);
        m.add("next", 2);
        tm.commit();
        assertThat(p.ids()).containsExactly("mid-commit", "next");
    }

    @Test
    void cutBeforePostgresPreparedRollsEverythingBack() throws Exception {
        tm.begin();
        m.add("in-prepare", 1);
        tm.getTransaction().enlistResource(new Hook(Hook.When.PREPARE, proxy));
        p.add("in-prepare", 1);
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class).hasMessageContaining("pg-proxied");
        proxy.restore();
        tm.recoverNow();
        assertThat(m.ids()).isEmpty();
        assertThat(p.ids()).isEmpty();
        assertNothingPrepared();
    }

    private void assertNothingPrepared() throws Exception {
        assertThat(Prepared.branches(Prepared.postgres(Servers.PG_URL), NODE)).isEmpty();
        assertThat(Prepared.branches(Prepared.mysql(Servers.MYSQL_URL), NODE)).isEmpty();
    }

    /**
     * A resource that breaks the network when it prepares or commits (cuts the proxy, or another fault); it votes
     * and commits like a real one.
     */
    static final class Hook implements io.lockstep.tm.NamedXAResource {
        enum When { PREPARE, COMMIT }

        private final When when;
        private final Runnable fault;

        Hook(When when, TcpProxy proxy) {
            this(when, proxy == null ? () -> { } : proxy::cut);
        }

        Hook(When when, Runnable fault) {
            this.when = when;
            this.fault = fault;
        }

        @Override
        public String getName() {
            return "hook";
        }

        @Override
        public boolean canJoin() {
            return false;
        }

        @Override
        public int prepare(Xid xid) {
            if (when == When.PREPARE) {
                fault.run();
            }
            return XA_OK;
        }

        @Override
        public void commit(Xid xid, boolean onePhase) {
            if (when == When.COMMIT) {
                fault.run();
            }
        }

        @Override
        public void start(Xid xid, int flags) {
        }

        @Override
        public void end(Xid xid, int flags) {
        }

        @Override
        public void rollback(Xid xid) {
        }

        @Override
        public void forget(Xid xid) {
        }

        @Override
        public Xid[] recover(int flag) {
            return new Xid[0];
        }

        @Override
        public boolean isSameRM(XAResource other) {
            return other == this;
        }

        @Override
        public int getTransactionTimeout() {
            return 0;
        }

        @Override
        public boolean setTransactionTimeout(int seconds) {
            return false;
        }
    }

    /** The hook keeps nothing, so its recovery scan is always empty. */
    static final class HookSource implements XAResourceSource {
        @Override
        public String name() {
            return "hook";
        }

        @Override
        public RecoverySession open() {
            Hook hook = new Hook(Hook.When.PREPARE, () -> { });
            return new RecoverySession() {
                @Override
                public XAResource xaResource() {
                    return hook;
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
