package io.lockstep.tm.cluster;

import io.lockstep.tm.TransactionCounters;
import io.lockstep.tm.recovery.RecoveryCoordinator;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster side of a manager whose log is in a shared database (docs/cluster.md): renews this node's
 * {@link NodeLease} every third of the lease timeout, renews the claims of its takeovers, and — unless takeovers are
 * switched off — looks for peers whose lease expired or that stopped and takes them over ({@link Takeover}) on a
 * thread of its own, so renewals never wait for a takeover's XA calls.
 *
 * <p>Thread-safe. Two threads: the lease thread (renewals, candidate search) and the takeover thread (claims and
 * passes); each has its own connection.
 */
public final class ClusterMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterMonitor.class);

    private final NodeLease lease;
    private final DataSource dataSource;
    private final String logTable;
    private final RecoveryCoordinator own;
    private final TransactionCounters counters;
    private final boolean takeovers;
    private final long retryNanos;
    private final LeaseTables tables;
    private final Db leaseDb;
    private final Db takeoverDb;
    private final NodeDirectory directory;
    private final ScheduledExecutorService leaseThread;
    private final ExecutorService takeoverThread;
    private final Map<String, Takeover> active = new ConcurrentHashMap<>();
    private final AtomicBoolean takeoverQueued = new AtomicBoolean();
    private final AtomicBoolean fencedReported = new AtomicBoolean();
    private volatile boolean closed;
    private String lastSearchFailure;

    /**
     * @param takeovers        whether this node takes over peers (lockstep.cluster.takeover)
     * @param recoveryInterval how often an unfinished takeover is retried
     */
    public ClusterMonitor(NodeLease lease, DataSource dataSource, String logTable, RecoveryCoordinator own,
            TransactionCounters counters, boolean takeovers, Duration recoveryInterval) {
        this.lease = lease;
        this.dataSource = dataSource;
        this.logTable = logTable;
        this.own = own;
        this.counters = counters;
        this.takeovers = takeovers;
        this.retryNanos = recoveryInterval.toNanos();
        this.tables = lease.tables();
        this.leaseDb = new Db(dataSource);
        this.takeoverDb = new Db(dataSource);
        this.directory = new NodeDirectory(dataSource, tables);
        String node = lease.nodeId();
        this.leaseThread = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "lockstep-lease-" + node));
        this.takeoverThread = Executors.newSingleThreadExecutor(r -> daemon(r, "lockstep-takeover-" + node));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Starts renewing (and looking for peers to take over). */
    public void start() {
        long every = Math.max(50, lease.leaseMillis() / 3);
        leaseThread.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            if (!lease.renew()) {
                if (fencedReported.compareAndSet(false, true)) {
                    LOG.error("node {} is fenced; it takes over no peers any more", lease.nodeId());
                }
                return;
            }
            renewClaims();
            // Only a node that has held its own lease without a gap for a whole lease timeout judges others'
            // leases: after a log database outage every lease looks expired until its holder renews it.
            if (takeovers && lease.heldWithoutGap() >= lease.leaseMillis()) {
                searchAndQueue();
            }
        } catch (RuntimeException e) {
            LOG.warn("cluster monitor of node {}: {}", lease.nodeId(), e.toString(), e);
        }
    }

    /** Keeps the claims of running takeovers alive; a claim whose fence was taken fails its takeover. */
    private void renewClaims() {
        for (Takeover t : active.values()) {
            try {
                Integer n = leaseDb.inTransaction(c -> {
                    try (PreparedStatement s = c.prepareStatement(tables.renew)) {
                        s.setLong(1, lease.leaseMillis());
                        s.setString(2, t.node);
                        s.setLong(3, t.fence);
                        s.setString(4, NodeState.CLAIMED.name());
                        return s.executeUpdate();
                    }
                });
                if (n == 0) {
                    t.fenced("the claim of node " + t.node + " by node " + lease.nodeId() + " (fence " + t.fence
                            + ") was taken over: the node came back or another peer claimed it");
                }
            } catch (SQLException e) {
                LOG.debug("cannot renew the claim of node {}: {}", t.node, e.toString());
            }
        }
    }

    /** Finds claimable peers and queues one round of takeover work unless one is queued or running. */
    private void searchAndQueue() {
        List<String> candidates;
        try {
            candidates = leaseDb.inTransaction(c -> {
                List<String> found = new ArrayList<>();
                try (PreparedStatement s = c.prepareStatement(tables.candidates)) {
                    s.setString(1, lease.nodeId());
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            found.add(rs.getString(1));
                        }
                    }
                }
                return found;
            });
            lastSearchFailure = null;
        } catch (SQLException e) {
            if (!String.valueOf(e).equals(lastSearchFailure)) {
                lastSearchFailure = String.valueOf(e);
                LOG.warn("node {} cannot look for peers to take over: {} (logged once per cause)", lease.nodeId(),
                        e.toString());
            }
            return;
        }
        long now = System.nanoTime();
        boolean due = active.values().stream().anyMatch(t -> now - t.nextPassNanos >= 0);
        candidates.removeAll(active.keySet());
        if ((!candidates.isEmpty() || due) && !closed && takeoverQueued.compareAndSet(false, true)) {
            takeoverThread.execute(() -> {
                try {
                    work(candidates);
                } finally {
                    takeoverQueued.set(false);
                }
            });
        }
    }

    /** On the takeover thread: claims the candidates, then runs a pass of every takeover that is due. */
    private void work(List<String> candidates) {
        for (String node : candidates) {
            if (closed || lease.logFence().fencedReason() != null) {
                return;
            }
            try {
                Takeover t = Takeover.claim(takeoverDb, tables, node, lease.nodeId(), lease.leaseMillis(),
                        dataSource, logTable, own);
                if (t == null) {
                    LOG.debug("node {} is not claimable any more (another peer was faster, or it came back)", node);
                    continue;
                }
                counters.onTakeoverClaim();
                LOG.warn("node {} claimed node {} (fence {}) to recover its transactions", lease.nodeId(), node,
                        t.fence);
                active.put(node, t);
            } catch (SQLException | RuntimeException e) {
                LOG.warn("node {} could not claim node {}: {}", lease.nodeId(), node, e.toString());
            }
        }
        long now = System.nanoTime();
        for (Takeover t : List.copyOf(active.values())) {
            if (closed) {
                return;
            }
            if (now - t.nextPassNanos < 0) {
                continue;
            }
            Takeover.Outcome outcome = t.pass(takeoverDb, tables);
            if (outcome == Takeover.Outcome.PENDING) {
                t.nextPassNanos = System.nanoTime() + retryNanos;
                continue;
            }
            if (outcome == Takeover.Outcome.DONE) {
                counters.onTakeoverCompleted();
            } else {
                counters.onTakeoverAbandoned();
                LOG.warn("takeover of node {} by node {} abandoned: {}", t.node, lease.nodeId(),
                        t.logFence().fencedReason());
            }
            active.remove(t.node);
            t.close();
        }
    }

    /** Node ids this node is taking over right now. */
    public List<String> activeTakeovers() {
        return List.copyOf(active.keySet());
    }

    /** Every node's lease row, read from the log database now. */
    public List<NodeView> nodes() throws SQLException {
        return directory.nodes();
    }

    /** The node history, oldest first, read from the log database now. */
    public List<NodeEvent> events() throws SQLException {
        return directory.events();
    }

    /**
     * Stops renewing and taking over; a takeover in progress finishes its current pass (waited for up to one lease
     * timeout), then unfinished claims are handed back (STOPPED) so another peer continues at once. The lease itself
     * is released by {@link NodeLease#close()}, after the log is closed.
     */
    @Override
    public void close() {
        closed = true;
        leaseThread.shutdownNow();
        takeoverThread.shutdown();
        try {
            leaseThread.awaitTermination(lease.leaseMillis(), TimeUnit.MILLISECONDS);
            if (!takeoverThread.awaitTermination(lease.leaseMillis(), TimeUnit.MILLISECONDS)) {
                takeoverThread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            takeoverThread.shutdownNow();
        }
        for (Takeover t : active.values()) {
            t.handBack(leaseDb, tables, "node " + lease.nodeId() + " closed before the takeover finished; handed"
                    + " back to the other peers");
            counters.onTakeoverAbandoned();
            t.close();
        }
        active.clear();
        leaseDb.close();
        takeoverDb.close();
    }
}
