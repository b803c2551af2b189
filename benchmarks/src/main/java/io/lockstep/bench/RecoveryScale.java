package io.lockstep.bench;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.file.SegmentedFileLog;
import io.lockstep.tm.recovery.RecoveryReport;
import io.lockstep.tm.xa.LockstepXid;
import io.lockstep.xa.jdbc.XADataSourceSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * One-shot timing of recovery after a crash that left {@code N} in-doubt transactions, each with one prepared branch
 * in PostgreSQL and one in MariaDB (2N branches). Half of the transactions have a COMMIT record (recovery commits
 * their branches), half have none (orphans of an earlier run: recovery rolls them back). Then a fresh manager starts
 * on the log (timed: open + replay), the two sources are registered, and one {@code recoverNow()} is timed.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.lockstep.bench.RecoveryScale PG_URL MYSQL_URL [N] [parallelism]}.
 * PostgreSQL needs {@code max_prepared_transactions >= N} ({@code bin/bench recovery} starts a scratch server for
 * that). Target: 100,000 branches (N = 50,000) in under 30 s, the log side under 2 s.
 */
public final class RecoveryScale {
    private static final String NODE = "rscale";
    private static final String TABLE = "rscale_rows";

    private RecoveryScale() {
    }

    public static void main(String[] args) throws Exception {
        String pgUrl = args[0];
        String mysqlUrl = args[1];
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 50_000;
        int parallelism = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        XADataSource pg = pg(pgUrl);
        XADataSource maria = mysql(mysqlUrl);
        Path dir = BenchDirs.fresh("recovery-scale");
        int stale = rollbackLeftovers(pg) + rollbackLeftovers(maria);
        if (stale > 0) {
            System.out.printf(Locale.ROOT, "rolled back %d branches left by an interrupted earlier run%n", stale);
        }

        // An earlier run of the node (epoch 1) left n transactions in doubt.
        List<String> gtrids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            gtrids.add(NODE + ":1:" + Integer.toString(i, 36));
        }
        long t0 = System.nanoTime();
        try (SegmentedFileLog log = SegmentedFileLog.open(dir, NODE, 64L * 1024 * 1024, false)) {
            for (int i = 0; i < n; i += 2) {
                log.append(new CommitRecord(gtrids.get(i), System.currentTimeMillis(),
                        List.of(new BranchRef("pg", 1), new BranchRef("maria", 2))), false);
            }
            log.append(new CommitRecord(NODE + ":1:zzzz", 0, List.of()), true);
        }
        prepareAll(pg, gtrids, 1);
        prepareAll(maria, gtrids, 2);
        System.out.printf(Locale.ROOT, "setup: %d transactions, %d prepared branches in %.1f s%n", n, 2 * n,
                (System.nanoTime() - t0) / 1e9);

        long t1 = System.nanoTime();
        try (LockstepTransactionManager tm = Lockstep.builder().nodeId(NODE).logDirectory(dir)
                .recoveryParallelism(parallelism).build()) {
            double replay = (System.nanoTime() - t1) / 1e9;
            tm.registerRecoverable(new XADataSourceSource("pg", pg, pgUrl));
            tm.registerRecoverable(new XADataSourceSource("maria", maria, mysqlUrl));
            long t2 = System.nanoTime();
            RecoveryReport report = tm.recoverNow();
            double pass = (System.nanoTime() - t2) / 1e9;
            int left = leftPrepared(pg) + leftPrepared(maria);
            System.out.printf(Locale.ROOT, "RECOVERY %d branches (%d transactions) with %d connections per source:"
                    + " log open+replay %.3f s, recovery pass %.2f s (%.0f branches/s); committed %d, rolled back %d,"
                    + " pending %d, failed sources %d, ended records %d, left prepared %d -> %s%n",
                    2 * n, n, parallelism, replay, pass, 2 * n / pass, report.committed().size(),
                    report.rolledBack().size(), report.pending().size(), report.failedSources().size(),
                    report.endedRecords(), left, left == 0 && pass + replay < 30 && replay < 2 ? "MET" : "MISSED");
        }
    }

    /** Prepares one branch per gtrid (an INSERT in it, so no database skips it as empty) on 32 connections at a time. */
    private static void prepareAll(XADataSource ds, List<String> gtrids, int branch) throws Exception {
        try (Connection c = ds.getXAConnection().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (gtrid VARCHAR(64), branch INT)");
        }
        ExecutorService pool = Executors.newFixedThreadPool(32, r -> {
            Thread t = new Thread(r, "prepare");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < 32; w++) {
            done.add(pool.submit(() -> {
                // One connection per branch: MariaDB keeps a session tied to the branch it prepared until the
                // session ends, so a prepared branch needs a disconnect before its connection can do more.
                for (int i; (i = next.getAndIncrement()) < gtrids.size(); ) {
                    XAConnection xc = ds.getXAConnection();
                    try (Connection c = xc.getConnection();
                         PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " VALUES (?, ?)")) {
                        XAResource xar = xc.getXAResource();
                        Xid xid = LockstepXid.of(gtrids.get(i), branch);
                        xar.start(xid, XAResource.TMNOFLAGS);
                        ps.setString(1, gtrids.get(i));
                        ps.setInt(2, branch);
                        ps.executeUpdate();
                        xar.end(xid, XAResource.TMSUCCESS);
                        xar.prepare(xid);
                    } finally {
                        xc.close();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
    }

    private static int rollbackLeftovers(XADataSource ds) throws Exception {
        XAConnection xc = ds.getXAConnection();
        try {
            int n = 0;
            XAResource xar = xc.getXAResource();
            Xid[] all = xar.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
            for (Xid x : all == null ? new Xid[0] : all) {
                LockstepXid xid = LockstepXid.from(x);
                if (xid != null && xid.nodeId().equals(NODE)) {
                    xar.rollback(x);
                    n++;
                }
            }
            return n;
        } finally {
            xc.close();
        }
    }

    private static int leftPrepared(XADataSource ds) throws Exception {
        XAConnection xc = ds.getXAConnection();
        try {
            int left = 0;
            Xid[] all = xc.getXAResource().recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
            for (Xid x : all == null ? new Xid[0] : all) {
                LockstepXid xid = LockstepXid.from(x);
                if (xid != null && xid.nodeId().equals(NODE)) {
                    left++;
                }
            }
            return left;
        } finally {
            xc.close();
        }
    }

    private static XADataSource pg(String url) {
        org.postgresql.xa.PGXADataSource ds = new org.postgresql.xa.PGXADataSource();
        ds.setUrl(url);
        if (!url.contains("user=")) {
            ds.setUser("postgres");
        }
        return ds;
    }

    private static XADataSource mysql(String url) {
        com.mysql.cj.jdbc.MysqlXADataSource ds = new com.mysql.cj.jdbc.MysqlXADataSource();
        ds.setUrl(url);
        if (!url.contains("user=")) {
            ds.setUser("root");
        }
        return ds;
    }
}
