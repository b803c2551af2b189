package io.lockstep.tm.cluster;

import io.lockstep.tm.log.jdbc.Dialect;
import io.lockstep.tm.log.jdbc.JdbcTransactionLog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Read-only view of the node leases and the node history of a JDBC log, for operators ({@code lockstep nodes}) and
 * {@code tm.admin()}. Needs no running manager and takes no lease. Thread-safe; each call uses a connection of its
 * own.
 */
public final class NodeDirectory {
    private final DataSource dataSource;
    private final String logTable;
    private volatile LeaseTables tables;

    /**
     * @param logTable the JDBC log's table ({@code lockstep.log.jdbcTable}); the lease tables are named after it
     * @throws IllegalArgumentException the table name is not an SQL identifier
     */
    public NodeDirectory(DataSource dataSource, String logTable) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.logTable = JdbcTransactionLog.checkTableName(logTable);
    }

    NodeDirectory(DataSource dataSource, LeaseTables tables) {
        this.dataSource = dataSource;
        this.logTable = null;
        this.tables = tables;
    }

    /** Every node's lease row, by node id. */
    public List<NodeView> nodes() throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(tables(c).listRows);
                ResultSet rs = s.executeQuery()) {
            List<NodeView> all = new ArrayList<>();
            while (rs.next()) {
                all.add(NodeLease.Row.from(rs).view());
            }
            return all;
        }
    }

    /** The node history, oldest first. */
    public List<NodeEvent> events() throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(tables(c).listEvents);
                ResultSet rs = s.executeQuery()) {
            List<NodeEvent> all = new ArrayList<>();
            while (rs.next()) {
                all.add(new NodeEvent(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                        Instant.ofEpochMilli(rs.getLong(5)), rs.getString(6)));
            }
            return all;
        }
    }

    private LeaseTables tables(Connection c) throws SQLException {
        LeaseTables t = tables;
        if (t == null) {
            t = new LeaseTables(logTable, Dialect.of(c, "the JDBC log database"));
            tables = t;
        }
        return t;
    }
}
