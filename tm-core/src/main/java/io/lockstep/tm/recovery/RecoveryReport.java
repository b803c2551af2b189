package io.lockstep.tm.recovery;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one recovery pass did. Immutable.
 *
 * @param started        when the pass began
 * @param duration       how long it took
 * @param committed      branches committed because their transaction has a COMMIT record
 * @param rolledBack     orphan branches (no COMMIT record) rolled back under presumed abort
 * @param pending        branches or records left for a later pass, each with the reason
 * @param heuristics     heuristic outcomes found (recorded and forgotten)
 * @param failedSources  sources that could not be scanned, each with the reason
 * @param endedRecords   COMMIT records found complete and ended in this pass
 */
public record RecoveryReport(
        Instant started,
        Duration duration,
        List<Item> committed,
        List<Item> rolledBack,
        List<Item> pending,
        List<Item> heuristics,
        List<Item> failedSources,
        int endedRecords) {

    public RecoveryReport {
        committed = List.copyOf(committed);
        rolledBack = List.copyOf(rolledBack);
        pending = List.copyOf(pending);
        heuristics = List.copyOf(heuristics);
        failedSources = List.copyOf(failedSources);
    }

    /**
     * One branch, record or source in the report.
     *
     * @param source the source name (empty for a record-level item)
     * @param xid    the branch Xid as {@code gtrid/branch}, or the gtrid, or empty for a source
     * @param detail what happened or why it is pending
     */
    public record Item(String source, String xid, String detail) {
        @Override
        public String toString() {
            return (source.isEmpty() ? "" : source + " ") + xid + (detail.isEmpty() ? "" : ": " + detail);
        }
    }

    /** True when nothing is left pending and every source was scanned. */
    public boolean isClean() {
        return pending.isEmpty() && failedSources.isEmpty();
    }

    @Override
    public String toString() {
        return "RecoveryReport[committed=" + committed.size() + ", rolledBack=" + rolledBack.size() + ", pending="
                + pending + ", heuristics=" + heuristics + ", failedSources=" + failedSources + ", endedRecords="
                + endedRecords + ", duration=" + duration.toMillis() + " ms]";
    }
}
