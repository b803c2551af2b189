package io.lockstep.spring.hibernate;

import io.lockstep.tm.LockstepTransactionManager;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.hibernate.engine.transaction.jta.platform.spi.JtaPlatform;
import org.hibernate.engine.transaction.jta.platform.spi.JtaPlatformProvider;

/**
 * Lets plain Hibernate (no Spring) find Lockstep without any {@code hibernate.transaction.jta.platform} setting.
 * Hibernate loads this class through {@code ServiceLoader} when a {@code SessionFactory} starts without that setting.
 *
 * <p>The rule: the provider never guesses. It offers a {@link LockstepJtaPlatform} only for a manager the application
 * has {@linkplain #register registered} before building the {@code SessionFactory}/{@code EntityManagerFactory}; with
 * none registered it offers nothing, and Hibernate goes on with its own detection. One manager at a time: registering
 * a second one while the first is registered is refused. Closing the returned {@link Registration} (e.g. when the
 * manager closes) withdraws it; factories already built keep their platform.
 *
 * <pre>{@code
 * LockstepTransactionManager tm = Lockstep.builder().nodeId("orders-1").build();
 * LockstepJtaPlatformProvider.Registration registration = LockstepJtaPlatformProvider.register(tm);
 * EntityManagerFactory emf = Persistence.createEntityManagerFactory("orders"); // JTA unit, no platform setting
 * }</pre>
 *
 * The Spring Boot starter does not use this: it hands the platform to Hibernate as a setting.
 */
public final class LockstepJtaPlatformProvider implements JtaPlatformProvider {
    private static final AtomicReference<LockstepTransactionManager> REGISTERED = new AtomicReference<>();

    /** Called by Hibernate's ServiceLoader. */
    public LockstepJtaPlatformProvider() {
    }

    /**
     * Makes {@code tm} the manager Hibernate finds from now on.
     *
     * @throws IllegalStateException another manager is registered
     */
    public static Registration register(LockstepTransactionManager tm) {
        Objects.requireNonNull(tm, "tm");
        LockstepTransactionManager previous = REGISTERED.compareAndExchange(null, tm);
        if (previous != null && previous != tm) {
            throw new IllegalStateException("another Lockstep manager is registered for Hibernate (" + previous
                    + "); close its LockstepJtaPlatformProvider.Registration first, or give Hibernate the platform"
                    + " explicitly: hibernate.transaction.jta.platform = new LockstepJtaPlatform(tm)");
        }
        return new Registration(tm);
    }

    /** The registered manager's platform, or null (Hibernate then detects a platform as usual). */
    @Override
    public JtaPlatform getProvidedJtaPlatform() {
        LockstepTransactionManager tm = REGISTERED.get();
        return tm == null ? null : new LockstepJtaPlatform(tm);
    }

    /** A registration; {@link #close()} withdraws it (idempotent). */
    public static final class Registration implements AutoCloseable {
        private final LockstepTransactionManager tm;

        private Registration(LockstepTransactionManager tm) {
            this.tm = tm;
        }

        @Override
        public void close() {
            REGISTERED.compareAndSet(tm, null);
        }
    }
}
