package io.lockstep.tm.cluster;

import io.lockstep.tm.log.jdbc.Dialect;
import io.lockstep.tm.log.jdbc.Fence;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's lease in {@code <log table>_nodes} (docs/cluster.md): taken at start with a new fence value, renewed
 * in the background, released (STOPPED) at close. The lease's {@link #logFence()} is what the node's JDBC log checks
 * in every batch, so once a peer has taken the node over, this instance can no longer write a COMMIT record.
 *
 * <p>Taking the lease at start ({@link #acquire}):
 * <ul>
 *   <li>no row yet: inserted with fence 1;</li>
 *   <li>a LIVE row whose lease has not expired: either this node's previous process crashed moments ago, or another
 *       live process uses the same node id. The start waits (at most one lease timeout) and watches the row: renewed
 *       meanwhile → a duplicate node id, refused with a message naming the other instance; expired → taken;</li>
 *   <li>any other row (expired, STOPPED, CLAIMED by a peer, RECOVERED): taken, fence + 1. A peer that was
 *       recovering it is fenced by that and stops; the transactions it may still touch are those of this node's
 *       earlier incarnations only ({@code gtrid_epoch}), never the new instance's.</li>
 * </ul>
 * Not thread-safe: used by the manager at start and by the cluster monitor's thread afterwards.
 */
public final class NodeLease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLease.class);
    private static final int DETAIL_MAX = 2000;

    private final LeaseTables tables;
    private final Db db;
    private final String nodeId;
    private final long leaseMillis;
    private final long fence;
    private final long previousGtridEpoch;
    private final Fence logFence;
    private long lastRenewalNanos = System.nanoTime();
    /** Start of the current run of renewals without a failed one (nanoTime); see {@link #heldWithoutGap()}. */
    private volatile long unbrokenSinceNanos = System.nanoTime();
    private String lastRenewalFailure;
    /** The FENCED event of this instance is in the node history. */
    private boolean fencedRecorded;
    private boolean released;

    private NodeLease(LeaseTables tables, Db db, String nodeId, long leaseMillis, long fence, long previousGtridEpoch) {
        this.tables = tables;
        this.db = db;
        this.nodeId = nodeId;
        this.leaseMillis = leaseMillis;
        this.fence = fence;
        this.previousGtridEpoch = previousGtridEpoch;
        this.logFence = new Fence(tables.nodes, nodeId, fence, "this instance of node " + nodeId);
    }

    /**
     * Takes the lease of {@code nodeId}, creating the lease tables on first use.
     *
     * @param logTable     the JDBC log's table; the lease tables are named after it
     * @param leaseTimeout how long a lease lasts without renewal (renewed every third of it)
     * @param maxClockSkew the largest difference between this host's clock and the log database's that is accepted
     * @throws IllegalStateException the tables cannot be used (privileges), the clocks differ too much, or another
     *                               live process holds the node id; the message says which and what to do
     */
    public static NodeLease acquire(DataSource dataSource, String logTable, String nodeId, Duration leaseTimeout,
            Duration maxClockSkew) {
        return acquire(dataSource, logTable, nodeId, leaseTimeout, maxClockSkew, Clock.systemUTC());
    }

    /** As above, with this host's clock given (tests move it). */
    static NodeLease acquire(DataSource dataSource, String logTable, String nodeId, Duration leaseTimeout,
            Duration maxClockSkew, Clock hostClock) {
        Objects.requireNonNull(dataSource, "dataSource");
        long leaseMillis = leaseTimeout.toMillis();
        Db db = new Db(dataSource);
        try {
            LeaseTables tables = open(db, logTable);
            checkClock(db, tables, maxClockSkew, hostClock);
            NodeLease lease = take(db, tables, nodeId, leaseMillis);
            LOG.info("node {} holds its lease with fence {} (lease timeout {} ms)", nodeId, lease.fence, leaseMillis);
            return lease;
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    static LeaseTables open(Db db, String logTable) {
        String[] hint = {"the node lease tables " + logTable + "_nodes and " + logTable + "_node_events"};
        try {
            return db.inTransaction(c -> {
                LeaseTables t = new LeaseTables(logTable, Dialect.of(c, "the JDBC log database"));
                hint[0] = t.privilegesHint();
                t.ensureExists(c);
                return t;
            });
        } catch (SQLException e) {
            throw new IllegalStateException("cannot use the node lease tables of " + logTable + ": " + e.getMessage()
                    + "; " + hint[0], e);
        }
    }

    private static void checkClock(Db db, LeaseTables tables, Duration maxClockSkew, Clock hostClock) {
        long before = System.nanoTime();
        long local = hostClock.millis();
        long remote;
        try {
            remote = db.inTransaction(c -> {
                try (PreparedStatement s = c.prepareStatement(tables.clock); ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the clock of the log database: " + e.getMessage(), e);
        }
        long roundTrip = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
        long skew = remote - (local + roundTrip / 2);
        if (Math.abs(skew) > maxClockSkew.toMillis() + roundTrip / 2 + 1) {
            throw new IllegalStateException("the clock of this host differs from the log database's by " + skew
                    + " ms, more than lockstep.cluster.maxClockSkew (" + maxClockSkew + "). Leases expire by the"
                    + " database's clock, but this node's transaction ids, timeouts and reports use its own:"
                    + " synchronise the clocks (NTP) or, if the difference is known and harmless, raise"
                    + " lockstep.cluster.maxClockSkew");
        }
    }

    private static NodeLease take(Db db, LeaseTables tables, String nodeId, long leaseMillis) {
        String instance = instanceName();
        long waitNanos = TimeUnit.MILLISECONDS.toNanos(leaseMillis + leaseMillis / 2 + 500);
        long deadline = System.nanoTime() + waitNanos;
        Row watched = null;
        int failures = 0;
        while (true) {
            Object outcome;
            try {
                outcome = db.inTransaction(c -> tryTake(c, tables, nodeId, instance, leaseMillis));
            } catch (SQLException e) {
                if (++failures < 3) { // e.g. two instances inserting the first row at once: look again
                    continue;
                }
                throw new IllegalStateException("cannot take the lease of node " + nodeId + " in " + tables.nodes
                        + ": " + e.getMessage() + "; " + tables.privilegesHint(), e);
            }
            if (outcome instanceof Taken) {
                Taken t = (Taken) outcome;
                return new NodeLease(tables, db, nodeId, leaseMillis, t.fence, t.previousGtridEpoch);
            }
            Row live = (Row) outcome;
            if (watched == null) {
                watched = live;
                LOG.info("node id {} has a live lease (instance {}, until {}); waiting for it to expire (a crashed"
                        + " predecessor) or be renewed (another live node with the same id)", nodeId, live.instance,
                        Instant.ofEpochMilli(live.leaseUntil));
            } else if (live.renewedAt != watched.renewedAt || live.fence != watched.fence) {
                throw duplicate(nodeId, tables, live);
            }
            if (System.nanoTime() - deadline > 0) {
                throw duplicate(nodeId, tables, live);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.max(20, Math.min(250, leaseMillis / 10))));
        }
    }

    private static IllegalStateException duplicate(String nodeId, LeaseTables tables, Row live) {
        return new IllegalStateException("node id " + nodeId + " is in use by another live node: instance "
                + live.instance + " renewed its lease in " + tables.nodes + " at " + Instant.ofEpochMilli(live.renewedAt)
                + " (fence " + live.fence + "). Every node needs its own lockstep.nodeId; if that instance is really"
                + " gone, its lease expires at " + Instant.ofEpochMilli(live.leaseUntil) + " and a start after that"
                + " succeeds");
    }

    /** The outcome of a successful {@link #tryTake}. */
    private record Taken(long fence, long previousGtridEpoch) {
    }

    /** In one transaction: the lease taken ({@link Taken}), or the live row of another holder ({@link Row}). */
    private static Object tryTake(Connection c, LeaseTables tables, String nodeId, String instance, long leaseMillis)
            throws SQLException {
        Row row = Row.lock(c, tables, nodeId);
        if (row == null) {
            try (PreparedStatement s = c.prepareStatement(tables.insertRow)) {
                s.setString(1, nodeId);
                s.setString(2, instance);
                s.setLong(3, leaseMillis);
                s.executeUpdate();
            }
            event(c, tables, nodeId, 1, "START", nodeId, "first start of this node id (instance " + instance + ")");
            return new Taken(1, 0);
        }
        if (row.state == NodeState.LIVE && !row.expired) {
            return row;
        }
        long fence = row.take(c, tables, NodeState.LIVE, instance, leaseMillis, null);
        event(c, tables, nodeId, fence, "START", nodeId, "instance " + instance + " took the lease; before: "
                + row.describe());
        return new Taken(fence, row.gtridEpoch);
    }

    /** Records an event (replacing one of the same node, fence and kind). */
    static void event(Connection c, LeaseTables tables, String nodeId, long fence, String event, String byNode,
            String detail) throws SQLException {
        try (PreparedStatement d = c.prepareStatement(tables.deleteEvent)) {
            d.setString(1, nodeId);
            d.setLong(2, fence);
            d.setString(3, event);
            d.executeUpdate();
        }
        try (PreparedStatement s = c.prepareStatement(tables.insertEvent)) {
            s.setString(1, nodeId);
            s.setLong(2, fence);
            s.setString(3, event);
            s.setString(4, byNode);
            s.setString(5, detail.length() > DETAIL_MAX ? detail.substring(0, DETAIL_MAX - 3) + "..." : detail);
            s.executeUpdate();
        }
    }

    static String instanceName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown-host";
        }
        String name = ProcessHandle.current().pid() + "@" + host;
        return name.length() > 200 ? name.substring(0, 200) : name;
    }

    // ------------------------------------------------------------------------------------------ the held lease

    public String nodeId() {
        return nodeId;
    }

    /** The fence value this instance holds. */
    public long fence() {
        return fence;
    }

    /** The gtrid epoch published by the node's previous instance (0 if none): the new one must be greater. */
    public long previousGtridEpoch() {
        return previousGtridEpoch;
    }

    /** The token this node's JDBC log checks in every batch. */
    public Fence logFence() {
        return logFence;
    }

    /**
     * How long this node has renewed its lease without a failure or a gap longer than the lease, in milliseconds
     * (0 right after one). A node takes over peers only after a full lease timeout of this: when the log database
     * was unreachable, every node's lease may look expired once it is back, and the peers must get one lease timeout
     * to renew theirs before anyone claims them — else a database outage would fence live nodes.
     */
    public long heldWithoutGap() {
        long since = unbrokenSinceNanos;
        long now = System.nanoTime();
        return since == Long.MAX_VALUE || now - since < 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(now - since);
    }

    /** Lease duration in milliseconds. */
    public long leaseMillis() {
        return leaseMillis;
    }

    LeaseTables tables() {
        return tables;
    }

    /**
     * Publishes the gtrid epoch of this instance, before its first transaction: a peer that takes the node over
     * later touches only Xids of this epoch or older, never those of a newer instance.
     */
    public void publishGtridEpoch(long epoch) {
        int updated;
        try {
            updated = db.inTransaction(c -> {
                try (PreparedStatement s = c.prepareStatement(tables.publishEpoch)) {
                    s.setLong(1, epoch);
                    s.setString(2, nodeId);
                    s.setLong(3, fence);
                    return s.executeUpdate();
                }
            });
        } catch (SQLException e) {
            throw new IllegalStateException("cannot publish the transaction id epoch of node " + nodeId + " in "
                    + tables.nodes + ": " + e.getMessage(), e);
        }
        if (updated != 1) {
            throw new IllegalStateException("node " + nodeId + " lost its lease (fence " + fence + ") while starting;"
                    + " another instance or a peer took it. Start again");
        }
    }

    /**
     * Renews the lease. Returns false once the lease was taken by someone else: the {@link #logFence()} is then
     * failed with the reason. A database that cannot be reached is logged (once per cause) and retried next time.
     */
    public boolean renew() {
        if (logFence.fencedReason() != null) {
            recordFencedByLog();
            return false;
        }
        try {
            String reason = db.inTransaction(c -> {
                try (PreparedStatement s = c.prepareStatement(tables.renew)) {
                    s.setLong(1, leaseMillis);
                    s.setString(2, nodeId);
                    s.setLong(3, fence);
                    s.setString(4, NodeState.LIVE.name());
                    if (s.executeUpdate() == 1) {
                        return null;
                    }
                }
                Row now = Row.read(c, tables, nodeId);
                String why = now == null
                        ? "this instance of node " + nodeId + " is fenced: its lease row is gone from " + tables.nodes
                        : logFence.describeTaken(now.fence, now.state.name(), now.claimedBy);
                event(c, tables, nodeId, fence, "FENCED", nodeId, why);
                return why;
            });
            if (reason != null) {
                fencedRecorded = true;
                logFence.fenced(reason);
                LOG.error("{}", reason);
                return false;
            }
            long now = System.nanoTime();
            if (unbrokenSinceNanos == Long.MAX_VALUE
                    || now - lastRenewalNanos > TimeUnit.MILLISECONDS.toNanos(leaseMillis)) {
                unbrokenSinceNanos = now; // after a failure or a long gap: others may have missed renewals too
            }
            lastRenewalNanos = now;
            if (lastRenewalFailure != null) {
                LOG.info("lease of node {} renewed again", nodeId);
                lastRenewalFailure = null;
            }
            return true;
        } catch (SQLException | RuntimeException e) {
            unbrokenSinceNanos = Long.MAX_VALUE; // set again by the first successful renewal after a gap
            String cause = String.valueOf(e);
            long sinceMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastRenewalNanos);
            if (!cause.equals(lastRenewalFailure)) {
                lastRenewalFailure = cause;
                LOG.warn("cannot renew the lease of node {} ({} ms since the last renewal, lease {} ms): {};"
                        + " retrying. Once it has expired a peer may take this node over, and its commits then fail"
                        + " (logged once per cause)", nodeId, sinceMillis, leaseMillis, cause);
            }
            return true;
        }
    }

    /**
     * The node's own log found it fenced before a renewal did (a batch checks the fence too): records the FENCED
     * event all the same, once, so the node history shows every fenced instance whichever noticed first.
     */
    private void recordFencedByLog() {
        if (fencedRecorded) {
            return;
        }
        try {
            db.inTransaction(c -> {
                event(c, tables, nodeId, fence, "FENCED", nodeId, logFence.fencedReason());
                return null;
            });
            fencedRecorded = true;
        } catch (SQLException | RuntimeException e) {
            LOG.debug("cannot record that node {} is fenced yet: {}", nodeId, e.toString());
        }
    }

    /** Marks the lease STOPPED (a peer then checks for branches this node left prepared) and closes. Idempotent. */
    @Override
    public void close() {
        if (released) {
            return;
        }
        released = true;
        if (logFence.fencedReason() == null) {
            try {
                db.inTransaction(c -> {
                    try (PreparedStatement s = c.prepareStatement(tables.setState)) {
                        s.setString(1, NodeState.STOPPED.name());
                        s.setString(2, nodeId);
                        s.setLong(3, fence);
                        if (s.executeUpdate() == 1) {
                            event(c, tables, nodeId, fence, "STOP", nodeId, "closed cleanly");
                        }
                    }
                    return null;
                });
            } catch (SQLException | RuntimeException e) {
                LOG.warn("could not mark the lease of node {} STOPPED ({}); it expires after {} ms instead", nodeId,
                        e.toString(), leaseMillis);
            }
        }
        db.close();
    }

    @Override
    public String toString() {
        return "lease of node " + nodeId + " (fence " + fence + ")";
    }

    // ------------------------------------------------------------------------------------------ rows

    /** A lease row as read in a transaction. */
    static final class Row {
        final String nodeId;
        final long fence;
        final NodeState state;
        final String instance;
        final long gtridEpoch;
        final long leaseUntil;
        final long renewedAt;
        final String claimedBy;
        final long dbNow;
        final boolean expired;

        /** The row at the result set's cursor (the columns of {@link LeaseTables#COLUMNS}, then the database time). */
        static Row from(ResultSet rs) throws SQLException {
            return new Row(rs);
        }

        private Row(ResultSet rs) throws SQLException {
            nodeId = rs.getString(1);
            fence = rs.getLong(2);
            state = NodeState.valueOf(rs.getString(3));
            instance = rs.getString(4);
            gtridEpoch = rs.getLong(5);
            leaseUntil = rs.getLong(6);
            renewedAt = rs.getLong(7);
            claimedBy = rs.getString(8);
            dbNow = rs.getLong(9);
            expired = leaseUntil < dbNow;
        }

        /** The row, locked for update until the transaction ends; null if there is none. */
        static Row lock(Connection c, LeaseTables tables, String nodeId) throws SQLException {
            return query(c, tables.lockRow, nodeId);
        }

        static Row read(Connection c, LeaseTables tables, String nodeId) throws SQLException {
            return query(c, tables.readRow, nodeId);
        }

        private static Row query(Connection c, String sql, String nodeId) throws SQLException {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setString(1, nodeId);
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() ? new Row(rs) : null;
                }
            }
        }

        /** Raises the fence and gives the row to a new holder; returns the new fence. */
        long take(Connection c, LeaseTables tables, NodeState newState, String newInstance, long leaseMillis,
                String claimer) throws SQLException {
            try (PreparedStatement s = c.prepareStatement(tables.take)) {
                s.setString(1, newState.name());
                s.setString(2, newInstance);
                s.setLong(3, leaseMillis);
                s.setString(4, claimer);
                s.setString(5, nodeId);
                s.setLong(6, fence);
                if (s.executeUpdate() != 1) {
                    throw new SQLException("lease row of node " + nodeId + " changed under a row lock");
                }
            }
            return fence + 1;
        }

        NodeView view() {
            return new NodeView(nodeId, fence, state, instance, Instant.ofEpochMilli(leaseUntil),
                    Instant.ofEpochMilli(renewedAt), claimedBy,
                    expired && (state == NodeState.LIVE || state == NodeState.CLAIMED));
        }

        String describe() {
            return "state " + state + ", fence " + fence + ", instance " + instance
                    + (claimedBy == null ? "" : ", claimed by " + claimedBy)
                    + (expired ? ", lease expired at " : ", lease until ") + Instant.ofEpochMilli(leaseUntil);
        }
    }
}
