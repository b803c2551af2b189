package io.lockstep.tm.log.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lockstep.tm.log.AdminAction;
import io.lockstep.tm.log.AdminRecord;
import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.EndRecord;
import io.lockstep.tm.log.HeuristicOutcome;
import io.lockstep.tm.log.HeuristicRecord;
import io.lockstep.tm.log.LogRecord;
import io.lockstep.tm.log.LogStatistics;
import io.lockstep.tm.log.TransactionLogException;
import java.net.ServerSocket;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What every database must do for the JDBC log, run on a real server by one small subclass per vendor. Each test
 * has a table of its own ({@code jdbclog_…}), dropped afterwards, so runs can overlap.
 */
abstract class JdbcTransactionLogContract {
    static final String NODE = "jdbclog-n1";

    private final List<JdbcTransactionLog> opened = new ArrayList<>();
    LogDatabase db;
    String table;

    abstract LogDatabase database();

    @BeforeEach
    void table() {
        db = database();
        table = "jdbclog_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }

    @AfterEach
    void dropTable() throws SQLException {
        opened.forEach(JdbcTransactionLog::close);
        db.execute("DROP TABLE IF EXISTS " + table);
    }

    JdbcTransactionLog open() throws TransactionLogException {
        return open(db.dataSource(), NODE);
    }

    JdbcTransactionLog open(UrlDataSource ds, String node) throws TransactionLogException {
        return opened(JdbcTransactionLog.open(ds, node, table));
    }

    /** A log whose unforced records wait for the next forced one or {@code awaitDurable}: no background flush. */
    JdbcTransactionLog openWithoutBackgroundFlush() throws TransactionLogException {
        return opened(JdbcTransactionLog.open(db.dataSource(), NODE, table, 3_600_000));
    }

    /** Node {@value #NODE}'s log over the connections of {@code faulty}, after one forced COMMIT (its connection kept). */
    JdbcTransactionLog openAfterOneCommit(CommitFaultDataSource faulty) throws TransactionLogException {
        JdbcTransactionLog log = opened(JdbcTransactionLog.open(faulty, NODE, table));
        log.append(commit(1), true);
        return log;
    }

    private JdbcTransactionLog opened(JdbcTransactionLog log) {
        opened.add(log);
        return log;
    }

    static HeuristicRecord hazard(int i, long decidedAt) {
        return new HeuristicRecord(gtrid(i), new BranchRef("pg-orders", 1), HeuristicOutcome.HAZARD, decidedAt);
    }

    static String gtrid(int i) {
        return NODE + ":kq2x1:" + Integer.toString(i, 36);
    }

    static CommitRecord commit(int i) {
        return new CommitRecord(gtrid(i), 1_700_000_000_000L + i,
                List.of(new BranchRef("pg-orders", 1), new BranchRef("maria-stock", 2)));
    }

    @Test
    @DisplayName("COMMIT, HEURISTIC and ADMIN records come back from replay after reopening, in append order")
    void everyRecordTypeSurvivesReopen() throws Exception {
        CommitRecord c = new CommitRecord(gtrid(1), 1_700_000_000_123L,
                List.of(new BranchRef("pg-orders", 1), new BranchRef("lager-ö", 2), new BranchRef("", 3)));
        HeuristicRecord h = new HeuristicRecord(gtrid(1), new BranchRef("lager-ö", 2), HeuristicOutcome.MIXED,
                1_700_000_000_456L);
        AdminRecord a = new AdminRecord(gtrid(1), AdminAction.COMMIT, "by ops: ticket 42", 1_700_000_000_789L);
        JdbcTransactionLog log = open();
        long l1 = log.append(c, true);
        long l2 = log.append(h, true);
        long l3 = log.append(a, true);
        assertThat(l2).isGreaterThan(l1);
        assertThat(l3).isGreaterThan(l2);
        assertThat(log.replay()).containsExactly(c, h, a);
        log.close();

        JdbcTransactionLog reopened = open();
        assertThat(reopened.replay()).containsExactly(c, h, a);
        assertThat(reopened.append(commit(2), true)).as("LSNs keep increasing after a reopen").isGreaterThan(l3);
    }

    @Test
    @DisplayName("END deletes its COMMIT row: replay no longer returns it, before and after reopening")
    void endRemovesCommitFromReplay() throws Exception {
        JdbcTransactionLog log = open();
        log.append(commit(1), true);
        log.append(commit(2), true);
        log.end(gtrid(1));
        assertThat(log.replay()).containsExactly(commit(2));
        assertThat(db.rows(table, NODE)).as("the table keeps only live records").isEqualTo(1);
        log.close();
        assertThat(open().replay()).containsExactly(commit(2));
    }

    @Test
    @DisplayName("an unforced END reaches the table by itself, without a later forced append")
    void unforcedEndIsWrittenInTheBackground() throws Exception {
        JdbcTransactionLog log = open();
        log.append(commit(1), true);
        assertThat(db.rows(table, NODE)).isEqualTo(1);
        log.end(gtrid(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> db.rows(table, NODE) == 0);
    }

    @Test
    @DisplayName("awaitDurable makes an unforced record durable")
    void awaitDurableForcesUnforcedRecords() throws Exception {
        JdbcTransactionLog log = open();
        long lsn = log.append(commit(1), false);
        log.awaitDurable(lsn);
        assertThat(db.rows(table, NODE)).isEqualTo(1);
    }

    @Test
    @DisplayName("ADMIN FORGET deletes the HEURISTICs and their audit; the audit of a finished transaction is not kept")
    void forgetRemovesHeuristics() throws Exception {
        JdbcTransactionLog log = open();
        HeuristicRecord h = new HeuristicRecord(gtrid(1), new BranchRef("pg-orders", 1),
                HeuristicOutcome.ROLLED_BACK, 1L);
        AdminRecord forget = new AdminRecord(gtrid(1), AdminAction.FORGET, "ops", 2L);
        log.append(h, true);
        assertThat(log.replay()).containsExactly(h);
        log.append(forget, true);
        assertThat(log.replay()).isEmpty();

        // An END keeps the transaction's ADMIN rows while a HEURISTIC is still there.
        HeuristicRecord h2 = hazard(2, 3L);
        AdminRecord rollback = new AdminRecord(gtrid(2), AdminAction.ROLLBACK, "ops", 4L);
        log.append(commit(2), true);
        log.append(h2, true);
        log.append(rollback, true);
        log.end(gtrid(2));
        assertThat(log.replay()).containsExactly(h2, rollback);

        // An audit of a transaction that is not live has nothing to keep alive.
        log.append(new AdminRecord(gtrid(3), AdminAction.COMMIT, "ops", 5L), true);
        assertThat(log.replay()).containsExactly(h2, rollback);
        assertThat(db.rows(table, NODE)).isEqualTo(2);
    }

    @Test
    @DisplayName("records appended in one batch apply in order, even a COMMIT and its END")
    void oneBatchAppliesInOrder() throws Exception {
        JdbcTransactionLog log = openWithoutBackgroundFlush();
        HeuristicRecord h = hazard(2, 3L);
        log.append(commit(1), false);
        log.append(new EndRecord(gtrid(1)), false);
        log.append(h, false);
        log.append(new AdminRecord(gtrid(2), AdminAction.FORGET, "ops", 4L), false);
        log.append(h, false); // reported again after the forget: must survive it
        long last = log.append(commit(3), false);
        log.awaitDurable(last);
        assertThat(log.statistics().largestBatch()).isEqualTo(6);
        assertThat(log.replay()).containsExactly(h, commit(3));
    }

    @Test
    @DisplayName("an END and a FORGET of one transaction in one batch, in either order: nothing of it is left")
    void endAndForgetInOneBatch() throws Exception {
        JdbcTransactionLog log = openWithoutBackgroundFlush();
        HeuristicRecord h = hazard(1, 2L);
        AdminRecord audit = new AdminRecord(gtrid(1), AdminAction.ROLLBACK, "ops", 3L);
        log.append(commit(1), true);
        log.append(h, true);
        log.append(audit, true);
        assertThat(log.replay()).containsExactly(commit(1), h, audit);
        log.append(new EndRecord(gtrid(1)), false);
        long last = log.append(new AdminRecord(gtrid(1), AdminAction.FORGET, "ops", 4L), false);
        log.awaitDurable(last);
        assertThat(log.replay()).isEmpty();

        // The other order: applied as one statement, each would keep the ADMIN rows for the other's type.
        HeuristicRecord h2 = hazard(2, 5L);
        log.append(commit(2), true);
        log.append(h2, true);
        log.append(new AdminRecord(gtrid(2), AdminAction.ROLLBACK, "ops", 6L), true);
        log.append(new AdminRecord(gtrid(2), AdminAction.FORGET, "ops", 7L), false);
        last = log.append(new EndRecord(gtrid(2)), false);
        log.awaitDurable(last);
        assertThat(log.replay()).isEmpty();
        assertThat(db.rows(table, NODE)).isZero();
    }

    @Test
    @DisplayName("32 threads × 200 forced appends: all durable, visible after reopening, sharing batches")
    void concurrentForcedAppendsShareBatches() throws Exception {
        int threads = 32;
        int each = 200;
        JdbcTransactionLog log = open();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<long[]>> futures = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int base = t * each;
                futures.add(pool.submit(() -> {
                    start.await();
                    long[] lsns = new long[each];
                    for (int i = 0; i < each; i++) {
                        lsns[i] = log.append(commit(base + i), true);
                    }
                    return lsns;
                }));
            }
            Set<Long> lsns = new HashSet<>();
            for (Future<long[]> f : futures) {
                for (long lsn : f.get()) {
                    lsns.add(lsn);
                }
            }
            assertThat(lsns).hasSize(threads * each);
        } finally {
            pool.shutdownNow();
        }
        LogStatistics stats = log.statistics();
        assertThat(stats.forcedRecords()).isEqualTo(threads * each);
        // Without gathering the batches settle into two alternating halves of the committers (about 16 here).
        assertThat((double) stats.forcedRecords() / stats.forces()).as("average batch size of %s", stats)
                .isGreaterThan(threads * 0.6);
        log.close();

        List<LogRecord> replayed = open().replay();
        assertThat(replayed).hasSize(threads * each);
        Set<String> gtrids = new HashSet<>();
        replayed.forEach(r -> gtrids.add(r.gtrid()));
        assertThat(gtrids).hasSize(threads * each).contains(gtrid(0), gtrid(threads * each - 1));
    }

    @Test
    @DisplayName("database gone: forced appends fail with the SQL cause; once it is back, appends work again")
    void databaseDownThenBack() throws Exception {
        try (TcpProxy proxy = new TcpProxy(db.host(), db.port())) {
            JdbcTransactionLog log = open(new UrlDataSource(db.urlVia(proxy.port()), db.user, db.password), NODE);
            log.append(commit(1), true);

            proxy.stop();
            int callers = 8;
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            try {
                List<Future<?>> failures = new ArrayList<>();
                for (int i = 0; i < callers; i++) {
                    int n = 100 + i;
                    failures.add(pool.submit(() -> log.append(commit(n), true)));
                }
                for (Future<?> f : failures) {
                    assertThatThrownBy(f::get).cause().isInstanceOf(TransactionLogException.class)
                            .hasMessageContaining("is not durable").hasMessageContaining(table)
                            .hasMessageContaining("was not committed").hasRootCauseInstanceOf(
                                    java.net.ConnectException.class)
                            .cause().isInstanceOf(SQLException.class);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThatThrownBy(log::replay).isInstanceOf(TransactionLogException.class)
                    .hasCauseInstanceOf(SQLException.class);

            proxy.start();
            log.append(commit(2), true);
            assertThat(log.replay()).containsExactly(commit(1), commit(2));
        }
    }

    @Test
    @DisplayName("a connection cut while the log was idle is replaced: the next append succeeds")
    void connectionCutWhileIdleIsReplaced() throws Exception {
        try (TcpProxy proxy = new TcpProxy(db.host(), db.port())) {
            JdbcTransactionLog log = open(new UrlDataSource(db.urlVia(proxy.port()), db.user, db.password), NODE);
            log.append(commit(1), true);
            proxy.stop();
            proxy.start();
            log.append(commit(2), true);
            assertThat(log.replay()).containsExactly(commit(1), commit(2));
        }
    }

    @Test
    @DisplayName("a COMMIT whose outcome is unknown fails its callers, and its rows are deleted by the next batch")
    void unknownCommitOutcomeIsUndone() throws Exception {
        CommitFaultDataSource faulty = new CommitFaultDataSource(db.dataSource());
        JdbcTransactionLog log = openAfterOneCommit(faulty);
        faulty.failCommitsAfterCommitting(); // the first attempt and the one on a new connection
        assertThatThrownBy(() -> log.append(commit(2), true)).isInstanceOf(TransactionLogException.class)
                .hasMessageContaining("outcome of the COMMIT unknown")
                .hasCauseInstanceOf(SQLException.class);
        faulty.disarm();
        assertThat(db.rows(table, NODE)).as("the server did commit it").isEqualTo(2);
        log.append(commit(3), true);
        assertThat(db.rows(table, NODE)).isEqualTo(2);
        assertThat(log.replay()).containsExactly(commit(1), commit(3));
    }

    @Test
    @DisplayName("a database that cannot be reached fails open with where and as whom, never the password")
    void unreachableDatabaseFailsOpen() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        UrlDataSource ds = new UrlDataSource(db.urlVia(closedPort), "lockstep", "pw-never-shown");
        assertThatThrownBy(() -> JdbcTransactionLog.open(ds, NODE, table))
                .isInstanceOf(TransactionLogException.class)
                .hasMessageContaining("cannot open JDBC log " + table)
                .hasMessageContaining("127.0.0.1:" + closedPort)
                .hasMessageContaining("as lockstep")
                .hasMessageNotContaining("pw-never-shown")
                .hasCauseInstanceOf(SQLException.class);
    }

    @Test
    @DisplayName("two nodes share one table; each replays only its own rows")
    void nodesShareATable() throws Exception {
        JdbcTransactionLog one = open();
        JdbcTransactionLog two = open(db.dataSource(), "jdbclog-n2");
        CommitRecord other = new CommitRecord("jdbclog-n2:kq2x1:1", 5L, List.of(new BranchRef("a", 1)));
        one.append(commit(1), true);
        two.append(other, true);
        assertThat(one.replay()).containsExactly(commit(1));
        assertThat(two.replay()).containsExactly(other);
    }

    @Test
    @DisplayName("after close, appends fail with TransactionLogException")
    void closedLogRefusesAppends() throws Exception {
        JdbcTransactionLog log = open();
        log.close();
        log.close();
        assertThatThrownBy(() -> log.append(commit(1), true)).isInstanceOf(TransactionLogException.class)
                .hasMessageContaining("is closed");
    }
}
