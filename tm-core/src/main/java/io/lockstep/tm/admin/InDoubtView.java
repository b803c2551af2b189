package io.lockstep.tm.admin;

/**
 * A branch or record that recovery has not resolved yet.
 *
 * @param gtrid           the global transaction
 * @param source          the resource (source name) holding the prepared branch; empty for a record-level item
 * @param xid             the branch as {@code gtrid/branch}, or the gtrid for a record-level item
 * @param hasCommitRecord true when the log decided commit (recovery will commit it); false for an orphan
 * @param reason          why it is still in doubt
 */
public record InDoubtView(String gtrid, String source, String xid, boolean hasCommitRecord, String reason) {
}
