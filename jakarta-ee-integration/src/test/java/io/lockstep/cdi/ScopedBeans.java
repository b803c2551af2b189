package io.lockstep.cdi;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Destroyed;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionScoped;
import java.io.Serializable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Beans for the {@code @TransactionScoped} tests. */
final class ScopedBeans {

    private ScopedBeans() {
    }

    /** Each instance gets a new id; its destruction is recorded in the {@link Journal}. */
    @TransactionScoped
    static class Counter implements Serializable {
        private static final long serialVersionUID = 1L;
        private static final AtomicInteger IDS = new AtomicInteger();

        private final int id = IDS.incrementAndGet();
        private int count;
        transient Journal journal;

        @jakarta.inject.Inject
        void setJournal(Journal journal) {
            this.journal = journal;
        }

        public int id() {
            return id;
        }

        public int increment() {
            return ++count;
        }

        @PreDestroy
        void destroyed() {
            journal.recordDestroyed(id);
        }
    }

    /** Records what happened to the transaction context (through methods: fields of a client proxy are empty). */
    @ApplicationScoped
    static class Journal {
        private final List<Integer> destroyedIds = new CopyOnWriteArrayList<>();
        private final List<Transaction> initialized = new CopyOnWriteArrayList<>();
        private final List<Transaction> destroyed = new CopyOnWriteArrayList<>();

        List<Integer> destroyedIds() {
            return destroyedIds;
        }

        List<Transaction> initialized() {
            return initialized;
        }

        List<Transaction> destroyed() {
            return destroyed;
        }

        /** Forgets everything: a test harness may keep one container for several tests. */
        void clear() {
            destroyedIds.clear();
            initialized.clear();
            destroyed.clear();
        }

        void recordDestroyed(int id) {
            destroyedIds.add(id);
        }

        void onInitialized(@Observes @Initialized(TransactionScoped.class) Transaction tx) {
            initialized.add(tx);
        }

        void onDestroyed(@Observes @Destroyed(TransactionScoped.class) Transaction tx) {
            destroyed.add(tx);
        }
    }
}
