package io.lockstep.tm.log;

import java.util.List;
import java.util.Objects;

/**
 * The commit decision of a global transaction with two or more prepared branches. Forced to disk before any
 * branch is told to commit; from then on every branch listed must end up committed (by the committing thread or by
 * recovery) before an {@link EndRecord} cancels this record.
 */
public record CommitRecord(String gtrid, long timeMillis, List<BranchRef> branches) implements LogRecord {
    public CommitRecord {
        Objects.requireNonNull(gtrid, "gtrid");
        branches = List.copyOf(branches);
    }

    @Override
    public RecordType type() {
        return RecordType.COMMIT;
    }
}
