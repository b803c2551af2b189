package io.lockstep.bench;

import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.TransactionLog;
import io.lockstep.tm.log.file.SegmentedFileLog;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One-shot timing of log replay (not a JMH benchmark: a replay happens once per start, in a fresh JVM). Writes
 * {@code N} records (default 1,000,000) to a fresh file log: COMMIT records of two branches and no END, the worst
 * case (every record is in doubt, none can have been reclaimed, all are returned). Then starts three fresh JVMs
 * ({@code -Xms2g -Xmx2g}, default collector), each timing {@code SegmentedFileLog.open} plus {@code replay()} as a
 * restarting manager would, JIT warm-up and garbage collection included. Reports every run and the best.
 * {@code -Dlockstep.bench.replayJvmArgs="-Xlog:gc -XX:+UseParallelGC"} adds options to those JVMs.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.lockstep.bench.ReplayTimer [records]}. Target: under 2 s for 1M.
 */
public final class ReplayTimer {
    private static final long SEGMENT_SIZE = 64L * 1024 * 1024;
    private static final String CHILD = "--replay-once";

    private ReplayTimer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals(CHILD)) {
            replayOnce(Path.of(args[1]));
            return;
        }
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = BenchDirs.fresh("replay");
        try {
            write(dir, records);
            List<Double> seconds = new ArrayList<>();
            String verdict = null;
            for (int run = 1; run <= 3; run++) {
                String line = child(dir);
                String[] f = line.split(" ");
                double s = Double.parseDouble(f[1]);
                long returned = Long.parseLong(f[2]);
                System.out.printf(Locale.ROOT, "replay run %d (fresh JVM): %.3f s, %d records returned%n", run, s,
                        returned);
                seconds.add(s);
                if (returned != records) {
                    verdict = "NOT MEASURED: replay returned " + returned + " of " + records
                            + " records (the log did not keep them)";
                }
            }
            double best = seconds.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            if (verdict == null) {
                verdict = records < 1_000_000 ? "n/a (fewer than 1M records)" : best < 2.0 ? "MET" : "MISSED";
            }
            System.out.printf(Locale.ROOT, "REPLAY %d records, open+replay in a fresh JVM: best %.3f s"
                    + " (%,.0f records/s), runs %s; target < 2 s for 1M: %s%n", records, best, records / best,
                    seconds, verdict);
        } finally {
            Peers.deleteTree(dir);
        }
    }

    private static void write(Path dir, int records) throws Exception {
        List<BranchRef> branches = List.of(new BranchRef("a", 1), new BranchRef("b", 2));
        long t0 = System.nanoTime();
        try (TransactionLog log = SegmentedFileLog.open(dir, "bench", SEGMENT_SIZE, false)) {
            String prefix = "bench:" + Long.toString(System.currentTimeMillis(), 36) + ":";
            long lsn = 0;
            for (long i = 1; i <= records; i++) {
                lsn = log.append(new CommitRecord(prefix + Long.toString(i, 36), System.currentTimeMillis(),
                        branches), false);
            }
            log.awaitDurable(lsn);
        }
        System.out.printf(Locale.ROOT, "wrote %d records in %.3f s%n", records, (System.nanoTime() - t0) / 1e9);
    }

    /** Runs {@link #replayOnce} in a fresh JVM and returns its result line. */
    private static String child(Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xms2g", "-Xmx2g"));
        String extra = System.getProperty("lockstep.bench.replayJvmArgs", "").trim();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split("\\s+")));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ReplayTimer.class.getName(), CHILD,
                dir.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("RESULT ")) {
                    result = line;
                } else {
                    System.out.println("  " + line);
                }
            }
        }
        int exit = p.waitFor();
        if (exit != 0 || result == null) {
            throw new IllegalStateException("replay child JVM failed (exit " + exit + ") on " + dir);
        }
        return result;
    }

    /** In the child JVM: open + replay once, print {@code RESULT <seconds> <records>}. */
    private static void replayOnce(Path dir) throws Exception {
        long t0 = System.nanoTime();
        int returned;
        try (TransactionLog log = SegmentedFileLog.open(dir, "bench", SEGMENT_SIZE, false)) {
            returned = log.replay().size();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "RESULT %.3f %d%n", s, returned);
    }
}
