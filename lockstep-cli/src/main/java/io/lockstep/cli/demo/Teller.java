package io.lockstep.cli.demo;

import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import java.sql.Connection;
import java.sql.SQLException;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.NamedXAResource;
import java.util.function.UnaryOperator;
import io.lockstep.tm.SuspendMode;
import jakarta.jms.JMSException;
import jakarta.jms.MessageProducer;
import jakarta.jms.XAConnectionFactory;
import jakarta.jms.XASession;
import javax.sql.XAConnection;

/**
 * Moves money from one bank to the other in one global transaction. Keeps one XA connection per bank for its
 * whole life (one thread), as H2 needs (DESIGN.md §6: keep the connection until phase 2).
 */
final class Teller implements AutoCloseable {
    private final TransactionManager tm;
    private final Bank from;
    private final Bank to;
    private final XAConnection fromConn;
    private final XAConnection toConn;
    /**
     * One handle per XA connection for the teller's life: with H2 every getConnection() closes the previous handle
     * and the session forgets the name of its prepared transaction, so COMMIT TRANSACTION then fails.
     */
    private final Connection fromSql;
    private final Connection toSql;
    /** The broker branch: one XA session for the teller's life, a "transfer" message per transfer. */
    private final jakarta.jms.XAConnection brokerConn;
    private final XASession brokerSession;
    private final MessageProducer producer;

    /** Applied to every resource before it is enlisted (the crash child wraps them; the identity otherwise). */
    private final UnaryOperator<NamedXAResource> wrap;

    Teller(TransactionManager tm, Bank from, Bank to, XAConnectionFactory broker) throws SQLException, JMSException {
        this(tm, from, to, broker, UnaryOperator.identity());
    }

    Teller(TransactionManager tm, Bank from, Bank to, XAConnectionFactory broker, UnaryOperator<NamedXAResource> wrap)
            throws SQLException, JMSException {
        this.wrap = wrap;
        this.tm = tm;
        this.from = from;
        this.to = to;
        this.fromConn = from.connect();
        this.toConn = to.connect();
        this.fromSql = fromConn.getConnection();
        this.toSql = toConn.getConnection();
        this.brokerConn = broker.createXAConnection();
        this.brokerSession = brokerConn.createXASession();
        this.producer = brokerSession.getSession().createProducer(
                brokerSession.getSession().createQueue(DemoCommand.QUEUE));
    }

    /** One transfer: debit {@code fromAccount} in one bank, credit {@code toAccount} in the other, commit. */
    void transfer(int fromAccount, int toAccount, long amount) throws Exception {
        transfer(null, fromAccount, toAccount, amount);
    }

    /** As {@link #transfer(int, int, long)}, also recording {@code id} in both banks when it is not null. */
    void transfer(String id, int fromAccount, int toAccount, long amount) throws Exception {
        tm.begin();
        try {
            Transaction tx = tm.getTransaction();
            tx.enlistResource(wrap.apply(from.enlistable(fromConn)));
            tx.enlistResource(wrap.apply(to.enlistable(toConn)));
            tx.enlistResource(wrap.apply(Lockstep.named(DemoCommand.BROKER, brokerSession.getXAResource(), false,
                    SuspendMode.SUSPEND_RESUME)));
            from.move(fromSql, fromAccount, -amount);
            to.move(toSql, toAccount, amount);
            if (id != null) {
                from.record(fromSql, id);
                to.record(toSql, id);
            }
            producer.send(brokerSession.getSession().createTextMessage("transfer " + amount + " from "
                    + from.name + "/" + fromAccount + " to " + to.name + "/" + toAccount));
        } catch (Exception | Error e) {
            tm.rollback();
            throw e;
        }
        tm.commit();
    }

    @Override
    public void close() throws SQLException, JMSException {
        try {
            fromConn.close();
            toConn.close();
        } finally {
            brokerConn.close();
        }
    }
}
