package io.lockstep.xa.jdbc;

import io.lockstep.tm.CommitMarkSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.sql.DataSource;

/**
 * The {@code lockstep_commit_marks} table of a commit-markable last resource: one row per committed transaction,
 * written in the same local transaction as the application's work, so the row exists exactly when that work
 * committed. Recovery reads it ({@link CommitMarkSource}); rows of finished transactions are deleted in batches by
 * later transactions' commits, and by recovery.
 */
final class CommitMarks implements CommitMarkSource {
    static final String TABLE = "lockstep_commit_marks";
    private static final int DELETE_BATCH = 64;

    private final String name;
    private final DataSource dataSource;
    private final String nodeId;
    /** gtrids whose COMMIT record is durable or that finished: their marks may go. */
    private final ConcurrentLinkedQueue<String> finished = new ConcurrentLinkedQueue<>();
    private volatile boolean tableReady;

    CommitMarks(String name, DataSource dataSource, String nodeId) {
        this.name = name;
        this.dataSource = dataSource;
        this.nodeId = nodeId;
    }

    @Override
    public String name() {
        return name;
    }

    /** Creates the table when it does not exist (idempotent; also done lazily by the first mark). */
    void ensureTable(Connection c) throws SQLException {
        if (tableReady) {
            return;
        }
        boolean autoCommit = c.getAutoCommit();
        try (Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (gtrid VARCHAR(96) NOT NULL PRIMARY KEY,"
                    + " node_id VARCHAR(32) NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)");
        } finally {
            c.setAutoCommit(autoCommit);
        }
        tableReady = true;
    }

    /**
     * Writes the mark of {@code gtrid} in the connection's open local transaction, and deletes the marks of
     * finished transactions in the same round of statements.
     */
    void mark(Connection c, String gtrid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (gtrid, node_id) VALUES (?, ?)")) {
            ps.setString(1, gtrid);
            ps.setString(2, nodeId);
            ps.executeUpdate();
        }
        List<String> batch = new ArrayList<>();
        String g;
        while (batch.size() < DELETE_BATCH && (g = finished.poll()) != null) {
            batch.add(g);
        }
        if (!batch.isEmpty()) {
            delete(c, batch);
        }
    }

    /** Whether {@code gtrid} is marked, read on a fresh connection (after a commit whose reply was lost). */
    boolean isMarked(String gtrid) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + TABLE + " WHERE gtrid = ?")) {
            ps.setString(1, gtrid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The transaction's COMMIT record is durable (or it needed none): its mark may be deleted. */
    void finished(String gtrid) {
        finished.add(gtrid);
    }

    @Override
    public Set<String> marks(Set<String> nodeIds) throws SQLException {
        Set<String> out = new HashSet<>();
        if (nodeIds.isEmpty()) {
            return out;
        }
        try (Connection c = dataSource.getConnection()) {
            ensureTable(c);
            String sql = "SELECT gtrid FROM " + TABLE + " WHERE node_id IN (" + placeholders(nodeIds.size()) + ")";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                for (String n : nodeIds) {
                    ps.setString(i++, n);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
        }
        return out;
    }

    @Override
    public void forget(Collection<String> gtrids) throws SQLException {
        if (gtrids.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            List<String> all = new ArrayList<>(gtrids);
            for (int i = 0; i < all.size(); i += DELETE_BATCH) {
                delete(c, all.subList(i, Math.min(all.size(), i + DELETE_BATCH)));
            }
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
    }

    private static void delete(Connection c, List<String> gtrids) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + TABLE + " WHERE gtrid IN ("
                + placeholders(gtrids.size()) + ")")) {
            for (int i = 0; i < gtrids.size(); i++) {
                ps.setString(i + 1, gtrids.get(i));
            }
            ps.executeUpdate();
        }
    }

    private static String placeholders(int n) {
        StringBuilder sb = new StringBuilder(n * 2);
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "?" : ",?");
        }
        return sb.toString();
    }
}
