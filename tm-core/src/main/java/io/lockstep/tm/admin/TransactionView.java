package io.lockstep.tm.admin;

import io.lockstep.tm.TransactionState;
import java.time.Instant;
import java.util.List;

/**
 * A transaction alive in this JVM, as an operator sees it.
 *
 * @param gtrid          global transaction id
 * @param state          current state
 * @param started        when it began
 * @param timeoutSeconds its timeout
 * @param branches       names of its branches' resources (class names for unnamed ones)
 */
public record TransactionView(String gtrid, TransactionState state, Instant started, int timeoutSeconds,
        List<String> branches) {
    public TransactionView {
        branches = List.copyOf(branches);
    }
}
