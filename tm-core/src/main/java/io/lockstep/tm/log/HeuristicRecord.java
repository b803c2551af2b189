package io.lockstep.tm.log;

import java.util.Objects;

/**
 * A branch of a transaction completed heuristically. Recorded before {@code forget()} is sent to the resource, so
 * the fact survives even though the resource manager no longer remembers it; visible to operators until they
 * forget it (an {@link AdminRecord} with {@link AdminAction#FORGET}).
 */
public record HeuristicRecord(String gtrid, BranchRef branch, HeuristicOutcome outcome, long timeMillis)
        implements LogRecord {
    public HeuristicRecord {
        Objects.requireNonNull(gtrid, "gtrid");
        Objects.requireNonNull(branch, "branch");
        Objects.requireNonNull(outcome, "outcome");
    }

    @Override
    public RecordType type() {
        return RecordType.HEURISTIC;
    }
}
