package io.lockstep.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
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
 * CPU time of this JVM (the benchmark fork: application threads, pool and manager threads, GC, JIT) per operation
 * over the measurement iterations of one trial. Used where the work happens in other processes (database
 * servers), so that a configuration's own cost shows up even when its throughput is bound by the servers. Printed
 * and appended to {@code cpu.csv} in the results directory ({@code -Dlockstep.bench.results}).
 */
final class ClientCpu {
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final LongAdder ops = new LongAdder();
    private boolean measuring;
    private long before;
    private long cpuNanos;
    private long measuredOps;

    void op() {
        ops.increment();
    }

    void iterationStarts(IterationParams iteration) {
        measuring = iteration.getType() == IterationType.MEASUREMENT;
        ops.reset();
        before = os.getProcessCpuTime();
    }

    void iterationEnds() {
        long after = os.getProcessCpuTime();
        if (measuring && before >= 0 && after >= 0) {
            cpuNanos += after - before;
            measuredOps += ops.sum();
        }
    }

    /** Prints and records CPU microseconds per operation; {@code label} names the configuration. */
    void report(BenchmarkParams params, String label) {
        String[] parts = params.getBenchmark().split("\\.");
        String bench = parts[parts.length - 2] + "." + parts[parts.length - 1];
        double perOp = measuredOps == 0 ? Double.NaN : cpuNanos / 1000.0 / measuredOps;
        System.out.printf(Locale.ROOT, "%n[cpu] %s %s threads=%d: %d ops, %.1f µs of this JVM's CPU per op%n", bench,
                label, params.getThreads(), measuredOps, perOp);
        String line = String.format(Locale.ROOT, "%s,%s,%d,%s,%d,%d,%.2f", bench, label, params.getThreads(),
                params.getMode().shortLabel(), measuredOps, cpuNanos, perOp);
        Path results = Path.of(System.getProperty("lockstep.bench.results", "target/bench-results"));
        try {
            Files.createDirectories(results);
            Files.writeString(results.resolve("cpu.csv"), line + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record CPU time in " + results, e);
        }
    }
}
