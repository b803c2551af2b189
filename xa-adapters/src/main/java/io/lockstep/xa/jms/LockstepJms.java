package io.lockstep.xa.jms;

import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.SuspendMode;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.Session;
import jakarta.jms.XAConnection;
import jakarta.jms.XAConnectionFactory;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.transaction.xa.XAResource;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.messaginghub.pooled.jms.JmsPoolSession;
import org.messaginghub.pooled.jms.JmsPoolXAConnectionFactory;
import org.messaginghub.pooled.jms.pool.PooledConnectionKey;
import org.messaginghub.pooled.jms.pool.PooledSessionKey;
import org.messaginghub.pooled.jms.pool.PooledXAConnection;

/**
 * XA-enlisting, pooled JMS connection factories on pooled-jms.
 * <pre>{@code
 * ConnectionFactory cf = LockstepJms.pooled(tm, artemisXaConnectionFactory).name("artemis-orders")
 *         .maxConnections(8).build();
 * }</pre>
 * Sessions created while a transaction is associated with the thread are enlisted in it (their XAResource is
 * named, so the commit record names the broker); outside a transaction they are ordinary sessions. The factory's
 * {@link ArtemisRecoverySource} is registered with the manager for recovery.
 */
public final class LockstepJms {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private LockstepJms() {
    }

    /** Starts a builder for a pooled factory over {@code xaConnectionFactory}. */
    public static Builder pooled(LockstepTransactionManager tm, XAConnectionFactory xaConnectionFactory) {
        return new Builder(tm, xaConnectionFactory);
    }

    /** Builder of {@link #pooled}; not thread-safe. */
    public static final class Builder {
        private final LockstepTransactionManager tm;
        private final XAConnectionFactory xa;
        private String name = "jms";
        private int maxConnections = 8;
        private int maxSessionsPerConnection = 500;

        private Builder(LockstepTransactionManager tm, XAConnectionFactory xa) {
            this.tm = Objects.requireNonNull(tm, "tm must not be null: pass the LockstepTransactionManager whose"
                    + " transactions the sessions join");
            this.xa = Objects.requireNonNull(xa, "xaConnectionFactory must not be null: pass the broker's XA"
                    + " connection factory (e.g. ActiveMQXAConnectionFactory)");
        }

        /** Stable unique name of this broker in commit records and recovery; default {@code jms}. */
        public Builder name(String name) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("JMS resource name \"" + name
                        + "\": only [A-Za-z0-9._-], 1 to 64 characters");
            }
            this.name = name;
            return this;
        }

        /** Pooled connections; default 8. */
        public Builder maxConnections(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxConnections " + n + ": must be at least 1");
            }
            this.maxConnections = n;
            return this;
        }

        /** Sessions per pooled connection; default 500. */
        public Builder maxSessionsPerConnection(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxSessionsPerConnection " + n + ": must be at least 1");
            }
            this.maxSessionsPerConnection = n;
            return this;
        }

        /**
         * The longest the broker client waits for an answer to one call — XA {@code prepare}, {@code commit},
         * {@code rollback}, {@code recover}, and creating a connection or session — before the call fails (the XA
         * ones with {@code XAER_RMFAIL}): Artemis' {@code callTimeout}, set on the given factory, which both the pool
         * and recovery use. Artemis' own default is 30 s. Without a bound, a stalled network would hold a commit or
         * a recovery pass for as long as the broker connection's TTL allows.
         *
         * @throws IllegalArgumentException the factory is not an Artemis factory (set your provider's own timeout),
         *                                  or the duration is not positive
         */
        public Builder xaCallTimeout(Duration timeout) {
            if (timeout == null || timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("xaCallTimeout must be positive, was " + timeout);
            }
            if (!(xa instanceof ActiveMQConnectionFactory)) {
                throw new IllegalArgumentException("xaCallTimeout: " + xa.getClass().getName() + " is not an Artemis"
                        + " connection factory; set the bound with that provider's own call timeout setting");
            }
            ((ActiveMQConnectionFactory) xa).setCallTimeout(timeout.toMillis());
            return this;
        }

        /** Builds the factory and registers its recovery source with the manager. */
        public PooledFactory build() {
            try {
                tm.registerRecoverable(new ArtemisRecoverySource(name, xa));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("JMS resource '" + name + "': " + e.getMessage()
                        + "; give each factory its own name(...)", e);
            }
            PooledFactory f = new PooledFactory(name, xa);
            f.setConnectionFactory(xa);
            f.setTransactionManager(tm);
            f.setMaxConnections(maxConnections);
            f.setMaxSessionsPerConnection(maxSessionsPerConnection);
            return f;
        }
    }

    /**
     * pooled-jms' XA factory whose sessions enlist under a stable name. Each session's XAResource gets its own
     * branch ({@code canJoin = false}): one broker session per branch is what every broker supports.
     */
    public static final class PooledFactory extends JmsPoolXAConnectionFactory implements ConnectionFactory {
        private static final long serialVersionUID = 1L;
        private final String name;
        private final transient XAConnectionFactory xa;

        PooledFactory(String name, XAConnectionFactory xa) {
            this.name = name;
            this.xa = xa;
        }

        /** The name this factory's branches carry. */
        public String name() {
            return name;
        }

        /** The provider's connection; a failure names this resource and the broker's URL. */
        @Override
        protected XAConnection createProviderConnection(PooledConnectionKey key) throws JMSException {
            try {
                return super.createProviderConnection(key);
            } catch (JMSException e) {
                JMSException clear = new JMSException("JMS resource " + name + ": cannot connect to the broker at "
                        + ArtemisRecoverySource.describe(xa) + ": " + e.getMessage(), e.getErrorCode());
                clear.setLinkedException(e.getLinkedException());
                clear.initCause(e);
                throw clear;
            }
        }

        @Override
        protected PooledXAConnection createPooledConnection(Connection connection) {
            return new EnlistingConnection(connection, this);
        }
    }

    /**
     * A pooled connection whose sessions are XA sessions, enlisted, inside a transaction and ordinary sessions
     * outside one. pooled-jms alone would hand out an XA session in both cases, and an XA session outside a global
     * transaction keeps its sends and acknowledgements in a local transaction nobody ever commits.
     * <p>
     * pooled-jms keys its idle sessions by (transacted, acknowledge mode) and borrows every enlisted session under
     * (false, CLIENT_ACKNOWLEDGE); that key is reserved for XA sessions, so outside a transaction
     * CLIENT_ACKNOWLEDGE is refused rather than mixed up with them.
     */
    private static final class EnlistingConnection extends PooledXAConnection {
        private static final PooledSessionKey XA_KEY = new PooledSessionKey(false, Session.CLIENT_ACKNOWLEDGE);
        private final PooledFactory factory;

        EnlistingConnection(Connection connection, PooledFactory factory) {
            super(connection, factory.getTransactionManager());
            this.factory = factory;
        }

        @Override
        public Session createSession(boolean transacted, int ackMode) throws JMSException {
            if (ackMode == Session.CLIENT_ACKNOWLEDGE && !inTransaction()) {
                throw new JMSException("JMS resource " + factory.name() + ": CLIENT_ACKNOWLEDGE outside a"
                        + " transaction is not supported by the pooled XA factory; use AUTO_ACKNOWLEDGE or"
                        + " DUPS_OK_ACKNOWLEDGE, or begin a transaction");
            }
            return super.createSession(transacted, ackMode);
        }

        @Override
        protected Session makeSession(PooledSessionKey key) throws JMSException {
            if (key.equals(XA_KEY)) {
                return super.makeSession(key);
            }
            return connection.createSession(key.isTransacted(), key.getAckMode());
        }

        @Override
        protected XAResource createXaResource(JmsPoolSession session) throws JMSException {
            return Lockstep.named(factory.name(), super.createXaResource(session), false, SuspendMode.SUSPEND_RESUME);
        }

        private boolean inTransaction() throws JMSException {
            try {
                return factory.getTransactionManager().getStatus() != Status.STATUS_NO_TRANSACTION;
            } catch (SystemException e) {
                JMSException j = new JMSException("JMS resource " + factory.name()
                        + ": cannot read the transaction status: " + e.getMessage());
                j.initCause(e);
                throw j;
            }
        }
    }
}
