package io.lockstep.tm.log.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The fencing token of a writer of the JDBC log: the {@code fence} value of a node's lease row (docs/cluster.md)
 * that the writer holds. Every batch of the log checks it inside its own database transaction, under a shared lock
 * on the lease row ({@link #check}); a peer that takes the node over raises the value under an exclusive lock, so a
 * batch either commits before the takeover (and the peer reads its records) or fails after it — a paused or
 * partitioned node (a zombie) can never write a COMMIT record its successor did not see.
 *
 * <p>Once a check fails the fence stays failed ({@link #fencedReason()}); the log then refuses every append at
 * once, with the reason. Thread-safe.
 */
public final class Fence {
    private final String nodesTable;
    private final String nodeId;
    private final long value;
    private final String holder;
    private volatile String fencedReason;

    /**
     * @param nodesTable the lease table
     * @param nodeId     the node whose log rows are written
     * @param value      the fence value this writer holds
     * @param holder     who holds it, for messages, e.g. "this instance of node a" or "node b's takeover of node a"
     */
    public Fence(String nodesTable, String nodeId, long value, String holder) {
        this.nodesTable = LogTable.checkName(nodesTable);
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.value = value;
        this.holder = Objects.requireNonNull(holder, "holder");
    }

    public String nodeId() {
        return nodeId;
    }

    public long value() {
        return value;
    }

    /** Why this writer may no longer write, or null while it may. */
    public String fencedReason() {
        return fencedReason;
    }

    /** Marks the fence failed (the first reason stays). */
    public void fenced(String reason) {
        if (fencedReason == null) {
            fencedReason = reason;
        }
    }

    /** The reason, for a fence found taken: names who took it and what to do. */
    public String describeTaken(long found, String state, String claimedBy) {
        return holder + " is fenced: the lease of node " + nodeId + " now has fence " + found + " (state " + state
                + (claimedBy == null ? "" : ", claimed by node " + claimedBy) + ") but this writer holds fence "
                + value + ", so a newer owner has taken over its transactions and this writer's commits fail from"
                + " now on; restart the instance to rejoin with a new fence";
    }

    String sql(Dialect dialect) {
        return "SELECT fence, state, claimed_by FROM " + nodesTable + " WHERE node_id = ?" + dialect.shareLock();
    }

    /**
     * An SQL condition, true while the lease row still has this fence; parameters: node id, fence value. For the
     * statements of a batch that runs after {@link #check} in the same transaction.
     */
    String holdsCondition() {
        return "EXISTS (SELECT 1 FROM " + nodesTable + " WHERE node_id = ? AND fence = ?)";
    }

    /**
     * Checks, in the caller's transaction, that the lease row still has this fence, and keeps it so (shared lock)
     * until that transaction ends.
     *
     * @throws FencedException the fence was taken (or the row is gone); the fence is now failed
     */
    void check(PreparedStatement select) throws SQLException {
        if (fencedReason == null) {
            select.setString(1, nodeId);
            try (ResultSet rs = select.executeQuery()) {
                check(rs);
                return;
            }
        }
        throw new FencedException(fencedReason);
    }

    /**
     * Checks the result of {@link #sql}, run in the caller's transaction.
     *
     * @throws FencedException the fence was taken (or the row is gone); the fence is now failed
     */
    void check(ResultSet rs) throws SQLException {
        if (fencedReason == null) {
            String reason = reason(rs);
            if (reason == null) {
                return;
            }
            fenced(reason);
        }
        throw new FencedException(fencedReason);
    }

    /** Why the lease row read into {@code rs} (fence, state, claimed_by) means this writer is fenced, or null. */
    private String reason(ResultSet rs) throws SQLException {
        if (!rs.next()) {
            return holder + " is fenced: the lease row of node " + nodeId + " is gone from " + nodesTable
                    + "; restart the instance to take a new lease";
        }
        return rs.getLong(1) != value ? describeTaken(rs.getLong(1), rs.getString(2), rs.getString(3)) : null;
    }

    /**
     * Whether this writer is fenced, asking the database when it does not know it yet (no batch or renewal has
     * looked since a peer may have taken over): the reason, or null when the lease row still has this fence — or
     * when the database cannot be asked, since then nothing is known. For cold paths (a phase-2 error); fences only
     * grow, so "not fenced now" also holds for any moment before.
     */
    public String verify(DataSource dataSource) {
        if (fencedReason == null) {
            String reason;
            try (Connection c = dataSource.getConnection();
                    PreparedStatement s = c.prepareStatement("SELECT fence, state, claimed_by FROM " + nodesTable
                            + " WHERE node_id = ?")) {
                s.setString(1, nodeId);
                try (ResultSet rs = s.executeQuery()) {
                    reason = reason(rs);
                }
            } catch (SQLException e) {
                return null;
            }
            if (reason == null) {
                return null;
            }
            fenced(reason);
        }
        return fencedReason;
    }

    PreparedStatement prepare(Connection c) throws SQLException {
        return c.prepareStatement(sql(Dialect.of(c, "the JDBC log database")));
    }

    @Override
    public String toString() {
        return "fence " + value + " of node " + nodeId + " (" + holder + ")";
    }

    /** A batch found its writer fenced: nothing of it was written. */
    public static final class FencedException extends SQLException {
        private static final long serialVersionUID = 1L;

        FencedException(String reason) {
            super(reason, "LS409");
        }
    }
}
