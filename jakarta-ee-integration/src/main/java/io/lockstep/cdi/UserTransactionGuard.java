package io.lockstep.cdi;

import jakarta.transaction.Transactional.TxType;

/**
 * Tracks, per thread, whether the innermost {@code @Transactional} method on the call stack forbids
 * {@code UserTransaction}. Jakarta Transactions 2.0 §3.7: inside a {@code @Transactional} method any
 * {@code UserTransaction} call throws {@link IllegalStateException}, except under {@code NOT_SUPPORTED}, {@code NEVER}
 * and {@code SUPPORTS} without a transaction.
 *
 * <p>One guard per container. Each thread touches only its own slot. The interceptor saves the previous value on
 * entry and restores it on exit, so nesting works and nothing is left behind on pooled threads.
 */
final class UserTransactionGuard {

    /** The type that forbids UserTransaction on this thread right now, or null when it is allowed. */
    private final ThreadLocal<TxType> forbiddenBy = new ThreadLocal<>();

    /** Enters a method of {@code type}; returns what {@link #exit(TxType)} must restore. */
    TxType enter(TxType forbidding) {
        TxType previous = forbiddenBy.get();
        if (previous != forbidding) {
            forbiddenBy.set(forbidding);
        }
        return previous;
    }

    void exit(TxType previous) {
        if (previous == null) {
            forbiddenBy.remove();
        } else {
            forbiddenBy.set(previous);
        }
    }

    /** Throws if the calling thread is inside a {@code @Transactional} method that forbids UserTransaction. */
    void check(String method) {
        TxType type = forbiddenBy.get();
        if (type != null) {
            throw new IllegalStateException("UserTransaction." + method + "() called inside a @Transactional("
                    + type + ") method; Jakarta Transactions 2.0 section 3.7 forbids it. Let the interceptor"
                    + " manage the transaction, or use @Transactional(NOT_SUPPORTED) or NEVER where the method"
                    + " demarcates transactions itself");
        }
    }
}
