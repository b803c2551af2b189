package io.lockstep.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;

/**
 * The force limit of this disk, the baseline of the log targets: one thread writes one small record (64 bytes) at
 * the next position of a preallocated file and calls {@code FileChannel.force(false)}, as often as it can. Nothing
 * is batched, so the score is the number of forces per second the device completes for a single writer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Threads(1)
public class RawForceBenchmark {
    static final int RECORD = 64;
    static final long FILE_SIZE = 64L * 1024 * 1024;

    private Path dir;
    private FileChannel channel;
    private final ByteBuffer record = ByteBuffer.allocateDirect(RECORD);
    private long position;
    private FsyncCounter fsyncs;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = BenchDirs.fresh("raw-force");
        Files.createDirectories(dir);
        channel = FileChannel.open(dir.resolve("preallocated"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        ByteBuffer zeros = ByteBuffer.allocateDirect(1024 * 1024);
        for (long p = 0; p < FILE_SIZE; p += zeros.capacity()) {
            zeros.clear();
            while (zeros.hasRemaining()) {
                channel.write(zeros, p + zeros.position());
            }
        }
        channel.force(true);
        for (int i = 0; i < RECORD; i++) {
            record.put(i, (byte) i);
        }
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
    public void close(BenchmarkParams params) throws IOException {
        fsyncs.report(params, "raw");
        channel.close();
        Peers.deleteTree(dir);
    }

    @Benchmark
    public long appendAndForce() throws IOException {
        record.clear();
        record.putLong(0, position);
        while (record.hasRemaining()) {
            channel.write(record, position + record.position());
        }
        channel.force(false);
        position += RECORD;
        if (position + RECORD > FILE_SIZE) {
            position = 0;
        }
        fsyncs.op();
        return position;
    }
}
