package io.lockstep.bench;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.SuspendMode;
import io.lockstep.xa.jdbc.XADataSourceSource;
import io.lockstep.xa.jms.EmbeddedArtemis;
import io.lockstep.xa.jms.LockstepJms;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import jakarta.transaction.TransactionManager;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import org.apache.activemq.artemis.jms.client.ActiveMQXAConnectionFactory;
import org.messaginghub.pooled.jms.JmsPoolConnectionFactory;
import org.messaginghub.pooled.jms.JmsPoolXAConnectionFactory;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.postgresql.xa.PGXADataSource;

/**
 * Consume-update-send: each operation is one global transaction that receives a message from an embedded Artemis
 * broker, updates a PostgreSQL row and sends a message, committed with two-phase commit (broker, database, durable
 * manager log). Same broker (in-VM, persistent journal), same database, same pooled-jms pool for every manager; only
 * the manager and its log differ. The queue is its own input and output, so its depth stays constant.
 *
 * <p>PostgreSQL from {@code LOCKSTEP_PG_URL} / {@code LOCKSTEP_PG_USER} / {@code LOCKSTEP_PG_PASSWORD} (default
 * {@code jdbc:postgresql://127.0.0.1:5432/test}, {@code postgres}); table {@code jms7_bench}, one row per thread.
 * After each trial the row total must equal the committed transactions and the broker must hold nothing prepared.
 * Not in {@code bin/bench}'s standard set (it needs PostgreSQL); run it on the jar:
 * {@code java -jar benchmarks/target/benchmarks.jar PipelineBenchmark -t 4}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=error"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Threads(4)
public class PipelineBenchmark {
    static final String QUEUE = "bench.orders";
    static final String TABLE = "jms7_bench";
    private static final int QUEUE_DEPTH = 256;
    private static final int ROWS = 256;

    @Param({"lockstep-file", "narayana-journal"})
    public String peer;

    private Path dataDir;
    private JakartaDriver driver;
    private TransactionManager tm;
    private EmbeddedArtemis broker;
    private JmsPoolConnectionFactory jms;
    private PGXADataSource pg;
    private boolean lockstep;
    private final AtomicInteger nextRow = new AtomicInteger();
    private final LongAdder committed = new LongAdder();

    @Setup(Level.Trial)
    public void start() throws Exception {
        dataDir = BenchDirs.fresh("pipeline-" + peer);
        driver = (JakartaDriver) Peers.open(peer, dataDir);
        tm = driver.manager();
        lockstep = tm instanceof LockstepTransactionManager;
        broker = EmbeddedArtemis.start(dataDir.resolve("broker"), -1, List.of(QUEUE));
        ActiveMQXAConnectionFactory xa = (ActiveMQXAConnectionFactory) broker.xaConnectionFactory();
        xa.setConsumerWindowSize(0); // a consumer per transaction: no prefetch to hand back on close
        pg = new PGXADataSource();
        pg.setUrl(env("LOCKSTEP_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test"));
        pg.setUser(env("LOCKSTEP_PG_USER", "postgres"));
        pg.setPassword(env("LOCKSTEP_PG_PASSWORD", ""));
        if (lockstep) {
            LockstepTransactionManager lts = (LockstepTransactionManager) tm;
            jms = LockstepJms.pooled(lts, xa).name("artemis").maxConnections(8).build();
            lts.registerRecoverable(new XADataSourceSource("pg", pg, pg.getUrl()));
        } else {
            JmsPoolXAConnectionFactory f = new JmsPoolXAConnectionFactory();
            f.setConnectionFactory(xa);
            f.setTransactionManager(tm);
            f.setMaxConnections(8);
            jms = f;
        }
        try (java.sql.Connection c = pg.getConnection(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + TABLE);
            st.execute("CREATE TABLE " + TABLE + " (id INT PRIMARY KEY, n BIGINT NOT NULL)");
            st.execute("INSERT INTO " + TABLE + " SELECT g, 0 FROM generate_series(0, " + (ROWS - 1) + ") g");
        }
        try (Connection c = ((ConnectionFactory) broker.xaConnectionFactory()).createConnection()) {
            Session s = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageProducer p = s.createProducer(s.createQueue(QUEUE));
            for (int i = 0; i < QUEUE_DEPTH; i++) {
                p.send(s.createTextMessage("order " + i));
            }
            s.commit();
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        try {
            check();
        } finally {
            jms.stop();
            broker.close();
            driver.close();
            Peers.deleteTree(dataDir);
        }
    }

    private void check() throws Exception {
        long total;
        try (java.sql.Connection c = pg.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT sum(n) FROM " + TABLE)) {
            rs.next();
            total = rs.getLong(1);
        }
        if (total != committed.sum()) {
            throw new IllegalStateException(peer + ": " + committed.sum() + " transactions committed but the rows"
                    + " add up to " + total);
        }
        if (broker.messageCount(QUEUE) != QUEUE_DEPTH || broker.preparedTransactions().length != 0) {
            throw new IllegalStateException(peer + ": queue depth " + broker.messageCount(QUEUE) + " (expected "
                    + QUEUE_DEPTH + "), prepared in the broker " + broker.preparedTransactions().length);
        }
        System.out.printf("%n%s: %d transactions, rows add up, queue depth %d, nothing prepared in the broker%n",
                peer, total, QUEUE_DEPTH);
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** One PostgreSQL XA connection and one row per benchmark thread. */
    @State(Scope.Thread)
    public static class Worker {
        XAConnection pg;
        int row;

        @Setup(Level.Trial)
        public void open(PipelineBenchmark bench) throws SQLException {
            pg = bench.pg.getXAConnection();
            row = bench.nextRow.getAndIncrement();
            if (row >= ROWS) {
                throw new IllegalStateException("at most " + ROWS + " threads");
            }
        }

        @TearDown(Level.Trial)
        public void close() throws SQLException {
            pg.close();
        }
    }

    @Benchmark
    public void consumeUpdateSend(Worker w) throws Exception {
        tm.begin();
        try {
            XAResource db = w.pg.getXAResource();
            tm.getTransaction().enlistResource(lockstep ? Lockstep.named("pg", db, false, SuspendMode.END_JOIN) : db);
            try (Connection c = jms.createConnection()) {
                c.start();
                Session s = c.createSession(true, Session.SESSION_TRANSACTED);
                Message in = s.createConsumer(s.createQueue(QUEUE)).receive(10_000);
                if (in == null) {
                    throw new IllegalStateException(peer + ": no message in " + QUEUE + " within 10 s");
                }
                try (PreparedStatement update = w.pg.getConnection().prepareStatement(
                        "UPDATE " + TABLE + " SET n = n + 1 WHERE id = ?")) {
                    update.setInt(1, w.row);
                    update.executeUpdate();
                }
                s.createProducer(s.createQueue(QUEUE)).send(s.createTextMessage(((TextMessage) in).getText()));
            }
            tm.commit();
            committed.increment();
        } catch (Exception | Error e) {
            if (tm.getTransaction() != null) {
                tm.rollback();
            }
            throw e;
        }
    }
}
