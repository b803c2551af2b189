package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.XAResourceSource;
import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.EndRecord;
import io.lockstep.tm.log.InMemoryLog;
import io.lockstep.tm.recovery.RecoveryReport;
import io.lockstep.xa.jdbc.XADataSourceSource;
import io.lockstep.tm.xa.LockstepXid;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import org.junit.jupiter.api.Test;
import org.postgresql.xa.PGXADataSource;

/**
 * A resource manager that is down during recovery (a loopback proxy in front of PostgreSQL is cut): the source is
 * reported failed, the COMMIT record stays pending with the reason; when the server is reachable again the next pass
 * commits the prepared branch and ends the record.
 */
class RecoveryWithServerDownTest {

    @Test
    void aServerDownDuringRecoveryLeavesTheRecordPendingUntilItIsBack() throws Exception {
        String pgUrl = Servers.postgres();
        URI uri = URI.create(pgUrl.substring("jdbc:".length()));
        String table = "lockstep_it_down_" + ProcessHandle.current().pid();
        String gtrid = "itdown:1:" + Long.toString(System.nanoTime(), 36); // an earlier run of this node
        LockstepXid xid = LockstepXid.of(gtrid, 1);

        PGXADataSource direct = new PGXADataSource();
        direct.setUrl(pgUrl);
        XAConnection xc = direct.getXAConnection();
        try (Connection c = xc.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + table + " (v INT)");
        }
        XAResource xar = xc.getXAResource();
        xar.start(xid, XAResource.TMNOFLAGS);
        try (Statement s = xc.getConnection().createStatement()) {
            s.execute("INSERT INTO " + table + " VALUES (42)");
        }
        xar.end(xid, XAResource.TMSUCCESS);
        xar.prepare(xid);
        xc.close();

        InMemoryLog log = new InMemoryLog();
        log.append(new CommitRecord(gtrid, 1, List.of(new BranchRef("pg", 1))), true);
        try (TcpProxy proxy = new TcpProxy(uri.getHost(), uri.getPort());
                LockstepTransactionManager tm = Lockstep.builder().nodeId("itdown").transactionLog(log)
                        .recoveryInterval(Duration.ofHours(1)).build()) {
            PGXADataSource viaProxy = new PGXADataSource();
            viaProxy.setUrl(pgUrl.replace(":" + uri.getPort() + "/", ":" + proxy.port() + "/"));
            viaProxy.setConnectTimeout(5);
            XAResourceSource source = new XADataSourceSource("pg", viaProxy, "PostgreSQL behind the proxy");
            tm.registerRecoverable(source);
            proxy.cut();

            RecoveryReport down = tm.recoverNow();
            assertThat(down.failedSources()).extracting(RecoveryReport.Item::source).containsExactly("pg");
            assertThat(down.pending()).anySatisfy(i -> assertThat(i.detail()).contains("pg could not be scanned"));
            assertThat(tm.admin().inDoubt()).extracting(v -> v.gtrid()).contains(gtrid);
            assertThat(log.records()).noneMatch(r -> r instanceof EndRecord);

            proxy.restore();
            RecoveryReport back = tm.recoverNow();
            assertThat(back.committed()).extracting(RecoveryReport.Item::xid).containsExactly(xid.toString());
            assertThat(back.endedRecords()).isEqualTo(1);
            assertThat(back.isClean()).isTrue();
        } finally {
            XAConnection check = direct.getXAConnection();
            try (Connection c = check.getConnection(); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("the branch committed by recovery").isEqualTo(1);
                }
                s.execute("DROP TABLE " + table);
            } finally {
                check.close();
            }
        }
    }
}
