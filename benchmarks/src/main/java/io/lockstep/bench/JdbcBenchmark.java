package io.lockstep.bench;

import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * A money transfer between two real databases: debit one account in PostgreSQL, credit one in MariaDB (through
 * MySQL Connector/J), as a two-phase commit through Lockstep + Agroal and Narayana + Agroal, and as two local
 * transactions through HikariCP (the floor: what the same SQL costs without XA). See {@link JdbcPeers}.
 *
 * <p>Each thread picks both accounts at random from its own slice of {@code accounts}, so threads never wait for
 * each other's row locks and the score is the cost of the transaction, not of contention. After each trial the
 * money is counted: PostgreSQL must have lost and MariaDB gained exactly one unit per transfer the benchmark
 * completed, or the run fails. Device flushes per transfer (all processes on the disk: both databases and the
 * transaction log) and this JVM's CPU time per transfer are printed and recorded after each trial.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class JdbcBenchmark {
    private static final long BALANCE = 1_000_000;

    @Param({"lockstep", "narayana", "hikari"})
    public String peer;

    /** Accounts in each database, split evenly among the threads. */
    @Param({"10000"})
    public int accounts;

    private BenchDatabase pg;
    private BenchDatabase my;
    private Path dataDir;
    private JdbcPeer transfers;
    private FsyncCounter fsyncs;
    private ClientCpu cpu;
    private PhaseTimes phases;
    private final LongAdder done = new LongAdder();

    @Setup(Level.Trial)
    public void start(BenchmarkParams params) {
        if (accounts < params.getThreads()) {
            throw new IllegalArgumentException("accounts (" + accounts + ") < threads (" + params.getThreads() + ")");
        }
        pg = BenchDatabase.postgres();
        my = BenchDatabase.mysql();
        pg.reset(accounts, BALANCE);
        my.reset(accounts, BALANCE);
        dataDir = BenchDirs.fresh("jdbc-" + peer);
        transfers = JdbcPeers.open(peer, dataDir, params.getThreads(), pg, my);
        fsyncs = new FsyncCounter(BenchDirs.base());
        cpu = new ClientCpu();
        phases = new PhaseTimes();
        transfers.timeInto(phases);
    }

    @Setup(Level.Iteration)
    public void iterationStarts(IterationParams iteration) {
        fsyncs.iterationStarts(iteration);
        cpu.iterationStarts(iteration);
        phases.iterationStarts(iteration);
    }

    @TearDown(Level.Iteration)
    public void iterationEnds() {
        fsyncs.iterationEnds();
        cpu.iterationEnds();
        phases.iterationEnds();
    }

    @TearDown(Level.Trial)
    public void stop(BenchmarkParams params) {
        fsyncs.report(params, peer);
        cpu.report(params, peer);
        phases.report(params, peer);
        transfers.close();
        Peers.deleteTree(dataDir);
        long n = done.sum();
        long total = (long) accounts * BALANCE;
        long debited = total - pg.sum();
        long credited = my.sum() - total;
        if (debited != n || credited != n) {
            throw new IllegalStateException(peer + ": " + n + " transfers completed, but PostgreSQL lost " + debited
                    + " and MariaDB gained " + credited);
        }
    }

    /** The slice of account ids this thread draws from. */
    @State(Scope.Thread)
    public static class Slice {
        int from;
        int to;

        @Setup(Level.Trial)
        public void split(JdbcBenchmark b, ThreadParams thread) {
            from = (int) ((long) b.accounts * thread.getThreadIndex() / thread.getThreadCount());
            to = (int) ((long) b.accounts * (thread.getThreadIndex() + 1) / thread.getThreadCount());
        }

        int next() {
            return ThreadLocalRandom.current().nextInt(from, to);
        }
    }

    @Benchmark
    public void transfer(Slice s) throws Exception {
        transfers.transfer(s.next(), s.next());
        done.increment();
        fsyncs.op();
        cpu.op();
    }
}
