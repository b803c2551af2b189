package io.lockstep.tm;

import jakarta.transaction.Transaction;

/**
 * Observes the state machine of every transaction (SPI): {@code ACTIVE → PREPARING → PREPARED → COMMITTING →
 * COMMITTED}, {@code → ROLLING_BACK → ROLLED_BACK}, heuristic ends. Called on the thread that makes the change,
 * on the hot path: implementations must be fast, must not block and must not throw.
 */
public interface TransactionListener {

    /** Does nothing; the default. */
    TransactionListener NONE = (tx, gtrid, from, to) -> { };

    /**
     * @param tx    the transaction that changed
     * @param gtrid its global transaction id
     * @param from  previous state
     * @param to    new state
     */
    void stateChanged(Transaction tx, String gtrid, TransactionState from, TransactionState to);
}
