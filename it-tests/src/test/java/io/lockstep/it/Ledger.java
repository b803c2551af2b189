package io.lockstep.it;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * A table of entries in one database, for the JDBC adapter's tests: {@code id, amount}. Reads go through a plain
 * connection of the given data source outside any transaction.
 */
final class Ledger {
    final String table;
    final DataSource ds;

    Ledger(DataSource ds, String table) throws SQLException {
        this(ds, table, true);
    }

    /** @param create drop and recreate the table */
    Ledger(DataSource ds, String table, boolean create) throws SQLException {
        this.ds = ds;
        this.table = table;
        if (!create) {
            return;
        }
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + table);
            s.execute("CREATE TABLE " + table + " (id VARCHAR(64) PRIMARY KEY, amount BIGINT NOT NULL)");
        }
    }

    /** Inserts an entry on {@code c} (inside whatever transaction c is in). */
    void add(Connection c, String id, long amount) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (id, amount) VALUES (?, ?)")) {
            ps.setString(1, id);
            ps.setLong(2, amount);
            ps.executeUpdate();
        }
    }

    /** Inserts an entry through a connection of the data source (enlisted when a transaction runs). */
    void add(String id, long amount) throws SQLException {
        try (Connection c = ds.getConnection()) {
            add(c, id, amount);
        }
    }

    List<String> ids() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM " + table + " ORDER BY id")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    long sum() throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COALESCE(SUM(amount), 0) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
