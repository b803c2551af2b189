package io.lockstep.xa.jms;

import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.NamedXAResource;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.SuspendMode;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.XAConnectionFactory;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.transaction.xa.XAResource;
import org.messaginghub.pooled.jms.JmsPoolSession;
import org.messaginghub.pooled.jms.JmsPoolXAConnectionFactory;
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

        /** Builds the factory and registers its recovery source with the manager. */
        public PooledFactory build() {
            try {
                tm.registerRecoverable(new ArtemisRecoverySource(name, xa));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("JMS resource '" + name + "': " + e.getMessage()
                        + "; give each factory its own name(...)", e);
            }
            PooledFactory f = new PooledFactory(name);
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

        PooledFactory(String name) {
            this.name = name;
        }

        /** The name this factory's branches carry. */
        public String name() {
            return name;
        }

        @Override
        protected PooledXAConnection createPooledConnection(Connection connection) {
            return new PooledXAConnection(connection, getTransactionManager()) {
                @Override
                protected XAResource createXaResource(JmsPoolSession session) throws JMSException {
                    NamedXAResource named = Lockstep.named(name, super.createXaResource(session), false,
                            SuspendMode.SUSPEND_RESUME);
                    return named;
                }
            };
        }
    }
}
