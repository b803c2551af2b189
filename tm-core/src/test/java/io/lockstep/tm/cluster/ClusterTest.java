package io.lockstep.tm.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.LogType;
import io.lockstep.tm.RecoverySession;
import io.lockstep.tm.XAResourceSource;
import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.TransactionLogException;
import io.lockstep.tm.log.jdbc.JdbcTransactionLog;
import io.lockstep.tm.log.jdbc.LogDatabase;
import io.lockstep.tm.log.jdbc.TcpProxy;
import io.lockstep.tm.testing.CallLog;
import io.lockstep.tm.testing.RecordingXAResource;
import io.lockstep.tm.testing.XACall;
import io.lockstep.tm.xa.Gtrid;
import io.lockstep.tm.xa.LockstepXid;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import javax.sql.XAConnection;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.postgresql.xa.PGXADataSource;

/**
 * Node leases and takeover on a real PostgreSQL (log database and resource manager at once), several managers in
 * one JVM. A "dead" node is made by hand: its lease is taken and never renewed, its COMMIT record written through
 * its fenced log, its branches prepared in PostgreSQL — then abandoned, as a crashed process leaves them. The
 * child-JVM versions (kill -9, SIGSTOP) are in it-tests.
 */
class ClusterTest {
    private static final String TABLE = "ls_cluster_test";
    private static final Duration LEASE = Duration.ofMillis(900);
    /** The node ids this test uses. */
    private static final Pattern OUR_NODES = Pattern.compile("(dead|peer|dup|crash|leaving|staying|back|owner"
            + "|noperm|frozen|other|outage|probe|zombie|solo)-[a-z]+");

    private final LogDatabase db = LogDatabase.postgres();
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void clean() throws Exception {
        rollbackPrepared(); // first: a prepared branch left by an interrupted run holds its table's locks
        for (String t : List.of(TABLE, TABLE + "_nodes", TABLE + "_node_events", "ls_cluster_accounts")) {
            db.execute("DROP TABLE IF EXISTS " + t);
        }
        db.execute("CREATE TABLE ls_cluster_accounts (id VARCHAR(64) PRIMARY KEY)");
    }

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        rollbackPrepared();
    }

    private void rollbackPrepared() throws SQLException {
        for (String gid : preparedGids()) {
            db.execute("ROLLBACK PREPARED '" + gid + "'");
        }
    }

    /**
     * Prepared transactions of this test's nodes only (other tests and benchmarks share the database): pgjdbc's gid
     * is {@code formatId_base64(gtrid)_base64(bqual)}, and a Lockstep gtrid starts with its node id.
     */
    private List<String> preparedGids() throws SQLException {
        List<String> gids = new ArrayList<>();
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT gid FROM pg_prepared_xacts WHERE database = current_database()")) {
            while (rs.next()) {
                String[] parts = rs.getString(1).split("_");
                if (parts.length == 3 && parts[0].equals(String.valueOf(LockstepXid.FORMAT_ID))) {
                    String node = Gtrid.nodeIdOf(Base64.getDecoder().decode(parts[1]));
                    if (OUR_NODES.matcher(node == null ? "" : node).matches()) {
                        gids.add(rs.getString(1));
                    }
                }
            }
        }
        return gids;
    }

    private LockstepTransactionManager node(String id) {
        return node(id, true);
    }

    private LockstepTransactionManager node(String id, boolean takeover) {
        return node(id, takeover, db.url);
    }

    private LockstepTransactionManager node(String id, boolean takeover, String url) {
        LockstepTransactionManager tm = Lockstep.builder().nodeId(id).logType(LogType.JDBC).logJdbcUrl(url)
                .logJdbcUser(db.user).logJdbcPassword(db.password).logJdbcTable(TABLE).clusterLeaseTimeout(LEASE)
                .clusterTakeover(takeover).recoveryInterval(Duration.ofMillis(500)).build();
        open.add(tm);
        tm.registerRecoverable(pgSource());
        return tm;
    }

    private XAResourceSource pgSource() {
        return new XAResourceSource() {
            @Override
            public String name() {
                return "pg";
            }

            @Override
            public RecoverySession open() throws Exception {
                XAConnection xc = xaDataSource().getXAConnection();
                return new RecoverySession() {
                    @Override
                    public XAResource xaResource() {
                        try {
                            return xc.getXAResource();
                        } catch (SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    }

                    @Override
                    public void close() throws Exception {
                        xc.close();
                    }
                };
            }
        };
    }

    private PGXADataSource xaDataSource() {
        PGXADataSource ds = new PGXADataSource();
        ds.setUrl(db.url);
        ds.setUser(db.user);
        ds.setPassword(db.password);
        return ds;
    }

    /** Inserts {@code id} into the accounts table in a prepared XA branch of {@code xid}. */
    private void prepareInsert(LockstepXid xid, String id) throws Exception {
        XAConnection xc = xaDataSource().getXAConnection();
        try {
            XAResource xar = xc.getXAResource();
            xar.start(xid, XAResource.TMNOFLAGS);
            try (PreparedStatement s = xc.getConnection().prepareStatement("INSERT INTO ls_cluster_accounts VALUES (?)")) {
                s.setString(1, id);
                s.executeUpdate();
            }
            xar.end(xid, XAResource.TMSUCCESS);
            xar.prepare(xid);
        } finally {
            xc.close();
        }
    }

    private List<String> accounts() throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id FROM ls_cluster_accounts ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    private Map<String, NodeView> nodes(LockstepTransactionManager tm) {
        return tm.admin().nodes().stream().collect(Collectors.toMap(NodeView::nodeId, v -> v));
    }

    private List<String> events(LockstepTransactionManager tm, String node) {
        return tm.admin().nodeEvents().stream().filter(e -> e.nodeId().equals(node))
                .map(e -> e.event() + "@" + e.fence() + " by " + e.byNode()).collect(Collectors.toList());
    }

    /** A node that took its lease, wrote a COMMIT record for one transaction and prepared two, then "died". */
    private final class DeadNode {
        final NodeLease lease;
        final JdbcTransactionLog log;
        final LockstepXid committed;
        final LockstepXid orphan;

        DeadNode(String id) throws Exception {
            this(id, db.dataSource());
        }

        DeadNode(String id, DataSource nodeDb) throws Exception {
            lease = NodeLease.acquire(nodeDb, TABLE, id, LEASE, Duration.ofSeconds(10));
            long epoch = System.currentTimeMillis();
            lease.publishGtridEpoch(epoch);
            log = JdbcTransactionLog.open(nodeDb, id, TABLE, lease.logFence());
            Gtrid gtrids = new Gtrid(id, epoch);
            committed = LockstepXid.of(gtrids.next(), 1);
            orphan = LockstepXid.of(gtrids.next(), 1);
            prepareInsert(committed, id + "-committed");
            prepareInsert(orphan, id + "-orphan");
            log.append(new CommitRecord(committed.gtrid(), System.currentTimeMillis(),
                    List.of(new BranchRef("pg", 1))), true);
            open.add(log);
        }
    }

    @Test
    void aPeerTakesOverADeadNodeCommitsWhatItDecidedAndRollsBackTheRest() throws Exception {
        DeadNode dead = new DeadNode("dead-a");
        LockstepTransactionManager peer = node("peer-a");

        await().atMost(Duration.ofSeconds(20)).until(() -> nodes(peer).get("dead-a").state() == NodeState.RECOVERED);

        assertThat(accounts()).containsExactly("dead-a-committed");
        assertThat(preparedGids()).isEmpty();
        assertThat(events(peer, "dead-a")).containsExactlyInAnyOrder("START@1 by dead-a", "CLAIM@2 by peer-a",
                "TAKEOVER_DONE@2 by peer-a");
        NodeView v = nodes(peer).get("dead-a");
        assertThat(v.fence()).isEqualTo(2);
        assertThat(v.claimedBy()).isEqualTo("peer-a");
        assertThat(peer.admin().counters().takeoversCompleted()).isEqualTo(1);
        assertThat(db.rows(TABLE, "dead-a")).as("the dead node's COMMIT record is ended").isZero();

        // The dead node was only paused (a zombie): its log cannot write with the old fence.
        LockstepXid late = LockstepXid.of(new Gtrid("dead-a", System.currentTimeMillis()).next(), 1);
        assertThatThrownBy(() -> dead.log.append(new CommitRecord(late.gtrid(), System.currentTimeMillis(),
                List.of(new BranchRef("pg", 1))), true))
                .isInstanceOf(TransactionLogException.class)
                .hasMessageContaining("this instance of node dead-a is fenced")
                .hasMessageContaining("fence 2").hasMessageContaining("claimed by node peer-a")
                .hasMessageContaining("restart");
        assertThat(db.rows(TABLE, "dead-a")).isZero();
        assertThat(dead.lease.renew()).as("its lease renewal tells it too").isFalse();
        assertThat(events(peer, "dead-a")).as("recorded although its log noticed first").contains("FENCED@1 by dead-a");
    }

    @Test
    void aNodeFrozenInsideALogTransactionDoesNotHoldUpItsTakeoverPastItsLease() throws Exception {
        // A log batch checks the fence under a shared lock on the node's lease row until it commits; a process that
        // stops dead in between (SIGSTOP, a long GC pause, a frozen VM) keeps that lock, and a peer's claim waits
        // for it. The node's connections, as the manager opens them, end themselves after one lease idle in a
        // transaction.
        DataSource nodeDb = db.dataSource().withIdleInTransactionTimeout(LEASE);
        DeadNode frozen = new DeadNode("frozen-h", nodeDb);
        Connection inBatch = nodeDb.getConnection();
        inBatch.setAutoCommit(false);
        try (Statement s = inBatch.createStatement(); ResultSet rs = s.executeQuery("SELECT fence FROM " + TABLE
                + "_nodes WHERE node_id = 'frozen-h' FOR SHARE")) {
            assertThat(rs.next()).isTrue();
        }

        LockstepTransactionManager peer = node("peer-h");
        open.add(inBatch); // closed first, should the peer still wait for its lock

        await().atMost(Duration.ofSeconds(20)).until(() -> nodes(peer).get("frozen-h").state() == NodeState.RECOVERED);
        assertThat(accounts()).containsExactly("frozen-h-committed");
        assertThat(preparedGids()).isEmpty();
        assertThat(events(peer, "frozen-h")).contains("CLAIM@2 by peer-h", "TAKEOVER_DONE@2 by peer-h");
        assertThatThrownBy(inBatch::commit).as("the server ended the frozen session").isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> frozen.log.append(new CommitRecord(frozen.orphan.gtrid(), 1,
                List.of(new BranchRef("pg", 1))), true)).hasMessageContaining("is fenced");
    }

    @Test
    void aNodeTakenOverDuringItsPhaseTwoReportsTheCommitNotAFalseHeuristic() throws Throwable {
        // The peer that claims a node commits the branches of its COMMIT records; when the node goes on with its own
        // phase 2 afterwards — before any renewal or batch told it that it is fenced — the RM no longer knows the
        // branch (pgjdbc answers XAER_RMERR on the connection that prepared it, XAER_NOTA elsewhere). The decision
        // stood: that is a commit, not a heuristic rollback.
        LockstepTransactionManager zombie = node("zombie-i", false);
        Future<Integer> outcome = commitWhoseFirstBranchIsGoneInPhaseTwo(zombie, () -> db.execute("UPDATE " + TABLE
                + "_nodes SET fence = fence + 1, state = 'CLAIMED', claimed_by = 'peer-i' WHERE node_id = 'zombie-i'"));

        assertThat(outcome.get(10, TimeUnit.SECONDS)).isEqualTo(Status.STATUS_COMMITTED);
        assertThat(zombie.admin().heuristics()).isEmpty();
        assertThat(zombie.admin().counters().heuristic()).isZero();
    }

    @Test
    void aNodeStillOwningItsTransactionsReportsABranchItsRmLostAsAHeuristic() throws Throwable {
        LockstepTransactionManager owner = node("owner-j", false);
        Future<Integer> outcome = commitWhoseFirstBranchIsGoneInPhaseTwo(owner, () -> { });

        assertThatThrownBy(() -> outcome.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(HeuristicMixedException.class);
        assertThat(owner.admin().counters().heuristic()).isEqualTo(1);
    }

    /**
     * Commits a transaction of two in-memory branches on {@code tm}; once its COMMIT record is forced and phase 2
     * has begun, runs {@code meanwhile}, then lets the first branch's commit fail with XAER_RMERR (its RM does not
     * know the branch any more) and the second succeed. Returns the transaction's final status.
     */
    private Future<Integer> commitWhoseFirstBranchIsGoneInPhaseTwo(LockstepTransactionManager tm,
            Executable meanwhile) throws Throwable {
        CallLog calls = new CallLog();
        CountDownLatch inPhaseTwo = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        RecordingXAResource rm1 = new RecordingXAResource("rm1", calls).blockOn(XACall.COMMIT, inPhaseTwo, resume)
                .failOnceOn(XACall.COMMIT, XAException.XAER_RMERR);
        RecordingXAResource rm2 = new RecordingXAResource("rm2", calls);
        ExecutorService thread = Executors.newSingleThreadExecutor();
        open.add(thread::shutdownNow);
        Future<Integer> outcome = thread.submit(() -> {
            tm.begin();
            Transaction tx = tm.getTransaction();
            tx.enlistResource(Lockstep.named("rm1", rm1));
            tx.enlistResource(Lockstep.named("rm2", rm2));
            tm.commit();
            return tx.getStatus();
        });
        assertThat(inPhaseTwo.await(10, TimeUnit.SECONDS)).as("COMMIT record forced, phase 2 begun").isTrue();
        meanwhile.execute();
        resume.countDown();
        return outcome;
    }

    @Test
    void twoPeersRacingForTheSameDeadNodeExactlyOneClaimsIt() throws Exception {
        new DeadNode("dead-b");
        NodeLease probe = NodeLease.acquire(db.dataSource(), TABLE, "probe-b", Duration.ofSeconds(30),
                Duration.ofSeconds(10));
        open.add(probe);
        LeaseTables tables = probe.tables();
        await().atMost(Duration.ofSeconds(10)).until(() -> expired("dead-b"));

        int racers = 6;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        List<Future<Takeover>> claims = new ArrayList<>();
        for (int i = 0; i < racers; i++) {
            String me = "racer-" + i;
            claims.add(pool.submit((Callable<Takeover>) () -> {
                go.await();
                try (Db own = new Db(db.dataSource())) {
                    return Takeover.claim(own, tables, "dead-b", me, 30_000, db.dataSource(), TABLE, null);
                }
            }));
        }
        go.countDown();
        List<String> won = new ArrayList<>();
        for (int i = 0; i < racers; i++) {
            if (claims.get(i).get() != null) {
                won.add("racer-" + i);
            }
        }
        pool.shutdown();
        assertThat(won).hasSize(1);
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT fence, state, claimed_by FROM " + TABLE
                        + "_nodes WHERE node_id = 'dead-b'")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(2);
            assertThat(rs.getString(2)).isEqualTo("CLAIMED");
            assertThat(rs.getString(3)).isEqualTo(won.get(0));
        }
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + TABLE
                        + "_node_events WHERE node_id = 'dead-b' AND event = 'CLAIM'")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(1);
        }
    }

    private boolean expired(String node) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT lease_until < " + io.lockstep.tm.log.jdbc.Dialect.POSTGRESQL
                        .nowMillis() + " FROM " + TABLE + "_nodes WHERE node_id = '" + node + "'")) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    @Test
    void aDuplicateLiveNodeIdIsRefusedAtStart() {
        LockstepTransactionManager first = node("dup-c", false);
        assertThat(first.admin().nodes()).extracting(NodeView::nodeId).contains("dup-c");

        assertThatThrownBy(() -> node("dup-c", false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot start Lockstep node dup-c")
                .hasMessageContaining("node id dup-c is in use by another live node")
                .hasMessageContaining("Every node needs its own lockstep.nodeId");
        assertThat(nodes(first).get("dup-c").fence()).as("the live node keeps its lease").isEqualTo(1);
    }

    @Test
    void aCrashedNodeRestartsOnceItsOldLeaseExpiresAndRecoversItsOwnTransactions() throws Exception {
        DeadNode dead = new DeadNode("crash-d");
        LockstepTransactionManager again = node("crash-d", false);

        assertThat(nodes(again).get("crash-d").fence()).isEqualTo(2);
        assertThat(nodes(again).get("crash-d").state()).isEqualTo(NodeState.LIVE);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            again.recoverNow();
            assertThat(accounts()).containsExactly("crash-d-committed");
            assertThat(preparedGids()).isEmpty();
        });
        assertThat(events(again, "crash-d")).containsExactly("START@1 by crash-d", "START@2 by crash-d");
        assertThatThrownBy(() -> dead.log.append(new CommitRecord(dead.committed.gtrid(), 1,
                List.of(new BranchRef("pg", 1))), true)).hasMessageContaining("fenced");
    }

    @Test
    void aNodeStoppedCleanlyIsCheckedByAPeerForBranchesItLeftPrepared() throws Exception {
        LockstepTransactionManager leaving = node("leaving-e", false);
        Gtrid gtrids = new Gtrid("leaving-e", System.currentTimeMillis() - 60_000); // an epoch the node has used
        LockstepXid left = LockstepXid.of(gtrids.next(), 1);
        prepareInsert(left, "leaving-e-left");
        leaving.close();

        LockstepTransactionManager peer = node("staying-e");
        await().atMost(Duration.ofSeconds(20)).until(() -> nodes(peer).get("leaving-e").state() == NodeState.RECOVERED);
        assertThat(preparedGids()).isEmpty();
        assertThat(accounts()).isEmpty();
        assertThat(events(peer, "leaving-e")).containsExactlyInAnyOrder("START@1 by leaving-e",
                "STOP@1 by leaving-e", "CLAIM@2 by staying-e", "TAKEOVER_DONE@2 by staying-e");
    }

    @Test
    void aNodeComingBackDuringATakeoverFencesThePeerAndTheNewInstanceIsUntouched() throws Exception {
        DeadNode dead = new DeadNode("back-f");
        NodeLease peerLease = NodeLease.acquire(db.dataSource(), TABLE, "peer-f", Duration.ofSeconds(30),
                Duration.ofSeconds(10));
        open.add(peerLease);
        await().atMost(Duration.ofSeconds(10)).until(() -> expired("back-f"));
        Takeover claim;
        try (Db own = new Db(db.dataSource())) {
            claim = Takeover.claim(own, peerLease.tables(), "back-f", "peer-f", 30_000, db.dataSource(), TABLE, null);
        }
        assertThat(claim).isNotNull();

        LockstepTransactionManager back = node("back-f", false);
        assertThat(nodes(back).get("back-f").fence()).isEqualTo(3);
        try (Db own = new Db(db.dataSource())) {
            assertThat(claim.pass(own, peerLease.tables())).isEqualTo(Takeover.Outcome.ABANDONED);
        }
        assertThat(events(back, "back-f")).contains("TAKEOVER_ABANDONED@2 by peer-f");
        back.recoverNow();
        assertThat(accounts()).containsExactly("back-f-committed");
        assertThat(dead.lease.renew()).isFalse();
    }

    @Test
    void withoutPrivilegesOnTheLeaseTablesTheStartSaysWhichAreNeeded() throws Exception {
        node("owner-g", false).close(); // creates the tables as the test user
        db.execute("DROP ROLE IF EXISTS lockstep_noperm");
        db.execute("CREATE ROLE lockstep_noperm LOGIN");
        db.execute("GRANT SELECT, INSERT, DELETE ON " + TABLE + " TO lockstep_noperm");
        try {
            assertThatThrownBy(() -> Lockstep.builder().nodeId("noperm-g").logType(LogType.JDBC).logJdbcUrl(db.url)
                    .logJdbcUser("lockstep_noperm").logJdbcTable(TABLE).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot start Lockstep node noperm-g")
                    .hasMessageContaining(TABLE + "_nodes")
                    .hasMessageContaining("needs SELECT, INSERT, UPDATE and DELETE");
        } finally {
            db.execute("DROP OWNED BY lockstep_noperm");
            db.execute("DROP ROLE lockstep_noperm");
        }
    }

    /**
     * The log database goes away for longer than the lease timeout, so every lease in it has expired when it comes
     * back. The nodes renew first and judge others only after a whole lease timeout of their own renewals: nobody
     * is claimed, nobody fenced.
     */
    @Test
    void aLogDatabaseOutageLongerThanTheLeaseFencesNobody() throws Exception {
        try (TcpProxy proxy = new TcpProxy(db.host(), db.port())) {
            String url = db.urlVia(proxy.port());
            new DeadNode("outage-dead");
            LockstepTransactionManager a = node("outage-a", true, url);
            LockstepTransactionManager b = node("outage-b", true, url);
            // Both judge leases by now: one of them has taken the dead node over.
            await().atMost(Duration.ofSeconds(20)).until(() -> nodes(a).get("outage-dead").state()
                    == NodeState.RECOVERED);

            proxy.stop();
            await().atMost(Duration.ofSeconds(10)).until(() -> expired("outage-a") && expired("outage-b"));
            proxy.start();

            await().during(Duration.ofMillis(3 * LEASE.toMillis())).atMost(Duration.ofSeconds(20)).until(() ->
                    nodes(a).get("outage-a").fence() == 1 && nodes(a).get("outage-b").fence() == 1);
            assertThat(nodes(a).get("outage-a").state()).isEqualTo(NodeState.LIVE);
            assertThat(nodes(a).get("outage-b").state()).isEqualTo(NodeState.LIVE);
            assertThat(events(a, "outage-a")).containsExactly("START@1 by outage-a");
            assertThat(events(a, "outage-b")).containsExactly("START@1 by outage-b");
            assertThat(a.admin().counters().takeoverClaims() + b.admin().counters().takeoverClaims()).isEqualTo(1);
        }
    }

    @Test
    void aHostClockFarFromTheDatabasesIsRefusedAtStart() {
        java.time.Clock ahead = java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofSeconds(42));
        assertThatThrownBy(() -> NodeLease.acquire(db.dataSource(), TABLE, "probe-h", LEASE, Duration.ofSeconds(5),
                ahead))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageMatching("(?s)the clock of this host differs from the log database's by -4\\d{4} ms, more"
                        + " than lockstep.cluster.maxClockSkew \\(PT5S\\).*synchronise the clocks \\(NTP\\).*");
        NodeLease fine = NodeLease.acquire(db.dataSource(), TABLE, "probe-h", LEASE, Duration.ofSeconds(60), ahead);
        open.add(fine);
        assertThat(fine.fence()).as("within the bound: started").isEqualTo(1);
    }

    /**
     * A live node whose lease a peer took (here: the claim done by hand, as a peer that judged it dead would): its
     * next two-phase commit rolls back with the reason, and it begins nothing more.
     */
    @Test
    void aFencedNodeRollsBackItsNextCommitAndRefusesNewTransactions() throws Exception {
        LockstepTransactionManager zombie = node("zombie-i", false);
        db.execute("UPDATE " + TABLE + "_nodes SET fence = fence + 1, state = 'CLAIMED', claimed_by = 'peer-i'"
                + " WHERE node_id = 'zombie-i'");

        XAConnection one = xaDataSource().getXAConnection();
        XAConnection two = xaDataSource().getXAConnection();
        try {
            zombie.begin();
            zombie.getTransaction().enlistResource(io.lockstep.tm.Lockstep.named("pg", one.getXAResource()));
            insert(one, "zombie-i-1");
            zombie.getTransaction().enlistResource(io.lockstep.tm.Lockstep.named("pg", two.getXAResource()));
            insert(two, "zombie-i-2");
            assertThatThrownBy(zombie::commit).isInstanceOf(jakarta.transaction.RollbackException.class)
                    .hasStackTraceContaining("this instance of node zombie-i is fenced")
                    .hasStackTraceContaining("claimed by node peer-i");
        } finally {
            one.close();
            two.close();
        }
        assertThat(accounts()).isEmpty();
        assertThat(preparedGids()).isEmpty();
        assertThatThrownBy(zombie::begin).isInstanceOf(jakarta.transaction.SystemException.class)
                .hasMessageContaining("begin refused: this instance of node zombie-i is fenced");
    }

    private static void insert(XAConnection xc, String id) throws SQLException {
        try (PreparedStatement s = xc.getConnection().prepareStatement("INSERT INTO ls_cluster_accounts VALUES (?)")) {
            s.setString(1, id);
            s.executeUpdate();
        }
    }

    @Test
    void recoveryNodesOfOtherNodesAreRefusedWithTheJdbcLog() {
        assertThatThrownBy(() -> Lockstep.builder().nodeId("solo-j").recoveryNodes("other-j").logType(LogType.JDBC)
                .logJdbcUrl(db.url).logJdbcUser(db.user).logJdbcTable(TABLE).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lockstep.recoveryNodes [other-j]")
                .hasMessageContaining("recovered by takeover");
    }
}
