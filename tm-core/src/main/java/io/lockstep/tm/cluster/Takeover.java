package io.lockstep.tm.cluster;

import io.lockstep.tm.cluster.NodeLease.Row;
import io.lockstep.tm.log.TransactionLogException;
import io.lockstep.tm.log.jdbc.Fence;
import io.lockstep.tm.log.jdbc.JdbcTransactionLog;
import io.lockstep.tm.recovery.RecordIndex;
import io.lockstep.tm.recovery.RecoveryCoordinator;
import io.lockstep.tm.recovery.RecoveryReport;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer's takeover of a node whose lease expired or that stopped (docs/cluster.md, "Takeover"):
 * <ol>
 *   <li>{@link #claim}: in one transaction, with the node's lease row locked, check that it is claimable and raise
 *       its fence (state CLAIMED, {@code claimed_by} = this node). Two peers racing serialize on the row lock; the
 *       second finds it CLAIMED with a live lease and backs off. Raising the fence also fences the dead node's log:
 *       a batch of it that committed before the claim is visible to the claimer, one after it fails.</li>
 *   <li>{@link #pass}: read the node's records (its JDBC log, opened with the claim's fence), and run a recovery pass
 *       for that node's Xids of its last gtrid epoch or older over this peer's registered sources: COMMIT record →
 *       commit, none → roll back at once (no record can appear any more), END written when complete.</li>
 *   <li>Clean → the row becomes RECOVERED (event TAKEOVER_DONE). Otherwise the claim is kept (renewed by the
 *       monitor) and the pass retried every recovery interval (event TAKEOVER_PENDING says why). The node coming
 *       back, or another peer reclaiming after this one's lease lapsed, raises the fence: this takeover is then
 *       abandoned (TAKEOVER_ABANDONED) without touching anything more.</li>
 * </ol>
 * Used by the monitor's takeover thread only.
 */
final class Takeover implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Takeover.class);

    /** What a pass ended with. */
    enum Outcome { DONE, PENDING, ABANDONED }

    final String node;
    final long fence;
    private final String me;
    private final long epochCeiling;
    private final Fence logFence;
    private final DataSource dataSource;
    private final String logTable;
    private final RecoveryCoordinator own;
    private JdbcTransactionLog log;
    private RecordIndex index;
    private RecoveryCoordinator coordinator;
    private int committed;
    private int rolledBack;
    private int heuristics;
    private int ended;
    private int passes;
    /** System.nanoTime() of the next retry of a pending takeover. */
    long nextPassNanos;

    private Takeover(String node, long fence, String me, long epochCeiling, LeaseTables tables, DataSource dataSource,
            String logTable, RecoveryCoordinator own) {
        this.node = node;
        this.fence = fence;
        this.me = me;
        this.epochCeiling = epochCeiling;
        this.logFence = new Fence(tables.nodes, node, fence, "node " + me + "'s takeover of node " + node);
        this.dataSource = dataSource;
        this.logTable = logTable;
        this.own = own;
    }

    /**
     * Claims {@code node} for {@code me} if its lease expired (LIVE or CLAIMED) or it stopped; in one transaction.
     *
     * @return the takeover, or null when the node is not claimable (live, claimed by a live peer, recovered, gone)
     */
    static Takeover claim(Db db, LeaseTables tables, String node, String me, long leaseMillis, DataSource dataSource,
            String logTable, RecoveryCoordinator own) throws SQLException {
        return db.inTransaction(c -> {
            Row row = Row.lock(c, tables, node);
            if (row == null || !claimable(row)) {
                return null;
            }
            long fence = row.take(c, tables, NodeState.CLAIMED, row.instance, leaseMillis, me);
            String why = row.state == NodeState.STOPPED ? "node stopped; checking for branches it left prepared"
                    : "lease expired (" + row.describe() + ")";
            NodeLease.event(c, tables, node, fence, "CLAIM", me, why);
            return new Takeover(node, fence, me, row.gtridEpoch, tables, dataSource, logTable, own);
        });
    }

    private static boolean claimable(Row row) {
        switch (row.state) {
            case STOPPED: return true;
            case LIVE:
            case CLAIMED: return row.expired;
            default: return false;
        }
    }

    /** The claim's fence was found taken by the monitor's renewal: the next pass abandons. */
    void fenced(String reason) {
        logFence.fenced(reason);
    }

    Fence logFence() {
        return logFence;
    }

    /** One recovery pass over the node's transactions; records the outcome as an event. */
    Outcome pass(Db db, LeaseTables tables) {
        passes++;
        RecoveryReport report = null;
        String failure = null;
        checkClaim(db, tables);
        if (logFence.fencedReason() == null) {
            try {
                if (log == null) {
                    log = JdbcTransactionLog.open(dataSource, node, logTable, logFence);
                    index = new RecordIndex(log, log.replay());
                    coordinator = own.forTakeover(node, epochCeiling, index);
                }
                report = coordinator.recoverNow();
                committed += report.committed().size();
                rolledBack += report.rolledBack().size();
                heuristics += report.heuristics().size();
                ended += report.endedRecords();
            } catch (TransactionLogException | RuntimeException e) {
                failure = "cannot read or end the records of node " + node + ": " + e.getMessage();
                closeLog(); // opened again by the next pass
            }
        }
        try {
            if (logFence.fencedReason() != null) {
                record(db, tables, "TAKEOVER_ABANDONED", logFence.fencedReason());
                return Outcome.ABANDONED;
            }
            if (report != null && report.isClean() && index.liveCommits().isEmpty()) {
                boolean done = db.inTransaction(c -> {
                    try (PreparedStatement s = c.prepareStatement(tables.setState)) {
                        s.setString(1, NodeState.RECOVERED.name());
                        s.setString(2, node);
                        s.setLong(3, fence);
                        if (s.executeUpdate() != 1) {
                            return false;
                        }
                    }
                    NodeLease.event(c, tables, node, fence, "TAKEOVER_DONE", me, summary());
                    return true;
                });
                if (!done) {
                    logFence.fenced("the lease of node " + node + " changed during the takeover by node " + me);
                    record(db, tables, "TAKEOVER_ABANDONED", logFence.fencedReason());
                    return Outcome.ABANDONED;
                }
                LOG.info("node {} took over node {}: {}", me, node, summary());
                return Outcome.DONE;
            }
            String why = failure != null ? failure : "left for the next pass: " + report.pending()
                    + (report.failedSources().isEmpty() ? "" : "; sources not scanned: " + report.failedSources());
            record(db, tables, "TAKEOVER_PENDING", summary() + "; " + why);
            LOG.warn("takeover of node {} by node {} not finished yet (retried every recovery interval): {}", node,
                    me, why);
            return Outcome.PENDING;
        } catch (SQLException e) {
            LOG.warn("takeover of node {}: cannot record its outcome in the log database ({}); retried", node,
                    e.toString());
            return Outcome.PENDING;
        }
    }

    /** Before touching anything: is the claim still this takeover's? (The batches check it again, locked.) */
    private void checkClaim(Db db, LeaseTables tables) {
        try {
            Row now = db.inTransaction(c -> Row.read(c, tables, node));
            if (now == null || now.fence != fence) {
                logFence.fenced(now == null ? "the lease row of node " + node + " is gone"
                        : logFence.describeTaken(now.fence, now.state.name(), now.claimedBy));
            }
        } catch (SQLException e) {
            LOG.debug("cannot check the claim of node {} before a pass: {}", node, e.toString());
        }
    }

    private void record(Db db, LeaseTables tables, String event, String detail) throws SQLException {
        db.inTransaction(c -> {
            NodeLease.event(c, tables, node, fence, event, me, detail);
            return null;
        });
    }

    String summary() {
        return "committed " + committed + " branch(es), rolled back " + rolledBack + ", heuristic " + heuristics
                + ", ended " + ended + " COMMIT record(s) in " + passes + " pass(es); transactions of gtrid epoch <= "
                + epochCeiling;
    }

    /**
     * Hands the claim back (state STOPPED, so another peer claims it at once) when this node closes mid-takeover.
     */
    void handBack(Db db, LeaseTables tables, String why) {
        try {
            db.inTransaction(c -> {
                try (PreparedStatement s = c.prepareStatement(tables.setState)) {
                    s.setString(1, NodeState.STOPPED.name());
                    s.setString(2, node);
                    s.setLong(3, fence);
                    if (s.executeUpdate() == 1) {
                        NodeLease.event(c, tables, node, fence, "TAKEOVER_ABANDONED", me, why);
                    }
                }
                return null;
            });
        } catch (SQLException e) {
            LOG.warn("could not hand back the claim of node {} ({}); it expires instead", node, e.toString());
        }
    }

    private void closeLog() {
        if (coordinator != null) {
            coordinator.close();
            coordinator = null;
        }
        if (log != null) {
            log.close();
            log = null;
            index = null;
        }
    }

    @Override
    public void close() {
        closeLog();
    }
}
