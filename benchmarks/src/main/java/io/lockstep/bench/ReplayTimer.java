package io.lockstep.bench;

import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.TransactionLog;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * One-shot timing of log replay (not a JMH benchmark: a replay happens once per start). Writes {@code N} records
 * (default 1,000,000) to a fresh file log: COMMIT records of two branches and no END, the worst case (every record
 * is in doubt, none can have been reclaimed, all are returned). Closes the log, then times {@code open} plus
 * {@code replay()} in a fresh log object, best of three runs (the first also pays for class loading and JIT).
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.lockstep.bench.ReplayTimer [records]}. Target: under 2 s for 1M.
 */
public final class ReplayTimer {
    private ReplayTimer() {
    }

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = BenchDirs.fresh("replay");
        try {
            long written = write(dir, records);
            long best = Long.MAX_VALUE;
            int live = -1;
            for (int run = 1; run <= 3; run++) {
                long t0 = System.nanoTime();
                try (TransactionLog log = FileLogs.open(dir, "bench", 64L * 1024 * 1024)) {
                    live = log.replay().size();
                }
                long nanos = System.nanoTime() - t0;
                System.out.printf(Locale.ROOT, "replay run %d: %.3f s, %d records returned%n", run, nanos / 1e9,
                        live);
                best = Math.min(best, nanos);
            }
            String verdict;
            if (live != written) {
                verdict = "NOT MEASURED: replay returned " + live + " of " + written
                        + " records (the log did not keep them)";
            } else if (written < 1_000_000) {
                verdict = "n/a (fewer than 1M records)";
            } else {
                verdict = best < 2_000_000_000L ? "MET" : "MISSED";
            }
            System.out.printf(Locale.ROOT, "REPLAY %d records written, best open+replay %.3f s (%,.0f records/s),"
                    + " %d records returned for recovery; target < 2 s for 1M: %s%n", written, best / 1e9,
                    written / (best / 1e9), live, verdict);
        } finally {
            Peers.deleteTree(dir);
        }
    }

    private static long write(Path dir, int records) throws Exception {
        List<BranchRef> branches = List.of(new BranchRef("a", 1), new BranchRef("b", 2));
        long t0 = System.nanoTime();
        long count = 0;
        try (TransactionLog log = FileLogs.open(dir, "bench", 64L * 1024 * 1024)) {
            String prefix = "bench:" + Long.toString(System.currentTimeMillis(), 36) + ":";
            long lsn = 0;
            for (long i = 1; i <= records; i++) {
                lsn = log.append(new CommitRecord(prefix + Long.toString(i, 36), System.currentTimeMillis(),
                        branches), false);
                count++;
            }
            log.awaitDurable(lsn);
        }
        System.out.printf(Locale.ROOT, "wrote %d records in %.3f s%n", count, (System.nanoTime() - t0) / 1e9);
        return count;
    }
}
