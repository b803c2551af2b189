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

/**
 * The transaction engine alone: begin, enlist, commit over in-memory resources, with nothing durable (Lockstep's
 * no-op log, Narayana's VolatileStore, Atomikos with logging off). {@link #onePhase} enlists one resource (one-phase
 * commit), {@link #twoPhase} two resource managers (prepare both, commit both). Thread counts come from the command
 * line ({@code -t 1}, {@code -t 4}, ...); each peer runs in its own fork.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class EngineBenchmark {

    @Param({"lockstep", "narayana", "atomikos"})
    public String peer;

    private Path dataDir;
    private TxDriver driver;

    @Setup(Level.Trial)
    public void start() {
        dataDir = BenchDirs.fresh("engine-" + peer);
        driver = Peers.open(peer, dataDir);
    }

    @TearDown(Level.Trial)
    public void stop() {
        driver.close();
        Peers.deleteTree(dataDir);
    }

    /** Each thread's connections to resource managers "a" and "b". */
    @State(Scope.Thread)
    public static class Resources {
        final InMemoryXAResource a = new InMemoryXAResource("a");
        final InMemoryXAResource b = new InMemoryXAResource("b");

        /** Fails the run when the manager skipped a phase: a result without the work would be worthless. */
        @TearDown(Level.Trial)
        public void check(BenchmarkParams params) {
            BenchChecks.checkCalls(params.getBenchmark(), a, b);
        }
    }

    @Benchmark
    public void onePhase(Resources r) throws Exception {
        driver.commitOne(r.a);
    }

    @Benchmark
    public void twoPhase(Resources r) throws Exception {
        driver.commitTwo(r.a, r.b);
    }
}
