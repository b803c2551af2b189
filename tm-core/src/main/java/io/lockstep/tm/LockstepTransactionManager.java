package io.lockstep.tm;

import io.lockstep.tm.admin.LockstepAdmin;
import io.lockstep.tm.admin.ManagementEndpoint;
import io.lockstep.tm.admin.TransactionView;
import io.lockstep.tm.cluster.ClusterMonitor;
import io.lockstep.tm.cluster.NodeLease;
import io.lockstep.tm.log.LogRecord;
import io.lockstep.tm.log.TransactionLog;
import io.lockstep.tm.log.TransactionLogException;
import io.lockstep.tm.log.file.SegmentedFileLog;
import io.lockstep.tm.log.jdbc.JdbcTransactionLog;
import io.lockstep.tm.log.jdbc.UrlDataSource;
import io.lockstep.tm.recovery.RecordIndex;
import io.lockstep.tm.recovery.RecoveryCoordinator;
import io.lockstep.tm.recovery.RecoveryReport;
import io.lockstep.tm.tx.Engine;
import io.lockstep.tm.tx.GlobalTransaction;
import io.lockstep.tm.xa.Gtrid;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Lockstep transaction manager: JTA {@link TransactionManager}, {@link UserTransaction} and
 * {@link TransactionSynchronizationRegistry} in one object, plus recovery and the admin view. Made by
 * {@link Lockstep#builder()}; stopped by {@link #close()}.
 *
 * <p>Thread-safe. Each thread has its own transaction association; a {@link Transaction} may be completed or
 * resumed from any thread. Two managers in one JVM are independent (they need different log directories and
 * node ids).
 */
public final class LockstepTransactionManager
        implements TransactionManager, UserTransaction, TransactionSynchronizationRegistry, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LockstepTransactionManager.class);

    private final LockstepConfig config;
    private final RecordIndex log;
    private final Engine engine;
    private final RecoveryCoordinator recovery;
    private final LockstepAdmin admin;
    /** This node's lease in the log database (JDBC log only), else null. */
    private final NodeLease lease;
    /** Lease renewal and peer takeover (JDBC log only), else null. */
    private final ClusterMonitor cluster;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile ManagementEndpoint endpoint;

    private LockstepTransactionManager(LockstepConfig config, RecordIndex log, Engine engine,
            RecoveryCoordinator recovery, NodeLease lease, ClusterMonitor cluster) {
        this.config = config;
        this.log = log;
        this.engine = engine;
        this.recovery = recovery;
        this.lease = lease;
        this.cluster = cluster;
        this.admin = new LockstepAdmin(this::liveViews, log, recovery, engine.counters(), cluster);
    }

    static LockstepTransactionManager start(LockstepConfig config, TransactionLog given, TransactionListener listener) {
        UrlDataSource logDb = null;
        NodeLease lease = null;
        TransactionLog opened;
        if (given != null) {
            opened = given;
        } else if (config.logType() == LogType.JDBC) {
            // a node frozen inside a log transaction must not hold its lease row's lock past its lease
            logDb = new UrlDataSource(config.logJdbcUrl(), config.logJdbcUser(), config.logJdbcPassword())
                    .withIdleInTransactionTimeout(config.clusterLeaseTimeout());
            lease = acquireLease(config, logDb);
            try {
                opened = openJdbcLog(config, logDb, lease);
            } catch (RuntimeException e) {
                lease.close();
                throw e;
            }
        } else {
            opened = openFileLog(config);
        }
        ClusterMonitor cluster = null;
        try {
            List<LogRecord> replayed = opened.replay();
            long epoch = Math.max(System.currentTimeMillis(), maxEpoch(config.nodeId(), replayed) + 1);
            if (lease != null) {
                // newer than every Xid of the node's earlier instances, which a peer's takeover may still touch
                epoch = Math.max(epoch, lease.previousGtridEpoch() + 1);
                lease.publishGtridEpoch(epoch);
            }
            RecordIndex index = new RecordIndex(opened, replayed);
            int timeout = (int) Math.min(Integer.MAX_VALUE, config.defaultTimeout().toSeconds());
            UrlDataSource leaseDb = logDb;
            NodeLease held = lease;
            Engine engine = lease == null ? new Engine(config.nodeId(), epoch, timeout, index, listener)
                    : new Engine(config.nodeId(), epoch, timeout, index, listener,
                            () -> held.logFence().verify(leaseDb));
            RecoveryCoordinator recovery = new RecoveryCoordinator(config.nodeId(), epoch, config.recoveryNodes(),
                    config.orphanSafetyInterval(), config.recoveryParallelism(), config.recoveryCallTimeout(), index,
                    engine::aliveGtrids, engine.counters());
            if (lease != null) {
                cluster = new ClusterMonitor(lease, logDb, config.logJdbcTable(), recovery, engine.counters(),
                        config.clusterTakeover(), config.recoveryInterval());
            }
            LockstepTransactionManager tm = new LockstepTransactionManager(config, index, engine, recovery, lease,
                    cluster);
            engine.start();
            if (config.managementPort() >= 0) {
                try {
                    tm.endpoint = ManagementEndpoint.start(config.managementHost(), config.managementPort(),
                            config.managementToken(), tm.admin);
                } catch (IOException e) {
                    engine.stop();
                    throw new UncheckedIOException("cannot start the management endpoint on "
                            + config.managementHost() + ":" + config.managementPort() + ": " + e.getMessage(), e);
                }
            }
            RecoveryReport first = recovery.recoverNow();
            recovery.startBackground(config.recoveryInterval());
            if (cluster != null) {
                cluster.start();
            }
            LOG.info("Lockstep started: node {}, log {}, {} COMMIT record(s) in doubt, first recovery pass: {}",
                    config.nodeId(), opened, index.liveCommits().size(), first);
            return tm;
        } catch (TransactionLogException | RuntimeException e) {
            if (cluster != null) {
                cluster.close();
            }
            opened.close();
            if (lease != null) {
                lease.close();
            }
            if (e instanceof RuntimeException) {
                throw (RuntimeException) e;
            }
            throw new IllegalStateException("cannot start Lockstep: replay of log " + opened + " failed: "
                    + e.getMessage(), e);
        }
    }

    private static TransactionLog openFileLog(LockstepConfig config) {
        try {
            return SegmentedFileLog.open(config.logDirectory(), config.nodeId(), config.logSegmentSize(),
                    config.logIgnoreCorruption());
        } catch (TransactionLogException e) {
            throw new IllegalStateException("cannot start Lockstep node " + config.nodeId() + ": " + e.getMessage(), e);
        }
    }

    private static NodeLease acquireLease(LockstepConfig config, UrlDataSource logDb) {
        try {
            return NodeLease.acquire(logDb, config.logJdbcTable(), config.nodeId(), config.clusterLeaseTimeout(),
                    config.clusterMaxClockSkew());
        } catch (IllegalStateException e) {
            throw new IllegalStateException("cannot start Lockstep node " + config.nodeId() + ": " + e.getMessage()
                    + " (" + LockstepBuilder.LOG_TYPE + "=jdbc, " + LockstepBuilder.LOG_JDBC_URL + "="
                    + UrlDataSource.redact(config.logJdbcUrl()) + ")", e);
        }
    }

    private static TransactionLog openJdbcLog(LockstepConfig config, UrlDataSource logDb, NodeLease lease) {
        try {
            return JdbcTransactionLog.open(logDb, config.nodeId(), config.logJdbcTable(), lease.logFence());
        } catch (TransactionLogException e) {
            throw new IllegalStateException("cannot start Lockstep node " + config.nodeId() + ": " + e.getMessage()
                    + " (" + LockstepBuilder.LOG_TYPE + "=jdbc, " + LockstepBuilder.LOG_JDBC_URL + ")", e);
        }
    }

    private static long maxEpoch(String nodeId, List<LogRecord> records) {
        long max = 0;
        for (LogRecord r : records) {
            if (nodeId.equals(Gtrid.nodeIdOf(r.gtrid()))) {
                max = Math.max(max, Gtrid.epochOf(r.gtrid()));
            }
        }
        return max;
    }

    /** The configuration this manager runs with. */
    public LockstepConfig config() {
        return config;
    }

    // ---------------------------------------------------------------- TransactionManager / UserTransaction

    @Override
    public void begin() throws NotSupportedException, SystemException {
        checkOpen("begin");
        if (lease != null && lease.logFence().fencedReason() != null) {
            // A peer owns this node's transactions now; even a one-phase commit would act as a node that is gone.
            throw new SystemException("begin refused: " + lease.logFence().fencedReason());
        }
        GlobalTransaction current = engine.association().current();
        if (current != null) {
            throw new NotSupportedException("the calling thread is already associated with transaction "
                    + current.gtrid() + " (" + current.state() + "); nested transactions are not supported");
        }
        engine.begin();
    }

    @Override
    public void commit() throws RollbackException, HeuristicMixedException, HeuristicRollbackException,
            SecurityException, IllegalStateException, SystemException {
        GlobalTransaction tx = required("commit");
        try {
            tx.commit();
        } finally {
            engine.association().clearIf(tx);
        }
    }

    @Override
    public void rollback() throws IllegalStateException, SecurityException, SystemException {
        GlobalTransaction tx = required("rollback");
        try {
            tx.rollback();
        } finally {
            engine.association().clearIf(tx);
        }
    }

    @Override
    public void setRollbackOnly() throws IllegalStateException {
        required("setRollbackOnly").setRollbackOnly();
    }

    @Override
    public int getStatus() {
        GlobalTransaction tx = engine.association().current();
        return tx == null ? Status.STATUS_NO_TRANSACTION : tx.getStatus();
    }

    @Override
    public Transaction getTransaction() {
        return engine.association().current();
    }

    @Override
    public void setTransactionTimeout(int seconds) throws SystemException {
        if (seconds < 0) {
            throw new SystemException("setTransactionTimeout(" + seconds
                    + "): must be 0 (the default, " + config.defaultTimeout().toSeconds() + " s) or positive");
        }
        engine.association().timeoutSeconds(seconds);
    }

    @Override
    public Transaction suspend() throws SystemException {
        GlobalTransaction tx = engine.association().current();
        if (tx == null) {
            return null;
        }
        tx.suspendAssociationsForSuspend();
        engine.association().associate(null);
        return tx;
    }

    @Override
    public void resume(Transaction tobj) throws InvalidTransactionException, IllegalStateException, SystemException {
        GlobalTransaction current = engine.association().current();
        if (current != null) {
            throw new IllegalStateException("cannot resume: the calling thread is already associated with"
                    + " transaction " + current.gtrid() + "; suspend it first");
        }
        if (tobj == null) {
            return;
        }
        GlobalTransaction tx = engine.own(tobj);
        if (tx == null) {
            throw new InvalidTransactionException("cannot resume " + tobj
                    + ": not a transaction of this Lockstep manager (" + config.nodeId() + ")");
        }
        tx.resumeForResume();
        engine.association().associate(tx);
    }

    private GlobalTransaction required(String what) {
        GlobalTransaction tx = engine.association().current();
        if (tx == null) {
            throw new IllegalStateException(what + ": no transaction is associated with the calling thread; call"
                    + " begin() first (or resume() the transaction on this thread)");
        }
        return tx;
    }

    /** Refuses calls that would start work on a closed manager. */
    private void checkOpen(String what) {
        if (closed.get()) {
            throw new IllegalStateException(what + ": Lockstep transaction manager " + config.nodeId()
                    + " is closed; build a new one with Lockstep.builder()");
        }
    }

    // ---------------------------------------------------------------- TransactionSynchronizationRegistry

    @Override
    public Object getTransactionKey() {
        GlobalTransaction tx = engine.association().current();
        return tx == null ? null : tx.gtrid();
    }

    @Override
    public void putResource(Object key, Object value) {
        required("putResource").putResource(key, value);
    }

    @Override
    public Object getResource(Object key) {
        return required("getResource").getResource(key);
    }

    @Override
    public void registerInterposedSynchronization(Synchronization sync) {
        required("registerInterposedSynchronization").registerInterposed(sync);
    }

    @Override
    public int getTransactionStatus() {
        return getStatus();
    }

    @Override
    public boolean getRollbackOnly() {
        return required("getRollbackOnly").isRollbackOnly();
    }

    // ---------------------------------------------------------------- recovery and admin

    /** Registers how recovery reaches one resource manager; names must be unique. */
    public void registerRecoverable(XAResourceSource source) {
        checkOpen("registerRecoverable");
        recovery.register(source);
    }

    /**
     * Registers where a commit-markable last resource keeps its commit marks; recovery consults them before it
     * presumes abort for a prepared branch without a COMMIT record. Names must be unique.
     */
    public void registerCommitMarks(CommitMarkSource source) {
        checkOpen("registerCommitMarks");
        recovery.registerMarks(source);
    }

    /** Removes a commit-mark source by name. */
    public void unregisterCommitMarks(String name) {
        recovery.unregisterMarks(name);
    }

    /** Removes a recovery source by name (e.g. when its data source is closed). */
    public void unregisterRecoverable(String name) {
        recovery.unregister(name);
    }

    /** Runs one recovery pass on the calling thread and returns what it did. */
    public RecoveryReport recoverNow() {
        checkOpen("recoverNow");
        return recovery.recoverNow();
    }

    /** Live, in-doubt and heuristic views, and manual resolution. */
    public LockstepAdmin admin() {
        return admin;
    }

    /** The management endpoint's address, or null when {@code lockstep.management.port} is not set. */
    public InetSocketAddress managementAddress() {
        ManagementEndpoint e = endpoint;
        return e == null ? null : e.address();
    }

    private List<TransactionView> liveViews() {
        List<TransactionView> views = new ArrayList<>();
        for (GlobalTransaction tx : engine.aliveTransactions()) {
            views.add(new TransactionView(tx.gtrid(), tx.state(), Instant.ofEpochMilli(tx.startMillis()),
                    tx.timeoutSeconds(), tx.branchNames()));
        }
        return views;
    }

    /** Stops the reaper and recovery and closes the log (releasing its directory lock). Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ManagementEndpoint e = endpoint;
        if (e != null) {
            e.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        recovery.close();
        engine.stop();
        log.close();
        if (lease != null) {
            lease.close(); // STOPPED: a peer checks at once for anything this node left prepared
        }
        LOG.info("Lockstep {} closed", config.nodeId());
    }

    @Override
    public String toString() {
        return "LockstepTransactionManager[" + config.nodeId() + "]";
    }
}
