package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.it.JdbcConnectionCutTest.Hook;
import io.lockstep.it.JdbcConnectionCutTest.HookSource;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.RecoverySession;
import io.lockstep.tm.XAResourceSource;
import io.lockstep.tm.recovery.RecoveryReport;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import io.lockstep.xa.jms.ArtemisRecoverySource;
import io.lockstep.xa.jms.EmbeddedArtemis;
import io.lockstep.xa.jms.LockstepJms;
import jakarta.jms.Connection;
import jakarta.jms.Session;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.apache.activemq.artemis.jms.client.ActiveMQXAConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Network cuts between Lockstep and an Artemis broker (embedded, persistent journal, TCP acceptor behind a loopback
 * proxy; pooled-jms sessions from {@link LockstepJms}) at chosen points of two-phase commit, with PostgreSQL as the
 * second branch: before the broker prepared (everything rolls back), between prepare and commit (the commit stands,
 * recovery delivers the message), and during recovery's own commit (the next pass finishes it). Each ends with the
 * row and the message both present or both absent, and no transaction left prepared in the broker or the database.
 */
class BrokerConnectionCutTest {
    private static final String NODE = "faults-jms";
    private static final String QUEUE = "faults.out";

    @TempDir
    Path dir;

    EmbeddedArtemis broker;
    TcpProxy proxy;
    LockstepTransactionManager tm;
    LockstepJms.PooledFactory jms;
    ActiveMQXAConnectionFactory viaProxy;
    LockstepDataSource pg;
    Ledger rows;

    @BeforeEach
    void start() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        broker = EmbeddedArtemis.start(dir.resolve("broker"), port, List.of(QUEUE));
        proxy = new TcpProxy("127.0.0.1", port);
        tm = Lockstep.builder().nodeId(NODE).logDirectory(dir.resolve("log"))
                .recoveryInterval(Duration.ofHours(1)).orphanSafetyInterval(Duration.ofMillis(1)).build();
        viaProxy = new ActiveMQXAConnectionFactory("tcp://127.0.0.1:" + proxy.port() + "?callTimeout=2000");
        jms = LockstepJms.pooled(tm, viaProxy).name("faults-artemis").build();
        pg = LockstepDataSources.postgres(tm, Servers.postgresPlain(), Servers.PG_USER, Servers.PG_PASSWORD)
                .name("faults-pg").build();
        tm.registerRecoverable(new HookSource());
        tm.recoverNow(); // an earlier failed run's prepared branches hold locks on the table: roll them back first
        rows = new Ledger(pg, "faults_jms_orders");
    }

    @AfterEach
    void stop() throws Exception {
        jms.stop();
        pg.close();
        tm.close();
        proxy.close();
        viaProxy.close();
        broker.close();
    }

    /** Inserts a row and sends a message in one transaction, with {@code hook} enlisted at its place. */
    private int orderWithHook(String id, Hook hook, boolean hookFirst) throws Exception {
        AtomicInteger status = new AtomicInteger(-1);
        tm.begin();
        tm.getTransaction().registerSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int s) {
                status.set(s);
            }
        });
        if (hookFirst) {
            tm.getTransaction().enlistResource(hook);
        }
        try (Connection c = jms.createConnection()) {
            Session s = c.createSession(true, Session.SESSION_TRANSACTED);
            s.createProducer(s.createQueue(QUEUE)).send(s.createTextMessage(id));
        }
        rows.add(id, 1);
        if (!hookFirst) {
            tm.getTransaction().enlistResource(hook);
        }
        try {
            tm.commit();
        } finally {
            assertThat(tm.getTransaction()).isNull();
        }
        return status.get();
    }

    private void assertNothingPrepared() throws Exception {
        assertThat(broker.preparedTransactions()).as("prepared in the broker").isEmpty();
        assertThat(Prepared.branches(Prepared.postgres(Servers.PG_URL), NODE)).as("prepared in PostgreSQL").isEmpty();
        assertThat(tm.admin().inDoubt()).isEmpty();
        assertThat(tm.admin().heuristics()).isEmpty();
    }

    @Test
    void aCutBeforeTheBrokerPreparedRollsBothBranchesBack() throws Exception {
        assertThatThrownBy(() -> orderWithHook("o-1", new Hook(Hook.When.PREPARE, proxy), true))
                .isInstanceOf(RollbackException.class).hasMessageContaining("faults-artemis");
        proxy.restore();
        RecoveryReport pass = tm.recoverNow();
        assertThat(pass.isClean()).as(pass.toString()).isTrue();
        assertThat(rows.ids()).isEmpty();
        assertThat(broker.messageCount(QUEUE)).isZero();
        assertNothingPrepared();
    }

    @Test
    void aCutBetweenPrepareAndCommitLeavesTheCommitStandingAndRecoveryDeliversTheMessage() throws Exception {
        int status = orderWithHook("o-2", new Hook(Hook.When.PREPARE, proxy), false);
        assertThat(status).as("JTA outcome: the COMMIT record was forced, so the transaction committed")
                .isEqualTo(Status.STATUS_COMMITTED);
        assertThat(rows.ids()).containsExactly("o-2");
        assertThat(broker.preparedTransactions()).as("the broker's branch waits, prepared").hasSize(1);
        assertThat(broker.messageCount(QUEUE)).isZero();

        RecoveryReport down = tm.recoverNow();
        assertThat(down.failedSources()).extracting(RecoveryReport.Item::source).containsExactly("faults-artemis");
        assertThat(down.endedRecords()).isZero();

        proxy.restore();
        RecoveryReport back = tm.recoverNow();
        assertThat(back.committed()).extracting(RecoveryReport.Item::source).containsExactly("faults-artemis");
        assertThat(back.endedRecords()).isEqualTo(1);
        assertThat(back.isClean()).isTrue();
        assertThat(broker.messageCount(QUEUE)).isEqualTo(1);
        assertNothingPrepared();
    }

    @Test
    void aCutDuringRecoverysCommitIsFinishedByTheNextPass() throws Exception {
        orderWithHook("o-3", new Hook(Hook.When.PREPARE, proxy), false);
        assertThat(broker.preparedTransactions()).hasSize(1);
        proxy.restore();
        // Recovery scans the broker, and the connection is cut just as it sends the commit.
        tm.unregisterRecoverable("faults-artemis");
        tm.registerRecoverable(new CutOnCommit(new ArtemisRecoverySource("faults-artemis", viaProxy), proxy));

        RecoveryReport cut = tm.recoverNow();
        assertThat(cut.isClean()).as(cut.toString()).isFalse();
        assertThat(cut.endedRecords()).isZero();
        assertThat(cut.heuristics()).isEmpty();
        assertThat(broker.preparedTransactions()).hasSize(1);
        assertThat(tm.admin().inDoubt()).isNotEmpty().allMatch(v -> v.hasCommitRecord());

        proxy.restore();
        RecoveryReport next = tm.recoverNow();
        assertThat(next.isClean()).as(next.toString()).isTrue();
        assertThat(next.endedRecords()).isEqualTo(1);
        assertThat(rows.ids()).containsExactly("o-3");
        assertThat(broker.messageCount(QUEUE)).isEqualTo(1);
        assertNothingPrepared();
    }

    /**
     * A recovery source whose XAResource breaks the network (cuts the proxy, or another fault) when asked to commit,
     * once, before passing the call on.
     */
    static final class CutOnCommit implements XAResourceSource {
        private final XAResourceSource delegate;
        private final Runnable fault;
        private volatile boolean done;

        CutOnCommit(XAResourceSource delegate, TcpProxy proxy) {
            this(delegate, proxy::cut);
        }

        CutOnCommit(XAResourceSource delegate, Runnable fault) {
            this.delegate = delegate;
            this.fault = fault;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public RecoverySession open() throws Exception {
            RecoverySession session = delegate.open();
            XAResource real = session.xaResource();
            XAResource cutting = new ForwardingXAResource(real) {
                @Override
                public void commit(Xid xid, boolean onePhase) throws XAException {
                    if (!done) {
                        done = true;
                        fault.run();
                    }
                    super.commit(xid, onePhase);
                }
            };
            return new RecoverySession() {
                @Override
                public XAResource xaResource() {
                    return cutting;
                }

                @Override
                public void close() throws Exception {
                    session.close();
                }
            };
        }
    }

    /** Passes every call on. */
    static class ForwardingXAResource implements XAResource {
        private final XAResource d;

        ForwardingXAResource(XAResource d) {
            this.d = d;
        }

        @Override public void commit(Xid xid, boolean onePhase) throws XAException { d.commit(xid, onePhase); }
        @Override public void end(Xid xid, int flags) throws XAException { d.end(xid, flags); }
        @Override public void forget(Xid xid) throws XAException { d.forget(xid); }
        @Override public int getTransactionTimeout() throws XAException { return d.getTransactionTimeout(); }
        @Override public boolean isSameRM(XAResource other) throws XAException { return d.isSameRM(other); }
        @Override public int prepare(Xid xid) throws XAException { return d.prepare(xid); }
        @Override public Xid[] recover(int flag) throws XAException { return d.recover(flag); }
        @Override public void rollback(Xid xid) throws XAException { d.rollback(xid); }
        @Override public boolean setTransactionTimeout(int s) throws XAException { return d.setTransactionTimeout(s); }
        @Override public void start(Xid xid, int flags) throws XAException { d.start(xid, flags); }
    }
}
