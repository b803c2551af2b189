package io.lockstep.bench;

import com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionSynchronizationRegistryImple;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.AgroalConnectionPoolConfiguration.ConnectionValidator;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.agroal.api.transaction.TransactionIntegration;
import io.agroal.narayana.NarayanaTransactionIntegration;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import io.lockstep.xa.jdbc.Vendor;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * The configurations of {@link JdbcBenchmark}. Each keeps static singletons (Narayana) or at least a locked log
 * directory (Lockstep), so a JVM runs exactly one.
 *
 * <table>
 *   <caption>Configurations</caption>
 *   <tr><th>name</th><th>transactions</th><th>pools</th></tr>
 *   <tr><td>lockstep</td><td>Lockstep, segmented file log in the data directory</td>
 *       <td>{@link LockstepDataSources#postgres} and {@link LockstepDataSources#mysql} (Agroal, Lockstep's
 *       integration)</td></tr>
 *   <tr><td>narayana</td><td>Narayana 7, journal store at its best settings ({@link Peers#narayanaJournal})</td>
 *       <td>Agroal with agroal-narayana's {@link NarayanaTransactionIntegration}, configured as Lockstep
 *       configures its Agroal pools</td></tr>
 *   <tr><td>hikari</td><td>none: two local transactions</td><td>HikariCP, auto-commit off</td></tr>
 * </table>
 *
 * Every pool holds at most {@code poolSize} connections (the benchmark's thread count), so no thread waits for
 * a connection.
 */
final class JdbcPeers {
    static final List<String> NAMES = List.of("lockstep", "narayana", "hikari");

    private JdbcPeers() {
    }

    static JdbcPeer open(String name, Path dataDir, int poolSize, BenchDatabase pg, BenchDatabase my) {
        switch (name) {
            case "lockstep":
                return lockstep(dataDir, poolSize, pg, my);
            case "narayana":
                return narayana(dataDir, poolSize, pg, my);
            case "hikari":
                HikariDataSource a = hikari(pg, poolSize);
                HikariDataSource b = hikari(my, poolSize);
                return new LocalTransfer(a, b, a, b);
            default:
                throw new IllegalArgumentException("unknown JDBC configuration \"" + name + "\"; use one of " + NAMES);
        }
    }

    private static JdbcPeer lockstep(Path dataDir, int poolSize, BenchDatabase pg, BenchDatabase my) {
        LockstepTransactionManager tm = Peers.lockstepFile(dataDir);
        LockstepDataSource a = LockstepDataSources.postgres(tm, pg.url, pg.user, pg.password).name("bench-pg")
                .maxSize(poolSize).build();
        LockstepDataSource b = LockstepDataSources.mysql(tm, my.url, my.user, my.password).name("bench-maria")
                .maxSize(poolSize).build();
        return new XaTransfer(tm, a, b, a, b, tm);
    }

    private static JdbcPeer narayana(Path dataDir, int poolSize, BenchDatabase pg, BenchDatabase my) {
        TransactionManager tm = Peers.narayanaJournal(dataDir);
        // One integration per pool: it keys the transaction's connection by its own instance, so a shared one
        // would hand the first pool's connection to the second.
        TransactionSynchronizationRegistry tsr = new TransactionSynchronizationRegistryImple();
        AgroalDataSource a = agroal(pg, Vendor.POSTGRESQL, poolSize, new NarayanaTransactionIntegration(tm, tsr));
        AgroalDataSource b = agroal(my, Vendor.MYSQL, poolSize, new NarayanaTransactionIntegration(tm, tsr));
        return new XaTransfer(tm, a, b, a, b, Peers.narayanaCloser());
    }

    /**
     * An Agroal XA pool with the settings {@code LockstepDataSources} gives its own (metrics on, validation after
     * 2 s idle, same timeouts), so the two XA configurations differ only in the transaction manager and its
     * integration.
     */
    private static AgroalDataSource agroal(BenchDatabase db, Vendor vendor, int poolSize,
            TransactionIntegration integration) {
        AgroalDataSourceConfigurationSupplier config = new AgroalDataSourceConfigurationSupplier()
                .metricsEnabled(true);
        config.connectionPoolConfiguration(pool -> pool.minSize(0).initialSize(0).maxSize(poolSize)
                .acquisitionTimeout(Duration.ofSeconds(30))
                .connectionValidator(ConnectionValidator.defaultValidatorWithTimeout(5))
                .idleValidationTimeout(Duration.ofSeconds(2))
                .reapTimeout(Duration.ofMinutes(10))
                .maxLifetime(Duration.ofMinutes(30))
                .transactionIntegration(integration)
                .recoveryEnable(true)
                .connectionFactoryConfiguration(factory -> factory
                        .connectionProviderClassName(vendor.xaDataSourceClass())
                        .jdbcUrl(db.url)
                        .autoCommit(true)
                        .poolRecovery(false)
                        .principal(new NamePrincipal(db.user))
                        .credential(new SimplePassword(db.password))));
        try {
            return AgroalDataSource.from(config);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start an Agroal pool for " + db + ": " + e.getMessage(), e);
        }
    }

    private static HikariDataSource hikari(BenchDatabase db, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("bench-" + db.service);
        config.setJdbcUrl(db.url);
        config.setUsername(db.user);
        config.setPassword(db.password);
        config.setMinimumIdle(0);
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(Duration.ofSeconds(30).toMillis());
        config.setIdleTimeout(Duration.ofMinutes(10).toMillis());
        config.setMaxLifetime(Duration.ofMinutes(30).toMillis());
        config.setAutoCommit(false);
        return new HikariDataSource(config);
    }

    /** Closes each in order; the first failure is thrown after all were tried. */
    static void closeAll(AutoCloseable... closers) {
        RuntimeException failure = null;
        for (AutoCloseable c : closers) {
            try {
                c.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing " + c + " failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
