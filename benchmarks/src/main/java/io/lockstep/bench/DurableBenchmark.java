package io.lockstep.bench;

import java.nio.file.Path;
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
import org.openjdk.jmh.infra.IterationParams;

/**
 * End-to-end two-phase commit over two in-memory resource managers with a durable log on this machine's disk:
 * Lockstep's file log, Narayana's default file store and its journal store (best settings), Atomikos' file log.
 * Every configuration writes under {@code target/bench-data}. Device flushes per transaction are printed after each
 * trial (see {@link FsyncCounter}), so a store that does not force shows up, and so are the CPU time of the fork and
 * its context switches per transaction ({@link ClientCpu}), which stay comparable when other processes share the
 * cores. Run with {@code -bm thrpt} for
 * throughput and {@code -bm sample} for latency percentiles.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class DurableBenchmark {

    @Param({"lockstep-file", "narayana-file", "narayana-journal", "atomikos-file"})
    public String peer;

    private Path dataDir;
    private TxDriver driver;
    private FsyncCounter fsyncs;
    private ClientCpu cpu;

    @Setup(Level.Trial)
    public void start() {
        dataDir = BenchDirs.fresh("durable-" + peer);
        driver = Peers.open(peer, dataDir);
        fsyncs = new FsyncCounter(dataDir);
        cpu = new ClientCpu();
    }

    @Setup(Level.Iteration)
    public void iterationStarts(IterationParams iteration) {
        fsyncs.iterationStarts(iteration);
        cpu.iterationStarts(iteration);
    }

    @TearDown(Level.Iteration)
    public void iterationEnds() {
        fsyncs.iterationEnds();
        cpu.iterationEnds();
    }

    @TearDown(Level.Trial)
    public void stop(BenchmarkParams params) {
        fsyncs.report(params, peer);
        cpu.report(params, peer);
        driver.close();
        Peers.deleteTree(dataDir);
    }

    @Benchmark
    public void twoPhase(EngineBenchmark.Resources r) throws Exception {
        driver.commitTwo(r.a, r.b);
        fsyncs.op();
        cpu.op();
    }
}
