package io.lockstep.tm.tx;

import io.lockstep.tm.TransactionListener;
import io.lockstep.tm.TransactionCounters;
import io.lockstep.tm.log.TransactionLog;
import io.lockstep.tm.xa.Gtrid;
import jakarta.transaction.Transaction;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What every transaction of one manager shares: the log, the gtrid generator, the listener, the timeout reaper,
 * the set of transactions alive in this JVM and the thread association. One per manager; no static state.
 *
 * <p>Public only because the facade in {@code io.lockstep.tm} builds it; not an API.
 */
public final class Engine {
    final TransactionLog log;
    final TransactionListener listener;
    final Gtrid gtrids;
    final ThreadAssociation association = new ThreadAssociation();
    final AtomicLong sequence = new AtomicLong();
    /**
     * Every transaction from begin until it is completely finished. A hash set, not a deadline-ordered one: every
     * transaction of every thread adds and removes itself here, and an ordered structure makes all of them contend on
     * its head and tail; the reaper scans it instead (see {@link TimeoutReaper}).
     */
    final Set<GlobalTransaction> alive = ConcurrentHashMap.newKeySet();
    final TimeoutReaper reaper;
    final TransactionCounters counters = new TransactionCounters();
    /**
     * Why another node now finishes this node's transactions (a peer took its lease over), or null while this
     * instance owns them — asked on a phase-2 error, so it may ask the log database. When another node does, a
     * branch of a recorded transaction that its RM no longer knows was committed by that peer (Completion#phaseTwo).
     */
    final Supplier<String> takenOver;
    private final int defaultTimeoutSeconds;

    public Engine(String nodeId, long epochMillis, int defaultTimeoutSeconds, TransactionLog log,
            TransactionListener listener) {
        this(nodeId, epochMillis, defaultTimeoutSeconds, log, listener, () -> null);
    }

    /**
     * @param takenOver why a peer now finishes this node's transactions (its lease was taken over, so its log is
     *                  fenced), or null while it owns them
     */
    public Engine(String nodeId, long epochMillis, int defaultTimeoutSeconds, TransactionLog log,
            TransactionListener listener, Supplier<String> takenOver) {
        this.takenOver = takenOver;
        this.log = log;
        this.listener = listener;
        this.gtrids = new Gtrid(nodeId, epochMillis);
        this.defaultTimeoutSeconds = defaultTimeoutSeconds;
        this.reaper = new TimeoutReaper(this, "lockstep-reaper-" + nodeId);
    }

    /** Starts the reaper thread. */
    public void start() {
        reaper.start();
    }

    /** Stops the reaper; transactions still alive stay as they are. */
    public void stop() {
        reaper.stop();
    }

    /** Counters of this engine's transactions. */
    public TransactionCounters counters() {
        return counters;
    }

    public ThreadAssociation association() {
        return association;
    }

    /** Begins a transaction with the calling thread's timeout and associates it with the thread. */
    public GlobalTransaction begin() {
        ThreadAssociation.ThreadState state = association.state();
        int timeout = state.timeoutSeconds > 0 ? state.timeoutSeconds : defaultTimeoutSeconds;
        GlobalTransaction tx = new GlobalTransaction(this, gtrids.next(), timeout, sequence.incrementAndGet());
        alive.add(tx);
        counters.onBegin();
        reaper.scheduled(tx);
        state.tx = tx;
        listener.stateChanged(tx, tx.gtrid, null, tx.state);
        return tx;
    }

    void finished(GlobalTransaction tx) {
        alive.remove(tx);
    }

    /** The gtrids of the transactions alive in this JVM now (recovery must not touch their branches). */
    public Set<String> aliveGtrids() {
        Set<String> gtrids = new HashSet<>();
        for (GlobalTransaction tx : alive) {
            gtrids.add(tx.gtrid);
        }
        return gtrids;
    }

    /** A snapshot of the transactions alive in this JVM, for the admin view. */
    public List<GlobalTransaction> aliveTransactions() {
        return new ArrayList<>(alive);
    }

    /** Casts a Transaction to one of this engine's, or returns null when it belongs to someone else. */
    public GlobalTransaction own(Transaction tx) {
        if (tx instanceof GlobalTransaction && ((GlobalTransaction) tx).engine == this) {
            return (GlobalTransaction) tx;
        }
        return null;
    }
}
