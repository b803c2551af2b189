package io.lockstep.bench;

import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.TransactionLog;
import io.lockstep.tm.log.TransactionLogException;
import io.lockstep.tm.log.file.SegmentedFileLog;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;

/**
 * Lockstep's segmented file log alone: every operation appends one COMMIT record of two branches (the record a 2PC
 * forces) with {@code force == true} and returns when it is durable. Concurrent appenders share forces (group
 * commit); compare the score with {@link RawForceBenchmark} from the same run. Device flushes per append are
 * printed after the trial.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class LogBenchmark {
    private static final long SEGMENT_SIZE = 16L * 1024 * 1024;

    private Path dir;
    private TransactionLog log;
    private FsyncCounter fsyncs;
    private final AtomicInteger threadIds = new AtomicInteger();

    @Setup(Level.Trial)
    public void open() throws TransactionLogException {
        dir = BenchDirs.fresh("log");
        log = SegmentedFileLog.open(dir, "bench", SEGMENT_SIZE, false);
        fsyncs = new FsyncCounter(dir);
    }

    @Setup(Level.Iteration)
    public void iterationStarts(IterationParams iteration) {
        fsyncs.iterationStarts(iteration);
    }

    @TearDown(Level.Iteration)
    public void iterationEnds() {
        fsyncs.iterationEnds();
    }

    @TearDown(Level.Trial)
    public void close(BenchmarkParams params) {
        fsyncs.report(params, "lockstep");
        log.close();
        Peers.deleteTree(dir);
    }

    /** Per thread: a gtrid prefix in Lockstep form and a sequence, so every record is a distinct transaction. */
    @State(Scope.Thread)
    public static class Writer {
        String prefix;
        long sequence;
        final List<BranchRef> branches = List.of(new BranchRef("a", 1), new BranchRef("b", 2));

        @Setup(Level.Trial)
        public void name(LogBenchmark bench) {
            prefix = "bench:" + Long.toString(System.currentTimeMillis(), 36) + bench.threadIds.incrementAndGet()
                    + ":";
        }
    }

    @Benchmark
    public long appendForced(Writer w) throws TransactionLogException {
        long lsn = log.append(new CommitRecord(w.prefix + Long.toString(++w.sequence, 36),
                System.currentTimeMillis(), w.branches), true);
        fsyncs.op();
        return lsn;
    }
}
