package io.lockstep.tm.log;

import java.util.Objects;

/**
 * A branch of a global transaction as the log knows it: the stable name of the resource (matched against
 * registered {@code XAResourceSource}s by recovery; empty when the resource was enlisted without a name) and the
 * branch qualifier number that, with the gtrid, rebuilds the branch Xid.
 */
public record BranchRef(String resourceName, int bqual) {
    public BranchRef {
        Objects.requireNonNull(resourceName, "resourceName");
    }
}
