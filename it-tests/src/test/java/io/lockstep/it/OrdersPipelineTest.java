package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import io.lockstep.xa.jms.EmbeddedArtemis;
import io.lockstep.xa.jms.LockstepJms;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.activemq.artemis.jms.client.ActiveMQXAConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orders pipeline of issue 7 on an embedded Artemis broker and the real PostgreSQL: each global transaction
 * consumes an order from {@code orders.in}, inserts it into PostgreSQL and sends it on to {@code orders.out}, all
 * three or none.
 */
class OrdersPipelineTest {
    private static final String NODE = "jms7";
    private static final String IN = "orders.in";
    private static final String OUT = "orders.out";
    private static final Duration RECEIVE = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    LockstepTransactionManager tm;
    EmbeddedArtemis broker;
    LockstepJms.PooledFactory jms;
    LockstepDataSource pg;
    Ledger orders;

    @BeforeEach
    void start() throws Exception {
        tm = Lockstep.builder().nodeId(NODE).logDirectory(dir.resolve("log"))
                .orphanSafetyInterval(Duration.ofMillis(100)).build();
        broker = startBroker();
        jms = LockstepJms.pooled(tm, xaFactory()).name("artemis-jms7").maxConnections(8).build();
        pg = LockstepDataSources.postgres(tm, Servers.postgresPlain(), Servers.PG_USER, Servers.PG_PASSWORD)
                .name("pg-jms7").maxSize(16).build();
        orders = new Ledger(pg, "jms7_orders");
    }

    @AfterEach
    void stop() {
        if (jms != null) {
            jms.stop();
        }
        for (AutoCloseable c : new AutoCloseable[] {pg, tm, broker}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private EmbeddedArtemis startBroker() throws Exception {
        return EmbeddedArtemis.start(dir.resolve("broker"), -1, List.of(IN, OUT));
    }

    /**
     * The broker's XA factory with no consumer buffer: a consumer lives for one transaction, so messages it
     * prefetched would only bounce back to the queue (and count as delivery attempts) when it closes.
     */
    private ActiveMQXAConnectionFactory xaFactory() {
        ActiveMQXAConnectionFactory f = (ActiveMQXAConnectionFactory) broker.xaConnectionFactory();
        f.setConsumerWindowSize(0);
        return f;
    }

    /** A plain (non-XA, non-pooled) factory to the broker, for feeding and draining queues. */
    private ConnectionFactory plain() {
        return (ConnectionFactory) broker.xaConnectionFactory();
    }

    private void feed(int n) throws JMSException {
        try (Connection c = plain().createConnection()) {
            Session s = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageProducer p = s.createProducer(s.createQueue(IN));
            for (int i = 0; i < n; i++) {
                TextMessage m = s.createTextMessage(String.format("order-%04d", i));
                m.setLongProperty("amount", i + 1L);
                p.send(m);
            }
            s.commit();
        }
    }

    /** Receives and acknowledges every message of {@code queue} outside any transaction; their texts. */
    private List<String> drain(String queue) throws JMSException {
        List<String> texts = new ArrayList<>();
        try (Connection c = plain().createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = s.createConsumer(s.createQueue(queue));
            for (TextMessage m; (m = (TextMessage) consumer.receive(200)) != null; ) {
                texts.add(m.getText());
            }
        }
        return texts;
    }

    /** Receives one message of {@code queue} outside any transaction, waiting up to RECEIVE; its text or null. */
    private String receiveOne(String queue) throws JMSException {
        try (Connection c = plain().createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TextMessage m = (TextMessage) s.createConsumer(s.createQueue(queue)).receive(RECEIVE.toMillis());
            return m == null ? null : m.getText();
        }
    }

    private void awaitCount(String queue, long n) {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(broker.messageCount(queue)).as("messages in %s", queue).isEqualTo(n));
    }

    /**
     * One step of the pipeline inside the current transaction: consume an order, insert it, send it on.
     *
     * @return the order's text, or null when none arrived within {@code wait}
     */
    private String relay(Duration wait) throws Exception {
        try (Connection c = jms.createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TextMessage in = (TextMessage) s.createConsumer(s.createQueue(IN)).receive(wait.toMillis());
            if (in == null) {
                return null;
            }
            orders.add(in.getText(), in.getLongProperty("amount"));
            s.createProducer(s.createQueue(OUT)).send(s.createTextMessage(in.getText()));
            return in.getText();
        }
    }

    private void assertNothingPrepared() throws Exception {
        assertThat(broker.preparedTransactions()).as("Artemis prepared transactions").isEmpty();
        assertThat(Prepared.branches(Prepared.postgres(Servers.PG_URL), NODE)).as("PostgreSQL prepared branches")
                .isEmpty();
    }

    @Test
    void commitMovesEachOrderExactlyOnceAndRollbackOrFailureLeavesItQueued() throws Exception {
        feed(3);

        tm.begin();
        assertThat(relay(RECEIVE)).isEqualTo("order-0000");
        tm.commit();
        assertThat(orders.ids()).containsExactly("order-0000");
        awaitCount(OUT, 1);

        tm.begin();
        assertThat(relay(RECEIVE)).isEqualTo("order-0001");
        tm.rollback();

        tm.begin();
        try {
            relay(RECEIVE);
            throw new IllegalStateException("application failure after the send");
        } catch (IllegalStateException e) {
            tm.rollback();
        }
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
        assertThat(orders.ids()).as("no row of the rolled-back transactions").containsExactly("order-0000");
        assertThat(broker.messageCount(OUT)).as("no output of the rolled-back transactions").isEqualTo(1);
        assertNothingPrepared();

        // the rolled-back inputs are still there, marked redelivered
        try (Connection c = plain().createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = s.createConsumer(s.createQueue(IN));
            List<String> texts = new ArrayList<>();
            for (TextMessage m; (m = (TextMessage) consumer.receive(500)) != null; ) {
                texts.add(m.getText());
                if (m.getText().equals("order-0001")) {
                    assertThat(m.getJMSRedelivered()).as("redelivered after rollback").isTrue();
                }
            }
            assertThat(texts).containsExactlyInAnyOrder("order-0001", "order-0002");
        }
        assertThat(drain(OUT)).containsExactly("order-0000");
    }

    @Test
    void brokerRestartDuringATransactionRollsItBackAndTheNextOneSucceeds() throws Exception {
        feed(1);

        tm.begin();
        assertThat(relay(RECEIVE)).isEqualTo("order-0000");
        broker.close();
        broker = startBroker(); // same journal directory, same in-VM address
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class);
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);

        assertThat(orders.ids()).as("no row").isEmpty();
        assertThat(broker.messageCount(IN)).as("the input survived the restart").isEqualTo(1);
        assertThat(broker.messageCount(OUT)).as("no output").isZero();
        assertNothingPrepared();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            tm.begin();
            try {
                assertThat(relay(RECEIVE)).isEqualTo("order-0000");
                tm.commit();
            } catch (Exception | AssertionError e) {
                if (tm.getStatus() != Status.STATUS_NO_TRANSACTION) {
                    tm.rollback();
                }
                throw e;
            }
        });
        assertThat(orders.ids()).containsExactly("order-0000");
        awaitCount(IN, 0);
        assertThat(drain(OUT)).containsExactly("order-0000");
        assertNothingPrepared();
    }

    @Test
    void sessionAndProducerUsedAfterTheirTransactionFailFast() throws Exception {
        tm.begin();
        Connection c = jms.createConnection();
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageProducer p = s.createProducer(s.createQueue(OUT));
        p.send(s.createTextMessage("inside"));
        TextMessage late = s.createTextMessage("after");
        tm.commit();

        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            Future<Throwable> send = worker.submit(() -> catchFrom(() -> p.send(late)));
            Future<Throwable> create = worker.submit(() -> catchFrom(() -> s.createProducer(s.createQueue(OUT))));
            assertThat(send.get(5, TimeUnit.SECONDS)).as("send on the completed transaction's producer")
                    .isInstanceOf(jakarta.jms.IllegalStateException.class)
                    .hasMessage("This message producer has been closed.");
            assertThat(create.get(5, TimeUnit.SECONDS)).as("a new producer on the completed transaction's session")
                    .isInstanceOf(jakarta.jms.IllegalStateException.class)
                    .hasMessage("The session has already been closed");
        } finally {
            worker.shutdownNow();
            c.close();
        }
        assertThat(drain(OUT)).containsExactly("inside");
    }

    private interface JmsAction {
        void run() throws Exception;
    }

    private static Throwable catchFrom(JmsAction action) {
        try {
            action.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    @Test
    void outsideATransactionSessionsAreOrdinaryNonTransactedOnes() throws Exception {
        assertThat(tm.getStatus()).isEqualTo(Status.STATUS_NO_TRANSACTION);
        try (Connection c = jms.createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            assertThat(s.getTransacted()).isFalse();
            s.createProducer(s.createQueue(OUT)).send(s.createTextMessage("plain"));
            assertThat(receiveOne(OUT)).as("visible at once to another consumer, no commit needed")
                    .isEqualTo("plain");

            feed(1);
            TextMessage got = (TextMessage) s.createConsumer(s.createQueue(IN)).receive(RECEIVE.toMillis());
            assertThat(got.getText()).isEqualTo("order-0000");
            awaitCount(IN, 0); // acknowledged on receipt, no commit needed
            s.close();

            assertThatThrownBy(() -> c.createSession(false, Session.CLIENT_ACKNOWLEDGE))
                    .isInstanceOf(JMSException.class).hasMessageContaining("artemis-jms7")
                    .hasMessageContaining("CLIENT_ACKNOWLEDGE outside a transaction is not supported");
        }
        assertThat(drain(OUT)).isEmpty();

        // an enlisted session after the pooled ordinary ones is still an XA one
        feed(1);
        tm.begin();
        assertThat(relay(RECEIVE)).isEqualTo("order-0000");
        tm.rollback();
        assertThat(broker.messageCount(OUT)).isZero();
        awaitCount(IN, 1);
        assertNothingPrepared();
    }

    @Test
    void unreachableBrokerFailsWithItsUrl() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String url = "tcp://127.0.0.1:" + port;
        LockstepJms.PooledFactory down = LockstepJms.pooled(tm, new ActiveMQXAConnectionFactory(url))
                .name("artemis-jms7-down").build();
        try {
            long t0 = System.nanoTime();
            assertThatThrownBy(down::createConnection).isInstanceOf(JMSException.class)
                    .hasMessageContaining("127.0.0.1:" + port);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        } finally {
            down.stop();
        }
    }

    @Test
    void thousandOrdersThroughFourConsumers() throws Exception {
        int n = 1000;
        feed(n);
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Integer>> workers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            workers.add(pool.submit(() -> {
                int mine = 0;
                while (done.get() < n) {
                    tm.begin();
                    try {
                        if (relay(Duration.ofMillis(200)) == null) {
                            tm.rollback();
                            continue;
                        }
                        tm.commit();
                        mine++;
                        done.incrementAndGet();
                    } catch (Exception e) {
                        if (tm.getStatus() != Status.STATUS_NO_TRANSACTION) {
                            tm.rollback();
                        }
                        throw e;
                    }
                }
                return mine;
            }));
        }
        int total = 0;
        for (Future<Integer> f : workers) {
            total += f.get(50, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(total).isEqualTo(n);
        List<String> ids = orders.ids();
        assertThat(ids).hasSize(n).doesNotHaveDuplicates();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(broker.messageCount(OUT)).isEqualTo(n);
            assertThat(broker.messageCount(IN)).isZero();
        });
        assertNothingPrepared();
        assertThat(drain(OUT)).hasSize(n).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
    }
}
