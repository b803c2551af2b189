package io.lockstep.spring.boot;

import io.lockstep.tm.LogType;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;

/**
 * The {@code lockstep.*} settings of a Spring Boot application, mapped onto {@code Lockstep.builder()}. A setting
 * left out keeps the builder's default. Durations are {@code 30s}, {@code 2m}, ISO-8601 ({@code PT30S}) or whole
 * seconds ({@code 30}).
 *
 * <p>The structure mirrors Lockstep's own property keys ({@code lockstep.nodeId}, {@code lockstep.log.segmentSize},
 * {@code lockstep.management.port}, ...), so with Spring's relaxed binding a plain Lockstep properties file works
 * unchanged as Spring configuration.
 */
@ConfigurationProperties(prefix = LockstepProperties.PREFIX)
public class LockstepProperties {
    /** Prefix of every Lockstep property. */
    public static final String PREFIX = "lockstep";

    /**
     * Identifies this manager in its transaction ids; must be stable across restarts and unique among managers that
     * share a database ([A-Za-z0-9._-], at most 24 bytes). Default: derived from the host name.
     */
    private String nodeId;

    /** Directory of the transaction log; created if absent and locked while the application runs. Default var/lockstep. */
    private Path logDirectory;

    /** Timeout of transactions that set none (e.g. @Transactional without timeout). At least 1 s. Default 60 s. */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration defaultTimeout;

    /** Time between background recovery passes. Default 30 s. */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration recoveryInterval;

    /**
     * How old a prepared branch without a commit record must be before recovery rolls it back as an orphan; must
     * exceed the longest time between a prepare and its commit record. Default 20 s.
     */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration orphanSafetyInterval;

    /** Connections per resource that recovery uses at once (1 to 64). Default 4. */
    private Integer recoveryParallelism;

    /**
     * How long a recovery pass waits for a resource that answers none of its calls before it reports that resource
     * failed and goes on with the others. Default 60 s.
     */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration recoveryCallTimeout;

    /**
     * Further node ids whose in-doubt branches this manager recovers, e.g. a retired node's (its own is always
     * included).
     */
    private List<String> recoveryNodes = new ArrayList<>();

    /** Where and how the transaction log is kept ({@code lockstep.log.*}). */
    private final Log log = new Log();

    /** The management endpoint ({@code lockstep.management.*}). */
    private final Management management = new Management();

    /** Node leases and takeover with the JDBC log ({@code lockstep.cluster.*}; docs/cluster.md). */
    private final Cluster cluster = new Cluster();

    /**
     * XA data sources by name; each becomes a DataSource bean of that name whose connections join the transaction.
     * The name is also the resource name written in the transaction log, so keep it stable across restarts. When
     * none is given, spring.datasource.url/username/password make one data source named "dataSource".
     */
    private Map<String, DataSourceProperties> datasources = new LinkedHashMap<>();

    public String getNodeId() {
        return nodeId;
    }

    public void setNodeId(String nodeId) {
        this.nodeId = nodeId;
    }

    public Path getLogDirectory() {
        return logDirectory;
    }

    public void setLogDirectory(Path logDirectory) {
        this.logDirectory = logDirectory;
    }

    public Duration getDefaultTimeout() {
        return defaultTimeout;
    }

    public void setDefaultTimeout(Duration defaultTimeout) {
        this.defaultTimeout = defaultTimeout;
    }

    public Duration getRecoveryInterval() {
        return recoveryInterval;
    }

    public void setRecoveryInterval(Duration recoveryInterval) {
        this.recoveryInterval = recoveryInterval;
    }

    public Duration getOrphanSafetyInterval() {
        return orphanSafetyInterval;
    }

    public void setOrphanSafetyInterval(Duration orphanSafetyInterval) {
        this.orphanSafetyInterval = orphanSafetyInterval;
    }

    public Integer getRecoveryParallelism() {
        return recoveryParallelism;
    }

    public void setRecoveryParallelism(Integer recoveryParallelism) {
        this.recoveryParallelism = recoveryParallelism;
    }

    public Duration getRecoveryCallTimeout() {
        return recoveryCallTimeout;
    }

    public void setRecoveryCallTimeout(Duration recoveryCallTimeout) {
        this.recoveryCallTimeout = recoveryCallTimeout;
    }

    public List<String> getRecoveryNodes() {
        return recoveryNodes;
    }

    public void setRecoveryNodes(List<String> recoveryNodes) {
        this.recoveryNodes = recoveryNodes;
    }

    public Log getLog() {
        return log;
    }

    public Cluster getCluster() {
        return cluster;
    }

    public Management getManagement() {
        return management;
    }

    public Map<String, DataSourceProperties> getDatasources() {
        return datasources;
    }

    public void setDatasources(Map<String, DataSourceProperties> datasources) {
        this.datasources = datasources;
    }

    /** {@code lockstep.log.*}: where and how the transaction log is kept. */
    public static class Log {
        /** Where the log lives: file (segments in log-directory) or jdbc (a table in a database). Default file. */
        private LogType type;

        /** Size of each preallocated log segment, at least 64KB. Default 16MB. */
        private DataSize segmentSize;

        /**
         * Operator override: start although a record in the middle of the log is corrupt, skipping it (what was
         * skipped is logged). Default false: such a log refuses to start.
         */
        private Boolean ignoreCorruption;

        /** JDBC URL of the log database when type=jdbc; its driver must be on the class path. */
        private String jdbcUrl;

        /** User of the log database. */
        private String jdbcUser;

        /** Password of the log database; never printed. */
        private String jdbcPassword;

        /** Table of the JDBC log, created if absent; several nodes may share it. Default lockstep_log. */
        private String jdbcTable;

        public LogType getType() {
            return type;
        }

        public void setType(LogType type) {
            this.type = type;
        }

        public DataSize getSegmentSize() {
            return segmentSize;
        }

        public void setSegmentSize(DataSize segmentSize) {
            this.segmentSize = segmentSize;
        }

        public Boolean getIgnoreCorruption() {
            return ignoreCorruption;
        }

        public void setIgnoreCorruption(Boolean ignoreCorruption) {
            this.ignoreCorruption = ignoreCorruption;
        }

        public String getJdbcUrl() {
            return jdbcUrl;
        }

        public void setJdbcUrl(String jdbcUrl) {
            this.jdbcUrl = jdbcUrl;
        }

        public String getJdbcUser() {
            return jdbcUser;
        }

        public void setJdbcUser(String jdbcUser) {
            this.jdbcUser = jdbcUser;
        }

        public String getJdbcPassword() {
            return jdbcPassword;
        }

        public void setJdbcPassword(String jdbcPassword) {
            this.jdbcPassword = jdbcPassword;
        }

        public String getJdbcTable() {
            return jdbcTable;
        }

        public void setJdbcTable(String jdbcTable) {
            this.jdbcTable = jdbcTable;
        }
    }

    /** {@code lockstep.management.*}: the HTTP endpoint with JSON views and Prometheus metrics. */
    /** {@code lockstep.cluster.*}: only with {@code lockstep.log.type=jdbc}. */
    public static class Cluster {
        /** How long a node's lease lasts without renewal; a peer takes an expired node over. Default 15 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration leaseTimeout;

        /** Whether this node takes over peers whose lease expired or that stopped. Default true. */
        private Boolean takeover;

        /** Largest accepted difference between this host's clock and the log database's. Default 10 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration maxClockSkew;

        public Duration getLeaseTimeout() {
            return leaseTimeout;
        }

        public void setLeaseTimeout(Duration leaseTimeout) {
            this.leaseTimeout = leaseTimeout;
        }

        public Boolean getTakeover() {
            return takeover;
        }

        public void setTakeover(Boolean takeover) {
            this.takeover = takeover;
        }

        public Duration getMaxClockSkew() {
            return maxClockSkew;
        }

        public void setMaxClockSkew(Duration maxClockSkew) {
            this.maxClockSkew = maxClockSkew;
        }
    }

    public static class Management {
        /** Port of the management endpoint; 0 = any free port. Default: off. */
        private Integer port;

        /** Address the endpoint binds to; beyond loopback a token is required. Default 127.0.0.1. */
        private String host;

        /** Bearer token every management request must carry; at least 16 characters; never printed. */
        private String token;

        public Integer getPort() {
            return port;
        }

        public void setPort(Integer port) {
            this.port = port;
        }

        public String getHost() {
            return host;
        }

        public void setHost(String host) {
            this.host = host;
        }

        public String getToken() {
            return token;
        }

        public void setToken(String token) {
            this.token = token;
        }
    }

    /** One XA data source: {@code lockstep.datasources.<name>.*}. */
    public static class DataSourceProperties {
        /** JDBC URL; the vendor (PostgreSQL, MySQL, MariaDB, H2) is taken from it. */
        private String url;

        /** Database user. */
        private String username;

        /** Database password. */
        private String password;

        /** Most connections open at once. Default 20. */
        private int maxSize = 20;

        /** Connections kept open when idle. Default 0. */
        private int minSize;

        /** How long getConnection() waits for a free connection. Default 30s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration acquisitionTimeout;

        /** A connection held longer than this is reported at WARN with the borrowing stack. Default: off. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration leakTimeout;

        /**
         * The longest Lockstep waits for the database to answer one XA call (prepare, commit, rollback, recover) or
         * to accept a connection; a stalled call fails and the transaction gets the outcome JTA requires. Default
         * 30s; 0 = no bound.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration xaCallTimeout;

        /** Driver properties, e.g. sslmode=require or connectTimeout=5. */
        private Map<String, String> properties = new LinkedHashMap<>();

        /** Whether this is the @Primary DataSource bean (for injection points that name no data source). */
        private boolean primary;

        public String getUrl() {
            return url;
        }

        public void setUrl(String url) {
            this.url = url;
        }

        public String getUsername() {
            return username;
        }

        public void setUsername(String username) {
            this.username = username;
        }

        public String getPassword() {
            return password;
        }

        public void setPassword(String password) {
            this.password = password;
        }

        public int getMaxSize() {
            return maxSize;
        }

        public void setMaxSize(int maxSize) {
            this.maxSize = maxSize;
        }

        public int getMinSize() {
            return minSize;
        }

        public void setMinSize(int minSize) {
            this.minSize = minSize;
        }

        public Duration getAcquisitionTimeout() {
            return acquisitionTimeout;
        }

        public void setAcquisitionTimeout(Duration acquisitionTimeout) {
            this.acquisitionTimeout = acquisitionTimeout;
        }

        public Duration getLeakTimeout() {
            return leakTimeout;
        }

        public void setLeakTimeout(Duration leakTimeout) {
            this.leakTimeout = leakTimeout;
        }

        public Duration getXaCallTimeout() {
            return xaCallTimeout;
        }

        public void setXaCallTimeout(Duration xaCallTimeout) {
            this.xaCallTimeout = xaCallTimeout;
        }

        public Map<String, String> getProperties() {
            return properties;
        }

        public void setProperties(Map<String, String> properties) {
            this.properties = properties;
        }

        public boolean isPrimary() {
            return primary;
        }

        public void setPrimary(boolean primary) {
            this.primary = primary;
        }
    }
}
