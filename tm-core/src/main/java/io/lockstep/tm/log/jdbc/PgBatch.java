package io.lockstep.tm.log.jdbc;

import io.lockstep.tm.log.RecordType;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * One round of a batch on PostgreSQL as a single statement text of up to three statements, sent in one round trip:
 * the fence check (when the writer is fenced), one INSERT of all the round's rows and one DELETE of everything the
 * round cancels, the rows passed as arrays ({@code unnest}). The text never changes, so the connection prepares it
 * once and PostgreSQL plans it once; a batch of any size costs one round trip (plus the COMMIT) instead of one per
 * statement kind.
 *
 * <pre>
 * SELECT fence, state, claimed_by FROM &lt;nodes&gt; WHERE node_id = ? FOR SHARE;
 * INSERT INTO &lt;log&gt; (node_id, lsn, gtrid, type, payload) SELECT ?, u.* FROM unnest(lsns, gtrids, types, payloads) u
 *     WHERE &lt;fence holds&gt;;
 * DELETE FROM &lt;log&gt; t USING unnest(gtrids, deletes, keep1s, keep2s) c WHERE t.node_id = ? AND t.gtrid = c.gtrid
 *     AND (t.type = c.deletes OR (t.type = ADMIN AND NOT EXISTS (a row of c.gtrid of type keep1 or keep2)))
 *     AND &lt;fence holds&gt;
 * </pre>
 *
 * The INSERT and DELETE repeat the fence condition ({@code EXISTS} on the lease row this transaction has just
 * share-locked), so a fenced batch changes nothing even before the writer reads the SELECT's row and rolls back.
 * Within one round every cancelled gtrid is distinct (see {@link BatchWriter}), so the DELETE's rows are independent
 * and applying them at once equals applying them in order. Used by one thread at a time; not thread-safe.
 */
final class PgBatch implements AutoCloseable {
    private final String nodeId;
    private final Fence fence;
    private final Connection connection;
    private final PreparedStatement statement;

    // The round being built.
    private Long[] lsns = new Long[64];
    private String[] gtrids = new String[64];
    private Short[] types = new Short[64];
    private byte[][] payloads = new byte[64][];
    private int inserts;
    private String[] cancelGtrids = new String[64];
    private Short[] deletes = new Short[64];
    private Short[] keep1 = new Short[64];
    private Short[] keep2 = new Short[64];
    private int cancels;
    private final Set<String> cancelled = new HashSet<>();

    private PgBatch(String nodeId, Fence fence, Connection connection, PreparedStatement statement) {
        this.nodeId = nodeId;
        this.fence = fence;
        this.connection = connection;
        this.statement = statement;
    }

    /** Prepares the round statement of {@code table} on {@code c}, a PostgreSQL connection. */
    static PgBatch prepare(Connection c, String nodeId, LogTable table, Fence fence) throws SQLException {
        return new PgBatch(nodeId, fence, c, c.prepareStatement(sql(table, fence)));
    }

    static String sql(LogTable table, Fence fence) {
        String log = table.name();
        String holds = fence == null ? "" : " AND " + fence.holdsCondition();
        String insert = "INSERT INTO " + log + " (node_id, lsn, gtrid, type, payload) SELECT ?, u.lsn, u.gtrid, u.type,"
                + " u.payload FROM unnest(CAST(? AS BIGINT[]), CAST(? AS VARCHAR[]), CAST(? AS SMALLINT[]),"
                + " CAST(? AS BYTEA[])) AS u (lsn, gtrid, type, payload) WHERE TRUE" + holds;
        String delete = "DELETE FROM " + log + " t USING unnest(CAST(? AS VARCHAR[]), CAST(? AS SMALLINT[]),"
                + " CAST(? AS SMALLINT[]), CAST(? AS SMALLINT[])) AS c (gtrid, deletes, keep1, keep2)"
                + " WHERE t.node_id = ? AND t.gtrid = c.gtrid AND (t.type = c.deletes OR (t.type = "
                + RecordType.ADMIN.code() + " AND NOT EXISTS (SELECT 1 FROM " + log + " x WHERE x.node_id = ?"
                + " AND x.gtrid = c.gtrid AND x.type IN (c.keep1, c.keep2))))" + holds;
        return (fence == null ? "" : fence.sql(Dialect.POSTGRESQL) + ";\n") + insert + ";\n" + delete;
    }

    /** True when the round being built cancels {@code gtrid}: a round cancels each gtrid at most once. */
    boolean cancels(String gtrid) {
        return cancels > 0 && cancelled.contains(gtrid);
    }

    void insert(long lsn, String gtrid, byte type, byte[] payload) {
        if (inserts == lsns.length) {
            int n = inserts * 2;
            lsns = Arrays.copyOf(lsns, n);
            gtrids = Arrays.copyOf(gtrids, n);
            types = Arrays.copyOf(types, n);
            payloads = Arrays.copyOf(payloads, n);
        }
        lsns[inserts] = lsn;
        gtrids[inserts] = gtrid;
        types[inserts] = (short) type;
        payloads[inserts] = payload;
        inserts++;
    }

    void cancel(String gtrid, byte deletesType, byte keepType1, byte keepType2) {
        if (cancels == cancelGtrids.length) {
            int n = cancels * 2;
            cancelGtrids = Arrays.copyOf(cancelGtrids, n);
            deletes = Arrays.copyOf(deletes, n);
            keep1 = Arrays.copyOf(keep1, n);
            keep2 = Arrays.copyOf(keep2, n);
        }
        cancelled.add(gtrid);
        cancelGtrids[cancels] = gtrid;
        deletes[cancels] = (short) deletesType;
        keep1[cancels] = (short) keepType1;
        keep2[cancels] = (short) keepType2;
        cancels++;
    }

    /**
     * Runs the round built so far in the connection's transaction and clears it.
     *
     * @throws Fence.FencedException the writer's fence was taken: nothing of the round was written
     * @throws SQLException          the statement failed, or inserted fewer rows than it was given
     */
    void execute() throws SQLException {
        int n = inserts;
        Array[] arrays = {
            connection.createArrayOf("int8", Arrays.copyOf(lsns, n)),
            connection.createArrayOf("varchar", Arrays.copyOf(gtrids, n)),
            connection.createArrayOf("int2", Arrays.copyOf(types, n)),
            connection.createArrayOf("bytea", Arrays.copyOf(payloads, n)),
            connection.createArrayOf("varchar", Arrays.copyOf(cancelGtrids, cancels)),
            connection.createArrayOf("int2", Arrays.copyOf(deletes, cancels)),
            connection.createArrayOf("int2", Arrays.copyOf(keep1, cancels)),
            connection.createArrayOf("int2", Arrays.copyOf(keep2, cancels)),
        };
        Arrays.fill(payloads, 0, n, null);
        inserts = 0;
        cancels = 0;
        cancelled.clear();
        try {
            int p = 1;
            if (fence != null) {
                statement.setString(p++, nodeId);
            }
            statement.setString(p++, nodeId);
            for (int i = 0; i < 4; i++) {
                statement.setArray(p++, arrays[i]);
            }
            p = setHolds(p);
            for (int i = 4; i < 8; i++) {
                statement.setArray(p++, arrays[i]);
            }
            statement.setString(p++, nodeId);
            statement.setString(p++, nodeId);
            setHolds(p);
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
                throw new SQLException("the JDBC log inserted " + inserted + " of " + n + " rows of a batch");
            }
            statement.getMoreResults(); // the DELETE's count: any number is right
        } finally {
            for (Array a : arrays) {
                a.free();
            }
        }
    }

    private int setHolds(int p) throws SQLException {
        if (fence == null) {
            return p;
        }
        statement.setString(p, nodeId);
        statement.setLong(p + 1, fence.value());
        return p + 2;
    }

    @Override
    public void close() throws SQLException {
        statement.close();
    }
}
