package io.lockstep.spring.boot;

import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;

/**
 * The {@code lockstep.*} settings of a Spring Boot application, mapped onto {@code Lockstep.builder()}. A setting
 * left out keeps the builder's default. Durations are {@code 30s}, {@code 2m}, ISO-8601 ({@code PT30S}) or whole
 * seconds ({@code 30}).
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

    /** Port of the management endpoint (JSON views, Prometheus metrics); 0 = any free port. Default: off. */
    private Integer managementPort;

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

    public Integer getManagementPort() {
        return managementPort;
    }

    public void setManagementPort(Integer managementPort) {
        this.managementPort = managementPort;
    }

    public Map<String, DataSourceProperties> getDatasources() {
        return datasources;
    }

    public void setDatasources(Map<String, DataSourceProperties> datasources) {
        this.datasources = datasources;
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

        public boolean isPrimary() {
            return primary;
        }

        public void setPrimary(boolean primary) {
            this.primary = primary;
        }
    }
}
