package io.lockstep.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Shows what one {@link JdbcBenchmark} transfer of a configuration costs at the servers: runs transfers on one
 * thread and prints, per transfer, MariaDB's statement counters ({@code SHOW GLOBAL STATUS}: {@code Questions},
 * {@code Com_xa_*}, ...) and PostgreSQL's transactions ({@code pg_stat_database}). The counters are server-wide,
 * so run it on quiet servers; others' work only adds. One configuration per JVM (Narayana keeps statics):
 *
 * <pre>
 * java -cp benchmarks.jar io.lockstep.bench.JdbcServerCounters lockstep 1000
 * </pre>
 */
public final class JdbcServerCounters {
    private static final String MARIADB_COUNTERS = "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions',"
            + " 'Com_update', 'Com_commit', 'Com_rollback', 'Com_set_option', 'Com_select', 'Com_xa_start',"
            + " 'Com_xa_end', 'Com_xa_prepare', 'Com_xa_commit', 'Com_xa_rollback', 'Com_xa_recover')";

    private JdbcServerCounters() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !JdbcPeers.NAMES.contains(args[0])) {
            throw new IllegalArgumentException("usage: JdbcServerCounters " + JdbcPeers.NAMES + " transfers");
        }
        int n = Integer.parseInt(args[1]);
        BenchDatabase pg = BenchDatabase.postgres();
        BenchDatabase my = BenchDatabase.mysql();
        int accounts = Math.max(n, 10_000); // the benchmark's table size, so the next benchmark run keeps its rows
        pg.reset(accounts, 1_000_000);
        my.reset(accounts, 1_000_000);
        Path dataDir = BenchDirs.fresh("jdbc-counters-" + args[0]);
        JdbcPeer peer = JdbcPeers.open(args[0], dataDir, 1, pg, my);
        try {
            for (int i = 0; i < Math.min(n, 100); i++) {
                peer.transfer(i, i); // pools filled, statements prepared, classes loaded
            }
            Map<String, Long> my0 = mariadb(my);
            Map<String, Long> pg0 = postgres(pg);
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                peer.transfer(i, i);
            }
            long nanos = System.nanoTime() - start;
            Map<String, Long> my1 = mariadb(my);
            Map<String, Long> pg1 = postgres(pg);
            System.out.printf(Locale.ROOT, "%s: %d transfers, %.2f ms each on one thread; per transfer:%n", args[0],
                    n, nanos / 1e6 / n);
            print("PostgreSQL", pg0, pg1, n);
            print("MariaDB", my0, my1, n);
        } finally {
            peer.close();
            Peers.deleteTree(dataDir);
        }
    }

    private static void print(String server, Map<String, Long> before, Map<String, Long> after, int n) {
        after.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-10s %-16s %6.2f%n", server, k,
                (v - before.getOrDefault(k, 0L)) / (double) n));
    }

    private static Map<String, Long> mariadb(BenchDatabase my) throws SQLException {
        Map<String, Long> m = new LinkedHashMap<>();
        try (Connection c = my.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(MARIADB_COUNTERS)) {
            while (rs.next()) {
                m.put(rs.getString(1), rs.getLong(2));
            }
        }
        return m;
    }

    private static Map<String, Long> postgres(BenchDatabase pg) throws SQLException {
        Map<String, Long> m = new LinkedHashMap<>();
        try (Connection c = pg.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT xact_commit, xact_rollback, tup_updated FROM pg_stat_database"
                        + " WHERE datname = current_database()")) {
            rs.next();
            m.put("xact_commit", rs.getLong(1));
            m.put("xact_rollback", rs.getLong(2));
            m.put("tup_updated", rs.getLong(3));
        }
        return m;
    }
}
