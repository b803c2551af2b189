package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.it.FaultFixtures.Completion;
import io.lockstep.it.JdbcConnectionCutTest.Hook;
import io.lockstep.it.JdbcConnectionCutTest.HookSource;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.recovery.RecoveryReport;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.sql.XADataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A loopback proxy in front of one database <b>stalls</b> (stops forwarding, keeps the sockets open) or <b>resets</b>
 * (TCP RST) the connection at chosen points of two-phase commit — during prepare (before the request reaches the
 * server, or after the server acted and before its reply arrives), between prepare and commit, during commit, and
 * during recovery — for PostgreSQL (pgjdbc) and MariaDB (MySQL Connector/J; stalls also through MariaDB
 * Connector/J), the other database reached directly.
 *
 * <p>Each transfer moves 10 from the direct database to the proxied one. Every case checks the outcome JTA requires
 * (a failed prepare rolls back with a {@code RollbackException} naming the resource; after the COMMIT record the
 * commit stands), that a stalled call gives up after {@code xaCallTimeout} (2 s here) instead of hanging, that
 * recovery finishes the transaction once the network is back, and that afterwards nothing is prepared in either
 * database, no heuristic was recorded, and the money is conserved: the same ids on both sides, sums cancelling.
 */
class JdbcStallAndResetTest {
    private static final String NODE = "faults-stall";
    private static final Duration XA_CALL_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration RECOVERY_CALL_TIMEOUT = Duration.ofSeconds(3);
    /** Time a faulted call may take beyond its bound on this shared 2-core machine. */
    private static final long SLACK_MILLIS = 3_000;

    /** The database behind the proxy, with the plain-text requests that mark its XA commands on the wire. */
    enum Target {
        POSTGRES(ProxiedDatabases.Proxied.POSTGRES, "PREPARE TRANSACTION", "COMMIT PREPARED", "pg_prepared_xacts"),
        MARIADB(ProxiedDatabases.Proxied.MARIADB_VIA_MYSQL_DRIVER, "XA PREPARE", "XA COMMIT", "XA RECOVER"),
        /** The same MariaDB server through MariaDB Connector/J (stalls only: that its timeout applies to XA). */
        MARIADB_CONNECTOR_J(ProxiedDatabases.Proxied.MARIADB_VIA_MARIADB_DRIVER, "XA PREPARE", "XA COMMIT",
                "XA RECOVER");

        final ProxiedDatabases.Proxied proxied;
        final String prepare;
        final String commit;
        final String recover;

        Target(ProxiedDatabases.Proxied proxied, String prepare, String commit, String recover) {
            this.proxied = proxied;
            this.prepare = prepare;
            this.commit = commit;
            this.recover = recover;
        }
    }

    enum Fault { STALL, RESET }

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private LockstepTransactionManager tm;
    private TcpProxy proxy;
    private Ledger proxied;
    private Ledger direct;
    private String proxiedName;
    private XADataSource proxiedXa;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private void start(Target target) throws Exception {
        tm = Lockstep.builder().nodeId(NODE).logDirectory(dir.resolve("log")).recoveryInterval(Duration.ofHours(1))
                .orphanSafetyInterval(Duration.ofMillis(1)).recoveryCallTimeout(RECOVERY_CALL_TIMEOUT).build();
        toClose.add(tm);
        ProxiedDatabases dbs = new ProxiedDatabases(tm, target.proxied, "stall",
                b -> b.xaCallTimeout(XA_CALL_TIMEOUT));
        toClose.add(dbs);
        proxy = dbs.proxy;
        proxiedName = dbs.proxied.name();
        proxiedXa = dbs.proxiedXa;
        tm.registerRecoverable(new HookSource());
        tm.recoverNow(); // an earlier failed run's prepared branches hold locks on the tables: roll them back first
        proxied = new Ledger(dbs.proxied, "faults_stall");
        direct = new Ledger(dbs.direct, "faults_stall");
    }

    /** Strikes {@code fault} on the whole proxy: every connection, and new ones until restore(). */
    private void strike(Fault fault) {
        if (fault == Fault.STALL) {
            proxy.stall();
        } else {
            proxy.reset();
        }
    }

    /** Arms {@code fault} for the one request carrying {@code trigger}. */
    private void arm(Fault fault, String trigger, TcpProxy.At at) {
        if (fault == Fault.STALL) {
            proxy.stallAt(trigger, at);
        } else {
            proxy.resetAt(trigger, at);
        }
    }

    /** Moves 10 from the direct database to the proxied one, with {@code hook} (if any) enlisted last. */
    private Completion transfer(String id, Hook hook) throws Exception {
        tm.begin();
        direct.add(id, -10);
        proxied.add(id, 10);
        if (hook != null) {
            tm.getTransaction().enlistResource(hook);
        }
        return FaultFixtures.commitObserved(tm);
    }

    private RecoveryReport awaitRecovered() {
        return FaultFixtures.recoverUntilClean(tm, this::nothingPrepared);
    }

    private boolean nothingPrepared() throws Exception {
        return Prepared.branches(Prepared.postgres(Servers.PG_URL), NODE).isEmpty()
                && Prepared.branches(Prepared.mysql(Servers.MYSQL_URL), NODE).isEmpty();
    }

    /** Money conserved, both sides hold exactly {@code ids}, no heuristic, nothing in doubt or prepared. */
    private void assertConsistent(String... ids) throws Exception {
        assertThat(direct.ids()).containsExactly(ids);
        assertThat(proxied.ids()).containsExactly(ids);
        assertThat(direct.sum() + proxied.sum()).as("money conserved").isZero();
        assertThat(tm.admin().heuristics()).isEmpty();
        assertThat(tm.admin().counters().heuristic()).isZero();
        assertThat(tm.admin().inDoubt()).isEmpty();
        assertThat(Prepared.branches(proxiedXa, NODE)).isEmpty();
        assertThat(nothingPrepared()).isTrue();
    }

    static Stream<Arguments> targetsAndFaults() {
        return Stream.of(Target.values()).flatMap(t -> Stream.of(Fault.values())
                .filter(f -> t != Target.MARIADB_CONNECTOR_J || f == Fault.STALL).map(f -> Arguments.of(t, f)));
    }

    static Stream<Arguments> targetsFaultsAndPlaces() {
        return targetsAndFaults().flatMap(a -> Stream.of(TcpProxy.At.values())
                .map(at -> Arguments.of(a.get()[0], a.get()[1], at)));
    }

    private void assertBoundedBy(Fault fault, long millis, Duration bound) {
        if (fault == Fault.STALL) {
            assertThat(millis).as("a stall ends with the bound, not before and not much later")
                    .isBetween(bound.toMillis(), bound.toMillis() + SLACK_MILLIS);
        } else {
            assertThat(millis).as("a reset is noticed at once").isLessThan(bound.toMillis());
        }
    }

    /**
     * The proxied database's prepare is faulted (REQUEST: it never arrives; REPLY: the server prepared, the answer
     * never comes). The transaction rolls back; a branch the server did prepare is an orphan that recovery rolls
     * back once the network is back.
     */
    @ParameterizedTest(name = "{0} {1} at the {2}")
    @MethodSource("targetsFaultsAndPlaces")
    void aFaultDuringPrepareRollsTheTransactionBack(Target target, Fault fault, TcpProxy.At at) throws Exception {
        start(target);
        arm(fault, target.prepare, at);

        Completion o = transfer("p1", null);

        assertThat(proxy.struck()).isEqualTo(1);
        assertThat(o.thrown()).isInstanceOf(RollbackException.class).hasMessageContaining(proxiedName)
                .hasMessageContaining("prepare");
        assertThat(o.status()).isEqualTo(Status.STATUS_ROLLEDBACK);
        assertBoundedBy(fault, o.millis(), XA_CALL_TIMEOUT);
        if (fault == Fault.STALL) {
            assertThat(o.thrown()).cause().hasMessageContaining(proxiedName)
                    .hasMessageContaining("no answer within xaCallTimeout 2 s");
        }
        assertThat(direct.ids()).isEmpty();
        if (at == TcpProxy.At.REPLY) {
            assertThat(Prepared.branches(proxiedXa, NODE)).as("the server prepared before the fault").hasSize(1);
        }

        proxy.restore();
        awaitRecovered();
        assertConsistent();
    }

    /**
     * Every branch prepared, the COMMIT record forced, then the proxy stalls or resets everything. The commit
     * stands (the caller sees it committed, after at most xaCallTimeout); a recovery pass while the database is
     * unreachable returns within its bound and reports the source; once the network is back, recovery commits.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("targetsAndFaults")
    void aFaultBetweenPrepareAndCommitLeavesTheCommitStandingForRecovery(Target target, Fault fault)
            throws Exception {
        start(target);

        Completion o = transfer("b1", new Hook(Hook.When.PREPARE, () -> strike(fault)));

        assertThat(o.thrown()).isNull();
        assertThat(o.status()).as("JTA outcome: committed (the COMMIT record was forced)")
                .isEqualTo(Status.STATUS_COMMITTED);
        assertBoundedBy(fault, o.millis(), XA_CALL_TIMEOUT);
        assertThat(direct.ids()).containsExactly("b1");
        assertThat(Prepared.branches(proxiedXa, NODE)).as("the proxied branch waits, prepared").hasSize(1);

        RecoveryReport down = tm.recoverNow();
        assertThat(down.failedSources()).singleElement().satisfies(f -> {
            assertThat(f.source()).isEqualTo(proxiedName);
            if (fault == Fault.STALL) {
                // Connecting through the stalled proxy: pgjdbc and MariaDB Connector/J give up after their login
                // timeout (from xaCallTimeout); MySQL Connector/J bounds only the TCP connect and would wait for the
                // server's greeting for ever, so the pass's own recoveryCallTimeout gives up on it.
                assertThat(f.detail()).contains(target == Target.POSTGRES ? "Connection attempt timed out"
                        : target == Target.MARIADB ? "no answer within recoveryCallTimeout PT3S"
                        : "Socket timeout when connecting");
            }
        });
        assertThat(down.endedRecords()).isZero();
        assertThat(down.duration().toMillis()).as("a pass while the database is unreachable is bounded")
                .isLessThan(RECOVERY_CALL_TIMEOUT.toMillis() + SLACK_MILLIS);

        proxy.restore();
        RecoveryReport done = awaitRecovered();
        assertThat(done.heuristics()).isEmpty();
        assertConsistent("b1");
    }

    /**
     * The proxied database's commit is faulted (REQUEST: it never arrives, recovery commits later; REPLY: the
     * server committed, the answer is lost, recovery finds the branch gone). Either way the commit stands and no
     * heuristic is reported.
     */
    @ParameterizedTest(name = "{0} {1} at the {2}")
    @MethodSource("targetsFaultsAndPlaces")
    void aFaultDuringCommitLeavesTheCommitStandingAndNoHeuristic(Target target, Fault fault, TcpProxy.At at)
            throws Exception {
        start(target);
        arm(fault, target.commit, at);

        Completion o = transfer("c1", null);

        assertThat(proxy.struck()).isEqualTo(1);
        assertThat(o.thrown()).isNull();
        assertThat(o.status()).isEqualTo(Status.STATUS_COMMITTED);
        assertBoundedBy(fault, o.millis(), XA_CALL_TIMEOUT);
        assertThat(tm.admin().inDoubt()).as("the record waits for recovery").isNotEmpty();
        if (at == TcpProxy.At.REPLY) {
            assertThat(proxied.ids()).as("the server committed; only its answer was lost").containsExactly("c1");
        }

        proxy.restore();
        RecoveryReport done = awaitRecovered();
        assertThat(done.heuristics()).isEmpty();
        assertConsistent("c1");
    }

    /**
     * A transaction left in doubt (the connection cut after every branch prepared), then recovery itself is
     * faulted: first its scan ({@code recover}), then its commit. Each such pass returns within its bound, reports
     * the proxied source, leaves the record for later and does not hold up the other database; the pass after the
     * network is back commits the branch.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("targetsAndFaults")
    void aFaultDuringRecoveryLeavesTheRecordForALaterPass(Target target, Fault fault) throws Exception {
        start(target);
        Completion o = transfer("r1", new Hook(Hook.When.PREPARE, proxy::cut));
        assertThat(o.status()).isEqualTo(Status.STATUS_COMMITTED);
        proxy.restore();
        assertThat(Prepared.branches(proxiedXa, NODE)).hasSize(1);

        arm(fault, target.recover, TcpProxy.At.REQUEST);
        RecoveryReport scan = tm.recoverNow();
        assertThat(proxy.struck()).isEqualTo(1);
        assertThat(scan.failedSources()).singleElement().satisfies(f -> {
            assertThat(f.source()).isEqualTo(proxiedName);
            if (fault == Fault.STALL) {
                assertThat(f.detail()).contains("recover got no answer within xaCallTimeout 2 s");
            }
        });
        assertBoundedBy(fault, scan.duration().toMillis(), XA_CALL_TIMEOUT);
        assertThat(scan.endedRecords()).isZero();

        arm(fault, target.commit, TcpProxy.At.REQUEST);
        RecoveryReport commit = tm.recoverNow();
        assertThat(proxy.struck()).isEqualTo(2);
        assertThat(commit.failedSources()).as("every source was scanned").isEmpty();
        assertThat(commit.pending()).extracting(RecoveryReport.Item::source).contains(proxiedName);
        assertThat(commit.heuristics()).isEmpty();
        assertThat(commit.endedRecords()).isZero();
        assertBoundedBy(fault, commit.duration().toMillis(), XA_CALL_TIMEOUT);
        assertThat(Prepared.branches(proxiedXa, NODE)).hasSize(1);

        proxy.restore();
        RecoveryReport done = awaitRecovered();
        assertThat(done.endedRecords()).isEqualTo(1);
        assertConsistent("r1");
    }
}
