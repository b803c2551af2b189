package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.cli.demo.Bank;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 with real processes: every node is a child JVM ({@link ClusterNode}) with its transaction log and node
 * lease in one PostgreSQL table ({@code lockstep.log.type=jdbc}, 2 s leases), moving money between PostgreSQL and
 * MariaDB (pooled XA data sources, mysql-connector-j) on several threads. Nodes are killed mid two-phase commit,
 * paused with SIGSTOP, or stopped for good; the live peers must take their transactions over.
 *
 * <p>After every scenario: money is conserved in each account pair (every transfer moves an amount from account k in
 * PostgreSQL to account k in MariaDB, so {@code A[k] + B[k]} never changes), the transfer ids in both databases are
 * the same set (no half-applied transfer), every transfer a node reported committed is in it, the transactions a
 * crash point stopped after their COMMIT record are applied and those stopped before it are not, and no branch of
 * the nodes is left prepared in either database (MariaDB's XA RECOVER is server-wide: filtered by node id).
 *
 * <p>Tables {@code it_cluster_*}, node ids {@code itc*}, so the suite runs beside the others.
 */
class ClusterTakeoverTest {
    private static final String LOG_TABLE = "it_cluster_log";
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final Duration RECOVERY_INTERVAL = Duration.ofSeconds(1);
    /**
     * From a node's death (or pause) to a peer's TAKEOVER_DONE: its lease runs out at most one lease after its last
     * renewal, a peer's search (every third of a lease) finds it, claims it and runs a pass; one retried pass (a
     * recovery interval) and 2 s of scheduling slack on a loaded 2-core machine allowed.
     */
    private static final Duration TAKEOVER_BOUND = LEASE.plus(LEASE.dividedBy(3)).plus(RECOVERY_INTERVAL)
            .plus(Duration.ofSeconds(2));
    private static final int ACCOUNTS = 100;
    private static final long BALANCE = 1_000;
    private static final int THREADS = 3;
    /** Exit status of a node halted at a crash point (CrashChild.HALT_STATUS). */
    private static final int HALTED = 99;

    private final Bank a = Bank.of("itc-pg", "postgres", Servers.postgres())
            .withTables("it_cluster_account", "it_cluster_transfer");
    private final Bank b = Bank.of("itc-maria", "mysql", Servers.mysql())
            .withTables("it_cluster_account", "it_cluster_transfer");
    private final LeaseTable leases = new LeaseTable(LOG_TABLE);
    private final List<ClusterNode> nodes = new ArrayList<>();
    private int nextAccount = 1;

    @BeforeEach
    void freshTables() throws Exception {
        rollBackLeftovers();
        leases.drop();
        a.open(ACCOUNTS, BALANCE);
        b.open(ACCOUNTS, BALANCE);
    }

    @AfterEach
    void killNodes() throws Exception {
        for (ClusterNode n : nodes) {
            n.close();
            System.out.printf("---- last output of node %s (%d commits):%n%s%n", n.id, n.commits(), n.tail());
        }
        rollBackLeftovers();
    }

    /** Branches an earlier failed run left prepared would hold locks and prepared-transaction slots. */
    private static void rollBackLeftovers() throws Exception {
        Prepared.rollBack(Prepared.postgres(Servers.PG_URL), node -> node.startsWith("itc"));
        Prepared.rollBack(Prepared.mysql(Servers.MYSQL_URL), node -> node.startsWith("itc"));
    }

    private ClusterNode node(String id) throws Exception {
        return node(id, THREADS);
    }

    private ClusterNode node(String id, int threads) throws Exception {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("lockstep.log.type", "jdbc");
        config.put("lockstep.log.jdbcUrl", Servers.postgresPlain());
        config.put("lockstep.log.jdbcUser", Servers.PG_USER);
        if (!Servers.PG_PASSWORD.isEmpty()) {
            config.put("lockstep.log.jdbcPassword", Servers.PG_PASSWORD);
        }
        config.put("lockstep.log.jdbcTable", LOG_TABLE);
        config.put("lockstep.cluster.leaseTimeout", LEASE.toString());
        config.put("lockstep.recoveryInterval", RECOVERY_INTERVAL.toString());
        ClusterNode n = ClusterNode.start(id, config, a, b, threads, nextAccount);
        nextAccount += threads;
        nodes.add(n);
        return n;
    }

    /** Starts nodes {@code ids} (THREADS tellers each) and waits until all of them commit. */
    private List<ClusterNode> underLoad(String... ids) throws Exception {
        List<ClusterNode> started = new ArrayList<>();
        for (String id : ids) {
            started.add(node(id));
        }
        awaitLoad(started.toArray(new ClusterNode[0]));
        return started;
    }

    private static int commits(List<ClusterNode> some) {
        return some.stream().mapToInt(ClusterNode::commits).sum();
    }

    private static void stopAll(List<ClusterNode> some) throws Exception {
        for (ClusterNode n : some) {
            n.stop();
        }
    }

    private static List<String> ids(List<ClusterNode> some) {
        return some.stream().map(n -> n.id).collect(Collectors.toList());
    }

    /** Waits until every node has started and committed some transfers. */
    private static void awaitLoad(ClusterNode... running) {
        for (ClusterNode n : running) {
            await().atMost(Duration.ofSeconds(60)).until(() -> n.commits() >= 20 || !n.isAlive());
            assertThat(n.commits()).as("node %s committed transfers; its output:%n%s", n.id, n.tail())
                    .isGreaterThanOrEqualTo(20);
        }
    }

    /** Waits until node {@code dead}'s row is RECOVERED (a peer's TAKEOVER_DONE); returns the time it took. */
    private Duration awaitRecovered(String dead, long sinceMillis, Duration bound) {
        await().atMost(bound).pollInterval(Duration.ofMillis(50))
                .until(() -> "RECOVERED".equals(leases.row(dead).state()));
        return Duration.ofMillis(System.currentTimeMillis() - sinceMillis);
    }

    private void assertNothingPrepared(String node) throws Exception {
        assertThat(a.preparedLockstepBranches(node)).as("branches of %s prepared in PostgreSQL", node).isEmpty();
        assertThat(b.preparedLockstepBranches(node)).as("branches of %s prepared in MariaDB", node).isEmpty();
    }

    /** The ledger invariants, once every node has stopped. */
    private void assertLedger(List<String> mustBeApplied, List<String> mustNotBeApplied) throws Exception {
        for (ClusterNode n : nodes) {
            assertThat(n.isAlive()).as("node %s has ended", n.id).isFalse();
            assertNothingPrepared(n.id);
        }
        Map<Integer, Long> inA = a.balances();
        Map<Integer, Long> inB = b.balances();
        for (int k = 1; k <= ACCOUNTS; k++) {
            assertThat(inA.get(k) + inB.get(k)).as("account %d: money conserved across both databases", k)
                    .isEqualTo(2 * BALANCE);
        }
        Set<String> idsA = a.transferIds();
        Set<String> idsB = b.transferIds();
        assertThat(idsA).as("no transfer half applied").isEqualTo(idsB);
        Set<String> reported = new HashSet<>();
        nodes.forEach(n -> reported.addAll(n.committed()));
        assertThat(idsA).as("every transfer a node reported committed is applied").containsAll(reported);
        assertThat(idsA).as("transfers whose COMMIT record was durable").containsAll(mustBeApplied);
        for (String id : mustNotBeApplied) {
            assertThat(idsA).as("transfer stopped before its COMMIT record").doesNotContain(id);
        }
        System.out.printf("[cluster] %d transfers applied (%d reported committed by %d nodes)%n", idsA.size(),
                reported.size(), nodes.size());
    }

    /**
     * The node's history shows one takeover by {@code claimer}: started once (fence 1), claimed exactly once (fence
     * 2), finished by the claimer (passes left pending in between are retried), never abandoned; {@code more} lists
     * the other events the node itself may have recorded (STOP, FENCED).
     */
    private void assertOneTakeover(String node, String claimer, String... more) throws Exception {
        List<String> history = leases.history(node);
        assertThat(history).as("history of %s", node).startsWith("START@1 by " + node)
                .endsWith("TAKEOVER_DONE@2 by " + claimer);
        if (more.length > 0) {
            assertThat(history).as("history of %s", node).contains(more);
        }
        assertThat(history.stream().filter(e -> e.startsWith("CLAIM")).collect(Collectors.toList()))
                .as("claims of %s", node).containsExactly("CLAIM@2 by " + claimer);
        List<String> allowed = new ArrayList<>(List.of("START@1 by " + node, "CLAIM@2 by " + claimer,
                "TAKEOVER_PENDING@2 by " + claimer, "TAKEOVER_DONE@2 by " + claimer));
        allowed.addAll(List.of(more));
        assertThat(history).as("history of %s", node).isSubsetOf(allowed);
        LeaseTable.Row row = leases.row(node);
        assertThat(row.state()).isEqualTo("RECOVERED");
        assertThat(row.fence()).isEqualTo(2);
        assertThat(row.claimedBy()).isEqualTo(claimer);
        LeaseTable.Event pending = leases.event(node, "TAKEOVER_PENDING", 2);
        if (pending != null) {
            System.out.printf("[cluster] %s: a pass of the takeover was left pending: %s%n", node, pending.detail());
        }
    }

    private static String crashed(ClusterNode n, String point) {
        return n.lines("CRASH ").stream().filter(l -> l.endsWith(" " + point)).map(l -> l.split(" ")[1])
                .findFirst().orElseThrow(() -> new AssertionError(n.id + " never reached " + point + ":\n" + n.tail()));
    }

    @Test
    void aNodeKilledInPhaseTwoUnderLoadIsTakenOverByALivePeerWithinTheLeaseBound() throws Exception {
        List<ClusterNode> cluster = underLoad("itc1-a", "itc1-b", "itc1-c");
        ClusterNode victim = cluster.get(0);
        List<ClusterNode> peers = cluster.subList(1, 3);

        victim.send("ARM halt:after-commit:1"); // PostgreSQL committed, MariaDB prepared, other tellers anywhere
        assertThat(victim.awaitExit(Duration.ofSeconds(30))).as("halted").isEqualTo(HALTED);
        long diedAt = System.currentTimeMillis();
        String inPhaseTwo = crashed(victim, "after-commit:1");

        Duration took = awaitRecovered(victim.id, diedAt, TAKEOVER_BOUND);
        String claimer = leases.row(victim.id).claimedBy();
        assertThat(claimer).isIn(ids(peers));
        assertOneTakeover(victim.id, claimer);
        LeaseTable.Event claim = leases.event(victim.id, "CLAIM", 2);
        assertThat(claim.detail()).contains("lease expired");
        assertThat(leases.event(victim.id, "TAKEOVER_DONE", 2).detail()).containsPattern("committed [1-9]");
        assertNothingPrepared(victim.id);
        System.out.printf("[cluster] killed in phase 2: claimed %d ms and recovered %d ms after the kill (bound %d"
                + " ms)%n", claim.atMillis() - diedAt, took.toMillis(), TAKEOVER_BOUND.toMillis());

        int before = commits(peers);
        await().atMost(Duration.ofSeconds(30)).until(() -> commits(peers) >= before + 20);
        stopAll(peers);
        assertLedger(List.of(inPhaseTwo), List.of());
        assertThat(victim.committed()).as("the victim acknowledged transfers before it died").isNotEmpty();
    }

    @Test
    void twoPeersRacingForTheSameDeadNodeOneClaimsItAndTheOtherBacksOff() throws Exception {
        ClusterNode victim = underLoad("itc2-a").get(0);
        victim.send("ARM halt:after-log-force"); // COMMIT record durable, both branches prepared
        assertThat(victim.awaitExit(Duration.ofSeconds(30))).isEqualTo(HALTED);
        String decided = crashed(victim, "after-log-force");

        ClusterNode p1;
        ClusterNode p2;
        long releasedAt;
        // The test holds the dead node's row until both peers have found its lease expired and wait to claim it:
        // then both claims go at once, and only the row lock orders them.
        try (AutoCloseable gate = leases.lockRow(victim.id)) {
            p1 = node("itc2-b");
            p2 = node("itc2-c");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                    .until(() -> p1.said("READY ") && p2.said("READY ") && leases.claimsWaiting() == 2);
            releasedAt = System.currentTimeMillis();
        }

        Duration took = awaitRecovered(victim.id, releasedAt, TAKEOVER_BOUND);
        String winner = leases.row(victim.id).claimedBy();
        assertThat(winner).isIn(p1.id, p2.id);
        ClusterNode loser = winner.equals(p1.id) ? p2 : p1;
        assertOneTakeover(victim.id, winner);
        assertThat(leases.event(victim.id, "TAKEOVER_DONE", 2).detail()).containsPattern("committed [2-9]");
        assertNothingPrepared(victim.id);
        await().atMost(Duration.ofSeconds(10)).until(() -> loser.said("[lockstep-takeover-" + loser.id + "]"));
        assertThat(loser.lines("[lockstep-takeover-" + loser.id + "]")).as("the loser backed off")
                .anySatisfy(l -> assertThat(l).contains("node " + victim.id + " is not claimable any more"))
                .noneSatisfy(l -> assertThat(l).contains("claimed node " + victim.id));
        System.out.printf("[cluster] race: both peers waited to claim the dead node; %s claimed it, %s found it"
                + " claimed and backed off; recovered %d ms after the claims were released%n", winner, loser.id,
                took.toMillis());

        awaitLoad(p1, p2);
        p1.stop();
        p2.stop();
        List<String> history = leases.history(victim.id);
        assertLedger(List.of(decided), List.of());
        assertThat(leases.history(victim.id)).as("nobody touched the dead node afterwards").isEqualTo(history);
    }

    @Test
    void aPausedNodeIsTakenOverAndOnceResumedItsCommitsFailBecauseItIsFenced() throws Exception {
        ClusterNode zombie = node("itc3-a", 4);
        ClusterNode peer = node("itc3-b");
        awaitLoad(zombie, peer);
        // Three tellers of the zombie stop mid-commit: one for good, two until RELEASE after the pause. Their
        // MariaDB branches stay attached to the zombie's live connections, which MariaDB lets no other session
        // resolve; their PostgreSQL branches (prepared transactions belong to no session) the peer can resolve.
        zombie.send("ARM stall:after-commit:1,hold:before-log-force,hold:after-log-force");
        await().atMost(Duration.ofSeconds(30)).until(() -> zombie.lines("CRASH ").size() == 3);
        String decided = crashed(zombie, "after-commit:1");
        String undecided = crashed(zombie, "before-log-force");
        String held = crashed(zombie, "after-log-force");

        zombie.pause();
        long pausedAt = System.currentTimeMillis();
        await().atMost(TAKEOVER_BOUND).pollInterval(Duration.ofMillis(50))
                .until(() -> leases.event(zombie.id, "CLAIM", 2) != null);
        long claimedAfter = leases.event(zombie.id, "CLAIM", 2).atMillis() - pausedAt;
        assertThat(leases.row(zombie.id).claimedBy()).isEqualTo(peer.id);
        // The peer's first pass, with the zombie frozen: what only the zombie's sessions can finish keeps the
        // takeover open (it must not report DONE with branches of the node still prepared); the rest is done.
        await().atMost(RECOVERY_INTERVAL.multipliedBy(4)).pollInterval(Duration.ofMillis(50))
                .until(() -> leases.event(zombie.id, "TAKEOVER_PENDING", 2) != null);
        assertThat(leases.event(zombie.id, "TAKEOVER_PENDING", 2).detail()).contains("XAER_NOTA although recover()"
                + " lists the branch");
        assertThat(leases.row(zombie.id).state()).isEqualTo("CLAIMED");
        assertThat(b.preparedLockstepBranches(zombie.id)).as("attached to the frozen zombie's sessions").isNotEmpty();
        assertThat(a.preparedLockstepBranches(zombie.id)).as("resolved by the peer").isEmpty();

        zombie.resume();
        zombie.send("RELEASE");
        // every teller still running fails once, then stops: the two held ones and the free one
        await().atMost(Duration.ofSeconds(30)).until(() -> zombie.lines("FENCED ").size() == 3);
        assertThat(zombie.lines("FENCED ")).allSatisfy(l -> assertThat(l).contains("is fenced").contains("restart"));
        assertThat(zombie.lines("FENCED " + undecided + " ")).as("its COMMIT record cannot be written any more")
                .singleElement().asString().contains("RollbackException: the commit record of transaction");
        assertThat(zombie.committed()).as("the held transaction's commit decision stood; the peer had committed its"
                + " PostgreSQL branch, the zombie its MariaDB branch; output:%n%s", zombie.tail()).contains(held);
        await().atMost(LEASE.multipliedBy(2)).until(() -> leases.event(zombie.id, "FENCED", 1) != null);
        zombie.stop();
        long stoppedAt = System.currentTimeMillis();

        Duration took = awaitRecovered(zombie.id, stoppedAt, RECOVERY_INTERVAL.multipliedBy(2)
                .plus(Duration.ofSeconds(5)));
        assertOneTakeover(zombie.id, peer.id, "FENCED@1 by itc3-a");
        assertNothingPrepared(zombie.id);
        System.out.printf("[cluster] zombie: claimed %d ms after SIGSTOP; %d fenced commits after SIGCONT; recovered"
                + " %d ms after the zombie exited; history %s%n", claimedAfter, zombie.lines("FENCED ").size(),
                took.toMillis(), leases.history(zombie.id));

        peer.stop();
        assertLedger(List.of(decided, held), List.of(undecided));
    }

    @Test
    void aNodeScaledDownWithInDoubtWorkIsFinishedByThePeersWithoutARestart() throws Exception {
        List<ClusterNode> cluster = underLoad("itc4-a", "itc4-b", "itc4-c");
        ClusterNode leaving = cluster.get(2);
        List<ClusterNode> staying = cluster.subList(0, 2);
        leaving.send("ARM stall:after-commit:1,stall:before-log-force");
        await().atMost(Duration.ofSeconds(30)).until(() -> leaving.lines("CRASH ").size() == 2);
        String decided = crashed(leaving, "after-commit:1");
        String undecided = crashed(leaving, "before-log-force");

        leaving.terminate(); // SIGTERM: its shutdown hook closes the manager (lease STOPPED), the JVM exits
        int status = leaving.awaitExit(Duration.ofSeconds(60));
        long goneAt = System.currentTimeMillis();
        assertThat(leaving.said("CLOSED ")).as("closed cleanly (exit status %d); output:%n%s", status,
                leaving.tail()).isTrue();

        Duration took = awaitRecovered(leaving.id, goneAt, TAKEOVER_BOUND);
        String peer = leases.row(leaving.id).claimedBy();
        assertThat(peer).isIn(ids(staying));
        assertOneTakeover(leaving.id, peer, "STOP@1 by itc4-c");
        List<String> history = leases.history(leaving.id);
        assertThat(history).startsWith("START@1 by itc4-c", "STOP@1 by itc4-c", "CLAIM@2 by " + peer);
        assertThat(leases.event(leaving.id, "CLAIM", 2).detail()).contains("node stopped");
        assertNothingPrepared(leaving.id);
        System.out.printf("[cluster] scale-down: recovered %d ms after the node exited; history %s%n",
                took.toMillis(), history);

        stopAll(staying);
        assertLedger(List.of(decided), List.of(undecided));
    }
}
