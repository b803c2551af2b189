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
 * Where a transfer's time goes, as its caller sees it: the work (begin, borrowing and enlisting the connections,
 * the updates) and the commit (for XA: prepare both, force the decision, commit both; for local transactions: the
 * two {@code Connection.commit()} calls). Summed over the measurement iterations of one trial, printed and appended
 * to {@code phases.csv} in the results directory. Two {@code System.nanoTime()} calls and two adds per transfer, a
 * few tens of nanoseconds against milliseconds.
 */
final class PhaseTimes {
    private final LongAdder work = new LongAdder();
    private final LongAdder commit = new LongAdder();
    private final LongAdder ops = new LongAdder();
    private volatile boolean measuring;
    private long measuredWork;
    private long measuredCommit;
    private long measuredOps;

    void record(long workNanos, long commitNanos) {
        if (measuring) {
            work.add(workNanos);
            commit.add(commitNanos);
            ops.increment();
        }
    }

    void iterationStarts(IterationParams iteration) {
        work.reset();
        commit.reset();
        ops.reset();
        measuring = iteration.getType() == IterationType.MEASUREMENT;
    }

    void iterationEnds() {
        if (measuring) {
            measuring = false;
            measuredWork += work.sum();
            measuredCommit += commit.sum();
            measuredOps += ops.sum();
        }
    }

    void report(BenchmarkParams params, String label) {
        String[] parts = params.getBenchmark().split("\\.");
        String bench = parts[parts.length - 2] + "." + parts[parts.length - 1];
        double workMs = measuredOps == 0 ? Double.NaN : measuredWork / 1e6 / measuredOps;
        double commitMs = measuredOps == 0 ? Double.NaN : measuredCommit / 1e6 / measuredOps;
        System.out.printf(Locale.ROOT, "%n[phases] %s %s threads=%d: %d transfers, work %.3f ms + commit %.3f ms"
                + " each%n", bench, label, params.getThreads(), measuredOps, workMs, commitMs);
        String line = String.format(Locale.ROOT, "%s,%s,%d,%s,%d,%.4f,%.4f", bench, label, params.getThreads(),
                params.getMode().shortLabel(), measuredOps, workMs, commitMs);
        Path results = Path.of(System.getProperty("lockstep.bench.results", "target/bench-results"));
        try {
            Files.createDirectories(results);
            Files.writeString(results.resolve("phases.csv"), line + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record phase times in " + results, e);
        }
    }
}
