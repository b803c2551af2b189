package io.lockstep.tm.log.jdbc;

import io.lockstep.tm.log.RecordType;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/**
 * The SQL of one log table (docs/log-format.md, "JDBC log"): its DDL per database product and the handful of
 * statements the log runs. Only the DDL differs between products (the payload column's type); every statement is
 * plain SQL that PostgreSQL, MariaDB, MySQL and H2 all accept.
 *
 * <pre>
 * node_id VARCHAR(64)  lsn BIGINT  gtrid VARCHAR(128)  type SMALLINT  payload BYTEA|MEDIUMBLOB  created TIMESTAMP
 * PRIMARY KEY (node_id, lsn)           -- replay of one node, in append order
 * INDEX &lt;table&gt;_gtrid (node_id, gtrid) -- END and FORGET delete by gtrid
 * </pre>
 *
 * Immutable and thread-safe.
 */
final class LogTable {
    /** A table name, optionally schema-qualified; unquoted so it folds like any identifier of the database. */
    private static final Pattern NAME = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*\\.)?[A-Za-z_][A-Za-z0-9_]{0,50}");

    static final String DEFAULT_NAME = "lockstep_log";

    private final String name;
    private final String indexName;

    final String insert;
    /**
     * Deletes what one END, ADMIN FORGET or other ADMIN record cancels, see {@link BatchWriter}. Parameters: node,
     * gtrid, the type it deletes outright (0 = none), node, gtrid, and two types whose presence keeps the
     * transaction's ADMIN rows.
     */
    final String cancel;
    final String deleteRange;
    final String select;
    final String maxLsn;

    LogTable(String name) {
        this.name = checkName(name);
        int dot = name.lastIndexOf('.');
        this.indexName = name.substring(dot + 1) + "_gtrid";
        insert = "INSERT INTO " + name + " (node_id, lsn, gtrid, type, payload) VALUES (?, ?, ?, ?, ?)";
        cancel = "DELETE FROM " + name + " WHERE node_id = ? AND gtrid = ? AND (type = ? OR (type = "
                + RecordType.ADMIN.code() + " AND NOT EXISTS (SELECT 1 FROM " + name
                + " x WHERE x.node_id = ? AND x.gtrid = ? AND x.type IN (?, ?))))";
        deleteRange = "DELETE FROM " + name + " WHERE node_id = ? AND lsn BETWEEN ? AND ?";
        select = "SELECT lsn, type, payload FROM " + name + " WHERE node_id = ? ORDER BY lsn";
        maxLsn = "SELECT MAX(lsn) FROM " + name + " WHERE node_id = ?";
    }

    /** @throws IllegalArgumentException the name is not a plain SQL identifier, optionally schema-qualified */
    static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("JDBC log table name \"" + name + "\": must be an SQL identifier"
                    + " ([A-Za-z_][A-Za-z0-9_]*, at most 51 characters), optionally schema-qualified (schema.table)");
        }
        return name;
    }

    String name() {
        return name;
    }

    /**
     * Creates the table and its index unless the table exists. A table made by a DBA beforehand (with the columns
     * above) is used as it is, so databases without {@code IF NOT EXISTS} work too.
     *
     * @throws SQLException the table is missing and cannot be created
     */
    void ensureExists(Connection c) throws SQLException {
        if (exists(c)) {
            return;
        }
        String payloadType = Dialect.of(c, "the JDBC log database (table " + name + " does not exist yet)")
                .blobType();
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + name + " ("
                    + "node_id VARCHAR(64) NOT NULL, "
                    + "lsn BIGINT NOT NULL, "
                    + "gtrid VARCHAR(128) NOT NULL, "
                    + "type SMALLINT NOT NULL, "
                    + "payload " + payloadType + " NOT NULL, "
                    + "created TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL, "
                    + "PRIMARY KEY (node_id, lsn))");
            s.execute("CREATE INDEX IF NOT EXISTS " + indexName + " ON " + name + " (node_id, gtrid)");
        } catch (SQLException e) {
            // Another node may have created it at the same moment (PostgreSQL's IF NOT EXISTS is not race-free).
            if (!exists(c)) {
                throw e;
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    private boolean exists(Connection c) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            s.executeQuery("SELECT node_id, lsn, gtrid, type, payload, created FROM " + name + " WHERE 1 = 0")
                    .close();
            return true;
        } catch (SQLException e) {
            return false;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
