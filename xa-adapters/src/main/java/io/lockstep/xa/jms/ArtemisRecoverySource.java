package io.lockstep.xa.jms;

import io.lockstep.tm.RecoverySession;
import io.lockstep.tm.XAResourceSource;
import jakarta.jms.JMSException;
import jakarta.jms.XAConnection;
import jakarta.jms.XAConnectionFactory;
import jakarta.jms.XASession;
import javax.transaction.xa.XAResource;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * Recovery's way to a JMS broker: a dedicated XA connection and session per pass (DESIGN.md §6: never a pooled
 * session that may be enlisted elsewhere).
 */
public final class ArtemisRecoverySource implements XAResourceSource {
    private final String name;
    private final XAConnectionFactory factory;

    public ArtemisRecoverySource(String name, XAConnectionFactory factory) {
        this.name = name;
        this.factory = factory;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public RecoverySession open() throws JMSException {
        XAConnection connection;
        try {
            connection = factory.createXAConnection();
        } catch (JMSException e) {
            JMSException clear = new JMSException("JMS resource " + name + ": cannot connect to the broker at "
                    + describe(factory) + ": " + e.getMessage(), e.getErrorCode());
            clear.initCause(e);
            throw clear;
        }
        try {
            XASession session = connection.createXASession();
            XAResource xar = session.getXAResource();
            return new RecoverySession() {
                @Override
                public XAResource xaResource() {
                    return xar;
                }

                @Override
                public void close() throws JMSException {
                    connection.close();
                }
            };
        } catch (JMSException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** The broker URL of an Artemis factory, else the factory's own description. */
    static String describe(XAConnectionFactory factory) {
        if (factory instanceof ActiveMQConnectionFactory) {
            try {
                return ((ActiveMQConnectionFactory) factory).toURI().toString();
            } catch (Exception e) {
                return String.valueOf(factory);
            }
        }
        return String.valueOf(factory);
    }
}
