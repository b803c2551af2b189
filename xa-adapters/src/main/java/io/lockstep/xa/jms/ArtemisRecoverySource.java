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

    /**
     * The broker address of an Artemis factory, else the factory's class: never its parameters, since the factory's
     * URI carries the user's password among them (and some thirty defaults that only bury the address).
     */
    static String describe(XAConnectionFactory factory) {
        if (factory instanceof ActiveMQConnectionFactory) {
            try {
                String uri = ((ActiveMQConnectionFactory) factory).toURI().toString();
                int query = uri.indexOf('?');
                return (query < 0 ? uri : uri.substring(0, query)).replaceAll("(//[^/?#@:]*:)[^/?#@]*@", "$1****@");
            } catch (Exception e) {
                return factory.getClass().getName();
            }
        }
        return factory.getClass().getName();
    }
}
