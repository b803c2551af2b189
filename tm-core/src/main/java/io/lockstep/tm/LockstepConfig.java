package io.lockstep.tm;

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
        int recoveryParallelism) {

    public LockstepConfig {
        recoveryNodes = Set.copyOf(recoveryNodes);
    }

    /** The configuration before {@code recoveryParallelism} existed; recovery then uses 4 connections. */
    public LockstepConfig(String nodeId, Path logDirectory, Duration defaultTimeout, Duration recoveryInterval,
            Duration orphanSafetyInterval, Set<String> recoveryNodes, long logSegmentSize, boolean logIgnoreCorruption,
            int managementPort, String managementHost, String managementToken) {
        this(nodeId, logDirectory, defaultTimeout, recoveryInterval, orphanSafetyInterval, recoveryNodes,
                logSegmentSize, logIgnoreCorruption, managementPort, managementHost, managementToken, 4);
    }

    /** Never prints the management token. */
    @Override
    public String toString() {
        return "LockstepConfig[nodeId=" + nodeId + ", logDirectory=" + logDirectory + ", defaultTimeout="
                + defaultTimeout + ", recoveryInterval=" + recoveryInterval + ", orphanSafetyInterval="
                + orphanSafetyInterval + ", recoveryNodes=" + recoveryNodes + ", recoveryParallelism=" + recoveryParallelism + ", logSegmentSize=" + logSegmentSize
                + ", logIgnoreCorruption=" + logIgnoreCorruption + ", managementPort=" + managementPort
                + ", managementHost=" + managementHost + ", managementToken="
                + (managementToken == null ? "none" : "****") + "]";
    }
}
