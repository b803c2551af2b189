package io.lockstep.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The node lease table {@code <log table>_nodes} and the node history {@code <log table>_node_events} of a JDBC log
 * in PostgreSQL (docs/log-format.md, "Node leases"), read with plain SQL: what the cluster tests assert on, as an
 * operator would look at it.
 */
final class LeaseTable {
    /** A lease row; times in ms by the database's clock. */
    record Row(String nodeId, long fence, String state, String claimedBy, long leaseUntil, long dbNow) {
        boolean expired() {
            return leaseUntil < dbNow;
        }
    }

    /** A node event; {@link #toString()} is {@code EVENT@fence by node}, the form the tests compare. */
    record Event(String nodeId, long fence, String event, String byNode, long atMillis, String detail) {
        @Override
        public String toString() {
            return event + "@" + fence + " by " + byNode;
        }
    }

    private final String logTable;

    LeaseTable(String logTable) {
        this.logTable = logTable;
    }

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection(Servers.PG_URL, Servers.PG_USER, Servers.PG_PASSWORD);
    }

    /** Drops the log table and both lease tables. */
    void drop() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String t : List.of(logTable, logTable + "_nodes", logTable + "_node_events")) {
                s.execute("DROP TABLE IF EXISTS " + t);
            }
        }
    }

    /**
     * Locks the row of {@code node} (SELECT … FOR UPDATE) until closed: a peer's claim of that node waits for it, so
     * claims that found the node claimable meanwhile all go at once when it is released.
     */
    AutoCloseable lockRow(String node) throws SQLException {
        Connection c = connect();
        try {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("SELECT fence FROM " + logTable + "_nodes WHERE node_id = ?"
                    + " FOR UPDATE")) {
                s.setString(1, node);
                s.executeQuery().close();
            }
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return () -> {
            try (c) {
                c.commit();
            }
        };
    }

    /** How many sessions wait for a lock on a row of the lease table in a claim (SELECT … FOR UPDATE). */
    int claimsWaiting() throws SQLException {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM pg_stat_activity"
                + " WHERE wait_event_type = 'Lock' AND query LIKE ?")) {
            s.setString(1, "%FROM " + logTable + "_nodes WHERE node_id = $1 FOR UPDATE");
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** The row of {@code node}, or null. */
    Row row(String node) throws SQLException {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement("SELECT node_id, fence, state,"
                + " claimed_by, lease_until, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) FROM "
                + logTable + "_nodes WHERE node_id = ?")) {
            s.setString(1, node);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? new Row(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                        rs.getLong(5), rs.getLong(6)) : null;
            }
        }
    }

    /** The events of {@code node}, oldest first. */
    List<Event> events(String node) throws SQLException {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement("SELECT node_id, fence, event,"
                + " by_node, at_ms, detail FROM " + logTable + "_node_events WHERE node_id = ? ORDER BY at_ms, fence,"
                + " event")) {
            s.setString(1, node);
            List<Event> all = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    all.add(new Event(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                            rs.getLong(5), rs.getString(6)));
                }
            }
            return all;
        }
    }

    /** The first event of {@code node} of this kind and fence, or null. */
    Event event(String node, String kind, long fence) throws SQLException {
        for (Event e : events(node)) {
            if (e.event().equals(kind) && e.fence() == fence) {
                return e;
            }
        }
        return null;
    }

    /** The events of {@code node} as {@code EVENT@fence by node} strings, oldest first. */
    List<String> history(String node) throws SQLException {
        List<String> out = new ArrayList<>();
        for (Event e : events(node)) {
            out.add(e.toString());
        }
        return out;
    }
}
