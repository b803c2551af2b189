package io.lockstep.tm.log.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.RecoverySession;
import io.lockstep.tm.XAResourceSource;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.testing.CallLog;
import io.lockstep.tm.testing.RecordingXAResource;
import io.lockstep.tm.testing.XACall;
import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The whole manager on the JDBC log in PostgreSQL: two-phase commit, restart, recovery from the table. */
class JdbcLogEngineTest {
    private static final String NODE = "jdbclog-e2e";

    private final LogDatabase db = LogDatabase.postgres();
    private final String table = "jdbclog_e2e_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
    private final CallLog calls = new CallLog();
    private final RecordingXAResource a = new RecordingXAResource("a", calls);
    private final RecordingXAResource b = new RecordingXAResource("b", calls);

    @AfterEach
    void dropTable() throws SQLException {
        db.execute("DROP TABLE IF EXISTS " + table);
    }

    private LockstepTransactionManager fromProperties() {
        Properties p = new Properties();
        p.setProperty("lockstep.nodeId", NODE);
        p.setProperty("lockstep.log.type", "jdbc");
        p.setProperty("lockstep.log.jdbcUrl", db.url);
        p.setProperty("lockstep.log.jdbcUser", db.user);
        p.setProperty("lockstep.log.jdbcPassword", db.password);
        p.setProperty("lockstep.log.jdbcTable", table);
        return Lockstep.builder().properties(p).build();
    }

    private Transaction twoBranches(LockstepTransactionManager tm) throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(Lockstep.named("a", a));
        tx.enlistResource(Lockstep.named("b", b));
        tm.commit();
        return tx;
    }

    @Test
    @DisplayName("lockstep.log.type=jdbc: 2PC forces one COMMIT row, END deletes it; after a restart nothing is pending")
    void twoPhaseCommitOnTheJdbcLog() throws Exception {
        LockstepTransactionManager tm = fromProperties();
        Transaction tx;
        try {
            tx = twoBranches(tm);
            assertThat(tm.admin().logStatistics().forcedRecords()).isEqualTo(1);
        } finally {
            tm.close();
        }
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
        assertThat(calls.entriesOf("a.commit")).containsExactly("a.commit(tx1.b1)");
        assertThat(calls.entriesOf("b.commit")).containsExactly("b.commit(tx1.b2)");
        assertThat(db.rows(table, NODE)).as("END deleted the COMMIT row by the time the log closed").isZero();

        try (JdbcTransactionLog reopened = JdbcTransactionLog.open(db.dataSource(), NODE, table)) {
            assertThat(reopened.replay()).isEmpty();
        }
    }

    @Test
    @DisplayName("a branch left in doubt (XAER_RMFAIL on commit) is committed by recovery after a restart on the JDBC log")
    void recoveryAfterRestartReadsTheTable() throws Exception {
        b.failOnceOn(XACall.COMMIT, XAException.XAER_RMFAIL);
        LockstepTransactionManager tm = Lockstep.builder().nodeId(NODE)
                .transactionLog(JdbcTransactionLog.open(db.dataSource(), NODE, table)).build();
        try {
            assertThat(twoBranches(tm).getStatus()).isEqualTo(Status.STATUS_COMMITTED);
        } finally {
            tm.close();
        }
        assertThat(b.inDoubt()).hasSize(1);
        try (JdbcTransactionLog log = JdbcTransactionLog.open(db.dataSource(), NODE, table)) {
            assertThat(log.replay()).hasSize(1).first().isInstanceOf(CommitRecord.class);
        }

        LockstepTransactionManager restarted = Lockstep.builder().nodeId(NODE)
                .transactionLog(JdbcTransactionLog.open(db.dataSource(), NODE, table)).build();
        try {
            assertThat(restarted.admin().inDoubt()).hasSize(1);
            restarted.registerRecoverable(source("a", a));
            restarted.registerRecoverable(source("b", b));
            restarted.recoverNow();
            assertThat(b.inDoubt()).isEmpty();
        } finally {
            restarted.close();
        }
        assertThat(calls.entriesOf("b.commit")).containsExactly("b.commit(tx1.b2)", "b.commit(tx1.b2)");
        try (JdbcTransactionLog log = JdbcTransactionLog.open(db.dataSource(), NODE, table)) {
            assertThat(log.replay()).isEmpty();
        }
    }

    private static XAResourceSource source(String name, XAResource xar) {
        return new XAResourceSource() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public RecoverySession open() {
                return new RecoverySession() {
                    @Override
                    public XAResource xaResource() {
                        return xar;
                    }

                    @Override
                    public void close() {
                    }
                };
            }
        };
    }
}
