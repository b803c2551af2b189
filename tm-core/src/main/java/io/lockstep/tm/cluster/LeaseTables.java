package io.lockstep.tm.cluster;

import io.lockstep.tm.log.jdbc.Dialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The SQL of the node lease table {@code <log table>_nodes} and the node history {@code <log table>_node_events}
 * (docs/log-format.md, "Node leases"). Times are milliseconds since the epoch by the log database's clock
 * ({@link Dialect#nowMillis()}), so the nodes' own clocks never decide whether a lease has expired.
 *
 * <pre>
 * _nodes:        node_id PK, fence, state, instance, gtrid_epoch, lease_until, renewed_at, claimed_by, changed_at
 * _node_events:  node_id, fence, event (PK of the three), by_node, at_ms, detail
 * </pre>
 * Immutable.
 */
final class LeaseTables {
    static final String COLUMNS = "node_id, fence, state, instance, gtrid_epoch, lease_until, renewed_at, claimed_by";

    final String nodes;
    final String events;
    final Dialect dialect;
    private final String now;

    final String lockRow;
    final String readRow;
    final String insertRow;
    final String take;
    final String renew;
    final String setState;
    final String publishEpoch;
    final String candidates;
    final String listRows;
    final String deleteEvent;
    final String insertEvent;
    final String listEvents;
    final String clock;

    LeaseTables(String logTable, Dialect dialect) {
        this.nodes = logTable + "_nodes";
        this.events = logTable + "_node_events";
        this.dialect = dialect;
        this.now = dialect.nowMillis();
        lockRow = "SELECT " + COLUMNS + ", " + now + " FROM " + nodes + " WHERE node_id = ? FOR UPDATE";
        readRow = "SELECT " + COLUMNS + ", " + now + " FROM " + nodes + " WHERE node_id = ?";
        insertRow = "INSERT INTO " + nodes + " (" + COLUMNS + ", changed_at) VALUES (?, 1, 'LIVE', ?, 0, " + now
                + " + ?, " + now + ", NULL, " + now + ")";
        take = "UPDATE " + nodes + " SET fence = fence + 1, state = ?, instance = ?, lease_until = " + now + " + ?,"
                + " renewed_at = " + now + ", claimed_by = ?, changed_at = " + now + " WHERE node_id = ? AND fence = ?";
        renew = "UPDATE " + nodes + " SET lease_until = " + now + " + ?, renewed_at = " + now
                + " WHERE node_id = ? AND fence = ? AND state = ?";
        setState = "UPDATE " + nodes + " SET state = ?, lease_until = " + now + ", changed_at = " + now
                + " WHERE node_id = ? AND fence = ?";
        publishEpoch = "UPDATE " + nodes + " SET gtrid_epoch = ? WHERE node_id = ? AND fence = ?";
        candidates = "SELECT node_id FROM " + nodes + " WHERE node_id <> ? AND ((state IN ('LIVE', 'CLAIMED') AND"
                + " lease_until < " + now + ") OR state = 'STOPPED') ORDER BY node_id";
        listRows = "SELECT " + COLUMNS + ", " + now + " FROM " + nodes + " ORDER BY node_id";
        deleteEvent = "DELETE FROM " + events + " WHERE node_id = ? AND fence = ? AND event = ?";
        insertEvent = "INSERT INTO " + events + " (node_id, fence, event, by_node, at_ms, detail) VALUES (?, ?, ?, ?, "
                + now + ", ?)";
        listEvents = "SELECT node_id, fence, event, by_node, at_ms, detail FROM " + events
                + " ORDER BY at_ms, node_id, fence";
        clock = "SELECT " + now;
    }

    /**
     * Creates both tables unless they exist (a DBA may create them beforehand with these columns).
     *
     * @throws SQLException they are missing and cannot be created, or cannot be read
     */
    void ensureExists(Connection c) throws SQLException {
        if (!readable(c)) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS " + nodes + " (node_id VARCHAR(64) NOT NULL PRIMARY KEY,"
                        + " fence BIGINT NOT NULL, state VARCHAR(16) NOT NULL, instance VARCHAR(200) NOT NULL,"
                        + " gtrid_epoch BIGINT NOT NULL, lease_until BIGINT NOT NULL, renewed_at BIGINT NOT NULL,"
                        + " claimed_by VARCHAR(64), changed_at BIGINT NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS " + events + " (node_id VARCHAR(64) NOT NULL,"
                        + " fence BIGINT NOT NULL, event VARCHAR(24) NOT NULL, by_node VARCHAR(64) NOT NULL,"
                        + " at_ms BIGINT NOT NULL, detail VARCHAR(2000) NOT NULL, PRIMARY KEY (node_id, fence, event))");
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                if (!readable(c)) { // another node may have created them at the same moment
                    throw e;
                }
            }
        }
    }

    private boolean readable(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeQuery("SELECT " + COLUMNS + ", changed_at FROM " + nodes + " WHERE 1 = 0").close();
            s.executeQuery("SELECT node_id, fence, event, by_node, at_ms, detail FROM " + events + " WHERE 1 = 0")
                    .close();
            c.commit();
            return true;
        } catch (SQLException e) {
            c.rollback();
            return false;
        }
    }

    /** The tables and the privileges the log's database user needs, for messages. */
    String privilegesHint() {
        return "the log database user needs SELECT, INSERT, UPDATE and DELETE on " + nodes + " and " + events
                + " (and CREATE TABLE the first time, or a DBA creates them beforehand as in docs/log-format.md,"
                + " section \"Node leases\")";
    }
}
