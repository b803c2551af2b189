package io.lockstep.xa.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.metrics.DataSourceMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pool health of an XA data source on embedded H2: leak detection, validation on borrow, metrics. */
class H2PoolTest {
    @TempDir
    Path dir;

    LockstepTransactionManager tm;

    @BeforeEach
    void start() {
        tm = Lockstep.builder().nodeId("h2pool").logDirectory(dir.resolve("log")).build();
    }

    @AfterEach
    void stop() {
        tm.close();
    }

    private String url(String db) {
        return "jdbc:h2:" + dir.resolve(db).toAbsolutePath() + ";DB_CLOSE_DELAY=-1";
    }

    @Test
    void aConnectionHeldPastTheLeakTimeoutIsCounted() throws Exception {
        try (LockstepDataSource ds = LockstepDataSources.h2(tm, url("leak"), "sa", "")
                .leakTimeout(Duration.ofMillis(200)).build()) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new DataSourceMetrics(ds).bindTo(registry);
            try (Connection held = ds.getConnection()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> ds.stats().leaks() > 0);
                assertThat(registry.get("lockstep.pool.leaks").tag("datasource", ds.name()).functionCounter().count())
                        .isPositive();
                assertThat(registry.get("lockstep.pool.active").gauge().value()).isEqualTo(1.0);
                assertThat(held.isValid(1)).as("the holder keeps its connection").isTrue();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> ds.stats().active() == 0);
        }
    }

    @Test
    void aBrokenIdleConnectionIsReplacedWhenBorrowed() throws Exception {
        try (LockstepDataSource ds = LockstepDataSources.h2(tm, url("valid"), "sa", "")
                .validateAfterIdle(Duration.ZERO).maxSize(1).build()) {
            int session;
            try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT SESSION_ID()")) {
                rs.next();
                session = rs.getInt(1);
            }
            try (Connection killer = java.sql.DriverManager.getConnection(url("valid"), "sa", "");
                 Statement s = killer.createStatement()) {
                s.execute("CALL ABORT_SESSION(" + session + ")");
            }
            try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT SESSION_ID()")) {
                rs.next();
                assertThat(rs.getInt(1)).as("a new session, not the dead one").isNotEqualTo(session);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> ds.stats().destroyed() > 0);
        }
    }

    @Test
    void twoPhaseCommitOverTwoH2Databases() throws Exception {
        try (LockstepDataSource a = LockstepDataSources.h2(tm, url("a"), "sa", "").name("h2-a").build();
             LockstepDataSource b = LockstepDataSources.h2(tm, url("b"), "sa", "").name("h2-b").build()) {
            for (LockstepDataSource ds : new LockstepDataSource[] {a, b}) {
                try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE t (id INT PRIMARY KEY)");
                }
            }
            tm.begin();
            try (Connection c = a.getConnection(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO t VALUES (1)");
            }
            try (Connection c = b.getConnection(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO t VALUES (1)");
            }
            tm.commit();
            tm.begin();
            try (Connection c = a.getConnection(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO t VALUES (2)");
            }
            tm.rollback();
            for (LockstepDataSource ds : new LockstepDataSource[] {a, b}) {
                try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
                    rs.next();
                    assertThat(rs.getInt(1)).as(ds.name()).isEqualTo(1);
                }
            }
            assertThat(tm.recoverNow().failedSources()).isEmpty();
        }
    }
}
