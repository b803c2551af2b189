package io.lockstep.xa.jms;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.InMemoryLog;
import io.lockstep.tm.recovery.RecoveryReport;
import io.lockstep.tm.xa.LockstepXid;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import jakarta.jms.XAConnection;
import jakarta.jms.XASession;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.List;
import javax.transaction.xa.XAResource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consume, update a database, send — all or nothing — with an embedded Artemis broker and an H2 database as the two
 * XA branches; and recovery of a prepared broker branch across a broker restart.
 */
class JmsTransactionTest {
    @TempDir
    Path dir;
    private EmbeddedArtemis broker;
    private LockstepTransactionManager tm;
    private final InMemoryLog log = new InMemoryLog();
    private javax.sql.XAConnection db;
    private java.sql.Connection sql;

    @BeforeEach
    void start() throws Exception {
        broker = EmbeddedArtemis.start(dir.resolve("broker"), -1, List.of("orders.in", "orders.out"));
        tm = Lockstep.builder().nodeId("jms").transactionLog(log).build();
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:jms" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        db = h2.getXAConnection();
        sql = db.getConnection();
        sql.createStatement().execute("CREATE TABLE orders (id VARCHAR(40) PRIMARY KEY)");
    }

    @AfterEach
    void stop() throws Exception {
        tm.close();
        db.close();
        broker.close();
    }

    private void send(ConnectionFactory cf, String queue, String text) throws Exception {
        try (Connection c = cf.createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            s.createProducer(s.createQueue(queue)).send(s.createTextMessage(text));
        }
    }

    private int rows() throws Exception {
        try (ResultSet rs = sql.createStatement().executeQuery("SELECT COUNT(*) FROM orders")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Consumes one order, inserts it, forwards it; fails after the work when {@code fail}. */
    private void process(LockstepJms.PooledFactory cf, boolean fail) throws Exception {
        tm.begin();
        try (Connection c = cf.createConnection()) {
            c.start();
            tm.getTransaction().enlistResource(Lockstep.named("h2", db.getXAResource()));
            Session s = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageConsumer consumer = s.createConsumer(s.createQueue("orders.in"));
            TextMessage in = (TextMessage) consumer.receive(5_000);
            assertThat(in).as("an input message").isNotNull();
            sql.createStatement().execute("INSERT INTO orders VALUES ('" + in.getText() + "')");
            s.createProducer(s.createQueue("orders.out")).send(s.createTextMessage("done " + in.getText()));
            if (fail) {
                throw new IllegalStateException("processing failed");
            }
        } catch (Exception e) {
            tm.rollback();
            throw e;
        }
        tm.commit();
    }

    @Test
    void aCommittedTransactionConsumesInsertsAndSendsExactlyOnce() throws Exception {
        LockstepJms.PooledFactory cf = LockstepJms.pooled(tm, broker.xaConnectionFactory()).name("artemis").build();
        send((ConnectionFactory) broker.xaConnectionFactory(), "orders.in", "o-1");

        process(cf, false);

        assertThat(rows()).isEqualTo(1);
        assertThat(broker.messageCount("orders.out")).isEqualTo(1);
        assertThat(broker.messageCount("orders.in")).isZero();
        assertThat(log.records()).first().isInstanceOf(CommitRecord.class);
        assertThat(((CommitRecord) log.records().get(0)).branches()).extracting(BranchRef::resourceName)
                .containsExactlyInAnyOrder("h2", "artemis");
        cf.stop();
    }

    @Test
    void aFailureRollsBackTheRowTheOutputAndRedeliversTheInput() throws Exception {
        LockstepJms.PooledFactory cf = LockstepJms.pooled(tm, broker.xaConnectionFactory()).name("artemis").build();
        send((ConnectionFactory) broker.xaConnectionFactory(), "orders.in", "o-2");

        try {
            process(cf, true);
        } catch (IllegalStateException expected) {
            assertThat(expected).hasMessage("processing failed");
        }

        assertThat(rows()).isZero();
        assertThat(broker.messageCount("orders.out")).isZero();
        assertThat(broker.messageCount("orders.in")).isEqualTo(1);
        process(cf, false); // redelivered, and now it goes through
        assertThat(rows()).isEqualTo(1);
        assertThat(broker.messageCount("orders.out")).isEqualTo(1);
        cf.stop();
    }

    @Test
    void aPreparedBrokerBranchSurvivesABrokerRestartAndRecoveryCommitsIt() throws Exception {
        String gtrid = "jms:1:a"; // an earlier run of this node
        LockstepXid xid = LockstepXid.of(gtrid, 1);
        XAConnection c = ((jakarta.jms.XAConnectionFactory) broker.xaConnectionFactory()).createXAConnection();
        XASession s = c.createXASession();
        XAResource xar = s.getXAResource();
        xar.start(xid, XAResource.TMNOFLAGS);
        s.getSession().createProducer(s.getSession().createQueue("orders.out")).send(s.getSession()
                .createTextMessage("prepared"));
        xar.end(xid, XAResource.TMSUCCESS);
        xar.prepare(xid);
        c.close();
        log.append(new CommitRecord(gtrid, 1, List.of(new BranchRef("artemis", 1))), true);

        broker.close();
        tm.close(); // the crash: manager and broker restart; the manager replays the COMMIT record
        broker = EmbeddedArtemis.start(dir.resolve("broker"), -1, List.of("orders.in", "orders.out"));
        tm = Lockstep.builder().nodeId("jms").transactionLog(log).build();
        assertThat(broker.preparedTransactions()).hasSize(1);
        tm.registerRecoverable(new ArtemisRecoverySource("artemis", broker.xaConnectionFactory()));

        RecoveryReport report = tm.recoverNow();

        assertThat(report.committed()).extracting(RecoveryReport.Item::xid).containsExactly(xid.toString());
        assertThat(report.endedRecords()).isEqualTo(1);
        assertThat(broker.preparedTransactions()).isEmpty();
        assertThat(broker.messageCount("orders.out")).isEqualTo(1);
    }

    @Test
    void anUnreachableBrokerIsReportedWithItsUrl() throws Exception {
        ArtemisRecoverySource source = new ArtemisRecoverySource("remote",
                new org.apache.activemq.artemis.jms.client.ActiveMQXAConnectionFactory(
                        "tcp://127.0.0.1:1?reconnectAttempts=0&initialConnectAttempts=1"));
        tm.registerRecoverable(source);

        RecoveryReport report = tm.recoverNow();

        assertThat(report.failedSources()).singleElement().satisfies(i ->
                assertThat(i.detail()).contains("cannot connect to the broker").contains("tcp://127.0.0.1:1"));
    }
}
