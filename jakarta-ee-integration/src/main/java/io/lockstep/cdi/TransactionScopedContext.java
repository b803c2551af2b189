package io.lockstep.cdi;

import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.context.ContextNotActiveException;
import jakarta.enterprise.context.Destroyed;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.context.spi.AlterableContext;
import jakarta.enterprise.context.spi.Contextual;
import jakarta.enterprise.context.spi.CreationalContext;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionScoped;
import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TransactionScoped} context (Jakarta Transactions 2.0 §3.7 and the {@code TransactionScoped} javadoc).
 *
 * <p>Active while the calling thread is associated with a transaction whose status is one of {@code ACTIVE},
 * {@code MARKED_ROLLBACK}, {@code PREPARING}, {@code PREPARED}, {@code COMMITTING}, {@code ROLLING_BACK} or
 * {@code UNKNOWN}; elsewhere {@link #get} throws {@link ContextNotActiveException}. Instances live in a
 * {@link Store} kept as a resource of the transaction (TSR {@code putResource}), so they follow the transaction
 * through suspend and resume and across threads. The store is created on the first use in a transaction, which fires
 * {@code @Initialized(TransactionScoped.class)} with the {@link Transaction} as payload; it is registered as an
 * interposed synchronization and, after completion, fires {@code @BeforeDestroyed}, destroys every instance
 * ({@code @PreDestroy} runs) and fires {@code @Destroyed(TransactionScoped.class)}.
 *
 * <p>Thread-safe: two threads working on the same transaction see the same instances (one of two racing creations is
 * destroyed again).
 */
final class TransactionScopedContext implements AlterableContext {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionScopedContext.class);

    private final Supplier<LockstepExtension.Running> running;
    private final BeanManager beanManager;
    /** Key of this context's store among the transaction's resources; one per container. */
    private final Object storeKey = new Object();

    TransactionScopedContext(Supplier<LockstepExtension.Running> running, BeanManager beanManager) {
        this.running = running;
        this.beanManager = beanManager;
    }

    @Override
    public Class<? extends Annotation> getScope() {
        return TransactionScoped.class;
    }

    @Override
    public boolean isActive() {
        LockstepExtension.Running r = running.get();
        return r != null && isActiveStatus(r.tm().getStatus());
    }

    static boolean isActiveStatus(int status) {
        switch (status) {
            case Status.STATUS_ACTIVE:
            case Status.STATUS_MARKED_ROLLBACK:
            case Status.STATUS_PREPARING:
            case Status.STATUS_PREPARED:
            case Status.STATUS_COMMITTING:
            case Status.STATUS_ROLLING_BACK:
            case Status.STATUS_UNKNOWN:
                return true;
            default:
                return false;
        }
    }

    @Override
    public <T> T get(Contextual<T> contextual, CreationalContext<T> creationalContext) {
        if (creationalContext == null) {
            return get(contextual);
        }
        Store store = store(true);
        T existing = store.find(contextual);
        if (existing != null) {
            return existing;
        }
        T created = contextual.create(creationalContext);
        return store.add(contextual, created, creationalContext);
    }

    @Override
    public <T> T get(Contextual<T> contextual) {
        Store store = store(false);
        return store == null ? null : store.find(contextual);
    }

    @Override
    public void destroy(Contextual<?> contextual) {
        Store store = store(false);
        if (store != null) {
            store.destroy(contextual);
        }
    }

    private Store store(boolean create) {
        LockstepExtension.Running r = running.get();
        int status = r == null ? Status.STATUS_NO_TRANSACTION : r.tm().getStatus();
        if (!isActiveStatus(status)) {
            throw new ContextNotActiveException("@TransactionScoped context is not active: "
                    + (r == null ? "the Lockstep transaction manager is not running"
                    : "no transaction is associated with thread " + Thread.currentThread().getName()
                    + " (status " + status + "); use the bean inside a transaction (@Transactional or"
                    + " UserTransaction.begin())"));
        }
        Store store = (Store) r.tm().getResource(storeKey);
        if (store != null || !create) {
            return store;
        }
        Transaction tx = r.tm().getTransaction();
        store = new Store(tx);
        try {
            r.tm().registerInterposedSynchronization(store);
        } catch (IllegalStateException e) {
            throw new ContextNotActiveException("@TransactionScoped context cannot start in transaction " + tx
                    + ": " + e.getMessage(), e);
        }
        r.tm().putResource(storeKey, store);
        fire(Initialized.Literal.of(TransactionScoped.class), tx);
        return store;
    }

    private void fire(Annotation qualifier, Transaction tx) {
        beanManager.getEvent().select(qualifier).fire(tx);
    }

    private record Instance<T>(Contextual<T> contextual, T instance, CreationalContext<T> creationalContext) {
        void destroy() {
            contextual.destroy(instance, creationalContext);
        }
    }

    /** The instances of one transaction; destroyed by its interposed {@code afterCompletion}. */
    private final class Store implements Synchronization {
        private final Transaction tx;
        private final Map<Contextual<?>, Instance<?>> instances = new ConcurrentHashMap<>();
        private volatile boolean destroyed;

        Store(Transaction tx) {
            this.tx = tx;
        }

        @SuppressWarnings("unchecked")
        <T> T find(Contextual<T> contextual) {
            Instance<?> i = instances.get(contextual);
            return i == null ? null : (T) i.instance();
        }

        @SuppressWarnings("unchecked")
        <T> T add(Contextual<T> contextual, T instance, CreationalContext<T> cc) {
            Instance<T> mine = new Instance<>(contextual, instance, cc);
            Instance<?> winner = instances.putIfAbsent(contextual, mine);
            if (winner != null) {
                mine.destroy();
                return (T) winner.instance();
            }
            if (destroyed) {
                // created on another thread while the transaction completed: do not leak it
                instances.remove(contextual, mine);
                mine.destroy();
                throw new ContextNotActiveException("transaction " + tx + " completed while " + contextual
                        + " was being created");
            }
            return instance;
        }

        void destroy(Contextual<?> contextual) {
            Instance<?> i = instances.remove(contextual);
            if (i != null) {
                i.destroy();
            }
        }

        @Override
        public void beforeCompletion() {
        }

        @Override
        public void afterCompletion(int status) {
            destroyed = true;
            try {
                fire(BeforeDestroyed.Literal.of(TransactionScoped.class), tx);
            } catch (RuntimeException e) {
                LOG.warn("an observer of @BeforeDestroyed(TransactionScoped.class) for transaction {} threw", tx, e);
            }
            List<Instance<?>> all = new ArrayList<>(instances.values());
            instances.clear();
            for (Instance<?> i : all) {
                try {
                    i.destroy();
                } catch (RuntimeException e) {
                    LOG.warn("destroying @TransactionScoped {} of transaction {} failed", i.contextual(), tx, e);
                }
            }
            try {
                fire(Destroyed.Literal.of(TransactionScoped.class), tx);
            } catch (RuntimeException e) {
                LOG.warn("an observer of @Destroyed(TransactionScoped.class) for transaction {} threw", tx, e);
            }
        }
    }
}
