package io.lockstep.tm.log.jdbc;

import io.lockstep.tm.log.RecordType;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One round of a batch on PostgreSQL as a single statement text of up to three statements, sent in one round trip:
 * the fence check (when the writer is fenced), one INSERT of all the round's rows and one DELETE of everything the
 * round cancels, the rows passed as arrays. The text never changes, so the connection prepares it once and
 * PostgreSQL plans it once; a round of any size costs one round trip instead of one per statement kind.
 *
 * <pre>
 * SELECT fence, state, claimed_by FROM &lt;nodes&gt; WHERE node_id = ? FOR SHARE;
 * INSERT INTO &lt;log&gt; (node_id, lsn, gtrid, type, payload)
 *     SELECT ?, u.* FROM unnest(lsns, gtrids, types, payloads) u WHERE &lt;fence holds&gt;;
 * DELETE FROM &lt;log&gt; t WHERE t.node_id = ? AND &lt;fence holds&gt; AND (
 *        (t.gtrid = ANY(gtrids ended) AND &lt;what END deletes&gt;)
 *     OR (t.gtrid = ANY(gtrids forgotten) AND &lt;what FORGET deletes&gt;)
 *     OR (t.gtrid = ANY(gtrids audited) AND &lt;what another ADMIN deletes&gt;))
 * </pre>
 *
 * The DELETE looks rows up through the {@code (node_id, gtrid)} index whatever the table's size. The INSERT and
 * DELETE repeat the fence condition ({@code EXISTS} on the lease row this transaction has just share-locked), so a
 * fenced round changes nothing even before the writer reads the SELECT's row — necessary when the round trip also
 * commits (a one-round batch with autocommit on, see {@link BatchWriter}). Within one round every
 * cancelled gtrid is distinct ({@link #cancels}), so applying all cancels at once equals applying them in order.
 * Used by one thread at a time; not thread-safe.
 */
final class PgBatch {
    private static final Cancel[] KINDS = Cancel.values();

    private final String nodeId;
    private final Fence fence;
    private final Connection connection;
    private final PreparedStatement statement;

    // The round being built.
    private final List<Long> lsns = new ArrayList<>();
    private final List<String> gtrids = new ArrayList<>();
    private final List<Short> types = new ArrayList<>();
    private final List<byte[]> payloads = new ArrayList<>();
    /** Per {@link Cancel} kind, by ordinal: the gtrids it cancels. */
    private final List<List<String>> cancelled = new ArrayList<>();
    private final Set<String> anyCancelled = new HashSet<>();

    private PgBatch(String nodeId, Fence fence, Connection connection, PreparedStatement statement) {
        this.nodeId = nodeId;
        this.fence = fence;
        this.connection = connection;
        this.statement = statement;
        for (int i = 0; i < KINDS.length; i++) {
            cancelled.add(new ArrayList<>());
        }
    }

    /** Prepares the round statement of {@code table} on {@code c}, a PostgreSQL connection. */
    static PgBatch prepare(Connection c, String nodeId, LogTable table, Fence fence) throws SQLException {
        return new PgBatch(nodeId, fence, c, c.prepareStatement(sql(table, fence)));
    }

    static String sql(LogTable table, Fence fence) {
        String log = table.name();
        String holds = fence == null ? "" : " AND " + fence.holdsCondition();
        StringBuilder sql = new StringBuilder();
        if (fence != null) {
            sql.append(fence.sql(Dialect.POSTGRESQL)).append(";\n");
        }
        sql.append("INSERT INTO ").append(log).append(" (node_id, lsn, gtrid, type, payload) SELECT ?, u.lsn, u.gtrid,")
                .append(" u.type, u.payload FROM unnest(CAST(? AS BIGINT[]), CAST(? AS VARCHAR[]),")
                .append(" CAST(? AS SMALLINT[]), CAST(? AS BYTEA[])) AS u (lsn, gtrid, type, payload) WHERE TRUE")
                .append(holds).append(";\n");
        sql.append("DELETE FROM ").append(log).append(" t WHERE t.node_id = ?").append(holds).append(" AND (");
        for (Cancel kind : KINDS) {
            if (kind.ordinal() > 0) {
                sql.append(" OR ");
            }
            sql.append("(t.gtrid = ANY(CAST(? AS VARCHAR[])) AND (t.type = ").append(kind.deletes)
                    .append(" OR (t.type = ").append(RecordType.ADMIN.code()).append(" AND NOT EXISTS (SELECT 1 FROM ")
                    .append(log).append(" x WHERE x.node_id = t.node_id AND x.gtrid = t.gtrid AND x.type IN (")
                    .append(kind.keep1).append(", ").append(kind.keep2).append(")))))");
        }
        return sql.append(")").toString();
    }

    /** True when the round being built cancels {@code gtrid}: a round cancels each gtrid at most once. */
    boolean cancels(String gtrid) {
        return !anyCancelled.isEmpty() && anyCancelled.contains(gtrid);
    }

    void insert(long lsn, String gtrid, byte type, byte[] payload) {
        lsns.add(lsn);
        gtrids.add(gtrid);
        types.add((short) type);
        payloads.add(payload);
    }

    /** Adds a cancel of {@code gtrid}, which {@link #cancels} must not already report. */
    void cancel(String gtrid, Cancel kind) {
        anyCancelled.add(gtrid);
        cancelled.get(kind.ordinal()).add(gtrid);
    }

    /**
     * Runs the round built so far in the connection's transaction and clears it; with nothing added, only checks
     * the fence.
     *
     * @throws Fence.FencedException the writer's fence was taken: nothing of the round was written
     * @throws SQLException          the statement failed, or inserted fewer rows than it was given
     */
    void execute() throws SQLException {
        int n = lsns.size();
        List<Array> arrays = new ArrayList<>(4 + KINDS.length);
        try {
            arrays.add(connection.createArrayOf("int8", lsns.toArray(new Long[0])));
            arrays.add(connection.createArrayOf("varchar", gtrids.toArray(new String[0])));
            arrays.add(connection.createArrayOf("int2", types.toArray(new Short[0])));
            arrays.add(connection.createArrayOf("bytea", payloads.toArray(new byte[0][])));
            for (List<String> g : cancelled) {
                arrays.add(connection.createArrayOf("varchar", g.toArray(new String[0])));
            }
            clear();
            int p = 1;
            if (fence != null) {
                statement.setString(p++, nodeId);
            }
            statement.setString(p++, nodeId);
            for (int i = 0; i < 4; i++) {
                statement.setArray(p++, arrays.get(i));
            }
            p = setHolds(p);
            statement.setString(p++, nodeId);
            p = setHolds(p);
            for (int i = 4; i < arrays.size(); i++) {
                statement.setArray(p++, arrays.get(i));
            }
            boolean isResultSet = statement.execute();
            if (fence != null) {
                if (!isResultSet) {
                    throw new SQLException("the fence check of the JDBC log returned no result set");
                }
                try (ResultSet rs = statement.getResultSet()) {
                    fence.check(rs);
                }
                statement.getMoreResults();
            }
            int inserted = statement.getUpdateCount();
            if (inserted != n) {
                throw new SQLException("the JDBC log inserted " + inserted + " of the " + n + " rows of a batch");
            }
            statement.getMoreResults(); // the DELETE's count: any number is right
        } finally {
            clear();
            for (Array a : arrays) {
                a.free();
            }
        }
    }

    private void clear() {
        lsns.clear();
        gtrids.clear();
        types.clear();
        payloads.clear();
        for (List<String> g : cancelled) {
            g.clear();
        }
        anyCancelled.clear();
    }

    private int setHolds(int p) throws SQLException {
        if (fence == null) {
            return p;
        }
        statement.setString(p, nodeId);
        statement.setLong(p + 1, fence.value());
        return p + 2;
    }
}
