package io.lockstep.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Device flushes and writes per operation over the measurement iterations of one trial. The benchmark calls
 * {@link #op()} once per operation; the iteration hooks read {@code /proc/diskstats}. At the end of the trial the
 * rate is printed and appended to {@code fsync.csv} in the results directory ({@code -Dlockstep.bench.results},
 * default {@code target/bench-results}), where the standard run picks it up for its tables.
 */
final class FsyncCounter {
    private final DiskFlushes disk;
    private final LongAdder ops = new LongAdder();
    private boolean measuring;
    private long[] before;
    private long flushes;
    private long writes;
    private long measuredOps;

    FsyncCounter(Path dir) {
        this.disk = DiskFlushes.of(dir);
    }

    void op() {
        ops.increment();
    }

    void iterationStarts(IterationParams iteration) {
        measuring = iteration.getType() == IterationType.MEASUREMENT;
        ops.reset();
        before = disk.read();
    }

    void iterationEnds() {
        long[] after = disk.read();
        if (measuring && before != null && after != null) {
            flushes += after[0] - before[0];
            writes += after[1] - before[1];
            measuredOps += ops.sum();
        }
    }

    /** Prints and records the rate; {@code label} names the configuration (e.g. the peer). */
    void report(BenchmarkParams params, String label) {
        String[] parts = params.getBenchmark().split("\\.");
        String bench = parts[parts.length - 2] + "." + parts[parts.length - 1];
        double perOp = measuredOps == 0 ? Double.NaN : (double) flushes / measuredOps;
        double writesPerOp = measuredOps == 0 ? Double.NaN : (double) writes / measuredOps;
        String line = String.format(Locale.ROOT, "%s,%s,%d,%s,%d,%d,%d,%.4f,%.4f", bench, label,
                params.getThreads(), params.getMode().shortLabel(), measuredOps, flushes, writes, perOp,
                writesPerOp);
        System.out.printf(Locale.ROOT, "%n[fsync] %s %s threads=%d: %d ops, %d device flushes (%.3f per op),"
                + " %d device writes (%.3f per op) on %s%n", bench, label, params.getThreads(), measuredOps,
                flushes, perOp, writes, writesPerOp, disk.device());
        Path results = Path.of(System.getProperty("lockstep.bench.results", "target/bench-results"));
        try {
            Files.createDirectories(results);
            Files.writeString(results.resolve("fsync.csv"), line + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record fsync counts in " + results, e);
        }
    }
}
