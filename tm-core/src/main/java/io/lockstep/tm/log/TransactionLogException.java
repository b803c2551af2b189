package io.lockstep.tm.log;

/**
 * The log could not do what was asked: a write or force failed (disk full, I/O error), the log is closed, or its
 * content is corrupt. A failed {@link TransactionLog#append} means the record is not durable and must be treated
 * as never written.
 */
public class TransactionLogException extends Exception {
    private static final long serialVersionUID = 1L;

    public TransactionLogException(String message) {
        super(message);
    }

    public TransactionLogException(String message, Throwable cause) {
        super(message, cause);
    }
}
