package io.lockstep.cdi;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.transaction.TransactionManager;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** One observer method per {@link TransactionPhase}, each recording what it saw in the {@link Journal}. */
@ApplicationScoped
class PhaseObservers {

    /** The event. */
    record Placed(String id) {
    }

    /** One notification: the phase of the observer, the event, the transaction status and thread it ran with. */
    record Notified(TransactionPhase phase, String id, int status, Thread thread) {
    }

    /** Application scoped, so the test and the observers share it; read and reset through methods (proxy). */
    @ApplicationScoped
    static class Journal {
        private final List<Notified> entries = new CopyOnWriteArrayList<>();

        void add(Notified n) {
            entries.add(n);
        }

        List<Notified> entries() {
            return List.copyOf(entries);
        }

        List<TransactionPhase> phases(String id) {
            return entries.stream().filter(n -> n.id().equals(id)).map(Notified::phase).toList();
        }

        Notified only(String id, TransactionPhase phase) {
            List<Notified> found = entries.stream().filter(n -> n.id().equals(id) && n.phase() == phase).toList();
            if (found.size() != 1) {
                throw new AssertionError("expected one " + phase + " notification for " + id + ", got " + entries);
            }
            return found.get(0);
        }

        void clear() {
            entries.clear();
        }
    }

    void inProgress(@Observes(during = TransactionPhase.IN_PROGRESS) Placed e, Journal j, TransactionManager tm)
            throws Exception {
        j.add(new Notified(TransactionPhase.IN_PROGRESS, e.id(), tm.getStatus(), Thread.currentThread()));
    }

    void beforeCompletion(@Observes(during = TransactionPhase.BEFORE_COMPLETION) Placed e, Journal j,
            TransactionManager tm) throws Exception {
        j.add(new Notified(TransactionPhase.BEFORE_COMPLETION, e.id(), tm.getStatus(), Thread.currentThread()));
    }

    void afterCompletion(@Observes(during = TransactionPhase.AFTER_COMPLETION) Placed e, Journal j,
            TransactionManager tm) throws Exception {
        j.add(new Notified(TransactionPhase.AFTER_COMPLETION, e.id(), tm.getStatus(), Thread.currentThread()));
    }

    void afterSuccess(@Observes(during = TransactionPhase.AFTER_SUCCESS) Placed e, Journal j, TransactionManager tm)
            throws Exception {
        j.add(new Notified(TransactionPhase.AFTER_SUCCESS, e.id(), tm.getStatus(), Thread.currentThread()));
    }

    void afterFailure(@Observes(during = TransactionPhase.AFTER_FAILURE) Placed e, Journal j, TransactionManager tm)
            throws Exception {
        j.add(new Notified(TransactionPhase.AFTER_FAILURE, e.id(), tm.getStatus(), Thread.currentThread()));
    }
}
