package io.lockstep.xa.jdbc;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.AgroalDataSourceMetrics;
import jakarta.transaction.Transaction;
import java.sql.Connection;
import java.sql.SQLException;

/** XA connections pooled by Agroal and enlisted through {@link AgroalIntegration}. */
final class AgroalPool implements Pool {
    private final String name;
    private final String where;
    private final int max;
    private final AgroalDataSource agroal;
    private final AgroalIntegration integration;

    AgroalPool(String name, String where, int max, AgroalDataSource agroal, AgroalIntegration integration) {
        this.name = name;
        this.where = where;
        this.max = max;
        this.agroal = agroal;
        this.integration = integration;
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection c;
        try {
            c = agroal.getConnection();
        } catch (SQLException e) {
            throw LockstepDataSource.explained(name, where, e);
        }
        Transaction tx;
        try {
            tx = integration.running();
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        return tx == null ? c : new EnlistedConnection(c, tx, name);
    }

    @Override
    public PoolStats stats() {
        AgroalDataSourceMetrics m = agroal.getMetrics();
        return new PoolStats(m.activeCount(), m.availableCount(), max, m.awaitingCount(), m.creationCount(),
                m.destroyCount(), m.leakDetectionCount());
    }

    @Override
    public Object unwrapPool() {
        return agroal;
    }

    @Override
    public void close() {
        agroal.close();
    }
}
