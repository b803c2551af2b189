package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.lockstep.it.BrokerConnectionCutTest.CutOnCommit;
import io.lockstep.it.JdbcConnectionCutTest.Hook;
import io.lockstep.it.JdbcConnectionCutTest.HookSource;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
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
import org.apache.activemq.artemis.jms.client.ActiveMQXAConnectionFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Stalls (the proxy stops forwarding, sockets stay open) and resets (TCP RST) between Lockstep and an embedded
 * Artemis broker (persistent journal, TCP acceptor behind a loopback proxy; pooled-jms sessions from
 * {@link LockstepJms} with {@code xaCallTimeout} 2 s, i.e. Artemis' {@code callTimeout}), PostgreSQL as the second
 * branch: as the broker prepares, between prepare and commit, and during recovery (its scan, then its commit). The
 * broker's protocol is binary, so a hook resource enlisted at the right place strikes the whole proxy. Each case:
 * the outcome JTA requires, a stalled call that gives up within its bound, recovery that finishes the transaction
 * once the network is back, the row and the message both present or both absent, nothing left prepared.
 */
class BrokerStallAndResetTest {
    private static final String NODE = "faults-jmsstall";
    private static final String QUEUE = "faults.stall";
    private static final String BROKER = "stall-artemis";
    private static final Duration XA_CALL_TIMEOUT = Duration.ofSeconds(2);
    private static final long SLACK_MILLIS = 3_000;

    enum Fault { STALL, RESET }

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
                .name("stall-jms-pg").build();
        tm.registerRecoverable(new HookSource());
        tm.recoverNow(); // an earlier failed run's prepared branches hold locks on the table: roll them back first
        rows = new Ledger(pg, "faults_jms_stall");
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

    private void strike(Fault fault) {
        if (fault == Fault.STALL) {
            proxy.stall();
        } else {
            proxy.reset();
        }
    }

    /** What one order did: its afterCompletion status, how long commit() took, what it threw. */
    private record Outcome(int status, long millis, Throwable thrown) {
    }

    /** Sends a message and inserts a row in one transaction, with {@code hook} enlisted first or last. */
    private Outcome order(String id, Hook hook, boolean hookFirst) throws Exception {
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
        long t0 = System.nanoTime();
        Throwable thrown = catchThrowable(tm::commit);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(tm.getTransaction()).as("the thread is free after commit").isNull();
        return new Outcome(status.get(), millis, thrown);
    }

    private RecoveryReport awaitRecovered() {
        return Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(tm::recoverNow, r -> r.isClean() && nothingPrepared());
    }

    private boolean nothingPrepared() {
        try {
            return broker.preparedTransactions().length == 0
                    && Prepared.branches(Prepared.postgres(Servers.PG_URL), NODE).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    /** The row and the message both present ({@code delivered}) or both absent; nothing prepared or in doubt. */
    private void assertConsistent(boolean delivered) throws Exception {
        assertThat(rows.ids()).hasSize(delivered ? 1 : 0);
        assertThat(broker.messageCount(QUEUE)).as("messages").isEqualTo(delivered ? 1 : 0);
        assertThat(nothingPrepared()).isTrue();
        assertThat(tm.admin().inDoubt()).isEmpty();
        assertThat(tm.admin().heuristics()).isEmpty();
        assertThat(tm.admin().counters().heuristic()).isZero();
    }

    /**
     * The network fails as phase one begins, before the broker prepared: its prepare gives up after callTimeout
     * instead of hanging (the Artemis client then declares the connection failed, so the rollback that follows
     * fails at once and the broker drops the unprepared work with the connection); everything rolls back.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Fault.class)
    void aFaultAsTheBrokerPreparesRollsBothBranchesBack(Fault fault) throws Exception {
        Outcome o = order("o-1", new Hook(Hook.When.PREPARE, () -> strike(fault)), true);

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
        Outcome o = order("o-2", new Hook(Hook.When.PREPARE, () -> strike(fault)), false);

        assertThat(o.thrown()).isNull();
        assertThat(o.status()).isEqualTo(Status.STATUS_COMMITTED);
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
        Outcome o = order("o-3", new Hook(Hook.When.PREPARE, proxy::cut), false);
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
        RecoveryReport commit = tm.recoverNow();
        assertThat(commit.isClean()).as(commit.toString()).isFalse();
        assertThat(commit.failedSources()).as("every source was scanned").isEmpty();
        assertThat(commit.pending()).extracting(RecoveryReport.Item::source).contains(BROKER);
        assertThat(commit.heuristics()).isEmpty();
        assertThat(commit.endedRecords()).isZero();
        assertThat(commit.duration().toMillis()).isLessThan(XA_CALL_TIMEOUT.toMillis() + SLACK_MILLIS);
        assertThat(broker.preparedTransactions()).hasSize(1);

        proxy.restore();
        RecoveryReport done = awaitRecovered();
        assertThat(done.endedRecords()).isEqualTo(1);
        assertConsistent(true);
    }
}
