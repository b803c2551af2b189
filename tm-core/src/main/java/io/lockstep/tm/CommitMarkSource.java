package io.lockstep.tm;

import java.util.Collection;
import java.util.Set;

/**
 * Where a commit-markable last resource keeps its commit marks, for recovery (SPI).
 *
 * <p>A commit-markable last resource writes a mark (the transaction's gtrid) in its own local transaction, the one
 * it commits after every XA branch has prepared. That commit is the decision: if the manager dies before its
 * COMMIT record is forced, the mark still says "committed", and recovery commits the prepared XA branches of a
 * marked gtrid instead of presuming abort. A mark is redundant once the COMMIT record is durable or the
 * transaction is finished; {@link #forget} removes such marks.
 *
 * <p>Registered with {@link LockstepTransactionManager#registerCommitMarks}. While a registered source cannot be
 * read, recovery leaves orphan branches alone (they might be marked) and retries next pass.
 */
public interface CommitMarkSource {

    /** A stable unique name, for reports and logs. */
    String name();

    /** The gtrids of all marks written by transactions of these nodes. */
    Set<String> marks(Set<String> nodeIds) throws Exception;

    /** Deletes the marks of these gtrids. */
    void forget(Collection<String> gtrids) throws Exception;
}
