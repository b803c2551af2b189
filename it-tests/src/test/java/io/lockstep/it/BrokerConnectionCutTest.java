package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.it.FaultFixtures.Completion;
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
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.apache.activemq.artemis.jms.client.ActiveMQXAConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Network faults between Lockstep and an Artemis broker (embedded, persistent journal, TCP acceptor behind a loopback
 * proxy; pooled-jms sessions from {@link LockstepJms} with {@code xaCallTimeout} 2 s, i.e. Artemis' {@code
 * callTimeout}) at chosen points of two-phase commit, with PostgreSQL as the second branch. Cuts (FIN): before the
 * broker prepared (everything rolls back), between prepare and commit (the commit stands, recovery delivers the
 * message), during recovery's own commit (the next pass finishes it). Stalls (the proxy stops forwarding, sockets
 * stay open) and resets (TCP RST): as the broker prepares, between prepare and commit, and during recovery (its
 * scan, then its commit), each faulted call giving up within its bound. The broker's protocol is binary, so a hook
 * resource enlisted at the right place strikes the whole proxy. Each case ends with the row and the message both
 * present or both absent, and no transaction left prepared in the broker or the database.
 */
class BrokerConnectionCutTest {
    private static final String NODE = "faults-jms";
    private static final String QUEUE = "faults.out";
    private static final String BROKER = "faults-artemis";
    private static final Duration XA_CALL_TIMEOUT = Duration.ofSeconds(2);
    /** Time a faulted call may take beyond its bound on this shared 2-core machine. */
    private static final long SLACK_MILLIS = 3_000;

    /** How the network fails: the connections closed (FIN), stalled (nothing forwarded, sockets open), reset (RST). */
    enum Fault { CUT, STALL, RESET }

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
        tm = Lockstep.builder().nodeId(NODE).logDirectory(dir.resolve("log")).recoveryInterval(Duration.ofHours(1))
                .orphanSafetyInterval(Duration.ofMillis(1)).recoveryCallTimeout(Duration.ofSeconds(3)).build();
        viaProxy = new ActiveMQXAConnectionFactory("tcp://127.0.0.1:" + proxy.port());
        jms = LockstepJms.pooled(tm, viaProxy).name(BROKER).xaCallTimeout(XA_CALL_TIMEOUT).build();
        pg = LockstepDataSources.postgres(tm, Servers.postgresPlain(), Servers.PG_USER, Servers.PG_PASSWORD)
                .name("faults-pg").build();
        tm.registerRecoverable(new HookSource());
        tm.recoverNow(); // an earlier failed run's prepared branches hold locks on the table: roll them back first
        rows = new Ledger(pg, "faults_jms_orders");
    }

    @AfterEach
    void stop() throws Exception {
        proxy.restore();
        jms.stop();
        pg.close();
        tm.close();
        proxy.close();
        viaProxy.close();
        broker.close();
    }

    /** Sends a message and inserts a row in one transaction, with {@code hook} enlisted first or last. */
    private Completion order(String id, Hook hook, boolean hookFirst) throws Exception {
        tm.begin();
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
        return FaultFixtures.commitObserved(tm);
    }

    private void strike(Fault fault) {
        switch (fault) {
            case CUT -> proxy.cut();
            case STALL -> proxy.stall();
            default -> proxy.reset();
        }
    }

    private RecoveryReport awaitRecovered() {
        return FaultFixtures.recoverUntilClean(tm, this::nothingPrepared);
    }

    private boolean nothingPrepared() throws Exception {
        return broker.preparedTransactions().length == 0
                && Prepared.branches(Prepared.postgres(Servers.PG_URL), NODE).isEmpty();
    }

    /** The row and the message both present ({@code delivered}) or both absent; nothing prepared or in doubt. */
    private void assertConsistent(boolean delivered) throws Exception {
        assertThat(rows.ids()).hasSize(delivered ? 1 : 0);
        assertThat(broker.messageCount(QUEUE)).as("messages").isEqualTo(delivered ? 1 : 0);
        assertNothingPrepared();
        assertThat(tm.admin().counters().heuristic()).isZero();
    }

    private void assertNothingPrepared() throws Exception {
        assertThat(broker.preparedTransactions()).as("prepared in the broker").isEmpty();
        assertThat(Prepared.branches(Prepared.postgres(Servers.PG_URL), NODE)).as("prepared in PostgreSQL").isEmpty();
        assertThat(tm.admin().inDoubt()).isEmpty();
        assertThat(tm.admin().heuristics()).isEmpty();
    }

    /**
     * The network fails as phase one begins, before the broker prepared: a cut or reset is noticed at once; a
     * stalled prepare gives up after callTimeout instead of hanging (the Artemis client then declares the connection failed, so the rollback that follows
     * fails at once and the broker drops the unprepared work with the connection); everything rolls back.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Fault.class)
    void aFaultAsTheBrokerPreparesRollsBothBranchesBack(Fault fault) throws Exception {
        Completion o = order("o-1", new Hook(Hook.When.PREPARE, () -> strike(fault)), true);

        assertThat(o.thrown()).isInstanceOf(RollbackException.class).hasMessageContaining(BROKER);
        assertThat(o.status()).isEqualTo(Status.STATUS_ROLLEDBACK);
        assertThat(o.millis()).isLessThan(XA_CALL_TIMEOUT.toMillis() + SLACK_MILLIS);
        if (fault == Fault.STALL) {
            assertThat(o.millis()).isGreaterThanOrEqualTo(XA_CALL_TIMEOUT.toMillis());
        }

        proxy.restore();
        awaitRecovered();
        assertConsistent(false);
    }

    /**
     * Every branch prepared and the COMMIT record forced, then the network fails: the broker's commit gives up
     * after callTimeout, the commit stands; a recovery pass while the broker is unreachable returns within its
     * bound; once the network is back, recovery delivers the message.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Fault.class)
    void aFaultBetweenPrepareAndCommitLeavesTheCommitStandingAndRecoveryDelivers(Fault fault) throws Exception {
        Completion o = order("o-2", new Hook(Hook.When.PREPARE, () -> strike(fault)), false);

        assertThat(o.thrown()).isNull();
        assertThat(o.status()).as("JTA outcome: the COMMIT record was forced, so the transaction committed")
                .isEqualTo(Status.STATUS_COMMITTED);
        assertThat(o.millis()).isLessThan(XA_CALL_TIMEOUT.toMillis() + SLACK_MILLIS);
        assertThat(rows.ids()).containsExactly("o-2");
        assertThat(broker.preparedTransactions()).as("the broker's branch waits, prepared").hasSize(1);
        assertThat(broker.messageCount(QUEUE)).isZero();

        RecoveryReport down = tm.recoverNow();
        assertThat(down.failedSources()).extracting(RecoveryReport.Item::source).containsExactly(BROKER);
        assertThat(down.endedRecords()).isZero();
        assertThat(down.duration().toMillis()).isLessThan(XA_CALL_TIMEOUT.toMillis() + SLACK_MILLIS);

        proxy.restore();
        RecoveryReport done = awaitRecovered();
        assertThat(done.committed()).extracting(RecoveryReport.Item::source).containsExactly(BROKER);
        assertThat(done.endedRecords()).isEqualTo(1);
        assertThat(done.heuristics()).isEmpty();
        assertConsistent(true);
    }

    /**
     * A transaction in doubt (the connection cut after every branch prepared); then the network fails while
     * recovery scans the broker, and again as recovery commits. Each pass returns within its bound, reports the
     * broker and leaves the record; the pass after the network is back delivers the message.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Fault.class)
    void aFaultDuringRecoveryLeavesTheRecordForALaterPass(Fault fault) throws Exception {
        Completion o = order("o-3", new Hook(Hook.When.PREPARE, () -> strike(Fault.CUT)), false);
        assertThat(o.status()).isEqualTo(Status.STATUS_COMMITTED);
        proxy.restore();
        assertThat(broker.preparedTransactions()).hasSize(1);

        strike(fault);
        RecoveryReport scan = tm.recoverNow();
        assertThat(scan.failedSources()).extracting(RecoveryReport.Item::source).containsExactly(BROKER);
        assertThat(scan.duration().toMillis()).isLessThan(XA_CALL_TIMEOUT.toMillis() + SLACK_MILLIS);
        assertThat(scan.endedRecords()).isZero();
        proxy.restore();

        tm.unregisterRecoverable(BROKER);
        tm.registerRecoverable(new CutOnCommit(new ArtemisRecoverySource(BROKER, viaProxy), () -> strike(fault)));
        // The call the first pass gave up on may still be returning (the client notices the restored network in
        // its own time); until it has, passes skip the broker without touching it, so pass again until one scans.
        RecoveryReport commit = await().atMost(Duration.ofSeconds(30)).until(tm::recoverNow,
                r -> r.failedSources().isEmpty());
        assertThat(commit.isClean()).as(commit.toString()).isFalse();
        assertThat(commit.failedSources()).as("every source was scanned").isEmpty();
        assertThat(commit.pending()).extracting(RecoveryReport.Item::source).contains(BROKER);
        assertThat(commit.heuristics()).isEmpty();
        assertThat(commit.endedRecords()).isZero();
        assertThat(commit.duration().toMillis()).isLessThan(XA_CALL_TIMEOUT.toMillis() + SLACK_MILLIS);
        assertThat(broker.preparedTransactions()).hasSize(1);
        assertThat(tm.admin().inDoubt()).isNotEmpty().allMatch(v -> v.hasCommitRecord());

        proxy.restore();
        RecoveryReport done = awaitRecovered();
        assertThat(done.endedRecords()).isEqualTo(1);
        assertConsistent(true);
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
