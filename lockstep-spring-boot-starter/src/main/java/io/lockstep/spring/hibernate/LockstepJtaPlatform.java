package io.lockstep.spring.hibernate;

import io.lockstep.tm.LockstepTransactionManager;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;
import java.util.Objects;
import org.hibernate.engine.transaction.jta.platform.internal.AbstractJtaPlatform;
import org.hibernate.engine.transaction.jta.platform.internal.JtaSynchronizationStrategy;
import org.hibernate.engine.transaction.jta.platform.internal.SynchronizationRegistryAccess;
import org.hibernate.engine.transaction.jta.platform.internal.SynchronizationRegistryBasedSynchronizationStrategy;

/**
 * Hibernate's view of one {@link LockstepTransactionManager}: it is the {@code TransactionManager} and the
 * {@code UserTransaction}, and Hibernate's session synchronizations are registered as interposed synchronizations
 * (so they run after the application's own {@code beforeCompletion} callbacks, as JTA intends for persistence
 * providers).
 *
 * <p>Hand an instance to Hibernate in {@value #SETTING} (the Spring Boot starter does), or let Hibernate find it
 * through {@link LockstepJtaPlatformProvider} after registering the manager there.
 */
public final class LockstepJtaPlatform extends AbstractJtaPlatform {
    /** Hibernate's setting for the JTA platform ({@code AvailableSettings.JTA_PLATFORM}). */
    public static final String SETTING = "hibernate.transaction.jta.platform";

    private final LockstepTransactionManager tm;
    private final JtaSynchronizationStrategy synchronizationStrategy;

    public LockstepJtaPlatform(LockstepTransactionManager tm) {
        this.tm = Objects.requireNonNull(tm, "tm");
        this.synchronizationStrategy = new SynchronizationRegistryBasedSynchronizationStrategy(new Registry(tm));
    }

    /** The manager this platform stands for. */
    public LockstepTransactionManager transactionManager() {
        return tm;
    }

    @Override
    protected TransactionManager locateTransactionManager() {
        return tm;
    }

    @Override
    protected UserTransaction locateUserTransaction() {
        return tm;
    }

    @Override
    protected JtaSynchronizationStrategy getSynchronizationStrategy() {
        return synchronizationStrategy;
    }

    @Override
    public String toString() {
        return "LockstepJtaPlatform[" + tm + "]";
    }

    /** The manager as Hibernate's synchronization registry access (no JNDI lookup). */
    private record Registry(LockstepTransactionManager tm) implements SynchronizationRegistryAccess {
        @Override
        public TransactionSynchronizationRegistry getSynchronizationRegistry() {
            return tm;
        }
    }
}
