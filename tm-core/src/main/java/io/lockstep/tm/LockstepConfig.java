package io.lockstep.tm;

import io.lockstep.tm.log.jdbc.UrlDataSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The validated, immutable configuration of one manager, made by {@link LockstepBuilder#build()}. Each component
 * is named like its builder method and its {@code lockstep.*} property key.
 *
 * @param nodeId               identifies this manager in every Xid it creates; 1..24 bytes of [A-Za-z0-9._-]
 * @param logDirectory         where the file log lives (locked for exclusive use while open)
 * @param defaultTimeout       transaction timeout when {@code setTransactionTimeout} was not called; positive
 * @param recoveryInterval     time between background recovery passes; positive
 * @param orphanSafetyInterval minimum age of a prepared branch with no commit record before recovery rolls it back
 * @param recoveryNodes        node ids whose Xids recovery may resolve; always contains {@code nodeId}
 * @param logSegmentSize       size of each preallocated log segment file in bytes
 * @param logIgnoreCorruption  start even when the log has a corrupt record in its middle, skipping it (operator
 *                             override; what was skipped is logged)
 * @param managementPort       port of the management endpoint; -1 = no endpoint, 0 = any free port
 * @param managementHost       address the endpoint binds to
 * @param managementToken      bearer token the endpoint requires, or null (only allowed on loopback)
 * @param recoveryParallelism  connections per resource recovery uses at once; 1..64
 * @param logType              where the log lives: {@link LogType#FILE} in {@code logDirectory}, or
 *                             {@link LogType#JDBC} in table {@code logJdbcTable} of {@code logJdbcUrl}
 * @param logJdbcUrl           JDBC URL of the log database; null unless {@code logType} is JDBC
 * @param logJdbcUser          user of the log database, or null
 * @param logJdbcPassword      password of the log database, or null; never printed
 * @param logJdbcTable         table of the JDBC log (default {@code lockstep_log})
 * @param clusterLeaseTimeout  JDBC log only: how long this node's lease lasts without renewal; a peer takes the node
 *                             over once it has expired (docs/cluster.md)
 * @param clusterTakeover      JDBC log only: whether this node takes over peers whose lease expired
 * @param clusterMaxClockSkew  JDBC log only: the largest accepted difference between this host's clock and the log
 *                             database's, checked at start
 * @param recoveryCallTimeout  how long a recovery pass waits for a resource that answers none of its calls before
 *                             it reports that resource failed and goes on (a stalled resource cannot hold the pass)
 */
public record LockstepConfig(
        String nodeId,
        Path logDirectory,
        Duration defaultTimeout,
        Duration recoveryInterval,
        Duration orphanSafetyInterval,
        Set<String> recoveryNodes,
        long logSegmentSize,
        boolean logIgnoreCorruption,
        int managementPort,
        String managementHost,
        String managementToken,
        int recoveryParallelism,
        LogType logType,
        String logJdbcUrl,
        String logJdbcUser,
        String logJdbcPassword,
        String logJdbcTable,
        Duration clusterLeaseTimeout,
        boolean clusterTakeover,
        Duration clusterMaxClockSkew,
        Duration recoveryCallTimeout) {

    /** Default of {@code lockstep.cluster.leaseTimeout}. */
    public static final Duration DEFAULT_LEASE_TIMEOUT = Duration.ofSeconds(15);
    /** Default of {@code lockstep.cluster.maxClockSkew}. */
    public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofSeconds(10);
    /** Default of {@code lockstep.recoveryCallTimeout}. */
    public static final Duration DEFAULT_RECOVERY_CALL_TIMEOUT = Duration.ofSeconds(60);

    public LockstepConfig {
        recoveryNodes = Set.copyOf(recoveryNodes);
    }

    /** The configuration before {@code recoveryCallTimeout} existed: its default. */
    public LockstepConfig(String nodeId, Path logDirectory, Duration defaultTimeout, Duration recoveryInterval,
            Duration orphanSafetyInterval, Set<String> recoveryNodes, long logSegmentSize, boolean logIgnoreCorruption,
            int managementPort, String managementHost, String managementToken, int recoveryParallelism,
            LogType logType, String logJdbcUrl, String logJdbcUser, String logJdbcPassword, String logJdbcTable,
            Duration clusterLeaseTimeout, boolean clusterTakeover, Duration clusterMaxClockSkew) {
        this(nodeId, logDirectory, defaultTimeout, recoveryInterval, orphanSafetyInterval, recoveryNodes,
                logSegmentSize, logIgnoreCorruption, managementPort, managementHost, managementToken,
                recoveryParallelism, logType, logJdbcUrl, logJdbcUser, logJdbcPassword, logJdbcTable,
                clusterLeaseTimeout, clusterTakeover, clusterMaxClockSkew, DEFAULT_RECOVERY_CALL_TIMEOUT);
    }

    /** The configuration before node leases existed: default lease settings. */
    public LockstepConfig(String nodeId, Path logDirectory, Duration defaultTimeout, Duration recoveryInterval,
            Duration orphanSafetyInterval, Set<String> recoveryNodes, long logSegmentSize, boolean logIgnoreCorruption,
            int managementPort, String managementHost, String managementToken, int recoveryParallelism,
            LogType logType, String logJdbcUrl, String logJdbcUser, String logJdbcPassword, String logJdbcTable) {
        this(nodeId, logDirectory, defaultTimeout, recoveryInterval, orphanSafetyInterval, recoveryNodes,
                logSegmentSize, logIgnoreCorruption, managementPort, managementHost, managementToken,
                recoveryParallelism, logType, logJdbcUrl, logJdbcUser, logJdbcPassword, logJdbcTable,
                DEFAULT_LEASE_TIMEOUT, true, DEFAULT_MAX_CLOCK_SKEW);
    }

    /** The configuration before the JDBC log existed: the file log. */
    public LockstepConfig(String nodeId, Path logDirectory, Duration defaultTimeout, Duration recoveryInterval,
            Duration orphanSafetyInterval, Set<String> recoveryNodes, long logSegmentSize, boolean logIgnoreCorruption,
            int managementPort, String managementHost, String managementToken, int recoveryParallelism) {
        this(nodeId, logDirectory, defaultTimeout, recoveryInterval, orphanSafetyInterval, recoveryNodes,
                logSegmentSize, logIgnoreCorruption, managementPort, managementHost, managementToken,
                recoveryParallelism, LogType.FILE, null, null, null, "lockstep_log");
    }

    /** The configuration before {@code recoveryParallelism} existed; recovery then uses 4 connections. */
    public LockstepConfig(String nodeId, Path logDirectory, Duration defaultTimeout, Duration recoveryInterval,
            Duration orphanSafetyInterval, Set<String> recoveryNodes, long logSegmentSize, boolean logIgnoreCorruption,
            int managementPort, String managementHost, String managementToken) {
        this(nodeId, logDirectory, defaultTimeout, recoveryInterval, orphanSafetyInterval, recoveryNodes,
                logSegmentSize, logIgnoreCorruption, managementPort, managementHost, managementToken, 4);
    }

    /** Never prints the management token or the log database's password. */
    @Override
    public String toString() {
        return "LockstepConfig[nodeId=" + nodeId + ", logDirectory=" + logDirectory + ", defaultTimeout="
                + defaultTimeout + ", recoveryInterval=" + recoveryInterval + ", orphanSafetyInterval="
                + orphanSafetyInterval + ", recoveryNodes=" + recoveryNodes + ", recoveryParallelism=" + recoveryParallelism
                + ", recoveryCallTimeout=" + recoveryCallTimeout + ", logSegmentSize=" + logSegmentSize
                + ", logIgnoreCorruption=" + logIgnoreCorruption + ", managementPort=" + managementPort
                + ", managementHost=" + managementHost + ", managementToken="
                + (managementToken == null ? "none" : "****") + ", logType=" + logType
                + (logType == LogType.JDBC ? ", logJdbcUrl=" + UrlDataSource.redact(logJdbcUrl) + ", logJdbcUser="
                        + logJdbcUser + ", logJdbcPassword=" + (logJdbcPassword == null ? "none" : "****")
                        + ", logJdbcTable=" + logJdbcTable + ", clusterLeaseTimeout=" + clusterLeaseTimeout
                        + ", clusterTakeover=" + clusterTakeover + ", clusterMaxClockSkew=" + clusterMaxClockSkew
                        : "") + "]";
    }
}
