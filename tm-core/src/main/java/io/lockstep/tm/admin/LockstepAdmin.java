package io.lockstep.tm.admin;

import io.lockstep.tm.TransactionCounters;
import io.lockstep.tm.cluster.ClusterMonitor;
import io.lockstep.tm.cluster.NodeEvent;
import io.lockstep.tm.cluster.NodeView;
import io.lockstep.tm.log.AdminAction;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.HeuristicRecord;
import io.lockstep.tm.log.TransactionLogException;
import io.lockstep.tm.recovery.RecordIndex;
import io.lockstep.tm.recovery.RecoveryCoordinator;
import io.lockstep.tm.recovery.RecoveryReport;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The operator's view of one manager ({@code tm.admin()}): live, in-doubt and heuristic transactions, and manual
 * resolution. Every manual action writes an ADMIN audit record before touching a resource.
 *
 * <p>Thread-safe; views are snapshots.
 */
public final class LockstepAdmin {
    private final Supplier<List<TransactionView>> live;
    private final RecordIndex index;
    private final RecoveryCoordinator recovery;
    private final TransactionCounters counters;
    /** Null unless the log is in a shared database (node leases). */
    private final ClusterMonitor cluster;

    public LockstepAdmin(Supplier<List<TransactionView>> live, RecordIndex index, RecoveryCoordinator recovery,
            TransactionCounters counters) {
        this(live, index, recovery, counters, null);
    }

    /** @param cluster the node lease monitor, or null when the log is not in a shared database */
    public LockstepAdmin(Supplier<List<TransactionView>> live, RecordIndex index, RecoveryCoordinator recovery,
            TransactionCounters counters, ClusterMonitor cluster) {
        this.live = live;
        this.index = index;
        this.recovery = recovery;
        this.counters = counters;
        this.cluster = cluster;
    }

    /**
     * The lease of every node sharing this node's JDBC log, read from the log database now: state, fence, who
     * claimed it. Empty with the file log.
     *
     * @throws IllegalStateException the log database cannot be read
     */
    public List<NodeView> nodes() {
        if (cluster == null) {
            return List.of();
        }
        try {
            return cluster.nodes();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the node leases from the log database: " + e.getMessage(), e);
        }
    }

    /**
     * The node history (starts, stops, claims, takeover outcomes), oldest first. Empty with the file log.
     *
     * @throws IllegalStateException the log database cannot be read
     */
    public List<NodeEvent> nodeEvents() {
        if (cluster == null) {
            return List.of();
        }
        try {
            return cluster.events();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the node history from the log database: " + e.getMessage(),
                    e);
        }
    }

    /** Node ids this node is taking over right now. */
    public List<String> activeTakeovers() {
        return cluster == null ? List.of() : cluster.activeTakeovers();
    }

    /** Totals since start: begun, committed by protocol, rolled back, timed out, heuristic, recovery. */
    public TransactionCounters counters() {
        return counters;
    }

    /** Group-commit statistics of the log, or null when the log keeps none. */
    public io.lockstep.tm.log.LogStatistics logStatistics() {
        return index.statistics();
    }

    /** Names of the registered recovery sources. */
    public List<String> recoverySources() {
        return recovery.sourceNames();
    }

    /** Transactions alive in this JVM. */
    public List<TransactionView> live() {
        return live.get();
    }

    /**
     * Transactions in doubt: COMMIT records not yet ended (recovery will commit their branches), and prepared
     * branches without a record (orphans, to be rolled back) as seen by the last recovery pass.
     */
    public List<InDoubtView> inDoubt() {
        List<InDoubtView> all = new ArrayList<>();
        Set<String> withBranches = new HashSet<>();
        for (RecoveryCoordinator.InDoubt d : recovery.inDoubt()) {
            all.add(new InDoubtView(d.gtrid(), d.source(), d.xid(), d.hasCommitRecord(), d.reason()));
            withBranches.add(d.gtrid());
        }
        Set<String> liveGtrids = new HashSet<>();
        for (TransactionView v : live()) {
            liveGtrids.add(v.gtrid());
        }
        for (CommitRecord r : index.liveCommits()) {
            if (!withBranches.contains(r.gtrid()) && !liveGtrids.contains(r.gtrid())) {
                all.add(new InDoubtView(r.gtrid(), "", r.gtrid(), true,
                        "COMMIT record without END; the next recovery pass completes it"));
            }
        }
        return all;
    }

    /** Heuristic outcomes recorded and not forgotten. */
    public List<HeuristicView> heuristics() {
        List<HeuristicView> all = new ArrayList<>();
        for (HeuristicRecord r : index.heuristics()) {
            all.add(new HeuristicView(r.gtrid(), r.branch().resourceName(), r.branch().bqual(), r.outcome(),
                    Instant.ofEpochMilli(r.timeMillis())));
        }
        return all;
    }

    /** The report of the last recovery pass, or null before the first. */
    public RecoveryReport lastRecoveryReport() {
        return recovery.lastReport();
    }

    /** Commits every prepared branch of {@code gtrid} by hand. See {@link RecoveryCoordinator#resolve}. */
    public List<String> commit(String gtrid, String operatorNote) throws TransactionLogException {
        return recovery.resolve(Objects.requireNonNull(gtrid, GTRID_REQUIRED), AdminAction.COMMIT, note(operatorNote));
    }

    /** Rolls back every prepared branch of {@code gtrid} by hand; refused when the log decided commit. */
    public List<String> rollback(String gtrid, String operatorNote) throws TransactionLogException {
        return recovery.resolve(Objects.requireNonNull(gtrid, GTRID_REQUIRED), AdminAction.ROLLBACK, note(operatorNote));
    }

    /** Forgets the heuristic outcomes of {@code gtrid}, in the log and at the resources. */
    public List<String> forget(String gtrid, String operatorNote) throws TransactionLogException {
        return recovery.resolve(Objects.requireNonNull(gtrid, GTRID_REQUIRED), AdminAction.FORGET, note(operatorNote));
    }

    private static final String GTRID_REQUIRED = "gtrid must not be null; take it from admin().inDoubt() or"
            + " admin().heuristics()";

    private static String note(String operatorNote) {
        return operatorNote == null ? "" : operatorNote;
    }
}
