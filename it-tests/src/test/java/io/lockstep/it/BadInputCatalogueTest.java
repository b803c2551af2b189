package io.lockstep.it;

import static io.lockstep.it.FaultFixtures.cli;
import static io.lockstep.it.FaultFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.lockstep.it.FaultFixtures.Res;
import io.lockstep.it.FaultFixtures.Run;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.cluster.NodeDirectory;
import io.lockstep.tm.log.jdbc.UrlDataSource;
import io.lockstep.tm.LogType;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.RecoverySession;
import io.lockstep.tm.XAResourceSource;
import io.lockstep.tm.log.InMemoryLog;
import io.lockstep.tm.recovery.RecoveryReport;
import io.lockstep.tm.xa.LockstepXid;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import io.lockstep.xa.jms.LockstepJms;
import jakarta.jms.XAConnectionFactory;
import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.apache.activemq.artemis.jms.client.ActiveMQXAConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad-input catalogue (issue 10): every public entry point of the API (builder, TransactionManager /
 * UserTransaction / TransactionSynchronizationRegistry, Transaction, recovery registration, admin, the JDBC and JMS
 * adapters' builders) and of the CLI, fed nulls, wrong states, wrong threads, malformed ids, oversize node ids and
 * bad properties. Each row names the exact exception type (or exit code) and words the message must contain — the
 * offending value or key and what to do. After every row nothing has changed: the log directories hold the same
 * bytes, no directory was created, no transaction is left on the thread, no recovery source was added or lost.
 * Log directories on a read-only file system or unreadable by the process are in {@link LogDirectoryFaultsTest}.
 */
class BadInputCatalogueTest {
    @TempDir
    static Path root;

    static LockstepTransactionManager tm;
    static Path apiLog;
    static Path cliLog;
    static Path fresh;
    static String apiInDoubt;
    static String cliInDoubt;
    static Path goodResources;

    Map<String, String> before;
    List<String> sourcesBefore;

    @BeforeAll
    static void start() throws Exception {
        apiLog = root.resolve("api-log");
        cliLog = root.resolve("cli-log");
        fresh = root.resolve("never-created");
        tm = Lockstep.builder().nodeId("faults-api").logDirectory(apiLog).recoveryInterval(Duration.ofHours(1))
                .logSegmentSize(FaultFixtures.SMALL_SEGMENT).build();
        apiInDoubt = FaultFixtures.leaveInDoubt(tm);
        cliInDoubt = FaultFixtures.stoppedNodeWithOneInDoubt(cliLog, "faults-cli");
        goodResources = root.resolve("good.properties");
        Files.writeString(goodResources, "resource.faults-a.type=h2\nresource.faults-a.url=jdbc:h2:mem:faults-a\n");
    }

    @AfterAll
    static void stop() {
        tm.close();
    }

    @BeforeEach
    void takeSnapshot() throws Exception {
        before = snapshotAll();
        sourcesBefore = tm.admin().recoverySources();
    }

    @AfterEach
    void nothingChanged() throws Exception {
        assertThat(snapshotAll()).as("the log directories are untouched").isEqualTo(before);
        assertThat(fresh).as("no directory was created").doesNotExist();
        assertThat(tm.getTransaction()).as("no transaction left on the thread").isNull();
        assertThat(tm.admin().live()).as("no transaction left alive").isEmpty();
        assertThat(tm.admin().recoverySources()).isEqualTo(sourcesBefore);
    }

    private static Map<String, String> snapshotAll() throws Exception {
        Map<String, String> all = new java.util.TreeMap<>();
        snapshot(apiLog).forEach((k, v) -> all.put("api/" + k, v));
        snapshot(cliLog).forEach((k, v) -> all.put("cli/" + k, v));
        return all;
    }

    // ---------------------------------------------------------------- the API table

    /** One row: what is called with what, the exception it must throw, and words its message must contain. */
    record Case(String call, Action action, Class<? extends Throwable> type, String... says) {
        @Override
        public String toString() {
            return call + " → " + type.getSimpleName();
        }
    }

    @FunctionalInterface
    interface Action {
        void run() throws Throwable;
    }

    static Case row(String call, Action action, Class<? extends Throwable> type, String... says) {
        return new Case(call, action, type, says);
    }

    static Stream<Case> api() {
        List<Case> rows = new ArrayList<>();
        builder(rows);
        transactionManager(rows);
        registry(rows);
        transaction(rows);
        recoveryAndAdmin(rows);
        dataSources(rows);
        jms(rows);
        return rows.stream();
    }

    private static void builder(List<Case> rows) {
        rows.add(row("builder.nodeId(null)", () -> Lockstep.builder().nodeId(null),
                IllegalArgumentException.class, "lockstep.nodeId", "must not be empty", "at most 24 bytes"));
        rows.add(row("builder.nodeId(25 bytes)", () -> Lockstep.builder().nodeId("abcdefghijklmnopqrstuvwxy"),
                IllegalArgumentException.class, "lockstep.nodeId", "\"abcdefghijklmnopqrstuvwxy\"", "at most 24 bytes"));
        rows.add(row("builder.nodeId(\"node 1\")", () -> Lockstep.builder().nodeId("node 1"),
                IllegalArgumentException.class, "lockstep.nodeId", "only [A-Za-z0-9._-]"));
        rows.add(row("builder.recoveryNodes(oversize id)",
                () -> Lockstep.builder().recoveryNodes("ok", "n".repeat(25)),
                IllegalArgumentException.class, "lockstep.recoveryNodes", "at most 24 bytes"));
        rows.add(row("builder.recoveryNodes((String[]) null)", () -> Lockstep.builder().recoveryNodes((String[]) null),
                IllegalArgumentException.class, "lockstep.recoveryNodes", "node id"));
        rows.add(row("builder.logDirectory(null)", () -> Lockstep.builder().logDirectory(null),
                IllegalArgumentException.class, "lockstep.logDirectory", "directory"));
        rows.add(row("builder.defaultTimeout(0)", () -> Lockstep.builder().defaultTimeout(Duration.ZERO),
                IllegalArgumentException.class, "lockstep.defaultTimeout", "PT0S", "positive"));
        rows.add(row("builder.defaultTimeout(500 ms)", () -> Lockstep.builder().defaultTimeout(Duration.ofMillis(500)),
                IllegalArgumentException.class, "lockstep.defaultTimeout", "at least 1 second"));
        rows.add(row("builder.defaultTimeout(null)", () -> Lockstep.builder().defaultTimeout(null),
                IllegalArgumentException.class, "lockstep.defaultTimeout", "positive duration"));
        rows.add(row("builder.recoveryInterval(-1 s)", () -> Lockstep.builder().recoveryInterval(Duration.ofSeconds(-1)),
                IllegalArgumentException.class, "lockstep.recoveryInterval", "positive duration"));
        rows.add(row("builder.orphanSafetyInterval(null)", () -> Lockstep.builder().orphanSafetyInterval(null),
                IllegalArgumentException.class, "lockstep.orphanSafetyInterval", "positive duration"));
        rows.add(row("builder.recoveryCallTimeout(0)", () -> Lockstep.builder().recoveryCallTimeout(Duration.ZERO),
                IllegalArgumentException.class, "lockstep.recoveryCallTimeout", "positive duration"));
        rows.add(row("builder.logSegmentSize(4096)", () -> Lockstep.builder().logSegmentSize(4096),
                IllegalArgumentException.class, "lockstep.log.segmentSize", "\"4096\"", "at least 65536"));
        rows.add(row("builder.managementPort(65536)", () -> Lockstep.builder().managementPort(65536),
                IllegalArgumentException.class, "lockstep.management.port", "0..65535"));
        rows.add(row("builder.managementToken(\"short\")", () -> Lockstep.builder().managementToken("short"),
                IllegalArgumentException.class, "lockstep.management.token", "at least 16 characters"));
        rows.add(row("builder.managementHost(\" \")", () -> Lockstep.builder().managementHost(" "),
                IllegalArgumentException.class, "lockstep.management.host", "host name or address"));
        rows.add(row("builder.transactionLog(null)", () -> Lockstep.builder().transactionLog(null),
                NullPointerException.class, "transactionLog", "lockstep.logDirectory"));
        rows.add(row("builder.listener(null)", () -> Lockstep.builder().listener(null),
                NullPointerException.class, "listener", "TransactionListener.NONE"));
        rows.add(row("builder.properties(null)", () -> Lockstep.builder().properties(null),
                NullPointerException.class, "properties"));
        rows.add(row("builder.properties(lockstep.nodeid=…) (misspelt key)",
                () -> Lockstep.builder().properties(props("lockstep.nodeid", "x")),
                IllegalArgumentException.class, "unknown configuration key lockstep.nodeid", "valid keys",
                "lockstep.nodeId"));
        rows.add(row("builder.properties(lockstep.defaultTimeout=soon)",
                () -> Lockstep.builder().properties(props("lockstep.defaultTimeout", "soon")),
                IllegalArgumentException.class, "lockstep.defaultTimeout", "\"soon\"", "PT30S"));
        rows.add(row("builder.properties(lockstep.log.segmentSize=big)",
                () -> Lockstep.builder().properties(props("lockstep.log.segmentSize", "big")),
                IllegalArgumentException.class, "lockstep.log.segmentSize", "\"big\"", "whole number"));
        rows.add(row("builder.properties(lockstep.log.ignoreCorruption=yes)",
                () -> Lockstep.builder().properties(props("lockstep.log.ignoreCorruption", "yes")),
                IllegalArgumentException.class, "lockstep.log.ignoreCorruption", "\"yes\"", "true or false"));
        rows.add(row("builder.properties(lockstep.management.port=http)",
                () -> Lockstep.builder().properties(props("lockstep.management.port", "http")),
                IllegalArgumentException.class, "lockstep.management.port", "\"http\""));
        rows.add(row("builder.properties(lockstep.nodeId=<25 bytes>)",
                () -> Lockstep.builder().properties(props("lockstep.nodeId", "n".repeat(25))),
                IllegalArgumentException.class, "lockstep.nodeId", "at most 24 bytes"));
        rows.add(row("builder.clusterLeaseTimeout(100 ms)",
                () -> Lockstep.builder().clusterLeaseTimeout(Duration.ofMillis(100)),
                IllegalArgumentException.class, "lockstep.cluster.leaseTimeout", "PT0.1S", "at least 300 ms"));
        rows.add(row("builder.clusterLeaseTimeout(null)", () -> Lockstep.builder().clusterLeaseTimeout(null),
                IllegalArgumentException.class, "lockstep.cluster.leaseTimeout", "positive duration"));
        rows.add(row("builder.clusterMaxClockSkew(0)", () -> Lockstep.builder().clusterMaxClockSkew(Duration.ZERO),
                IllegalArgumentException.class, "lockstep.cluster.maxClockSkew", "positive duration"));
        rows.add(row("builder.properties(lockstep.cluster.takeover=maybe)",
                () -> Lockstep.builder().properties(props("lockstep.cluster.takeover", "maybe")),
                IllegalArgumentException.class, "lockstep.cluster.takeover", "\"maybe\"", "true or false"));
        rows.add(row("build(): JDBC log with another node in recoveryNodes",
                () -> Lockstep.builder().nodeId("faults-x").recoveryNodes("faults-y").logType(LogType.JDBC)
                        .logJdbcUrl("jdbc:postgresql://127.0.0.1:1/none").build().close(),
                IllegalArgumentException.class, "lockstep.recoveryNodes [faults-y]", "recovered by takeover"));
        rows.add(row("build(): JDBC log on a database that cannot be reached",
                () -> Lockstep.builder().nodeId("faults-x").logType(LogType.JDBC)
                        .logJdbcUrl("jdbc:postgresql://127.0.0.1:1/none?password=hunter2").build().close(),
                IllegalStateException.class, "cannot start Lockstep node faults-x", "lease tables",
                "password=****"));
        rows.add(row("NodeDirectory with a table name that is not an identifier",
                () -> new NodeDirectory(new UrlDataSource("jdbc:postgresql://127.0.0.1:1/none", null, null), "x; drop"),
                IllegalArgumentException.class, "\"x; drop\"", "must be an SQL identifier"));
        rows.add(row("build(): management endpoint beyond loopback without a token",
                () -> Lockstep.builder().nodeId("faults-x").logDirectory(fresh).managementPort(0)
                        .managementHost("192.0.2.1").build().close(),
                IllegalArgumentException.class, "lockstep.management.host", "192.0.2.1",
                "requires lockstep.management.token"));
        rows.add(row("build(): log directory is a regular file",
                () -> Lockstep.builder().nodeId("faults-x").logDirectory(regularFile()).build().close(),
                IllegalStateException.class, "is not a directory", "lockstep.logDirectory"));
        rows.add(row("build(): log directory in use by a running manager",
                () -> Lockstep.builder().nodeId("faults-api").logDirectory(apiLog).build().close(),
                IllegalStateException.class, "in use by pid " + ProcessHandle.current().pid(),
                "give this manager its own log directory"));
        rows.add(row("build(): log directory written by another node id",
                () -> Lockstep.builder().nodeId("faults-other").logDirectory(cliLog).build().close(),
                IllegalStateException.class, "belongs to node faults-cli", "lockstep.nodeId"));
    }

    private static void transactionManager(List<Case> rows) {
        rows.add(row("TM.commit() without a transaction", () -> tm.commit(),
                IllegalStateException.class, "commit", "no transaction is associated with the calling thread",
                "begin()"));
        rows.add(row("TM.rollback() without a transaction", () -> tm.rollback(),
                IllegalStateException.class, "rollback", "no transaction is associated"));
        rows.add(row("TM.setRollbackOnly() without a transaction", () -> tm.setRollbackOnly(),
                IllegalStateException.class, "setRollbackOnly", "no transaction is associated"));
        rows.add(row("TM.begin() inside a transaction (nested)", () -> inTransaction(t -> tm.begin()),
                NotSupportedException.class, "already associated", "nested transactions are not supported"));
        rows.add(row("TM.setTransactionTimeout(-5)", () -> tm.setTransactionTimeout(-5),
                SystemException.class, "setTransactionTimeout(-5)", "0", "positive"));
        rows.add(row("TM.resume(a transaction of another manager)", () -> {
            try (LockstepTransactionManager other = Lockstep.builder().nodeId("faults-other")
                    .transactionLog(new InMemoryLog()).build()) {
                other.begin();
                Transaction foreign = other.suspend();
                try {
                    tm.resume(foreign);
                } finally {
                    foreign.rollback();
                }
            }
        }, InvalidTransactionException.class, "not a transaction of this Lockstep manager", "faults-api"));
        rows.add(row("TM.resume(a committed transaction)", () -> {
            tm.begin();
            Transaction done = tm.getTransaction();
            tm.commit();
            tm.resume(done);
        }, InvalidTransactionException.class, "cannot resume", "COMMITTED"));
        rows.add(row("TM.resume(tx) while the thread has another", () -> {
            tm.begin();
            Transaction first = tm.suspend();
            try {
                inTransaction(t -> tm.resume(first));
            } finally {
                first.rollback();
            }
        }, IllegalStateException.class, "already associated", "suspend it first"));
        rows.add(row("TM.commit() on a thread that did not begin the transaction (wrong thread)",
                () -> inTransaction(t -> {
                    onAnotherThread(() -> tm.commit());
                }), IllegalStateException.class, "no transaction is associated with the calling thread"));
        rows.add(row("TM.setRollbackOnly() on the wrong thread", () -> inTransaction(t -> {
            onAnotherThread(() -> tm.setRollbackOnly());
        }), IllegalStateException.class, "no transaction is associated with the calling thread"));
        rows.add(row("TM.begin() after close()", () -> closedManager().begin(),
                IllegalStateException.class, "faults-closed", "is closed"));
        rows.add(row("TM.recoverNow() after close()", () -> closedManager().recoverNow(),
                IllegalStateException.class, "faults-closed", "is closed"));
        rows.add(row("TM.registerRecoverable(…) after close()",
                () -> closedManager().registerRecoverable(new EmptySource("faults-late")),
                IllegalStateException.class, "faults-closed", "is closed"));
    }

    private static void registry(List<Case> rows) {
        rows.add(row("TSR.putResource(k, v) without a transaction", () -> tm.putResource("k", "v"),
                IllegalStateException.class, "putResource", "no transaction is associated"));
        rows.add(row("TSR.getResource(k) without a transaction", () -> tm.getResource("k"),
                IllegalStateException.class, "getResource", "no transaction is associated"));
        rows.add(row("TSR.putResource(null, v)", () -> inTransaction(t -> tm.putResource(null, "v")),
                NullPointerException.class, "putResource", "key must not be null"));
        rows.add(row("TSR.getResource(null)", () -> inTransaction(t -> tm.getResource(null)),
                NullPointerException.class, "getResource", "key must not be null"));
        rows.add(row("TSR.registerInterposedSynchronization(null)",
                () -> inTransaction(t -> tm.registerInterposedSynchronization(null)),
                NullPointerException.class, "sync must not be null"));
        rows.add(row("TSR.registerInterposedSynchronization(s) without a transaction",
                () -> tm.registerInterposedSynchronization(new NoSync()),
                IllegalStateException.class, "no transaction is associated"));
        rows.add(row("TSR.getRollbackOnly() without a transaction", () -> tm.getRollbackOnly(),
                IllegalStateException.class, "getRollbackOnly", "no transaction is associated"));
    }

    private static void transaction(List<Case> rows) {
        rows.add(row("Transaction.enlistResource(null)", () -> inTransaction(t -> t.enlistResource(null)),
                NullPointerException.class, "enlistResource", "must not be null"));
        rows.add(row("Transaction.delistResource(r, 12345)", () -> inTransaction(t -> {
            XAResource r = new Res(false);
            t.enlistResource(r);
            t.delistResource(r, 12345);
        }), IllegalArgumentException.class, "12345", "TMSUCCESS, TMFAIL or TMSUSPEND"));
        rows.add(row("Transaction.enlistResource(r) after commit", () -> {
            tm.begin();
            Transaction t = tm.getTransaction();
            tm.commit();
            t.enlistResource(new Res(false));
        }, IllegalStateException.class, "cannot enlist", "COMMITTED"));
        rows.add(row("Transaction.registerSynchronization(s) when marked rollback-only", () -> inTransaction(t -> {
            t.setRollbackOnly();
            t.registerSynchronization(new NoSync());
        }), RollbackException.class, "rollback-only"));
        rows.add(row("Transaction.commit() twice", () -> {
            tm.begin();
            Transaction t = tm.getTransaction();
            t.commit();
            t.commit();
        }, IllegalStateException.class, "cannot commit", "COMMITTED"));
        rows.add(row("Transaction.setRollbackOnly() after commit", () -> {
            tm.begin();
            Transaction t = tm.getTransaction();
            tm.commit();
            t.setRollbackOnly();
        }, IllegalStateException.class, "COMMITTED", "too late"));
    }

    private static void recoveryAndAdmin(List<Case> rows) {
        rows.add(row("TM.registerRecoverable(null)", () -> tm.registerRecoverable(null),
                NullPointerException.class, "registerRecoverable", "source must not be null"));
        rows.add(row("TM.registerRecoverable(source named null)", () -> tm.registerRecoverable(new EmptySource(null)),
                NullPointerException.class, "name() must not be null"));
        rows.add(row("TM.registerRecoverable(a second source named faults-dup)", () -> {
            tm.registerRecoverable(new EmptySource("faults-dup"));
            try {
                tm.registerRecoverable(new EmptySource("faults-dup"));
            } finally {
                tm.unregisterRecoverable("faults-dup");
            }
        }, IllegalArgumentException.class, "\"faults-dup\"", "already registered", "unique"));
        rows.add(row("admin().commit(null, note)", () -> tm.admin().commit(null, "x"),
                NullPointerException.class, "gtrid", "admin().inDoubt()"));
        rows.add(row("admin().commit(malformed gtrid)", () -> tm.admin().commit("not-a-gtrid", "x"),
                IllegalArgumentException.class, "\"not-a-gtrid\"", "<nodeId>:<epoch>:<seq>"));
        rows.add(row("admin().commit(gtrid with an oversize node id)",
                () -> tm.admin().commit("n".repeat(40) + ":1:1", "x"),
                IllegalArgumentException.class, "nnnn:1:1", "does not recover"));
        rows.add(row("admin().rollback(gtrid of a node not recovered here)",
                () -> tm.admin().rollback("faults-other:abc:1", "x"),
                IllegalArgumentException.class, "belongs to node faults-other", "lockstep.recoveryNodes"));
        rows.add(row("admin().rollback(gtrid whose COMMIT record decided commit)",
                () -> tm.admin().rollback(apiInDoubt, "x"),
                IllegalStateException.class, apiInDoubt, "has a COMMIT record", "Use commit instead"));
        rows.add(row("admin().commit(gtrid of a transaction still running)", () -> inTransaction(t ->
                tm.admin().commit(String.valueOf(tm.getTransactionKey()), "x")),
                IllegalStateException.class, "still live in this JVM"));
    }

    private static void dataSources(List<Case> rows) {
        String pg = "jdbc:postgresql://127.0.0.1:5432/test";
        rows.add(row("LockstepDataSources.postgres(null tm, …)",
                () -> LockstepDataSources.postgres(null, pg, "u", "p"),
                NullPointerException.class, "tm", "LockstepTransactionManager"));
        rows.add(row("LockstepDataSources.postgres(tm, null url, …)",
                () -> LockstepDataSources.postgres(tm, null, "u", "p"),
                NullPointerException.class, "url", "JDBC URL"));
        rows.add(row("LockstepDataSources.postgres(tm, a MySQL URL, …)",
                () -> LockstepDataSources.postgres(tm, "jdbc:mysql://127.0.0.1/test", "u", "p"),
                IllegalArgumentException.class, "jdbc:mysql://127.0.0.1/test", "not a POSTGRESQL URL", "forUrl"));
        rows.add(row("LockstepDataSources.forUrl(tm, an Oracle URL, …)",
                () -> LockstepDataSources.forUrl(tm, "jdbc:oracle:thin:@db:1521/x", "u", "p"),
                IllegalArgumentException.class, "jdbc:oracle:thin:@db:1521/x", "jdbc:postgresql:", "jdbc:h2:"));
        rows.add(row("LockstepDataSources.forUrl(tm, null, …)", () -> LockstepDataSources.forUrl(tm, null, "u", "p"),
                IllegalArgumentException.class, "cannot tell the database"));
        rows.add(row("LockstepDataSources.….name(\"has space\")",
                () -> LockstepDataSources.postgres(tm, pg, "u", "p").name("has space"),
                IllegalArgumentException.class, "\"has space\"", "[A-Za-z0-9._-]"));
        rows.add(row("LockstepDataSources.….name(null)", () -> LockstepDataSources.postgres(tm, pg, "u", "p").name(null),
                IllegalArgumentException.class, "\"null\"", "[A-Za-z0-9._-]"));
        rows.add(row("LockstepDataSources.….maxSize(0)", () -> LockstepDataSources.postgres(tm, pg, "u", "p").maxSize(0),
                IllegalArgumentException.class, "maxSize", "0"));
        rows.add(row("LockstepDataSources.….minSize(-1)", () -> LockstepDataSources.postgres(tm, pg, "u", "p").minSize(-1),
                IllegalArgumentException.class, "minSize", "-1"));
        rows.add(row("LockstepDataSources.….minSize(5).maxSize(2).build()",
                () -> LockstepDataSources.postgres(tm, pg, "u", "p").minSize(5).maxSize(2).build(),
                IllegalArgumentException.class, "minSize 5 > maxSize 2"));
        rows.add(row("LockstepDataSources.….acquisitionTimeout(0)",
                () -> LockstepDataSources.postgres(tm, pg, "u", "p").acquisitionTimeout(Duration.ZERO),
                IllegalArgumentException.class, "acquisitionTimeout", "positive"));
        rows.add(row("LockstepDataSources.….leakTimeout(-1 s)",
                () -> LockstepDataSources.postgres(tm, pg, "u", "p").leakTimeout(Duration.ofSeconds(-1)),
                IllegalArgumentException.class, "leakTimeout", "zero or positive"));
        rows.add(row("LockstepDataSources.….xaCallTimeout(-1 s)",
                () -> LockstepDataSources.postgres(tm, pg, "u", "p").xaCallTimeout(Duration.ofSeconds(-1)),
                IllegalArgumentException.class, "xaCallTimeout", "zero or positive"));
        rows.add(row("LockstepDataSources.….property(null, v)",
                () -> LockstepDataSources.postgres(tm, pg, "u", "p").property(null, "v"),
                NullPointerException.class, "property", "key"));
        rows.add(row("LockstepDataSources: a second data source with the same name", () -> {
            try (LockstepDataSource first = LockstepDataSources.postgres(tm, Servers.postgresPlain(), Servers.PG_USER,
                    Servers.PG_PASSWORD).name("faults-dup").build()) {
                LockstepDataSources.postgres(tm, Servers.postgresPlain(), Servers.PG_USER, Servers.PG_PASSWORD)
                        .name("faults-dup").build().close();
            }
        }, IllegalArgumentException.class, "faults-dup", "already registered", "give each data source its own name"));
        rows.add(row("LockstepDataSources.mysql(…, wrong password).build()", () -> {
            Servers.mysqlPlain();
            LockstepDataSources.mysql(tm, Servers.MYSQL_URL, Servers.MYSQL_USER, "Wr0ng-faults-pw").build().close();
        }, IllegalStateException.class, "refused the user name or password"));
    }

    private static void jms(List<Case> rows) {
        ActiveMQXAConnectionFactory cf = new ActiveMQXAConnectionFactory("tcp://127.0.0.1:1");
        rows.add(row("LockstepJms.pooled(null tm, cf)", () -> LockstepJms.pooled(null, cf),
                NullPointerException.class, "tm", "LockstepTransactionManager"));
        rows.add(row("LockstepJms.pooled(tm, null)", () -> LockstepJms.pooled(tm, null),
                NullPointerException.class, "xaConnectionFactory"));
        rows.add(row("LockstepJms.….name(\"a b\")", () -> LockstepJms.pooled(tm, cf).name("a b"),
                IllegalArgumentException.class, "\"a b\"", "[A-Za-z0-9._-]"));
        rows.add(row("LockstepJms.….maxConnections(0)", () -> LockstepJms.pooled(tm, cf).maxConnections(0),
                IllegalArgumentException.class, "maxConnections 0", "at least 1"));
        rows.add(row("LockstepJms.….maxSessionsPerConnection(-1)",
                () -> LockstepJms.pooled(tm, cf).maxSessionsPerConnection(-1),
                IllegalArgumentException.class, "maxSessionsPerConnection -1", "at least 1"));
        rows.add(row("LockstepJms.….xaCallTimeout(0)", () -> LockstepJms.pooled(tm, cf).xaCallTimeout(Duration.ZERO),
                IllegalArgumentException.class, "xaCallTimeout", "positive"));
        XAConnectionFactory other = (XAConnectionFactory) java.lang.reflect.Proxy.newProxyInstance(
                XAConnectionFactory.class.getClassLoader(), new Class<?>[] {XAConnectionFactory.class},
                (proxy, method, args) -> null);
        rows.add(row("LockstepJms.pooled(tm, another provider's factory).xaCallTimeout(2 s)",
                () -> LockstepJms.pooled(tm, other).xaCallTimeout(Duration.ofSeconds(2)),
                IllegalArgumentException.class, "is not an Artemis connection factory", "provider's own call timeout"));
        rows.add(row("LockstepJms: a factory named like a registered source", () -> {
            tm.registerRecoverable(new EmptySource("faults-jms-dup"));
            try {
                LockstepJms.pooled(tm, cf).name("faults-jms-dup").build();
            } finally {
                tm.unregisterRecoverable("faults-jms-dup");
            }
        }, IllegalArgumentException.class, "faults-jms-dup", "already registered", "its own name"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("api")
    void badInputToTheApiIsRefusedPreciselyAndChangesNothing(Case c) {
        Throwable thrown = catchThrowable(() -> c.action().run());
        assertThat(thrown).as(c.call()).isInstanceOf(c.type());
        for (String words : c.says()) {
            assertThat(thrown.getMessage()).as("message of %s", c.call()).contains(words);
        }
    }

    // ---------------------------------------------------------------- the CLI table

    /** One row: the arguments, the exit code, and words standard error must contain. */
    record CliCase(String what, List<String> args, int exit, String... says) {
        @Override
        public String toString() {
            return what + " → exit " + exit;
        }
    }

    static Stream<CliCase> commandLine() throws Exception {
        String log = cliLog.toString();
        String res = goodResources.toString();
        Path badKey = write("bad-key.properties", "resource.faults-a.type=h2\nresource.faults-a.uri=jdbc:h2:mem:x\n");
        Path badType = write("bad-type.properties", "resource.faults-a.type=oracle\nresource.faults-a.url=jdbc:x\n");
        Path noUrl = write("no-url.properties", "resource.faults-a.type=h2\n");
        Path empty = write("empty.properties", "# nothing\n");
        return Stream.of(
                new CliCase("an unknown command", List.of("frobnicate"), 2, "Unmatched argument", "frobnicate"),
                new CliCase("recover without --log", List.of("recover", "--resources", res), 2,
                        "Missing required option", "--log"),
                new CliCase("recover without --resources", List.of("recover", "--log", log), 1,
                        "--resources FILE is required"),
                new CliCase("recover with a missing resources file",
                        List.of("recover", "--log", log, "--resources", root.resolve("nope.properties").toString()), 1,
                        "resources file", "nope.properties", "does not exist"),
                new CliCase("recover with an unknown key in the resources file",
                        List.of("recover", "--log", log, "--resources", badKey.toString()), 1,
                        "unknown key resource.faults-a.uri", "resource.<name>.type|url|user|password"),
                new CliCase("recover with an unknown resource type",
                        List.of("recover", "--log", log, "--resources", badType.toString()), 1,
                        "\"oracle\"", "postgres, mysql, mariadb, h2 or artemis"),
                new CliCase("recover with a resource without url",
                        List.of("recover", "--log", log, "--resources", noUrl.toString()), 1,
                        "resource.faults-a.url is missing"),
                new CliCase("recover with an empty resources file",
                        List.of("recover", "--log", log, "--resources", empty.toString()), 1,
                        "no resource.<name>.type entries"),
                new CliCase("recover on a log directory that does not exist",
                        List.of("recover", "--log", fresh.toString(), "--resources", res), 1,
                        fresh.toString(), "does not exist"),
                new CliCase("recover with an oversize --node",
                        List.of("recover", "--log", log, "--node", "n".repeat(25), "--resources", res), 1,
                        "lockstep.nodeId", "at most 24 bytes"),
                new CliCase("recover with the wrong --node",
                        List.of("recover", "--log", log, "--node", "faults-other", "--resources", res), 1,
                        "belongs to node faults-cli"),
                new CliCase("recover on the log of a running manager",
                        List.of("recover", "--log", apiLog.toString(), "--resources", res), 1,
                        "in use by pid " + ProcessHandle.current().pid(), "stop that process"),
                new CliCase("in-doubt commit without a transaction id",
                        List.of("in-doubt", "commit", "--log", log, "--resources", res), 1,
                        "needs the transaction's gtrid"),
                new CliCase("in-doubt commit of a malformed id",
                        List.of("in-doubt", "commit", "x/y/z", "--log", log, "--resources", res), 1,
                        "\"x\" is not a Lockstep gtrid", "<nodeId>:<epoch>:<seq>"),
                new CliCase("in-doubt rollback of a transaction whose COMMIT record decided commit",
                        List.of("in-doubt", "rollback", cliInDoubt, "--log", log, "--resources", res), 1,
                        cliInDoubt, "Use commit instead"),
                new CliCase("in-doubt with an unknown action",
                        List.of("in-doubt", "frobnicate", cliInDoubt, "--log", log, "--resources", res), 1,
                        "unknown action \"frobnicate\"", "list, commit, rollback or forget"),
                new CliCase("status of a log directory that does not exist",
                        List.of("status", "--log", fresh.toString()), 1, fresh.toString(), "does not exist"),
                new CliCase("log dump of a log directory that does not exist",
                        List.of("log", "dump", fresh.toString()), 1, fresh.toString(), "does not exist"),
                new CliCase("demo with a non-numeric --transfers", List.of("demo", "--transfers", "many"), 2,
                        "Invalid value", "many"),
                new CliCase("nodes without --jdbc-url", List.of("nodes"), 2, "Missing required option",
                        "--jdbc-url"),
                new CliCase("nodes with a table name that is not an identifier",
                        List.of("nodes", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/none", "--table", "a b"), 1,
                        "\"a b\"", "must be an SQL identifier"),
                new CliCase("nodes on a database that cannot be reached",
                        List.of("nodes", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/none?password=hunter2"), 1,
                        "cannot read the node leases of lockstep_log", "password=****"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commandLine")
    void badInputToTheCliGetsItsExitCodeAndAClearMessageAndChangesNothing(CliCase c) {
        Run run = cli(c.args().toArray(String[]::new));
        assertThat(run.exit()).as("%s\n%s", c.what(), run).isEqualTo(c.exit());
        for (String words : c.says()) {
            assertThat(run.err()).as("%s\n%s", c.what(), run).contains(words);
        }
        if (c.exit() == 1) {
            assertThat(run.err()).as("one line, no stack trace").startsWith("lockstep: ").doesNotContain("\tat ");
        }
    }

    // ---------------------------------------------------------------- malformed Xids from a resource manager

    @Test
    void malformedXidsFromAResourceManagersRecoverAreLeftAlone() throws Exception {
        List<String> touched = new CopyOnWriteArrayList<>();
        Xid[] junk = {
            null,
            xid(0x1234, "faults-api:1:1", new byte[] {0, 0, 0, 1}),          // another TM's format id
            xid(LockstepXid.FORMAT_ID, "no colons here", new byte[] {0, 0, 0, 1}),
            xid(LockstepXid.FORMAT_ID, "faults-api:1:1", new byte[] {0, 0, 1}), // bqual of 3 bytes
            xid(LockstepXid.FORMAT_ID, "n".repeat(70), new byte[] {0, 0, 0, 1}), // gtrid longer than XA allows
            xid(LockstepXid.FORMAT_ID, null, null),
            xid(LockstepXid.FORMAT_ID, "faults-other:1:1", new byte[] {0, 0, 0, 1}), // a node not ours
        };
        try (LockstepTransactionManager own = Lockstep.builder().nodeId("faults-api").transactionLog(new InMemoryLog())
                .orphanSafetyInterval(Duration.ofMillis(1)).build()) {
            own.registerRecoverable(new EmptySource("faults-junk") {
                @Override
                public RecoverySession open() {
                    return session(new JunkResource(junk, touched));
                }
            });
            RecoveryReport first = own.recoverNow();
            RecoveryReport second = own.recoverNow();
            assertThat(first.failedSources()).isEmpty();
            assertThat(second.isClean()).as(second.toString()).isTrue();
            assertThat(second.rolledBack()).isEmpty();
            assertThat(touched).as("no commit, rollback or forget on an Xid that is not ours").isEmpty();
            assertThat(own.admin().inDoubt()).isEmpty();
        }
        assertThat(LockstepXid.from(null)).isNull();
    }

    // ---------------------------------------------------------------- helpers

    private static Properties props(String key, String value) {
        Properties p = new Properties();
        p.setProperty(key, value);
        return p;
    }

    private static Path write(String name, String content) throws Exception {
        return Files.writeString(root.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static Path regularFile() throws Exception {
        Path f = root.resolve("a-file");
        if (!Files.exists(f)) {
            Files.writeString(f, "not a directory");
        }
        return f;
    }

    private static LockstepTransactionManager closedManager() {
        LockstepTransactionManager closed = Lockstep.builder().nodeId("faults-closed")
                .transactionLog(new InMemoryLog()).build();
        closed.close();
        return closed;
    }

    @FunctionalInterface
    interface TxAction {
        void run(Transaction t) throws Throwable;
    }

    /** Runs {@code action} inside a fresh transaction of {@code tm} and rolls it back whatever happens. */
    private static void inTransaction(TxAction action) throws Throwable {
        tm.begin();
        Transaction t = tm.getTransaction();
        try {
            action.run(t);
        } finally {
            if (tm.getTransaction() == null) {
                tm.resume(t);
            }
            if (t.getStatus() == Status.STATUS_ACTIVE || t.getStatus() == Status.STATUS_MARKED_ROLLBACK) {
                tm.rollback();
            } else {
                tm.suspend();
            }
        }
    }

    /** Runs {@code action} on a new thread and rethrows what it threw. */
    private static void onAnotherThread(Action action) throws Throwable {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                action.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        t.join();
        if (thrown.get() != null) {
            throw thrown.get();
        }
    }

    private static Xid xid(int format, String gtrid, byte[] bqual) {
        byte[] g = gtrid == null ? null : gtrid.getBytes(StandardCharsets.US_ASCII);
        return new Xid() {
            @Override
            public int getFormatId() {
                return format;
            }

            @Override
            public byte[] getGlobalTransactionId() {
                return g;
            }

            @Override
            public byte[] getBranchQualifier() {
                return bqual;
            }
        };
    }

    private static RecoverySession session(XAResource xar) {
        return new RecoverySession() {
            @Override
            public XAResource xaResource() {
                return xar;
            }

            @Override
            public void close() {
            }
        };
    }

    /** Returns the given Xids from recover and records every other call. */
    static final class JunkResource extends Res {
        private final Xid[] xids;
        private final List<String> touched;

        JunkResource(Xid[] xids, List<String> touched) {
            super(false);
            this.xids = xids;
            this.touched = touched;
        }

        @Override
        public Xid[] recover(int flag) {
            return (flag & TMSTARTRSCAN) != 0 ? xids : new Xid[0];
        }

        @Override
        public void commit(Xid xid, boolean onePhase) throws XAException {
            touched.add("commit");
        }

        @Override
        public void rollback(Xid xid) {
            touched.add("rollback");
        }

        @Override
        public void forget(Xid xid) {
            touched.add("forget");
        }
    }

    static class EmptySource implements XAResourceSource {
        private final String name;

        EmptySource(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public RecoverySession open() {
            return session(new Res(false));
        }
    }

    static final class NoSync implements Synchronization {
        @Override
        public void beforeCompletion() {
        }

        @Override
        public void afterCompletion(int status) {
        }
    }
}
