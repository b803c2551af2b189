package io.lockstep.cli.demo;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.NamedXAResource;
import io.lockstep.tm.RecoverySession;
import io.lockstep.tm.SuspendMode;
import io.lockstep.tm.XAResourceSource;
import io.lockstep.xa.jdbc.XADataSourceSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.xa.PGXADataSource;

/**
 * One bank of the demo: a database reached through its driver's XADataSource, with an account table and a table of
 * transfer ids. Also the recovery source of that database.
 */
public final class Bank implements XAResourceSource {
    static final String TABLE = "lockstep_demo_account";
    /** One row per committed transfer, in both banks: a transfer half applied shows as an id in one bank only. */
    static final String TRANSFERS = "lockstep_demo_transfer";
    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    final String name;
    final String kind;
    final String url;
    /** The account table ({@link #TABLE} unless {@link #withTables} chose another). */
    final String accounts;
    /** The transfer-id table ({@link #TRANSFERS} unless {@link #withTables} chose another). */
    final String transfers;
    private final XADataSource xa;
    private final boolean canJoin;
    private final SuspendMode suspendMode;
    private final XADataSourceSource recovery;

    private Bank(String name, String kind, String url, XADataSource xa, boolean canJoin, SuspendMode mode,
            String accounts, String transfers) {
        this.name = name;
        this.kind = kind;
        this.url = url;
        this.accounts = accounts;
        this.transfers = transfers;
        this.xa = xa;
        this.canJoin = canJoin;
        this.suspendMode = mode;
        this.recovery = new XADataSourceSource(name, xa, XADataSourceSource.withoutPassword(url));
    }

    /** A bank from its spec {@code name|kind|accounts|transfers|url} ({@link #spec()}), as passed to the children. */
    public static Bank parse(String spec) {
        String[] p = spec.split("\\|", 5);
        if (p.length != 5) {
            throw new IllegalArgumentException("bank spec \"" + spec + "\": name|kind|accounts|transfers|url");
        }
        return of(p[0], p[1], p[4]).withTables(p[2], p[3]);
    }

    public String spec() {
        return name + "|" + kind + "|" + accounts + "|" + transfers + "|" + url;
    }

    /** The same bank keeping its accounts and transfer ids in these tables (so test suites do not share tables). */
    public Bank withTables(String accounts, String transfers) {
        for (String t : List.of(accounts, transfers)) {
            if (t == null || !TABLE_NAME.matcher(t).matches()) {
                throw new IllegalArgumentException("bank table name \"" + t + "\": [A-Za-z_][A-Za-z0-9_]*, at most 63"
                        + " characters");
            }
        }
        return new Bank(name, kind, url, xa, canJoin, suspendMode, accounts, transfers);
    }

    public static Bank of(String name, String kind, String url) {
        switch (kind) {
            case "h2": {
                JdbcDataSource ds = new JdbcDataSource();
                ds.setURL(url);
                ds.setUser("sa");
                return new Bank(name, kind, url, ds, true, SuspendMode.SUSPEND_RESUME, TABLE, TRANSFERS);
            }
            case "postgres": {
                PGXADataSource ds = new PGXADataSource();
                ds.setUrl(url);
                if (!url.contains("user=")) {
                    ds.setUser("postgres");
                }
                return new Bank(name, kind, url, ds, false, SuspendMode.END_JOIN, TABLE, TRANSFERS);
            }
            case "mysql": {
                com.mysql.cj.jdbc.MysqlXADataSource ds = new com.mysql.cj.jdbc.MysqlXADataSource();
                ds.setUrl(url);
                if (!url.contains("user=")) {
                    ds.setUser("root");
                }
                return new Bank(name, kind, url, ds, false, SuspendMode.END_RESUME, TABLE, TRANSFERS);
            }
            default:
                throw new IllegalArgumentException("unknown bank kind " + kind + ": h2, postgres or mysql");
        }
    }

    String describe() {
        return name + " (" + kind + ")";
    }

    XAConnection connect() throws SQLException {
        try {
            return xa.getXAConnection();
        } catch (SQLException e) {
            throw new SQLException("cannot connect to " + describe() + " at " + XADataSourceSource.withoutPassword(url)
                    + ": " + e.getMessage(), e);
        }
    }

    /** The XAResource of {@code c}, named for the commit record, with the vendor's join and suspend rules. */
    NamedXAResource enlistable(XAConnection c) throws SQLException {
        return Lockstep.named(name, c.getXAResource(), canJoin, suspendMode);
    }

    /** Drops and recreates the account table with {@code accounts} accounts of {@code balance} each. */
    public void open(int count, long balance) throws SQLException {
        XAConnection xc = connect();
        try (Connection c = xc.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute("DROP TABLE IF EXISTS " + accounts);
            s.execute("DROP TABLE IF EXISTS " + transfers);
            s.execute("CREATE TABLE " + transfers + " (id VARCHAR(64) PRIMARY KEY)");
            s.execute("CREATE TABLE " + accounts + " (id INT PRIMARY KEY, balance BIGINT NOT NULL)");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + accounts + " VALUES (?, ?)")) {
                for (int i = 1; i <= count; i++) {
                    ps.setInt(1, i);
                    ps.setLong(2, balance);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        } finally {
            xc.close();
        }
    }

    /** Ids of the transfers recorded in this bank. */
    public java.util.Set<String> transferIds() throws SQLException {
        java.util.Set<String> ids = new java.util.HashSet<>();
        read("SELECT id FROM " + transfers, rs -> ids.add(rs.getString(1)));
        return ids;
    }

    public long total() throws SQLException {
        return query("SELECT COALESCE(SUM(balance), 0) FROM " + accounts);
    }

    /** Every account's balance, by account id. */
    public java.util.Map<Integer, Long> balances() throws SQLException {
        java.util.Map<Integer, Long> all = new java.util.TreeMap<>();
        read("SELECT id, balance FROM " + accounts, rs -> all.put(rs.getInt(1), rs.getLong(2)));
        return all;
    }

    long balance(int account) throws SQLException {
        return query("SELECT balance FROM " + accounts + " WHERE id = " + account);
    }

    /** Adds {@code delta} to the balance of {@code account} on {@code c} (inside whatever transaction c is in). */
    void move(Connection c, int account, long delta) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + accounts + " SET balance = balance + ? WHERE id = ?")) {
            ps.setLong(1, delta);
            ps.setInt(2, account);
            if (ps.executeUpdate() != 1) {
                throw new SQLException("account " + account + " not found in " + describe());
            }
        }
    }

    /** Records transfer {@code id} on {@code c} (inside whatever transaction c is in). */
    void record(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + transfers + " VALUES (?)")) {
            ps.setString(1, id);
            ps.executeUpdate();
        }
    }

    private long query(String sql) throws SQLException {
        long[] value = new long[1];
        read(sql, rs -> value[0] = rs.getLong(1));
        return value[0];
    }

    private interface RowReader {
        void row(ResultSet rs) throws SQLException;
    }

    /** Runs {@code sql} on a connection of its own outside any transaction and hands each row to {@code reader}. */
    private void read(String sql, RowReader reader) throws SQLException {
        XAConnection xc = connect();
        try (Connection c = xc.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                reader.row(rs);
            }
        } finally {
            xc.close();
        }
    }

    /** Lockstep branches of node {@code nodeId} this database still holds prepared. */
    public List<Xid> preparedLockstepBranches(String nodeId) throws Exception {
        List<Xid> ours = new ArrayList<>();
        try (RecoverySession s = open()) {
            Xid[] all = s.xaResource().recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
            for (Xid x : all == null ? new Xid[0] : all) {
                io.lockstep.tm.xa.LockstepXid xid = io.lockstep.tm.xa.LockstepXid.from(x);
                if (xid != null && xid.nodeId().equals(nodeId)) {
                    ours.add(x);
                }
            }
        }
        return ours;
    }

    // ---------------------------------------------------------------- XAResourceSource

    @Override
    public String name() {
        return name;
    }

    @Override
    public RecoverySession open() throws SQLException {
        return recovery.open();
    }
}
