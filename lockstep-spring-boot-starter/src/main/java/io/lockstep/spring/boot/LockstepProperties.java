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
 * The {@code lockstep.*} settings of a Spring Boot application. Each maps onto the {@code Lockstep.builder()} method
 * of the same name; a setting left out keeps the builder's default, and the builder validates every value (a bad
 * one stops the application with a message naming the key, the value and the rule). Durations without a unit are
 * seconds, as in Lockstep's own properties.
 */
@ConfigurationProperties(prefix = "lockstep")
public class LockstepProperties {

    /** Whether to auto-configure Lockstep (the transaction manager, Spring's JtaTransactionManager, data sources). */
    private boolean enabled = true;

    /**
     * Identifies this manager in its transaction ids: stable across restarts, unique among managers sharing a
     * database; only [A-Za-z0-9._-], at most 24 bytes. Default: the host name.
     */
    private String nodeId;

    /** Directory of the file transaction log, created if absent and locked while running. Default: var/lockstep. */
    private Path logDirectory;

    /** Timeout of transactions that set none (@Transactional(timeout) overrides it); whole seconds. Default: 60s. */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration defaultTimeout;

    /** Time between background recovery passes. Default: 30s. */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration recoveryInterval;

    /**
     * How old a prepared branch without a commit record must be before recovery rolls it back as an orphan; must
     * exceed the longest time between a prepare and its commit record. Default: 20s.
     */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration orphanSafetyInterval;

    /** Further node ids whose in-doubt branches this manager recovers (e.g. a retired node's). */
    private List<String> recoveryNodes = new ArrayList<>();

    /** Connections per resource that recovery uses at once, 1 to 64. Default: 4. */
    private Integer recoveryParallelism;

    private final Log log = new Log();

    private final Management management = new Management();

    /**
     * XA data sources, one bean per entry, named by its key; the key is also the stable resource name written in
     * the transaction log, so keep it across restarts. When set, spring.datasource.url is not used.
     */
    private final Map<String, DataSource> datasources = new LinkedHashMap<>();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

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

    public List<String> getRecoveryNodes() {
        return recoveryNodes;
    }

    public void setRecoveryNodes(List<String> recoveryNodes) {
        this.recoveryNodes = recoveryNodes;
    }

    public Integer getRecoveryParallelism() {
        return recoveryParallelism;
    }

    public void setRecoveryParallelism(Integer recoveryParallelism) {
        this.recoveryParallelism = recoveryParallelism;
    }

    public Log getLog() {
        return log;
    }

    public Management getManagement() {
        return management;
    }

    public Map<String, DataSource> getDatasources() {
        return datasources;
    }

    /** {@code lockstep.log.*}: where and how the transaction log is kept. */
    public static class Log {

        /** Where the log lives: file (in log-directory) or jdbc (a table in a database). Default: file. */
        private LogType type;

        /** Size of each preallocated log segment, at least 64KB. Default: 16MB. */
        private DataSize segmentSize;

        /**
         * Operator override: start even though the log has a corrupt record followed by valid ones (the corrupt
         * bytes are skipped and reported). Default: false, such a log refuses to start.
         */
        private boolean ignoreCorruption;

        /** JDBC URL of the database holding the log when type=jdbc; its driver must be on the class path. */
        private String jdbcUrl;

        /** User of the JDBC log database. */
        private String jdbcUser;

        /** Password of the JDBC log database. */
        private String jdbcPassword;

        /** Table of the JDBC log, created if absent. Default: lockstep_log. */
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

        public boolean isIgnoreCorruption() {
            return ignoreCorruption;
        }

        public void setIgnoreCorruption(boolean ignoreCorruption) {
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

    /** {@code lockstep.management.*}: the HTTP endpoint with JSON views and Prometheus metrics (off by default). */
    public static class Management {

        /** Port of the management endpoint; 0 = any free port. Default: off. */
        private Integer port;

        /** Address the endpoint binds to; beyond loopback a token is required. Default: 127.0.0.1. */
        private String host;

        /** Bearer token every management request must carry, at least 16 characters. */
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

    /** {@code lockstep.datasources.<name>.*}: one pooled XA data source. */
    public static class DataSource {

        /** JDBC URL; the vendor (postgresql, mysql, mariadb, h2) is taken from it. Required. */
        private String url;

        /** Database user. */
        private String username;

        /** Database password. */
        private String password;

        /** Connections kept open when idle. Default: 0. */
        private Integer minSize;

        /** Most connections open at once. Default: 20. */
        private Integer maxSize;

        /** How long getConnection() waits for a free connection. Default: 30s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration acquisitionTimeout;

        /** A connection held longer than this is reported with the borrowing stack. Default: off. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration leakTimeout;

        /** Whether this bean is the @Primary DataSource (the one injected where no name is given). */
        private boolean primary;

        /** Driver properties, e.g. sslmode or connectTimeout. */
        private Map<String, String> properties = new LinkedHashMap<>();

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

        public Integer getMinSize() {
            return minSize;
        }

        public void setMinSize(Integer minSize) {
            this.minSize = minSize;
        }

        public Integer getMaxSize() {
            return maxSize;
        }

        public void setMaxSize(Integer maxSize) {
            this.maxSize = maxSize;
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

        public boolean isPrimary() {
            return primary;
        }

        public void setPrimary(boolean primary) {
            this.primary = primary;
        }

        public Map<String, String> getProperties() {
            return properties;
        }

        public void setProperties(Map<String, String> properties) {
            this.properties = properties;
        }
    }
}
