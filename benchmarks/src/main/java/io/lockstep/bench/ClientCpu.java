package io.lockstep.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * CPU time of this JVM (the benchmark fork: application threads, pool and manager threads, GC; user and system
 * time) per operation over the measurement iterations of one trial, without the JIT compiler threads, whose work
 * in a short fork is start-up cost rather than cost per operation. Used where the work happens in other processes
 * (database servers), so that a configuration's own cost shows even when the servers bound its throughput.
 * Read from {@code /proc/self/task/<tid>/stat} (Linux; clock ticks, assumed 100 per second as on every common
 * kernel build). Printed and appended to {@code cpu.csv} in the results directory
 * ({@code -Dlockstep.bench.results}); where {@code /proc} is missing, nothing is recorded. Also counts the context
 * switches of the JVM's threads per operation ({@code voluntary_ctxt_switches}, i.e. blocking, and
 * {@code nonvoluntary_ctxt_switches}, i.e. preemption, from {@code /proc/self/task/<tid>/status}).
 */
final class ClientCpu {
    private static final Path TASKS = Path.of("/proc/self/task");
    private static final long NANOS_PER_TICK = 10_000_000L;

    private final LongAdder ops = new LongAdder();
    private boolean measuring;
    private long[] before;
    private long cpuTicks;
    private long jitTicks;
    private long voluntary;
    private long involuntary;
    private long measuredOps;

    void op() {
        ops.increment();
    }

    void iterationStarts(IterationParams iteration) {
        measuring = iteration.getType() == IterationType.MEASUREMENT;
        ops.reset();
        before = read();
    }

    void iterationEnds() {
        long[] after = read();
        if (measuring && before != null && after != null) {
            cpuTicks += after[0] - before[0];
            jitTicks += after[1] - before[1];
            voluntary += after[2] - before[2];
            involuntary += after[3] - before[3];
            measuredOps += ops.sum();
        }
    }

    /**
     * {total ticks of live threads, ticks of the JIT compiler threads, voluntary and involuntary context switches},
     * or null without /proc.
     */
    private static long[] read() {
        if (!Files.isDirectory(TASKS)) {
            return null;
        }
        long total = 0;
        long jit = 0;
        long vol = 0;
        long invol = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                String stat;
                String status;
                try {
                    stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
                    status = Files.readString(task.resolve("status"), StandardCharsets.US_ASCII);
                } catch (IOException gone) {
                    continue; // the thread ended meanwhile
                }
                int close = stat.lastIndexOf(')');
                String comm = stat.substring(stat.indexOf('(') + 1, close);
                String[] f = stat.substring(close + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
                total += ticks;
                if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                    jit += ticks;
                }
                vol += statusField(status, "voluntary_ctxt_switches:");
                invol += statusField(status, "nonvoluntary_ctxt_switches:");
            }
        } catch (IOException e) {
            return null;
        }
        return new long[] {total, jit, vol, invol};
    }

    private static long statusField(String status, String name) {
        int at = status.indexOf(name);
        if (at < 0 || (at > 0 && status.charAt(at - 1) != '\n')) {
            at = status.indexOf("\n" + name);
            if (at < 0) {
                return 0;
            }
            at++;
        }
        int end = status.indexOf('\n', at);
        return Long.parseLong(status.substring(at + name.length(), end < 0 ? status.length() : end).trim());
    }

    /** Prints and records CPU microseconds per operation; {@code label} names the configuration. */
    void report(BenchmarkParams params, String label) {
        String[] parts = params.getBenchmark().split("\\.");
        String bench = parts[parts.length - 2] + "." + parts[parts.length - 1];
        double perOp = measuredOps == 0 ? Double.NaN : (cpuTicks - jitTicks) * NANOS_PER_TICK / 1000.0 / measuredOps;
        double jitPerOp = measuredOps == 0 ? Double.NaN : jitTicks * NANOS_PER_TICK / 1000.0 / measuredOps;
        double volPerOp = measuredOps == 0 ? Double.NaN : (double) voluntary / measuredOps;
        double involPerOp = measuredOps == 0 ? Double.NaN : (double) involuntary / measuredOps;
        System.out.printf(Locale.ROOT, "%n[cpu] %s %s threads=%d: %d ops, %.1f µs of this JVM's CPU per op without"
                + " JIT (JIT %.1f µs per op); context switches per op: %.2f voluntary, %.2f involuntary%n", bench,
                label, params.getThreads(), measuredOps, perOp, jitPerOp, volPerOp, involPerOp);
        String line = String.format(Locale.ROOT, "%s,%s,%d,%s,%d,%d,%.2f,%.2f,%.3f,%.3f", bench, label,
                params.getThreads(), params.getMode().shortLabel(), measuredOps, (cpuTicks - jitTicks) * NANOS_PER_TICK,
                perOp, jitPerOp, volPerOp, involPerOp);
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
