package io.lockstep.xa.jdbc;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.AgroalConnectionPoolConfiguration.ConnectionValidator;
import io.agroal.api.configuration.supplier.AgroalConnectionFactoryConfigurationSupplier;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.lockstep.tm.LockstepTransactionManager;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.XAConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pooled data sources whose connections join Lockstep's global transactions.
 *
 * <pre>{@code
 * LockstepDataSource orders = LockstepDataSources.postgres(tm, "jdbc:postgresql://db/orders", "app", secret)
 *         .maxSize(20).build();
 * LockstepDataSource stock = LockstepDataSources.forUrl(tm, "jdbc:mariadb://db2/stock", "app", secret).build();
 * LockstepDataSource legacy = LockstepDataSources.lastResource(tm, "jdbc:postgresql://db3/legacy", "app", secret)
 *         .commitMarks(true).build();
 * }</pre>
 *
 * XA data sources are pooled by Agroal, enlist through Lockstep's Agroal {@code TransactionIntegration} and
 * register their recovery source with the manager; the last resource is a HikariCP pool of local connections that
 * joins a transaction as its one non-XA resource. The JDBC driver and the pool library must be on the class path.
 */
public final class LockstepDataSources {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** Default of {@link Builder#xaCallTimeout(Duration)}. */
    public static final Duration DEFAULT_XA_CALL_TIMEOUT = Duration.ofSeconds(30);

    private LockstepDataSources() {
    }

    /** An XA data source for PostgreSQL (pgjdbc). */
    public static Builder postgres(LockstepTransactionManager tm, String url, String user, String password) {
        return new Builder(tm, Vendor.POSTGRESQL, url, user, password);
    }

    /** An XA data source through MySQL Connector/J (MySQL or MariaDB servers). */
    public static Builder mysql(LockstepTransactionManager tm, String url, String user, String password) {
        return new Builder(tm, Vendor.MYSQL, url, user, password);
    }

    /** An XA data source through MariaDB Connector/J. */
    public static Builder mariadb(LockstepTransactionManager tm, String url, String user, String password) {
        return new Builder(tm, Vendor.MARIADB, url, user, password);
    }

    /** An XA data source for H2. */
    public static Builder h2(LockstepTransactionManager tm, String url, String user, String password) {
        return new Builder(tm, Vendor.H2, url, user, password);
    }

    /** An XA data source for the vendor of the URL ({@link Vendor#of}). */
    public static Builder forUrl(LockstepTransactionManager tm, String url, String user, String password) {
        return new Builder(tm, Vendor.of(url), url, user, password);
    }

    /** A non-XA last resource over local connections (HikariCP), see {@link LastResourceBuilder}. */
    public static LastResourceBuilder lastResource(LockstepTransactionManager tm, String url, String user,
            String password) {
        return new LastResourceBuilder(tm, url, user, password);
    }

    static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("data source name \"" + name
                    + "\": only [A-Za-z0-9._-], 1 to 64 characters (it is written into the transaction log)");
        }
        return name;
    }

    static void requireDriver(Vendor vendor, String className) {
        try {
            Class.forName(className, false, LockstepDataSources.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("the " + vendor + " JDBC driver is not on the class path (class "
                    + className + " not found); add the driver dependency", e);
        }
    }

    /** Settings both kinds of pool share. */
    abstract static class Settings<B extends Settings<B>> {
        final LockstepTransactionManager tm;
        final String url;
        final String user;
        final String password;
        String name;
        int minSize = 0;
        int maxSize = 20;
        Duration acquisitionTimeout = Duration.ofSeconds(30);
        Duration leakTimeout = Duration.ZERO;
        Duration validateAfterIdle = Duration.ofSeconds(2);
        Duration idleTimeout = Duration.ofMinutes(10);
        Duration maxLifetime = Duration.ofMinutes(30);
        final Map<String, String> properties = new LinkedHashMap<>();

        Settings(LockstepTransactionManager tm, String url, String user, String password) {
            this.tm = Objects.requireNonNull(tm, "tm must not be null: pass the LockstepTransactionManager whose"
                    + " transactions the connections join");
            this.url = Objects.requireNonNull(url, "url must not be null: pass the database's JDBC URL");
            this.user = user;
            this.password = password;
        }

        abstract B self();

        /** The stable resource name (default: vendor, host, port and database from the URL). */
        public B name(String name) {
            this.name = checkName(name);
            return self();
        }

        /** Connections kept open when idle (default 0). */
        public B minSize(int minSize) {
            if (minSize < 0) {
                throw new IllegalArgumentException("minSize must be >= 0, was " + minSize);
            }
            this.minSize = minSize;
            return self();
        }

        /** Most connections open at once (default 20). */
        public B maxSize(int maxSize) {
            if (maxSize < 1) {
                throw new IllegalArgumentException("maxSize must be >= 1, was " + maxSize);
            }
            this.maxSize = maxSize;
            return self();
        }

        /** How long getConnection() waits for a free connection (default 30 s). */
        public B acquisitionTimeout(Duration timeout) {
            this.acquisitionTimeout = positive("acquisitionTimeout", timeout);
            return self();
        }

        /**
         * A connection held longer than this is reported at WARN with the stack of the code that borrowed it
         * (default zero: off, since recording the stack costs on every borrow).
         */
        public B leakTimeout(Duration timeout) {
            this.leakTimeout = nonNegative("leakTimeout", timeout);
            return self();
        }

        /**
         * A connection idle in the pool for longer than this is validated when borrowed (default 2 s); zero
         * validates on every borrow.
         */
        public B validateAfterIdle(Duration idle) {
            this.validateAfterIdle = nonNegative("validateAfterIdle", idle);
            return self();
        }

        /** Idle connections above minSize are closed after this long (default 10 min; zero: never). */
        public B idleTimeout(Duration timeout) {
            this.idleTimeout = nonNegative("idleTimeout", timeout);
            return self();
        }

        /** Connections are replaced after this long (default 30 min; zero: never). */
        public B maxLifetime(Duration lifetime) {
            this.maxLifetime = nonNegative("maxLifetime", lifetime);
            return self();
        }

        /** A driver property (e.g. {@code sslmode}, {@code connectTimeout}). */
        public B property(String key, String value) {
            properties.put(Objects.requireNonNull(key, "driver property key must not be null"),
                    Objects.requireNonNull(value, () -> "driver property " + key + ": value must not be null"));
            return self();
        }

        String where() {
            return Vendor.safeUrl(url);
        }

        void checkSizes() {
            if (minSize > maxSize) {
                throw new IllegalArgumentException("minSize " + minSize + " > maxSize " + maxSize);
            }
        }

        static Duration positive(String what, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(what + " must be positive, was " + d);
            }
            return d;
        }

        static Duration nonNegative(String what, Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException(what + " must be zero or positive, was " + d);
            }
            return d;
        }
    }

    /** Builds an XA data source pooled by Agroal. */
    public static final class Builder extends Settings<Builder> {
        private static final Logger LOG = LoggerFactory.getLogger(LockstepDataSource.class);
        private final Vendor vendor;
        private boolean checkOnStart = true;
        private Duration xaCallTimeout = DEFAULT_XA_CALL_TIMEOUT;

        Builder(LockstepTransactionManager tm, Vendor vendor, String url, String user, String password) {
            super(tm, url, user, password);
            this.vendor = Objects.requireNonNull(vendor, "vendor");
            if (Vendor.of(url) != vendor) {
                throw new IllegalArgumentException("URL " + Vendor.safeUrl(url) + " is not a " + vendor + " URL; use"
                        + " the builder of its database, or LockstepDataSources.forUrl(...) to pick it from the URL");
            }
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * Whether build() connects once to check the database is ready for XA (default true): PostgreSQL's
         * {@code max_prepared_transactions}, MySQL's {@code XA_RECOVER_ADMIN}, the credentials. A database that
         * cannot be reached is only logged (the pool and recovery retry); a misconfigured one fails the build.
         */
        public Builder checkOnStart(boolean check) {
            this.checkOnStart = check;
            return this;
        }

        /**
         * The longest Lockstep waits for the database to answer one XA call ({@code start}, {@code end},
         * {@code prepare}, {@code commit}, {@code rollback}, {@code recover}) and to accept a new connection (default
         * 30 s; zero: no bound, wait as long as the operating system keeps the socket).
         *
         * <p>XA calls have no timeout of their own: on a network that stalls (stops delivering packets without
         * closing the connection) they would block the committing thread or a recovery pass indefinitely. With the
         * bound, the driver gives up and closes the connection; the call fails with {@code XAER_RMFAIL} naming this
         * data source and the bound, and the manager does what JTA requires: a stalled {@code prepare} rolls the
         * transaction back; a stalled {@code commit} after the COMMIT record leaves the commit standing and the
         * branch to recovery; a stalled recovery scan reports this source failed and is retried next pass.
         *
         * <p>It is the driver's network timeout ({@code Connection.setNetworkTimeout}), switched on for XA calls
         * only: the application's statements keep their own timeout (the driver's {@code socketTimeout} property,
         * none by default). Connecting is bounded by the driver's login timeout (whole seconds, rounded up; MySQL
         * Connector/J: {@code connectTimeout}, which covers the TCP connect but not the server's greeting). Choose
         * it above the slowest healthy {@code prepare}/{@code commit} of this database (an fsync, a replica ack):
         * a healthy call cut short turns into a rollback or a recovery round.
         */
        public Builder xaCallTimeout(Duration timeout) {
            this.xaCallTimeout = nonNegative("xaCallTimeout", timeout);
            return this;
        }

        /**
         * Starts the pool and registers its recovery source with the manager.
         *
         * @throws IllegalStateException    the driver is missing, or the database is not ready for XA
         * @throws IllegalArgumentException the name is already used by another recovery source
         */
        public LockstepDataSource build() {
            checkSizes();
            requireDriver(vendor, vendor.xaDataSourceClass());
            String n = name != null ? name : vendor.defaultName(url);
            checkName(n);
            XaCallTimeout timeout = new XaCallTimeout(n, vendor, xaCallTimeout);
            AgroalIntegration integration = new AgroalIntegration(tm, n, vendor, timeout);
            AgroalDataSource agroal;
            try {
                agroal = AgroalDataSource.from(configuration(integration), new PoolLog(n, leakTimeout));
            } catch (SQLException e) {
                throw new IllegalStateException("data source '" + n + "' at " + where() + ": " + e.getMessage(), e);
            }
            XADataSourceSource recovery = new XADataSourceSource(n, () -> recoveryConnection(integration, n), where(),
                    timeout);
            try {
                if (checkOnStart) {
                    check(integration, n);
                }
                tm.registerRecoverable(recovery);
            } catch (IllegalArgumentException e) {
                agroal.close();
                throw new IllegalArgumentException("data source '" + n + "': " + e.getMessage()
                        + "; give each data source its own name(...)", e);
            } catch (RuntimeException e) {
                agroal.close();
                throw e;
            }
            return new LockstepDataSource(n, where(), vendor, false, () -> tm.unregisterRecoverable(n),
                    new AgroalPool(n, where(), maxSize, agroal, integration));
        }

        private AgroalDataSourceConfigurationSupplier configuration(AgroalIntegration integration) {
            AgroalDataSourceConfigurationSupplier config = new AgroalDataSourceConfigurationSupplier()
                    .metricsEnabled(true);
            config.connectionPoolConfiguration(pool -> {
                pool.minSize(minSize).initialSize(minSize).maxSize(maxSize)
                        .acquisitionTimeout(acquisitionTimeout)
                        .connectionValidator(ConnectionValidator.defaultValidatorWithTimeout(5))
                        .reapTimeout(idleTimeout)
                        .maxLifetime(maxLifetime)
                        .transactionIntegration(integration)
                        .recoveryEnable(true);
                if (validateAfterIdle.isZero()) {
                    pool.validateOnBorrow(true);
                } else {
                    pool.idleValidationTimeout(validateAfterIdle);
                }
                if (!leakTimeout.isZero()) {
                    pool.leakTimeout(leakTimeout).enhancedLeakReport(true);
                }
                pool.connectionFactoryConfiguration(factory -> {
                    factory.connectionProviderClassName(vendor.xaDataSourceClass())
                            .jdbcUrl(url)
                            .autoCommit(true)
                            .poolRecovery(false);
                    if (user != null) {
                        factory.principal(new NamePrincipal(user));
                    }
                    if (password != null) {
                        factory.credential(new SimplePassword(password));
                    }
                    if (!xaCallTimeout.isZero()) {
                        boundConnecting(factory);
                    }
                    properties.forEach(factory::jdbcProperty);
                    return factory;
                });
                return pool;
            });
            return config;
        }

        /**
         * Connecting to a stalled server must not hang either (recovery opens a connection every pass): pgjdbc and
         * MariaDB Connector/J bound the whole connection set-up by the login timeout; MySQL Connector/J ignores it
         * and bounds only the TCP connect, by {@code connectTimeout}. A driver property the application set wins.
         */
        private void boundConnecting(AgroalConnectionFactoryConfigurationSupplier factory) {
            factory.loginTimeout(Duration.ofSeconds((xaCallTimeout.toMillis() + 999) / 1000));
            if (vendor == Vendor.MYSQL && !properties.containsKey("connectTimeout")) {
                factory.jdbcProperty("connectTimeout", String.valueOf(xaCallTimeout.toMillis()));
            }
        }

        private static XAConnection recoveryConnection(AgroalIntegration integration, String name)
                throws SQLException {
            var factory = integration.recoveryFactory();
            if (factory == null) {
                throw new SQLException("data source '" + name + "' is closed");
            }
            return factory.getRecoveryConnection();
        }

        private void check(AgroalIntegration integration, String n) {
            XAConnection xc;
            try {
                xc = recoveryConnection(integration, n);
            } catch (SQLException e) {
                String hint = Vendor.explain(e);
                String state = String.valueOf(e.getSQLState());
                if (hint != null || state.startsWith("28") || state.startsWith("3D")) {
                    throw new IllegalStateException("data source '" + n + "' at " + where() + ": " + e.getMessage()
                            + (hint == null ? "" : " — " + hint), e);
                }
                LOG.warn("data source '{}' at {} cannot be reached now ({}); the pool and recovery will retry", n,
                        where(), e.getMessage());
                return;
            }
            try {
                try (Connection c = xc.getConnection()) {
                    vendor.checkXaReady(c, "data source '" + n + "' at " + where());
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e.getMessage(), e);
            } finally {
                try {
                    xc.close();
                } catch (SQLException ignored) {
                    // a check connection; nothing depends on it
                }
            }
        }
    }

    /**
     * Builds a non-XA last resource: a HikariCP pool of local connections. Inside a global transaction its one
     * connection is committed in one phase after every XA branch has prepared and before the COMMIT record
     * (Last Resource Commit Optimisation); a transaction may hold only one such resource.
     *
     * <p>Without commit marks, a crash after the local commit and before the COMMIT record is forced leaves the
     * local work committed and the XA branches rolled back by recovery (the known LRCO window). With
     * {@link #commitMarks(boolean) commit marks}, the local transaction also inserts a row into
     * {@code lockstep_commit_marks} (created on demand), and recovery commits the XA branches of a marked
     * transaction: no window.
     */
    public static final class LastResourceBuilder extends Settings<LastResourceBuilder> {
        private boolean commitMarks;

        LastResourceBuilder(LockstepTransactionManager tm, String url, String user, String password) {
            super(tm, url, user, password);
        }

        @Override
        LastResourceBuilder self() {
            return this;
        }

        /** Write a commit mark with every local commit, closing the LRCO crash window (default false). */
        public LastResourceBuilder commitMarks(boolean enabled) {
            this.commitMarks = enabled;
            return this;
        }

        /**
         * Starts the pool (and registers its commit marks with the manager's recovery).
         *
         * @throws IllegalStateException    HikariCP is missing or the pool cannot start
         * @throws IllegalArgumentException the name is already used by another commit-mark source
         */
        public LockstepDataSource build() {
            checkSizes();
            Vendor vendor = vendorOrNull(url);
            String n = name != null ? name : (vendor != null ? vendor.defaultName(url) : "last-resource");
            checkName(n);
            com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
            config.setPoolName("lockstep-" + n);
            config.setJdbcUrl(url);
            if (user != null) {
                config.setUsername(user);
            }
            if (password != null) {
                config.setPassword(password);
            }
            config.setMinimumIdle(minSize);
            config.setMaximumPoolSize(maxSize);
            config.setConnectionTimeout(acquisitionTimeout.toMillis());
            config.setIdleTimeout(idleTimeout.toMillis());
            config.setMaxLifetime(maxLifetime.toMillis());
            config.setLeakDetectionThreshold(leakTimeout.toMillis());
            config.setAutoCommit(true);
            config.setInitializationFailTimeout(-1); // start even when the database is down; borrowing reports it
            properties.forEach(config::addDataSourceProperty);
            com.zaxxer.hikari.HikariDataSource hikari;
            try {
                hikari = new com.zaxxer.hikari.HikariDataSource(config);
            } catch (RuntimeException e) {
                throw new IllegalStateException("last resource '" + n + "' at " + where() + ": " + e.getMessage(), e);
            }
            CommitMarks marks = null;
            if (commitMarks) {
                marks = new CommitMarks(n, hikari, tm.config().nodeId());
                try {
                    tm.registerCommitMarks(marks);
                } catch (IllegalArgumentException e) {
                    hikari.close();
                    throw new IllegalArgumentException("last resource '" + n + "': " + e.getMessage()
                            + "; give each data source its own name(...)", e);
                }
            }
            Runnable unregister = commitMarks ? () -> tm.unregisterCommitMarks(n) : () -> { };
            return new LockstepDataSource(n, where(), vendor, true, unregister,
                    new HikariPool(tm, n, where(), hikari, marks));
        }

        private static Vendor vendorOrNull(String url) {
            try {
                return Vendor.of(url);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }
}
