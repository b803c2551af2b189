package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.cli.LockstepCli;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.LogType;
import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.file.SegmentedFileLog;
import io.lockstep.tm.xa.LockstepXid;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.xa.PGXADataSource;

/**
 * The operator's commands end to end on a stopped node's log and a real PostgreSQL holding its prepared branches:
 * {@code in-doubt list}, {@code in-doubt rollback} refused for a decided commit, {@code in-doubt commit},
 * {@code recover} (an orphan rolled back), {@code status}, and refusals for foreign Xids.
 */
class AdminCommandsTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run cli(String... args) {
        PrintStream saved = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Run(LockstepCli.commandLine().execute(args), buf.toString(StandardCharsets.UTF_8),
                    err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(saved);
            System.setErr(savedErr);
        }
    }

    /** {@code lockstep nodes}: two nodes on a shared JDBC log; one leaves, the other takes it over. */
    @Test
    void nodesListsLeasesAndTakeovers() throws Exception {
        String table = "it_nodes_cli_log";
        try (Connection c = java.sql.DriverManager.getConnection(Servers.postgres()); Statement s = c.createStatement()) {
            for (String t : List.of(table, table + "_nodes", table + "_node_events")) {
                s.execute("DROP TABLE IF EXISTS " + t);
            }
        }
        LockstepTransactionManager stays = jdbcNode("cli-stays", table);
        try {
            LockstepTransactionManager leaves = jdbcNode("cli-leaves", table);
            Run listed = cli("nodes", "--jdbc-url", Servers.PG_URL, "--user", Servers.PG_USER, "--table", table);
            assertThat(listed.exit()).isZero();
            assertThat(listed.out()).containsPattern("cli-leaves\\s+1\\s+LIVE\\s+until ")
                    .containsPattern("cli-stays\\s+1\\s+LIVE\\s+until ");
            leaves.close();
            await().atMost(Duration.ofSeconds(20)).until(() -> cli("nodes", "--jdbc-url", Servers.PG_URL, "--user",
                    Servers.PG_USER, "--table", table).out().matches("(?s).*cli-leaves\\s+2\\s+RECOVERED.*"));
            Run json = cli("nodes", "--jdbc-url", Servers.PG_URL, "--user", Servers.PG_USER, "--table", table,
                    "--json");
            assertThat(json.out()).contains("\"nodeId\":\"cli-leaves\",\"fence\":2,\"state\":\"RECOVERED\"")
                    .contains("\"claimedBy\":\"cli-stays\"")
                    .contains("\"event\":\"STOP\"", "\"event\":\"CLAIM\"", "\"event\":\"TAKEOVER_DONE\"");
            Run events = cli("nodes", "--jdbc-url", Servers.PG_URL, "--user", Servers.PG_USER, "--table", table,
                    "--events");
            assertThat(events.out()).containsPattern("cli-leaves\\s+2\\s+TAKEOVER_DONE\\s+cli-stays\\s+committed 0");
        } finally {
            stays.close();
        }
        Run missing = cli("nodes", "--jdbc-url", Servers.PG_URL + "?password=s3cret", "--user", Servers.PG_USER,
                "--table", "no_such_log");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("cannot read the node leases of no_such_log").contains("no_such_log_nodes")
                .doesNotContain("s3cret");
    }

    private static LockstepTransactionManager jdbcNode(String id, String table) {
        return Lockstep.builder().nodeId(id).logType(LogType.JDBC).logJdbcUrl(Servers.PG_URL)
                .logJdbcUser(Servers.PG_USER).logJdbcPassword(Servers.PG_PASSWORD).logJdbcTable(table)
                .clusterLeaseTimeout(Duration.ofSeconds(1)).recoveryInterval(Duration.ofSeconds(1)).build();
    }

    private static void prepare(PGXADataSource ds, String table, LockstepXid xid, int value) throws Exception {
        XAConnection xc = ds.getXAConnection();
        try {
            XAResource r = xc.getXAResource();
            r.start(xid, XAResource.TMNOFLAGS);
            try (Statement s = xc.getConnection().createStatement()) {
                s.execute("INSERT INTO " + table + " VALUES (" + value + ")");
            }
            r.end(xid, XAResource.TMSUCCESS);
            r.prepare(xid);
        } finally {
            xc.close();
        }
    }

    @Test
    void anOperatorListsCommitsAndRecoversAStoppedNodesTransactions() throws Exception {
        String url = Servers.postgres();
        String node = "admin" + (ProcessHandle.current().pid() % 10_000);
        String table = "lockstep_it_admin_" + node;
        PGXADataSource ds = new PGXADataSource();
        ds.setUrl(url);
        XAConnection setup = ds.getXAConnection();
        try (Connection c = setup.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + table);
            s.execute("CREATE TABLE " + table + " (v INT)");
        } finally {
            setup.close();
        }
        String decided = node + ":1:a";   // an earlier run: COMMIT record forced, branch still prepared
        String orphan = node + ":1:b";    // an earlier run: prepared, no record
        prepare(ds, table, LockstepXid.of(decided, 1), 1);
        prepare(ds, table, LockstepXid.of(orphan, 1), 2);
        Path log = dir.resolve("log");
        try (SegmentedFileLog l = SegmentedFileLog.open(log, node, 1024 * 1024, false)) {
            l.append(new CommitRecord(decided, 1, List.of(new BranchRef("pg", 1))), true);
        }
        Path resources = dir.resolve("resources.properties");
        Files.writeString(resources, "resource.pg.type=postgres\nresource.pg.url=" + url + "\n");
        String[] common = {"--log", log.toString(), "--node", node, "--resources", resources.toString()};

        try {
            Run list = cli(concat(new String[] {"in-doubt", "list"}, common));
            assertThat(list.exit()).isZero();
            assertThat(list.out()).contains("record   " + decided)
                    .contains("branch   pg " + decided + "/1").contains("commit (COMMIT record)")
                    .contains("branch   pg " + orphan + "/1").contains("orphan: no COMMIT record");

            Run refused = cli(concat(new String[] {"in-doubt", "rollback", decided}, common));
            assertThat(refused.exit()).isEqualTo(1);

            Run foreign = cli(concat(new String[] {"in-doubt", "commit", "someone-else:1:x"}, common));
            assertThat(foreign.exit()).isEqualTo(1);

            Run commit = cli(concat(new String[] {"in-doubt", "commit", decided + "/1", "--note", "alice, INC-42"},
                    common));
            assertThat(commit.exit()).as(commit.out()).isZero();
            assertThat(commit.out()).contains("pg " + decided + "/1: committed");

            // without --node: the node id is read from the log's segment headers
            Run recover = cli("recover", "--log", log.toString(), "--resources", resources.toString());
            assertThat(recover.out()).contains("[1/1] scanning pg").contains(orphan + "/1: orphan rolled back");
            assertThat(recover.exit()).as(recover.out()).isZero();

            Run status = cli("status", "--log", log.toString());
            assertThat(status.out()).contains("in doubt        0");
            Run dump = cli("log", "dump", log.toString());
            assertThat(dump.out()).contains("ADMIN").contains("alice, INC-42");
        } finally {
            XAConnection check = ds.getXAConnection();
            try (Connection c = check.getConnection(); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*), COALESCE(SUM(v), 0) FROM " + table)) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("the decided branch committed, the orphan rolled back").isEqualTo(1);
                    assertThat(rs.getInt(2)).isEqualTo(1);
                }
                s.execute("DROP TABLE " + table);
            } finally {
                check.close();
            }
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
