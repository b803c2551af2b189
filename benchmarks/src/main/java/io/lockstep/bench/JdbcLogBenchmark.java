package io.lockstep.bench;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.LogType;
import io.lockstep.tm.log.LogStatistics;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * End-to-end two-phase commit over two in-memory resource managers with the JDBC log in PostgreSQL
 * ({@code LOCKSTEP_PG_URL}, default the local server, user {@code LOCKSTEP_PG_USER} / postgres) beside the file log
 * on this machine's disk. Run at several thread counts, e.g.
 * {@code java -jar benchmarks.jar JdbcLogBenchmark -t 64}. After each trial the log's group-commit statistics
 * (commits, records per commit, mean commit time) are printed. The JDBC log uses table {@code bench_jdbc_log},
 * dropped before and after the trial.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
public class JdbcLogBenchmark {
    private static final String TABLE = "bench_jdbc_log";

    @Param({"file", "jdbc-postgresql"})
    public String log;

    private Path dataDir;
    private LockstepTransactionManager tm;
    private TxDriver driver;

    @Setup(Level.Trial)
    public void start() throws SQLException {
        if (log.equals("file")) {
            dataDir = BenchDirs.fresh("jdbc-bench-file");
            tm = Lockstep.builder().nodeId("bench").logDirectory(dataDir).build();
        } else {
            dropTable();
            tm = Lockstep.builder().nodeId("bench").logType(LogType.JDBC).logJdbcUrl(url()).logJdbcUser(user())
                    .logJdbcPassword(password()).logJdbcTable(TABLE).build();
        }
        driver = new JakartaDriver(tm, tm);
    }

    @TearDown(Level.Trial)
    public void stop(BenchmarkParams params) throws SQLException {
        LogStatistics s = tm.admin().logStatistics();
        driver.close();
        if (s != null && s.forces() > 0) {
            System.out.printf("%n[%s, %d threads] %d commits of the log, %.1f records per commit, %.2f ms per commit%n",
                    log, params.getThreads(), s.forces(), (double) s.forcedRecords() / s.forces(),
                    s.forceNanos() / 1e6 / s.forces());
        }
        if (dataDir != null) {
            Peers.deleteTree(dataDir);
        } else {
            dropTable();
        }
    }

    @Benchmark
    public void twoPhase(EngineBenchmark.Resources r) throws Exception {
        driver.commitTwo(r.a, r.b);
    }

    private static void dropTable() throws SQLException {
        try (Connection c = DriverManager.getConnection(url(), user(), password());
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + TABLE);
        }
    }

    private static String url() {
        return env("LOCKSTEP_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    }

    private static String user() {
        return env("LOCKSTEP_PG_USER", "postgres");
    }

    private static String password() {
        return env("LOCKSTEP_PG_PASSWORD", "");
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
