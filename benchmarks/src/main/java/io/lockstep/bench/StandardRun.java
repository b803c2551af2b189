package io.lockstep.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The standard benchmark set of {@code bin/bench}, run through the JMH API so that one run measures every peer and
 * the disk baseline side by side and prints the tables of {@code docs/benchmarks.md} with the ratios.
 *
 * <p>Arguments: the groups to run ({@code engine}, {@code log}, {@code durable}, {@code latency}; default all of
 * these; {@code jdbc}, which needs the PostgreSQL and MariaDB servers of {@link BenchDatabase}, only when named) and
 * optionally {@code --threads=1,4,16,64}, {@code --peers=lockstep,lockstep-file} (only these configurations of the
 * engine and durable benchmarks) and {@code --quick} (1 s iterations, for a smoke test of the harness).
 * Results go to stdout and to {@code results.md} in {@code -Dlockstep.bench.results} (default
 * {@code target/bench-results}); device flush counts come from the forks through {@code fsync.csv} there.
 */
public final class StandardRun {
    private static final List<String> GROUPS = List.of("engine", "log", "durable", "latency");
    /** Groups run only when named: they need external servers. */
    private static final List<String> EXTRA_GROUPS = List.of("jdbc");

    private final boolean quick;
    private final int[] threads;
    private boolean threadsGiven;
    private String[] peers;
    private final Path results;
    private final StringBuilder report = new StringBuilder();

    private StandardRun(boolean quick, int[] threads, Path results) {
        this.quick = quick;
        this.threads = threads;
        this.results = results;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        String[] peers = null;
        int[] threads = {1, 4, 16, 64};
        List<String> groups = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--quick")) {
                quick = true;
            } else if (a.startsWith("--threads=")) {
                threads = java.util.Arrays.stream(a.substring(10).split(",")).mapToInt(Integer::parseInt).toArray();
            } else if (a.startsWith("--peers=")) {
                peers = a.substring(8).split(",");
            } else if (GROUPS.contains(a) || EXTRA_GROUPS.contains(a)) {
                groups.add(a);
            } else {
                throw new IllegalArgumentException("unknown argument \"" + a + "\"; use groups " + GROUPS + " or "
                        + EXTRA_GROUPS + ", --threads=1,4,16,64, --peers=a,b or --quick");
            }
        }
        if (groups.isEmpty()) {
            groups.addAll(GROUPS);
        }
        Path results = Path.of(System.getProperty("lockstep.bench.results", "target/bench-results"))
                .toAbsolutePath();
        Files.createDirectories(results);
        Files.deleteIfExists(results.resolve("fsync.csv"));
        Files.deleteIfExists(results.resolve("cpu.csv"));
        Files.deleteIfExists(results.resolve("phases.csv"));
        StandardRun run = new StandardRun(quick, threads, results);
        run.peers = peers;
        run.threadsGiven = java.util.Arrays.stream(args).anyMatch(a -> a.startsWith("--threads="));
        for (String g : groups) {
            switch (g) {
                case "engine": run.engine(); break;
                case "log": run.log(); break;
                case "durable": run.durable(); break;
                case "jdbc": run.jdbc(); break;
                default: run.latency(); break;
            }
        }
        Path md = results.resolve("results.md");
        Files.writeString(md, run.report.toString(), StandardCharsets.UTF_8);
        System.out.println();
        System.out.println(run.report);
        System.out.println("written to " + md);
    }

    // ---------------------------------------------------------------- groups

    private void engine() throws RunnerException {
        List<RunResult> all = new ArrayList<>();
        for (int t : threads) {
            all.addAll(run(withPeers(options("EngineBenchmark", t).addProfiler(GCProfiler.class))));
        }
        for (String method : new String[] {"onePhase", "twoPhase"}) {
            line("### Engine, %s (no-op log / in-memory stores), ops/s", method.equals("onePhase") ? "1PC" : "2PC");
            line("");
            line("| threads | Lockstep | Narayana | Atomikos | Lockstep / Narayana | Lockstep / Atomikos"
                    + " | B/op Lockstep | B/op Narayana | B/op Atomikos |");
            line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (int t : threads) {
                RunResult l = find(all, method, "lockstep", t);
                RunResult n = find(all, method, "narayana", t);
                RunResult a = find(all, method, "atomikos", t);
                line("| %d | %s | %s | %s | %s | %s | %s | %s | %s |", t, ops(l), ops(n), ops(a), ratio(l, n),
                        ratio(l, a), alloc(l), alloc(n), alloc(a));
            }
            line("");
        }
    }

    private void log() throws RunnerException, IOException {
        RunResult raw = run(options("RawForceBenchmark", 1)).iterator().next();
        List<RunResult> log = new ArrayList<>();
        for (int t : threads) {
            log.addAll(run(options("LogBenchmark", t)));
        }
        Map<String, String> fsync = fsyncRates();
        double rawScore = raw.getPrimaryResult().getScore();
        line("### Log append + force (one forced COMMIT record per op)");
        line("");
        line("Raw force baseline (one thread, 64-byte write + `FileChannel.force(false)` on a preallocated file):"
                + " **%s forces/s**, %s device flushes per force.", fmt(rawScore),
                fsync.getOrDefault(key("RawForceBenchmark.appendAndForce", "raw", 1, "thrpt"), "?"));
        line("");
        line("| threads | appends/s | × raw force rate | device flushes per append |");
        line("|---:|---:|---:|---:|");
        for (int t : threads) {
            RunResult r = find(log, "appendForced", null, t);
            line("| %d | %s | %s | %s |", t, ops(r), r == null ? "-"
                    : String.format(Locale.ROOT, "%.2f", r.getPrimaryResult().getScore() / rawScore),
                    fsync.getOrDefault(key("LogBenchmark.appendForced", "lockstep", t, "thrpt"), "?"));
        }
        line("");
    }

    private void durable() throws RunnerException, IOException {
        List<RunResult> all = new ArrayList<>();
        for (int t : threads) {
            all.addAll(run(withPeers(options("DurableBenchmark", t).addProfiler(GCProfiler.class))));
        }
        Map<String, String> fsync = fsyncRates();
        String[] peers = {"lockstep-file", "narayana-file", "narayana-journal", "atomikos-file"};
        line("### End-to-end 2PC with a durable log, ops/s (device flushes per tx in brackets)");
        line("");
        line("| threads | Lockstep file log | Narayana file store | Narayana journal | Atomikos file log"
                + " | Lockstep / best Narayana | Lockstep / Atomikos | B/op Lockstep | B/op Narayana journal |");
        line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int t : threads) {
            StringBuilder row = new StringBuilder("| " + t + " |");
            for (String p : peers) {
                RunResult r = find(all, "twoPhase", p, t);
                row.append(' ').append(ops(r)).append(" (")
                        .append(fsync.getOrDefault(key("DurableBenchmark.twoPhase", p, t, "thrpt"), "?"))
                        .append(") |");
            }
            RunResult l = find(all, "twoPhase", "lockstep-file", t);
            RunResult nf = find(all, "twoPhase", "narayana-file", t);
            RunResult nj = find(all, "twoPhase", "narayana-journal", t);
            RunResult best = nf == null ? nj : nj == null ? nf
                    : nf.getPrimaryResult().getScore() >= nj.getPrimaryResult().getScore() ? nf : nj;
            row.append(' ').append(ratio(l, best)).append(" | ")
                    .append(ratio(l, find(all, "twoPhase", "atomikos-file", t))).append(" | ")
                    .append(alloc(l)).append(" | ").append(alloc(nj)).append(" |");
            line("%s", row);
        }
        line("");
    }

    private void latency() throws RunnerException {
        List<RunResult> all = new ArrayList<>();
        int[] latencyThreads = {threads[0], threads[threads.length - 1]};
        if (latencyThreads[0] == latencyThreads[1]) {
            latencyThreads = new int[] {latencyThreads[0]};
        }
        for (int t : latencyThreads) {
            all.addAll(run(withPeers(options("DurableBenchmark", t)).mode(Mode.SampleTime)
                    .timeUnit(TimeUnit.MICROSECONDS)));
        }
        line("### End-to-end 2PC latency with a durable log (JMH SampleTime), ms");
        line("");
        line("| threads | peer | p50 | p90 | p99 | p99.9 | max |");
        line("|---:|---|---:|---:|---:|---:|---:|");
        for (int t : latencyThreads) {
            for (String p : new String[] {"lockstep-file", "narayana-file", "narayana-journal", "atomikos-file"}) {
                RunResult r = find(all, "twoPhase", p, t);
                if (r == null) {
                    continue;
                }
                var s = r.getPrimaryResult().getStatistics();
                line("| %d | %s | %.3f | %.3f | %.3f | %.3f | %.3f |", t, p, s.getPercentile(50) / 1000,
                        s.getPercentile(90) / 1000, s.getPercentile(99) / 1000, s.getPercentile(99.9) / 1000,
                        s.getMax() / 1000);
            }
        }
        line("");
    }

    /**
     * The PostgreSQL → MariaDB transfer (1/4/16 threads unless --threads is given) through each JDBC configuration,
     * then the two managers alone at the same thread counts (engine 2PC without a log, and with each one's durable
     * log), so that the share of a transfer that is the manager's own shows next to it.
     */
    private void jdbc() throws RunnerException, IOException {
        int[] counts = threadsGiven ? threads : new int[] {1, 4, 16};
        String[] jdbcPeers = peers == null ? JdbcPeers.NAMES.toArray(new String[0])
                : java.util.Arrays.stream(peers).filter(JdbcPeers.NAMES::contains).toArray(String[]::new);
        List<RunResult> all = new ArrayList<>();
        for (int t : counts) {
            all.addAll(run(options("JdbcBenchmark", t).param("peer", jdbcPeers)));
        }
        List<RunResult> alone = new ArrayList<>();
        for (int t : counts) {
            alone.addAll(run(options("EngineBenchmark.twoPhase", t).param("peer", "lockstep", "narayana")));
            alone.addAll(run(options("DurableBenchmark", t).param("peer", "lockstep-file", "narayana-journal")));
        }
        Map<String, String> fsync = fsyncRates();
        Map<String, String> cpu = cpuRates();
        line("### JDBC 2PC: PostgreSQL → MariaDB transfer, transfers/s");
        line("");
        line("| threads | Lockstep + Agroal | Narayana + Agroal | Lockstep / Narayana | HikariCP, 2 local tx (no XA)"
                + " | Lockstep / HikariCP |");
        line("|---:|---:|---:|---:|---:|---:|");
        for (int t : counts) {
            RunResult l = find(all, "transfer", "lockstep", t);
            RunResult n = find(all, "transfer", "narayana", t);
            RunResult h = find(all, "transfer", "hikari", t);
            line("| %d | %s | %s | %s | %s | %s |", t, ops(l), ops(n), ratio(l, n), ops(h), ratio(l, h));
        }
        line("");
        line("Device flushes per transfer (all processes on the disk) and CPU time of the benchmark JVM per transfer:");
        line("");
        line("| threads | flushes Lockstep | flushes Narayana | flushes HikariCP | client CPU µs Lockstep"
                + " | client CPU µs Narayana | client CPU µs HikariCP |");
        line("|---:|---:|---:|---:|---:|---:|---:|");
        for (int t : counts) {
            StringBuilder row = new StringBuilder("| " + t + " |");
            for (Map<String, String> m : List.of(fsync, cpu)) {
                for (String p : JdbcPeers.NAMES) {
                    row.append(' ').append(m.getOrDefault(key("JdbcBenchmark.transfer", p, t, "thrpt"), "-"))
                            .append(" |");
                }
            }
            line("%s", row);
        }
        line("");
        Map<String, String> phases = phaseTimes();
        line("Time of a transfer as the calling thread sees it, ms: work (begin, borrow and enlist, two updates) +"
                + " commit (XA: prepare both, log, commit both; HikariCP: the two local commits):");
        line("");
        line("| threads | Lockstep + Agroal | Narayana + Agroal | HikariCP |");
        line("|---:|---:|---:|---:|");
        for (int t : counts) {
            StringBuilder row = new StringBuilder("| " + t + " |");
            for (String p : JdbcPeers.NAMES) {
                row.append(' ').append(phases.getOrDefault(key("JdbcBenchmark.transfer", p, t, "thrpt"), "-"))
                        .append(" |");
            }
            line("%s", row);
        }
        line("");
        line("### The managers alone at the same thread counts: 2PC over two in-memory resources, tx/s");
        line("");
        line("| threads | Lockstep, no log | Narayana, no log | Lockstep, file log | Narayana, journal"
                + " | µs per tx Lockstep no log / file log ¹ |");
        line("|---:|---:|---:|---:|---:|---:|");
        int cores = Runtime.getRuntime().availableProcessors();
        for (int t : counts) {
            RunResult le = find(alone, "twoPhase", "lockstep", t);
            RunResult ne = find(alone, "twoPhase", "narayana", t);
            RunResult lf = find(alone, "twoPhase", "lockstep-file", t);
            RunResult nj = find(alone, "twoPhase", "narayana-journal", t);
            line("| %d | %s | %s | %s | %s | %s / %s |", t, ops(le), ops(ne), ops(lf), ops(nj),
                    micros(le, Math.min(t, cores)), micros(lf, t));
        }
        line("");
        line("¹ no log: CPU time per transaction, min(threads, %d cores) / throughput; file log: time a thread spends"
                + " per transaction, threads / throughput (mostly waiting for the forced COMMIT record).", cores);
        line("");
    }

    // ---------------------------------------------------------------- helpers

    private static String micros(RunResult r, int busy) {
        return r == null ? "-" : String.format(Locale.ROOT, "%.1f", busy * 1e6 / r.getPrimaryResult().getScore());
    }

    private Map<String, String> phaseTimes() throws IOException {
        Map<String, String> times = new LinkedHashMap<>();
        Path csv = results.resolve("phases.csv");
        if (Files.exists(csv)) {
            for (String l : Files.readAllLines(csv)) {
                String[] f = l.split(",");
                times.put(key(f[0], f[1], Integer.parseInt(f[2]), f[3]), String.format(Locale.ROOT, "%.2f + %.2f",
                        Double.parseDouble(f[5]), Double.parseDouble(f[6])));
            }
        }
        return times;
    }

    private Map<String, String> cpuRates() throws IOException {
        Map<String, String> rates = new LinkedHashMap<>();
        Path csv = results.resolve("cpu.csv");
        if (Files.exists(csv)) {
            for (String l : Files.readAllLines(csv)) {
                String[] f = l.split(",");
                rates.put(key(f[0], f[1], Integer.parseInt(f[2]), f[3]), String.format(Locale.ROOT, "%,.0f",
                        Double.parseDouble(f[6])));
            }
        }
        return rates;
    }

    private ChainedOptionsBuilder options(String benchmark, int threadCount) {
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include(benchmark.contains(".") ? "io\\.lockstep\\.bench\\." + benchmark.replace(".", "\\.") + "$"
                        : "io\\.lockstep\\.bench\\." + benchmark + "\\.")
                .threads(threadCount)
                .forks(1)
                .shouldFailOnError(true)
                // replaces the annotations' jvmArgsAppend, so it repeats them
                .jvmArgsAppend("-Xms2g", "-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                        "-Dlockstep.bench.results=" + results);
        if (quick) {
            b.warmupIterations(1).warmupTime(TimeValue.seconds(1)).measurementIterations(1)
                    .measurementTime(TimeValue.seconds(1));
        }
        return b;
    }

    private ChainedOptionsBuilder withPeers(ChainedOptionsBuilder b) {
        return peers == null ? b : b.param("peer", peers);
    }

    private static Collection<RunResult> run(ChainedOptionsBuilder options) throws RunnerException {
        return new Runner(options.build()).run();
    }

    private static RunResult find(List<RunResult> all, String method, String peer, int threadCount) {
        for (RunResult r : all) {
            var p = r.getParams();
            if (p.getBenchmark().endsWith("." + method) && p.getThreads() == threadCount
                    && (peer == null || peer.equals(p.getParam("peer")))) {
                return r;
            }
        }
        return null;
    }

    private Map<String, String> fsyncRates() throws IOException {
        Map<String, String> rates = new LinkedHashMap<>();
        Path csv = results.resolve("fsync.csv");
        if (Files.exists(csv)) {
            for (String l : Files.readAllLines(csv)) {
                String[] f = l.split(",");
                rates.put(key(f[0], f[1], Integer.parseInt(f[2]), f[3]), String.format(Locale.ROOT, "%.2f",
                        Double.parseDouble(f[7])));
            }
        }
        return rates;
    }

    private static String key(String bench, String label, int threadCount, String mode) {
        return bench + "|" + label + "|" + threadCount + "|" + mode;
    }

    private static String ops(RunResult r) {
        return r == null ? "-" : fmt(r.getPrimaryResult().getScore());
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    private static String ratio(RunResult a, RunResult b) {
        if (a == null || b == null) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f×", a.getPrimaryResult().getScore() / b.getPrimaryResult().getScore());
    }

    private static String alloc(RunResult r) {
        if (r == null) {
            return "-";
        }
        Result<?> norm = r.getSecondaryResults().get("gc.alloc.rate.norm");
        return norm == null ? "-" : String.format(Locale.ROOT, "%,.0f", norm.getScore());
    }

    private void line(String format, Object... args) {
        report.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
