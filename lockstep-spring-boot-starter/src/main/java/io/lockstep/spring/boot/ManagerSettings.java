package io.lockstep.spring.boot;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepBuilder;

/** Maps {@link LockstepProperties} onto {@link Lockstep#builder()}: only what is set, so the rest keeps its default. */
final class ManagerSettings {

    private ManagerSettings() {
    }

    static LockstepBuilder builder(LockstepProperties p) {
        LockstepBuilder b = Lockstep.builder();
        if (p.getNodeId() != null) {
            b.nodeId(p.getNodeId());
        }
        if (p.getLogDirectory() != null) {
            b.logDirectory(p.getLogDirectory());
        }
        if (p.getDefaultTimeout() != null) {
            b.defaultTimeout(p.getDefaultTimeout());
        }
        if (p.getRecoveryInterval() != null) {
            b.recoveryInterval(p.getRecoveryInterval());
        }
        if (p.getOrphanSafetyInterval() != null) {
            b.orphanSafetyInterval(p.getOrphanSafetyInterval());
        }
        if (!p.getRecoveryNodes().isEmpty()) {
            b.recoveryNodes(p.getRecoveryNodes().toArray(String[]::new));
        }
        if (p.getRecoveryParallelism() != null) {
            b.recoveryParallelism(p.getRecoveryParallelism());
        }
        log(p.getLog(), b);
        management(p.getManagement(), b);
        return b;
    }

    private static void log(LockstepProperties.Log log, LockstepBuilder b) {
        if (log.getType() != null) {
            b.logType(log.getType());
        }
        if (log.getSegmentSize() != null) {
            b.logSegmentSize(log.getSegmentSize().toBytes());
        }
        b.logIgnoreCorruption(log.isIgnoreCorruption());
        if (log.getJdbcUrl() != null) {
            b.logJdbcUrl(log.getJdbcUrl());
        }
        if (log.getJdbcUser() != null) {
            b.logJdbcUser(log.getJdbcUser());
        }
        if (log.getJdbcPassword() != null) {
            b.logJdbcPassword(log.getJdbcPassword());
        }
        if (log.getJdbcTable() != null) {
            b.logJdbcTable(log.getJdbcTable());
        }
    }

    private static void management(LockstepProperties.Management m, LockstepBuilder b) {
        if (m.getPort() != null) {
            b.managementPort(m.getPort());
        }
        if (m.getHost() != null) {
            b.managementHost(m.getHost());
        }
        if (m.getToken() != null) {
            b.managementToken(m.getToken());
        }
    }
}
