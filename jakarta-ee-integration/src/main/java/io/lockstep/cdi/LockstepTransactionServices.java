package io.lockstep.cdi;

import io.lockstep.tm.LockstepTransactionManager;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.UserTransaction;
import java.util.function.Supplier;
import org.jboss.weld.manager.api.WeldManager;
import org.jboss.weld.transaction.spi.TransactionServices;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Weld's {@link TransactionServices} backed by the Lockstep manager of the same container, so that transactional
 * observer methods ({@code @Observes(during = TransactionPhase.AFTER_SUCCESS)} and the other phases) are notified
 * when the transaction completes instead of at once.
 *
 * <p>Weld-only, and a two-part wiring:
 * <ul>
 *   <li>Weld instantiates this class while it bootstraps, from {@code META-INF/services/
 *       org.jboss.weld.bootstrap.api.Service} (one instance per container). Weld's JTA module
 *       ({@code org.jboss.weld.module:weld-jta}) must be on the class path: it is what defers the notifications
 *       once a {@code TransactionServices} exists.</li>
 *   <li>{@link LockstepExtension} of that container attaches itself in {@code BeforeBeanDiscovery}
 *       ({@link #attachTo}); until then, and after the container shut down, there is no transaction to defer to
 *       and observers are notified immediately, as without this service.</li>
 * </ul>
 *
 * <p>Synchronizations are registered as regular ones ({@link Transaction#registerSynchronization}), so
 * {@code BEFORE_COMPLETION} observers run before the interposed callbacks of persistence providers and resource
 * adapters and may still write through them. A transaction already marked rollback-only refuses regular
 * registrations; its notifications go to an interposed synchronization instead, so {@code AFTER_FAILURE} and
 * {@code AFTER_COMPLETION} observers still run after the rollback (and {@code BEFORE_COMPLETION} ones never, as a
 * rollback has no before-completion phase).
 *
 * <p>Thread-safe.
 */
public final class LockstepTransactionServices implements TransactionServices {

    private static final Logger LOG = LoggerFactory.getLogger(LockstepTransactionServices.class);

    private volatile Supplier<LockstepExtension.Running> running;

    /** For Weld's service loader. */
    public LockstepTransactionServices() {
    }

    /**
     * Attaches the container's extension to the {@code TransactionServices} Weld registered for the container of
     * {@code beanManager}, when that is an instance of this class. Any other service (a server's own) is left
     * alone: it already decides when transactional observers run.
     */
    static void attachTo(BeanManager beanManager, Supplier<LockstepExtension.Running> running) {
        if (!(beanManager instanceof WeldManager weld)) {
            return;
        }
        TransactionServices services = weld.getServices().get(TransactionServices.class);
        if (services instanceof LockstepTransactionServices ours) {
            ours.attach(running);
        } else if (services != null) {
            LOG.info("Weld's TransactionServices is {}, not Lockstep's: it decides when transactional observer"
                    + " methods run", services.getClass().getName());
        }
    }

    void attach(Supplier<LockstepExtension.Running> source) {
        if (running != null && running != source) {
            throw new IllegalStateException("two Lockstep CDI extensions in one Weld container: register"
                    + " LockstepExtension either through META-INF/services or programmatically, not both");
        }
        running = source;
    }

    /**
     * True when the calling thread's transaction can still defer notifications: {@code ACTIVE} or
     * {@code MARKED_ROLLBACK}. A completed or timed-out transaction is not active; Weld then notifies at once.
     */
    @Override
    public boolean isTransactionActive() {
        LockstepTransactionManager tm = manager();
        if (tm == null) {
            return false;
        }
        int status = tm.getStatus();
        return status == Status.STATUS_ACTIVE || status == Status.STATUS_MARKED_ROLLBACK;
    }

    /**
     * Registers Weld's deferred notifications with the calling thread's transaction. Failing that (the
     * transaction completed or is completing meanwhile), throws an {@link IllegalStateException} caused by the
     * refusal, which Weld answers by notifying every observer except {@code AFTER_SUCCESS} ones at once.
     */
    @Override
    public void registerSynchronization(Synchronization synchronization) {
        LockstepTransactionManager tm = manager();
        Transaction tx = tm == null ? null : tm.getTransaction();
        if (tx == null) {
            throw new IllegalStateException("cannot defer a transactional observer notification",
                    new IllegalStateException("no Lockstep transaction is associated with the calling thread"));
        }
        try {
            tx.registerSynchronization(synchronization);
        } catch (RollbackException | IllegalStateException regularRefused) {
            // marked rollback-only, or in its interposed beforeCompletion phase: interposed still accepts
            try {
                tm.registerInterposedSynchronization(synchronization);
            } catch (IllegalStateException refused) {
                refused.addSuppressed(regularRefused);
                throw new IllegalStateException("cannot defer a transactional observer notification to transaction "
                        + tx + ": " + refused.getMessage(), refused);
            }
        } catch (SystemException e) {
            throw new IllegalStateException("cannot defer a transactional observer notification to transaction "
                    + tx + ": " + e.getMessage(), e);
        }
    }

    /** The container's {@code UserTransaction}, guarded like the injected one (§3.7). */
    @Override
    public UserTransaction getUserTransaction() {
        LockstepExtension.Running r = runningOrNull();
        if (r == null) {
            throw new IllegalStateException("the Lockstep transaction manager of this CDI container is not running");
        }
        return r.userTransaction();
    }

    @Override
    public void cleanup() {
        running = null;
    }

    private LockstepTransactionManager manager() {
        LockstepExtension.Running r = runningOrNull();
        return r == null ? null : r.tm();
    }

    private LockstepExtension.Running runningOrNull() {
        Supplier<LockstepExtension.Running> source = running;
        return source == null ? null : source.get();
    }
}
