package io.lockstep.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.LogType;
import io.lockstep.tm.log.LogStatistics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
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
 * End-to-end two-phase commit over two in-memory resource managers with a transaction log in the local PostgreSQL
 * ({@code LOCKSTEP_PG_URL}, default database {@code test}, user {@code LOCKSTEP_PG_USER} / postgres), beside
 * Lockstep's file log on this machine's disk. Run at several thread counts, e.g.
 * {@code java -jar benchmarks.jar JdbcLogBenchmark -t 64}. Configurations ({@code log}), each in its own fork:
 *
 * <ul>
 *   <li>{@code file}: Lockstep's segmented file log.</li>
 *   <li>{@code jdbc-postgresql}: Lockstep configured as an application would with {@code lockstep.log.type=jdbc}
 *       ({@code Lockstep.builder().logType(LogType.JDBC)}): the manager takes a node lease in
 *       {@code bench_jdbc_log_nodes} and every log batch checks its fence. Table {@code bench_jdbc_log}.</li>
 *   <li>{@code narayana-jdbc}: Narayana's JDBC object store ({@code JDBCStore}) in table
 *       {@code bench_narayana_jbosststxtable}, over a HikariCP pool of {@link #NARAYANA_POOL} connections (it borrows
 *       one per store operation).</li>
 * </ul>
 *
 * The tables are dropped before and after each trial. After a trial the log's group-commit statistics (Lockstep:
 * commits, records per commit, mean commit time) and PostgreSQL's own count of rows inserted, updated and deleted
 * in the log table per transaction are printed; a configuration that wrote nothing to PostgreSQL fails the trial.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
public class JdbcLogBenchmark {
    private static final String TABLE = "bench_jdbc_log";
    private static final String NARAYANA_PREFIX = "bench_narayana_";
    /** Narayana's table: its prefix + its fixed name, folded to lower case by PostgreSQL. */
    private static final String NARAYANA_TABLE = NARAYANA_PREFIX + "jbosststxtable";
    /** Connections Narayana's store may hold at once: as many as committing threads, up to this many. */
    static final int NARAYANA_POOL = 64;

    @Param({"file", "jdbc-postgresql", "narayana-jdbc"})
    public String log;

    private final BenchDatabase pg = BenchDatabase.postgres();
    private final LongAdder transactions = new LongAdder();
    private Path dataDir;
    private LockstepTransactionManager tm;
    private TxDriver driver;

    @Setup(Level.Trial)
    public void start(BenchmarkParams params) throws SQLException {
        dataDir = BenchDirs.fresh("jdbc-bench-" + log);
        switch (log) {
            case "file":
                tm = Lockstep.builder().nodeId("bench").logDirectory(dataDir).build();
                driver = new JakartaDriver(tm, tm);
                break;
            case "jdbc-postgresql":
                dropTables();
                tm = Lockstep.builder().nodeId("bench").logType(LogType.JDBC).logJdbcUrl(pg.url)
                        .logJdbcUser(pg.user).logJdbcPassword(pg.password).logJdbcTable(TABLE).build();
                driver = new JakartaDriver(tm, tm);
                break;
            case "narayana-jdbc":
                dropTables();
                HikariDataSource pool = narayanaPool(Math.min(NARAYANA_POOL, params.getThreads()));
                AutoCloseable stop = Peers.narayanaCloser();
                driver = new JakartaDriver(Peers.narayanaJdbc(dataDir, pool, NARAYANA_PREFIX), () -> {
                    stop.close();
                    pool.close();
                });
                break;
            default:
                throw new IllegalArgumentException("unknown log configuration \"" + log + "\"");
        }
    }

    @TearDown(Level.Trial)
    public void stop(BenchmarkParams params) throws Exception {
        LogStatistics s = tm == null ? null : tm.admin().logStatistics();
        driver.close(); // closes the database connections, so PostgreSQL publishes their row counts
        if (s != null && s.forces() > 0) {
            System.out.printf("%n[%s, %d threads] %d commits of the log, %.1f records per commit, %.2f ms per commit%n",
                    log, params.getThreads(), s.forces(), (double) s.forcedRecords() / s.forces(),
                    s.forceNanos() / 1e6 / s.forces());
        }
        if (!log.equals("file")) {
            String table = log.equals("narayana-jdbc") ? NARAYANA_TABLE : TABLE;
            long n = transactions.sum();
            PgTableWrites w = PgTableWrites.settled(pg, table);
            System.out.printf("[%s, %d threads] PostgreSQL table %s: %d transactions, %s%n", log,
                    params.getThreads(), table, n, w.perTransaction(n));
            if (w.inserted() < n) {
                throw new IllegalStateException(log + " inserted " + w.inserted() + " rows into " + table + " for " + n
                        + " transactions: its log did not go to PostgreSQL");
            }
            if (log.equals("narayana-jdbc")) {
                checkNoFileLog(dataDir);
            }
            dropTables();
        }
        Peers.deleteTree(dataDir);
    }

    @Benchmark
    public void twoPhase(EngineBenchmark.Resources r) throws Exception {
        driver.commitTwo(r.a, r.b);
        transactions.increment();
    }

    private HikariDataSource narayanaPool(int size) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("bench-narayana-store");
        config.setJdbcUrl(pg.url);
        config.setUsername(pg.user);
        config.setPassword(pg.password);
        config.setMinimumIdle(size);
        config.setMaximumPoolSize(size);
        config.setConnectionTimeout(Duration.ofSeconds(30).toMillis());
        config.setAutoCommit(false); // as Narayana sets it on every borrowed connection
        return new HikariDataSource(config);
    }

    /** Fails when Narayana wrote transaction records to files after all (a store silently falling back). */
    private static void checkNoFileLog(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            Path file = files.filter(Files::isRegularFile).findFirst().orElse(null);
            if (file != null) {
                throw new IllegalStateException("narayana-jdbc wrote " + file + ": its log is not (only) in"
                        + " PostgreSQL");
            }
        }
    }

    private void dropTables() throws SQLException {
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            for (String t : new String[] {TABLE, TABLE + "_nodes", TABLE + "_node_events", NARAYANA_TABLE}) {
                s.execute("DROP TABLE IF EXISTS " + t);
            }
        }
    }
}
