package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import io.lockstep.xa.jdbc.PoolStats;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDBC adapter on the real servers: transfers between two PostgreSQL databases and MariaDB (through
 * mysql-connector-j), each an Agroal-pooled XA data source enlisted by Lockstep.
 */
class JdbcAdapterTest {
    private static final String NODE = "jdbcit";

    @TempDir
    Path dir;

    LockstepTransactionManager tm;
    LockstepDataSource pgA;
    LockstepDataSource pgB;
    LockstepDataSource maria;
    Ledger a;
    Ledger b;
    Ledger m;

    @BeforeEach
    void start() throws Exception {
        tm = Lockstep.builder().nodeId(NODE).logDirectory(dir.resolve("log"))
                .orphanSafetyInterval(Duration.ofMillis(100)).build();
        pgA = LockstepDataSources.postgres(tm, Servers.postgresPlain(), Servers.PG_USER, Servers.PG_PASSWORD)
                .name("pg-a").maxSize(20).build();
        pgB = LockstepDataSources.postgres(tm, Servers.postgres2Plain(), Servers.PG_USER, Servers.PG_PASSWORD)
                .name("pg-b").maxSize(20).build();
        maria = LockstepDataSources.mysql(tm, Servers.mysqlPlain(), Servers.MYSQL_USER, Servers.MYSQL_PASSWORD)
                .name("maria").maxSize(20).build();
        a = new Ledger(pgA, "jdbcit_ledger");
        b = new Ledger(pgB, "jdbcit_ledger");
        m = new Ledger(maria, "jdbcit_ledger");
    }

    @AfterEach
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {pgA, pgB, maria, tm}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private void transfer(String id, long amount) throws Exception {
        a.add(id, -amount);
        b.add(id, amount / 2);
        m.add(id, amount - amount / 2);
    }

    private void assertNothingPrepared() throws Exception {
        assertThat(Prepared.branches(Prepared.postgres(Servers.PG_URL), NODE)).isEmpty();
        assertThat(Prepared.branches(Prepared.postgres(Servers.PG2_URL), NODE)).isEmpty();
        assertThat(Prepared.branches(Prepared.mysql(Servers.MYSQL_URL), NODE)).isEmpty();
    }

    private void awaitIdle(LockstepDataSource... sources) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (LockstepDataSource ds : sources) {
                assertThat(ds.stats().active()).as("%s active connections", ds.name()).isZero();
            }
        });
    }

    @Test
    void commitAppliesTheTransferInAllThreeDatabases() throws Exception {
        tm.begin();
        transfer("t1", 100);
        tm.commit();
        assertThat(a.ids()).containsExactly("t1");
        assertThat(b.ids()).containsExactly("t1");
        assertThat(m.ids()).containsExactly("t1");
        assertThat(a.sum() + b.sum() + m.sum()).isZero();
        assertNothingPrepared();
        awaitIdle(pgA, pgB, maria);
    }

    @Test
    void rollbackAndApplicationExceptionLeaveNothing() throws Exception {
        tm.begin();
        transfer("r1", 100);
        tm.rollback();

        tm.begin();
        try {
            transfer("r2", 100);
            a.add("r2", 1); // duplicate key: the application's statement fails
            tm.commit();
        } catch (SQLException e) {
            tm.rollback();
        }
        assertThat(a.ids()).isEmpty();
        assertThat(b.ids()).isEmpty();
        assertThat(m.ids()).isEmpty();
        assertNothingPrepared();
        awaitIdle(pgA, pgB, maria);
    }

    @Test
    void rollbackOnlyTransactionCannotCommit() throws Exception {
        tm.begin();
        transfer("ro", 10);
        tm.setRollbackOnly();
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
        assertThat(a.ids()).isEmpty();
        assertThat(m.ids()).isEmpty();
        assertNothingPrepared();
    }

    @Test
    void timeoutCancelsTheStatementInFlightAndRollsBack() throws Exception {
        tm.setTransactionTimeout(1);
        tm.begin();
        b.add("late", 5);
        long t0 = System.nanoTime();
        try (Connection c = pgA.getConnection(); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("SELECT pg_sleep(30)")).isInstanceOf(SQLException.class);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("the statement is cut at the deadline")
                .isLessThan(Duration.ofSeconds(10));
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class).hasMessageContaining("timed out");
        tm.setTransactionTimeout(0);
        assertThat(b.ids()).isEmpty();
        assertNothingPrepared();
        awaitIdle(pgA, pgB);
        tm.begin();
        transfer("after", 3);
        tm.commit();
        assertThat(a.ids()).containsExactly("after");
    }

    @Test
    void oneTransactionSharesOnePhysicalConnectionPerDataSource() throws Exception {
        tm.begin();
        int pid1;
        int pid2;
        try (Connection c = pgA.getConnection()) {
            pid1 = single(c, "SELECT pg_backend_pid()");
            a.add(c, "s1", 1);
        }
        assertThat(pgA.stats().active()).as("closed before commit, still held by the transaction").isEqualTo(1);
        try (Connection c = pgA.getConnection()) {
            pid2 = single(c, "SELECT pg_backend_pid()");
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT count(*) FROM jdbcit_ledger WHERE id = 's1'")) {
                rs.next();
                assertThat(rs.getInt(1)).as("sees its own uncommitted row").isEqualTo(1);
            }
        }
        int maria1;
        int maria2;
        try (Connection c1 = maria.getConnection(); Connection c2 = maria.getConnection()) {
            maria1 = single(c1, "SELECT CONNECTION_ID()");
            maria2 = single(c2, "SELECT CONNECTION_ID()");
        }
        tm.commit();
        assertThat(pid2).isEqualTo(pid1);
        assertThat(maria2).isEqualTo(maria1);
        assertThat(a.ids()).containsExactly("s1");
        awaitIdle(pgA, maria);
    }

    @Test
    void transactionControlOnAnEnlistedConnectionIsRefusedAndChangesNothing() throws Exception {
        tm.begin();
        try (Connection c = pgA.getConnection()) {
            a.add(c, "c1", 7);
            assertThatThrownBy(c::commit).isInstanceOf(SQLException.class)
                    .hasMessageContaining("commit() is not allowed").hasMessageContaining("pg-a");
            assertThatThrownBy(c::rollback).isInstanceOf(SQLException.class)
                    .hasMessageContaining("rollback() is not allowed");
            assertThatThrownBy(() -> c.setAutoCommit(true)).isInstanceOf(SQLException.class)
                    .hasMessageContaining("setAutoCommit(true) is not allowed");
            assertThatThrownBy(c::setSavepoint).isInstanceOf(SQLException.class)
                    .hasMessageContaining("setSavepoint() is not allowed");
            assertThatThrownBy(() -> c.setSavepoint("x")).isInstanceOf(SQLException.class);
            a.add(c, "c2", 8); // still usable
        }
        tm.commit();
        assertThat(a.ids()).containsExactly("c1", "c2");
    }

    @Test
    void outsideATransactionConnectionsAreOrdinaryAutoCommitOnes() throws Exception {
        try (Connection c = pgA.getConnection()) {
            assertThat(c.getAutoCommit()).isTrue();
            a.add(c, "plain", 1);
            assertThat(a.ids()).as("visible at once from another connection").containsExactly("plain");
            c.setAutoCommit(false);
            a.add(c, "local", 2);
            c.rollback();
            c.setAutoCommit(true);
        }
        assertThat(a.ids()).containsExactly("plain");
        awaitIdle(pgA);
    }

    @Test
    void suspendAndResumeAcrossDataSources() throws Exception {
        tm.begin();
        a.add("outer-1", 1);
        m.add("outer-1", 1);
        Transaction outer = tm.suspend();

        tm.begin();
        a.add("inner", 2);
        m.add("inner", 2);
        b.add("inner", 2);
        tm.commit();

        tm.resume(outer);
        a.add("outer-2", 3); // the outer transaction's connection again, resumed with end/join
        m.add("outer-2", 3); // MariaDB: end, then start ... resume
        tm.rollback();

        assertThat(a.ids()).containsExactly("inner");
        assertThat(m.ids()).containsExactly("inner");
        assertThat(b.ids()).containsExactly("inner");
        assertNothingPrepared();
        awaitIdle(pgA, pgB, maria);
    }

    @Test
    void hundredConcurrentTransactionsLeakNoConnection() throws Exception {
        int n = 100;
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = "c" + i;
            boolean fail = i % 10 == 0;
            results.add(pool.submit(() -> {
                go.await();
                tm.begin();
                try {
                    transfer(id, 10);
                    if (fail) {
                        throw new IllegalStateException("application failure");
                    }
                    tm.commit();
                    return true;
                } catch (IllegalStateException e) {
                    tm.rollback();
                    return false;
                }
            }));
        }
        go.countDown();
        int committed = 0;
        for (Future<Boolean> f : results) {
            if (f.get(60, TimeUnit.SECONDS)) {
                committed++;
            }
        }
        pool.shutdown();
        assertThat(committed).isEqualTo(90);
        assertThat(a.ids()).hasSize(90);
        assertThat(b.ids()).hasSize(90);
        assertThat(m.ids()).hasSize(90);
        assertThat(a.sum() + b.sum() + m.sum()).isZero();
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
        awaitIdle(pgA, pgB, maria);
        PoolStats s = pgA.stats();
        assertThat(s.idle()).isPositive().isLessThanOrEqualTo(s.max());
        assertNothingPrepared();
    }

    @Test
    void eachDataSourceRegistersItsRecoverySourceAndClosingRemovesIt() throws Exception {
        assertThat(tm.recoverNow().failedSources()).isEmpty();
        assertThat(tm.admin().toString()).isNotNull();
        LockstepDataSource extra = LockstepDataSources.postgres(tm, Servers.PG_URL, Servers.PG_USER,
                Servers.PG_PASSWORD).build();
        assertThat(extra.name()).isEqualTo("postgresql-127.0.0.1-5432-test");
        assertThatThrownBy(() -> LockstepDataSources.postgres(tm, Servers.PG_URL, Servers.PG_USER,
                Servers.PG_PASSWORD).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already registered").hasMessageContaining("name(");
        extra.close();
        LockstepDataSources.postgres(tm, Servers.PG_URL, Servers.PG_USER, Servers.PG_PASSWORD).build().close();
        assertThatThrownBy(extra::getConnection).isInstanceOf(SQLException.class).hasMessageContaining("closed");
    }

    private static int single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
