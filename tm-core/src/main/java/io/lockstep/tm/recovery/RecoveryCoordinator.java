package io.lockstep.tm.recovery;

import io.lockstep.tm.CommitMarkSource;
import io.lockstep.tm.RecoverySession;
import io.lockstep.tm.TransactionCounters;
import io.lockstep.tm.XAResourceSource;
import io.lockstep.tm.log.AdminAction;
import io.lockstep.tm.log.AdminRecord;
import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.HeuristicOutcome;
import io.lockstep.tm.log.HeuristicRecord;
import io.lockstep.tm.log.TransactionLogException;
import io.lockstep.tm.xa.Gtrid;
import io.lockstep.tm.xa.LockstepXid;
import io.lockstep.tm.xa.XAErrors;
import io.lockstep.tm.xa.XAOutcome;
import io.lockstep.tm.xa.XAPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes what crashes and failures left behind (DESIGN.md §5), one pass at a time.
 *
 * <h2>A pass</h2>
 * <ol>
 *   <li>Live set = COMMIT records without END ({@link RecordIndex}), minus transactions still alive in this JVM.</li>
 *   <li>Each registered source: {@code recover(TMSTARTRSCAN)} … {@code recover(TMENDRSCAN)}; only Xids with
 *       Lockstep's format id and a node id in {@code recoveryNodes} are touched.</li>
 *   <li>Xid whose gtrid has a COMMIT record → {@code commit(xid, false)}; {@code XAER_NOTA} = already done, but only
 *       once a later scan no longer lists the branch: MariaDB and MySQL answer XAER_NOTA for a branch still attached
 *       to the live session that prepared it (see {@code LISTED_BUT_UNKNOWN}).</li>
 *   <li>Xid without a record → orphan, rolled back (presumed abort) only when it cannot belong to a transaction
 *       that may still write its record: it comes from an earlier incarnation of this node (its gtrid's epoch is
 *       not ours — the directory lock guarantees that incarnation is dead), or it was seen in the previous pass
 *       too and at least {@code orphanSafetyInterval} ago.</li>
 *   <li>A COMMIT record whose branches are all accounted for, in sources that were all scanned successfully, gets
 *       its END. A source that cannot be reached leaves its records in place for the next pass: never guess.</li>
 *   <li>Each source is scanned on a thread of its own; a source that answers none of the pass's calls for
 *       {@code recoveryCallTimeout} (a stalled network: XA calls have no timeout) is reported failed and the pass
 *       goes on without it ({@link SourceWatch}).</li>
 *   <li>Heuristic outcomes are recorded (HEURISTIC record) before {@code forget()}.</li>
 * </ol>
 * Passes never overlap ({@link #passLock}); they run on the recovery thread or the caller of
 * {@link #recoverNow()}, never on a transaction's thread. A failing source is logged once per distinct cause.
 */
public final class RecoveryCoordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RecoveryCoordinator.class);
    private static final int MAX_SCAN_BATCHES = 10_000;
    /** Fewer branches than this per extra connection are resolved on the scanning connection alone. */
    private static final int MIN_BRANCHES_PER_WORKER = 32;
    /**
     * Why a branch this pass's recover() listed, but whose commit or rollback answered XAER_NOTA, is not counted done
     * yet. Either someone finished it between the scan and the call, or — MariaDB and MySQL — the branch is still
     * attached to the session that prepared it, which the server lets no other session resolve until it ends: the
     * session of a node that is paused, cut off or closing, or a pooled connection kept after a phase-2 error. Counted
     * done only once a scan no longer lists it; until then its COMMIT record keeps it committed, and a takeover is
     * not finished.
     */
    private static final String LISTED_BUT_UNKNOWN = "XAER_NOTA although recover() lists the branch: finished by"
            + " someone else just now, or still attached to the session that prepared it (MariaDB and MySQL refuse"
            + " other sessions until it ends); counted done once recover() no longer lists it";

    private final String ownNode;
    private final long ownEpoch;
    private final Set<String> recoveryNodes;
    private final Duration orphanSafetyInterval;
    private final int parallelism;
    private final Duration callTimeout;
    private final RecordIndex index;
    private final Supplier<Set<String>> aliveInJvm;
    private final TransactionCounters counters;
    /** Xids of a newer gtrid epoch than this are left alone (a takeover's; Long.MAX_VALUE otherwise). */
    private final long epochCeiling;
    private final List<XAResourceSource> sources;
    private final List<CommitMarkSource> markSources;
    private final ReentrantLock passLock = new ReentrantLock();
    private final Map<String, String> lastFailure = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;
    /** Scans a pass gave up on whose call has not returned yet: source name → its watch (see SourceWatch). */
    private final Map<String, SourceWatch> stalled = new ConcurrentHashMap<>();
    /**
     * Orphans seen in the last pass: "source|xid" → first sighting (nanoTime). Written under passLock; volatile
     * because a scan a pass gave up on may still read it once its call returns.
     */
    private volatile Map<String, Long> orphansSeen = new HashMap<>();
    /** Commit marks seen in earlier passes: gtrid → first sighting (nanoTime). Guarded by passLock. */
    private Map<String, Long> marksSeen = new HashMap<>();
    private volatile List<InDoubt> inDoubt = List.of();
    private volatile RecoveryReport lastReport;

    /** A branch recovery knows about but has not resolved. */
    public record InDoubt(String source, String xid, String gtrid, boolean hasCommitRecord, String reason) {
    }

    /**
     * @param parallelism connections per source that resolve branches at once (sources are scanned in parallel
     *                    too); 1 resolves every branch on the scanning connection, one source after the other
     * @param callTimeout how long a pass waits for a source that answers no call before it gives up on that source
     *                    for the pass ({@code lockstep.recoveryCallTimeout}, see {@link SourceWatch})
     */
    public RecoveryCoordinator(String ownNode, long ownEpoch, Set<String> recoveryNodes,
            Duration orphanSafetyInterval, int parallelism, Duration callTimeout, RecordIndex index,
            Supplier<Set<String>> aliveInJvm, TransactionCounters counters) {
        this(ownNode, ownEpoch, recoveryNodes, orphanSafetyInterval, parallelism, callTimeout, index, aliveInJvm,
                counters, Long.MAX_VALUE, new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
    }

    private RecoveryCoordinator(String ownNode, long ownEpoch, Set<String> recoveryNodes,
            Duration orphanSafetyInterval, int parallelism, Duration callTimeout, RecordIndex index,
            Supplier<Set<String>> aliveInJvm, TransactionCounters counters, long epochCeiling,
            List<XAResourceSource> sources, List<CommitMarkSource> markSources) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("recovery parallelism must be >= 1, was " + parallelism);
        }
        if (callTimeout == null || callTimeout.isZero() || callTimeout.isNegative()) {
            throw new IllegalArgumentException("recovery call timeout must be positive, was " + callTimeout);
        }
        this.parallelism = parallelism;
        this.callTimeout = callTimeout;
        this.ownNode = ownNode;
        this.ownEpoch = ownEpoch;
        this.recoveryNodes = Set.copyOf(recoveryNodes);
        this.orphanSafetyInterval = orphanSafetyInterval;
        this.index = index;
        this.aliveInJvm = aliveInJvm;
        this.counters = counters;
        this.epochCeiling = epochCeiling;
        this.sources = sources;
        this.markSources = markSources;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lockstep-recovery-" + ownNode);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A coordinator for a peer's takeover of {@code deadNode}: the same sources and commit-mark sources as this
     * one (registered now or later), the dead node's records in {@code records}, and only that node's Xids of gtrid
     * epoch {@code epochCeiling} or older. Every such Xid without a COMMIT record is rolled back in the first pass:
     * the dead node is fenced, so none of them can still get a record (see docs/cluster.md). Close it when done.
     */
    public RecoveryCoordinator forTakeover(String deadNode, long epochCeiling, RecordIndex records) {
        // ownEpoch 0: no gtrid has epoch 0, so every Xid of deadNode counts as an earlier incarnation's
        return new RecoveryCoordinator(deadNode, 0, Set.of(deadNode), orphanSafetyInterval, parallelism,
                callTimeout, records, Set::of, counters, epochCeiling, sources, markSources);
    }

    /** Registers a source; its name must be unique. */
    public void register(XAResourceSource source) {
        Objects.requireNonNull(source, "registerRecoverable: source must not be null");
        String name = Objects.requireNonNull(source.name(), "XAResourceSource.name() must not be null");
        for (XAResourceSource s : sources) {
            if (s.name().equals(name)) {
                throw new IllegalArgumentException("an XAResourceSource named \"" + name
                        + "\" is already registered; source names must be unique");
            }
        }
        sources.add(source);
    }

    /** Registers a commit-mark source; its name must be unique among mark sources. */
    public void registerMarks(CommitMarkSource source) {
        Objects.requireNonNull(source, "registerCommitMarks: source must not be null");
        String name = Objects.requireNonNull(source.name(), "CommitMarkSource.name() must not be null");
        for (CommitMarkSource s : markSources) {
            if (s.name().equals(name)) {
                throw new IllegalArgumentException("a CommitMarkSource named \"" + name
                        + "\" is already registered; names must be unique");
            }
        }
        markSources.add(source);
    }

    public void unregisterMarks(String name) {
        markSources.removeIf(s -> s.name().equals(name));
    }

    /** Removes a source (e.g. a closed data source). */
    public void unregister(String name) {
        sources.removeIf(s -> s.name().equals(name));
    }

    public List<String> sourceNames() {
        List<String> names = new ArrayList<>();
        sources.forEach(s -> names.add(s.name()));
        return names;
    }

    /** Runs a pass every {@code interval} on the recovery thread. */
    public void startBackground(Duration interval) {
        long ms = interval.toMillis();
        scheduler.scheduleWithFixedDelay(this::backgroundPass, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void backgroundPass() {
        try {
            recoverNow();
        } catch (RuntimeException e) {
            String cause = String.valueOf(e);
            if (!cause.equals(lastFailure.put("<pass>", cause))) {
                LOG.error("recovery pass failed; retrying every interval (logged once per cause)", e);
            }
        }
    }

    /** The last report, or null before the first pass. */
    public RecoveryReport lastReport() {
        return lastReport;
    }

    /** Branches known but unresolved after the last pass. */
    public List<InDoubt> inDoubt() {
        return inDoubt;
    }

    /** Runs one pass now, on the calling thread; waits if another pass is running. */
    public RecoveryReport recoverNow() {
        passLock.lock();
        try {
            RecoveryReport report = new Pass().run();
            lastReport = report;
            counters.onRecoveryPass(report.duration().toNanos(), report.committed().size(),
                    report.rolledBack().size(), report.failedSources().size());
            return report;
        } finally {
            passLock.unlock();
        }
    }

    /** One pass; its fields are its working state. */
    private final class Pass {
        final Instant started = Instant.now();
        final long t0 = System.nanoTime();
        // Shared by the workers of the pass (sources and their extra connections run in parallel).
        final List<RecoveryReport.Item> committed = Collections.synchronizedList(new ArrayList<>());
        final List<RecoveryReport.Item> rolledBack = Collections.synchronizedList(new ArrayList<>());
        final List<RecoveryReport.Item> pending = Collections.synchronizedList(new ArrayList<>());
        final List<RecoveryReport.Item> heuristics = Collections.synchronizedList(new ArrayList<>());
        final List<RecoveryReport.Item> failed = Collections.synchronizedList(new ArrayList<>());
        final List<InDoubt> unresolvedBranches = Collections.synchronizedList(new ArrayList<>());
        final Set<String> scanned = ConcurrentHashMap.newKeySet();
        /** gtrids with a branch still prepared somewhere after this pass. */
        final Set<String> unresolved = ConcurrentHashMap.newKeySet();
        final Map<String, Long> seenNow = new ConcurrentHashMap<>();

        /** Transactions alive in this JVM when the pass began (taken after the COMMIT records, see run()). */
        Set<String> alive;
        /** COMMIT records of transactions that were not alive: recovery's to finish. */
        final Map<String, CommitRecord> live = new ConcurrentHashMap<>();
        /** Commit marks of last resources: gtrid → the source holding it. */
        final Map<String, CommitMarkSource> marks = new HashMap<>();
        /** Why orphans must wait this pass (a mark source unreadable), or null. */
        String marksUnknown;
        /** gtrids with a branch seen prepared in this pass (marked or not). */
        final Set<String> seenGtrids = ConcurrentHashMap.newKeySet();
        final ReentrantLock recordLock = new ReentrantLock();
        /** Runs sources and extra connections; null when the pass does one thing at a time. */
        ExecutorService workers;

        RecoveryReport run() {
            // Records first, then the alive set: a transaction that writes its record after the first snapshot is
            // not in it (its Xids are treated as orphans, which the two-pass rule protects); one that wrote it
            // before and is still completing is in the alive set and left alone. The other order could commit
            // branches under a transaction that is in its own phase 2.
            for (CommitRecord r : index.liveCommits()) {
                live.put(r.gtrid(), r);
            }
            alive = aliveInJvm.get();
            live.keySet().removeAll(alive);
            readMarks();
            List<XAResourceSource> all = List.copyOf(sources);
            // Every source is scanned on a thread of its own, so that the pass can stop waiting for one that
            // stalls (SourceWatch); with parallelism 1 one after the other, else all at once.
            ExecutorService scanners = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "lockstep-recovery-worker-" + ownNode);
                t.setDaemon(true);
                return t;
            });
            workers = parallelism > 1 ? scanners : null;
            try {
                Map<SourceWatch, Future<?>> scans = new LinkedHashMap<>();
                for (XAResourceSource source : all) {
                    SourceWatch watch = startScan(source, scanners, scans);
                    if (parallelism == 1 && watch != null) {
                        awaitScan(watch, scans.get(watch));
                    }
                }
                if (parallelism > 1) {
                    scans.forEach(this::awaitScan);
                }
            } finally {
                scanners.shutdown(); // a scan given up on ends when its call returns; its thread is a daemon
            }
            forgetFinishedMarks();
            int ended = 0;
            for (CommitRecord r : live.values()) {
                String why = incomplete(r);
                if (why == null) {
                    try {
                        index.end(r.gtrid());
                        ended++;
                    } catch (TransactionLogException e) {
                        pending.add(new RecoveryReport.Item("", r.gtrid(), "END not written: " + e.getMessage()));
                    }
                } else {
                    pending.add(new RecoveryReport.Item("", r.gtrid(), why));
                }
            }
            orphansSeen = seenNow;
            inDoubt = List.copyOf(unresolvedBranches);
            return new RecoveryReport(started, Duration.ofNanos(System.nanoTime() - t0), committed, rolledBack,
                    pending, heuristics, failed, ended);
        }

        /** Reads every mark source (after the alive snapshot: a mark written later belongs to a live tx). */
        void readMarks() {
            for (CommitMarkSource m : markSources) {
                try {
                    for (String gtrid : m.marks(recoveryNodes)) {
                        marks.put(gtrid, m);
                    }
                    if (lastFailure.remove("marks:" + m.name()) != null) {
                        LOG.info("commit-mark source {} is readable again", m.name());
                    }
                } catch (Exception e) {
                    marksUnknown = "commit-mark source " + m.name() + " cannot be read (" + e
                            + "); orphans wait, since one may be marked committed";
                    failed.add(new RecoveryReport.Item(m.name(), "", marksUnknown));
                    if (!String.valueOf(e).equals(lastFailure.put("marks:" + m.name(), String.valueOf(e)))) {
                        LOG.warn("commit-mark source {} cannot be read; orphan branches wait for it (logged once"
                                + " per cause)", m.name(), e);
                    }
                }
            }
        }

        /**
         * Deletes marks no branch needs any more: every source scanned, no branch of the gtrid prepared anywhere,
         * the transaction not alive, and the mark already seen by an earlier pass (so a transaction that wrote its
         * mark after this pass's alive snapshot is never affected).
         */
        void forgetFinishedMarks() {
            Map<String, Long> seen = new HashMap<>();
            boolean allScanned = scanned.size() == sources.size();
            long now = System.nanoTime();
            Map<CommitMarkSource, List<String>> done = new HashMap<>();
            for (Map.Entry<String, CommitMarkSource> e : marks.entrySet()) {
                String gtrid = e.getKey();
                Long first = marksSeen.get(gtrid);
                if (allScanned && first != null && !seenGtrids.contains(gtrid) && !alive.contains(gtrid)
                        && !live.containsKey(gtrid)) {
                    done.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(gtrid);
                } else {
                    seen.put(gtrid, first == null ? now : first);
                }
            }
            done.forEach((source, gtrids) -> {
                try {
                    source.forget(gtrids);
                } catch (Exception x) {
                    gtrids.forEach(g -> seen.put(g, now));
                    LOG.debug("commit marks of {} not deleted yet: {}", source.name(), x.toString());
                }
            });
            marksSeen = seen;
        }

        /** Null when the record may be ended, else why not. */
        String incomplete(CommitRecord r) {
            if (unresolved.contains(r.gtrid())) {
                return "a branch is still prepared; retried next pass";
            }
            for (BranchRef b : r.branches()) {
                if (b.resourceName().isEmpty()) {
                    if (sources.isEmpty() || scanned.size() < sources.size()) {
                        return "branch " + b.bqual() + " has no resource name, so every source must be scanned;"
                                + " not all were";
                    }
                } else if (!scanned.contains(b.resourceName())) {
                    boolean registered = sourceNames().contains(b.resourceName());
                    return "source " + b.resourceName() + (registered ? " could not be scanned"
                            : " is not registered (registerRecoverable)") + "; the record stays until it is";
                }
            }
            return null;
        }

        /**
         * Starts scanning {@code source} on a scanner thread, unless a scan an earlier pass gave up on is still
         * blocked in it (then the source is reported failed: one blocked thread per source at most).
         */
        SourceWatch startScan(XAResourceSource source, ExecutorService scanners, Map<SourceWatch, Future<?>> scans) {
            String name = source.name();
            SourceWatch earlier = stalled.get(name);
            if (earlier != null && earlier.ended()) {
                stalled.remove(name, earlier);
            } else if (earlier != null) {
                failed.add(new RecoveryReport.Item(name, "", "still no answer to the call an earlier pass made "
                        + (System.nanoTime() - earlier.startedNanos) / 1_000_000 + " ms ago (recoveryCallTimeout "
                        + callTimeout + "); not scanned again until that call returns or fails"));
                return null;
            }
            SourceWatch watch = new SourceWatch(name);
            scans.put(watch, scanners.submit(() -> scanSource(source, watch)));
            return watch;
        }

        /** Waits for one scan while its source answers; gives up on it after recoveryCallTimeout of silence. */
        void awaitScan(SourceWatch watch, Future<?> scan) {
            boolean finished;
            try {
                finished = watch.await(scan, callTimeout.toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("recovery pass interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("recovery worker failed: " + e.getCause(), e.getCause());
            }
            if (finished) {
                return;
            }
            stalled.put(watch.source, watch); // its thread removes it when it ends (startScan also checks ended())
            String reason = "no answer within recoveryCallTimeout " + callTimeout + " (the resource or the network"
                    + " stalled; last call returned " + watch.quietNanos() / 1_000_000 + " ms ago); this pass gave"
                    + " up on it and its records stay for the next pass";
            failed.add(new RecoveryReport.Item(watch.source, "", reason));
            if (!"stalled".equals(lastFailure.put(watch.source, "stalled"))) {
                LOG.warn("recovery source {}: {} (logged once per cause)", watch.source, reason);
            }
        }

        /** Runs {@code task} on a worker, or at once on this thread when the pass has no workers. */
        Future<?> fork(Runnable task) {
            if (workers == null) {
                task.run();
                return CompletableFuture.completedFuture(null);
            }
            return workers.submit(task);
        }

        void join(List<Future<?>> futures) {
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("recovery pass interrupted", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("recovery worker failed: " + e.getCause(), e.getCause());
                }
            }
        }

        void scanSource(XAResourceSource source, SourceWatch watch) {
            String name = source.name();
            try (RecoverySession session = source.open()) {
                watch.progress();
                XAResource xar = watch.watch(session.xaResource());
                List<LockstepXid> ours = new ArrayList<>();
                for (Xid raw : scan(xar)) {
                    LockstepXid xid = LockstepXid.from(raw);
                    if (xid == null || !recoveryNodes.contains(xid.nodeId()) || alive.contains(xid.gtrid())
                            || (epochCeiling != Long.MAX_VALUE && Gtrid.epochOf(xid.gtrid()) > epochCeiling)) {
                        continue;
                    }
                    seenGtrids.add(xid.gtrid());
                    ours.add(xid);
                }
                resolveAll(source, xar, ours, watch);
                if (watch.finish()) {
                    scanned.add(name);
                    if (lastFailure.remove(name) != null) {
                        LOG.info("recovery source {} is reachable again", name);
                    }
                }
            } catch (Exception e) {
                String reason = e instanceof XAException
                        ? "recover failed with " + XAErrors.name(((XAException) e).errorCode) + ": " + e
                        : String.valueOf(e);
                if (!watch.finish()) {
                    LOG.debug("recovery source {}: the call a pass gave up on has returned: {}", name, reason);
                    return;
                }
                failed.add(new RecoveryReport.Item(name, "", reason));
                if (!reason.equals(lastFailure.put(name, reason))) {
                    LOG.warn("recovery source {} cannot be scanned; its records stay and are retried every pass"
                            + " (logged once per cause)", name, e);
                }
            } finally {
                watch.end();
                stalled.remove(name, watch);
            }
        }

        /**
         * Resolves the branches found in one source: on the scanning connection, and with enough of them on up to
         * {@code parallelism - 1} more connections of the same source, each taking every n-th branch. A connection
         * that cannot be opened leaves its share pending for the next pass.
         */
        void resolveAll(XAResourceSource source, XAResource xar, List<LockstepXid> xids, SourceWatch watch) {
            int n = workers == null ? 1 : Math.max(1, Math.min(parallelism, xids.size() / MIN_BRANCHES_PER_WORKER));
            List<Future<?>> extra = new ArrayList<>();
            for (int k = 1; k < n; k++) {
                int slice = k;
                extra.add(fork(() -> {
                    try (RecoverySession more = source.open()) {
                        watch.progress();
                        resolveSlice(source.name(), watch.watch(more.xaResource()), xids, slice, n);
                    } catch (Exception e) {
                        for (int i = slice; i < xids.size(); i += n) {
                            LockstepXid x = xids.get(i);
                            stillPending(source.name(), x, live.containsKey(x.gtrid()),
                                    "extra recovery connection failed: " + e);
                        }
                    }
                }));
            }
            resolveSlice(source.name(), xar, xids, 0, n);
            join(extra);
        }

        void resolveSlice(String name, XAResource xar, List<LockstepXid> xids, int first, int step) {
            for (int i = first; i < xids.size(); i += step) {
                LockstepXid xid = xids.get(i);
                if (live.containsKey(xid.gtrid())) {
                    commit(name, xar, xid);
                } else {
                    orphan(name, xar, xid);
                }
            }
        }

        void commit(String source, XAResource xar, LockstepXid xid) {
            try {
                xar.commit(xid, false);
                committed.add(new RecoveryReport.Item(source, xid.toString(), "committed (COMMIT record)"));
                return;
            } catch (XAException e) {
                if (e.errorCode == XAException.XAER_NOTA) {
                    stillPending(source, xid, true, "commit: " + LISTED_BUT_UNKNOWN);
                    return;
                }
                XAOutcome o = XAErrors.classify(XAPhase.COMMIT, e.errorCode, true);
                switch (o) {
                    case DONE:
                        committed.add(new RecoveryReport.Item(source, xid.toString(), "already committed"));
                        return;
                    case RETRY_LATER:
                        stillPending(source, xid, true, "commit: " + XAErrors.name(e.errorCode));
                        return;
                    default:
                        heuristic(source, xar, xid, o, e);
                }
            } catch (RuntimeException e) {
                stillPending(source, xid, true, "commit threw " + e);
            }
        }

        void orphan(String source, XAResource xar, LockstepXid xid) {
            String key = source + "|" + xid;
            long now = System.nanoTime();
            Long first = orphansSeen.get(key);
            boolean earlierIncarnation = xid.nodeId().equals(ownNode) && Gtrid.epochOf(xid.gtrid()) != ownEpoch;
            boolean oldEnough = first != null && now - first >= orphanSafetyInterval.toNanos();
            if (!earlierIncarnation && !oldEnough) {
                seenNow.put(key, first == null ? now : first);
                stillPending(source, xid, false, "orphan (no COMMIT record), seen "
                        + (first == null ? "for the first time" : "since " + (now - first) / 1_000_000 + " ms")
                        + "; rolled back when seen again after orphanSafetyInterval " + orphanSafetyInterval);
                return;
            }
            CommitMarkSource mark = marks.get(xid.gtrid());
            if (mark != null) {
                commitMarked(source, xar, xid, mark);
                return;
            }
            if (marksUnknown != null) {
                seenNow.put(key, first == null ? now : first);
                stillPending(source, xid, false, marksUnknown);
                return;
            }
            try {
                xar.rollback(xid);
                rolledBack.add(new RecoveryReport.Item(source, xid.toString(), "orphan rolled back (presumed abort)"));
            } catch (XAException e) {
                XAOutcome o = XAErrors.classify(XAPhase.ROLLBACK, e.errorCode, true);
                if (e.errorCode == XAException.XAER_NOTA) {
                    seenNow.put(key, first == null ? now : first);
                    stillPending(source, xid, false, "rollback: " + LISTED_BUT_UNKNOWN);
                } else if (o == XAOutcome.DONE) {
                    rolledBack.add(new RecoveryReport.Item(source, xid.toString(), "already rolled back"));
                } else if (o.isHeuristic()) {
                    heuristic(source, xar, xid, o, e);
                } else {
                    seenNow.put(key, first == null ? now : first);
                    stillPending(source, xid, false, "rollback: " + XAErrors.name(e.errorCode));
                }
            } catch (RuntimeException e) {
                seenNow.put(key, first == null ? now : first);
                stillPending(source, xid, false, "rollback threw " + e);
            }
        }

        /**
         * An orphan whose transaction's last resource committed with a mark: the decision was commit. The mark
         * becomes a COMMIT record (so the usual END rule finishes it), then the branch commits.
         */
        void commitMarked(String source, XAResource xar, LockstepXid xid, CommitMarkSource mark) {
            recordLock.lock(); // one new record per gtrid, whichever worker meets its first branch
            try {
                if (!live.containsKey(xid.gtrid())) {
                    CommitRecord record = new CommitRecord(xid.gtrid(), System.currentTimeMillis(),
                            List.of(new BranchRef(source, xid.branch())));
                    try {
                        index.append(record, true);
                    } catch (TransactionLogException e) {
                        stillPending(source, xid, false, "marked committed in " + mark.name()
                                + ", but its COMMIT record could not be written: " + e.getMessage());
                        return;
                    }
                    live.put(xid.gtrid(), record);
                }
            } finally {
                recordLock.unlock();
            }
            commit(source, xar, xid);
        }

        void stillPending(String source, LockstepXid xid, boolean hasRecord, String reason) {
            unresolved.add(xid.gtrid());
            pending.add(new RecoveryReport.Item(source, xid.toString(), reason));
            unresolvedBranches.add(new InDoubt(source, xid.toString(), xid.gtrid(), hasRecord, reason));
        }

        void heuristic(String source, XAResource xar, LockstepXid xid, XAOutcome o, XAException e) {
            String detail = recordHeuristic(source, xar, xid, o, e);
            heuristics.add(new RecoveryReport.Item(source, xid.toString(), detail));
        }
    }

    /** Records a heuristic outcome and forgets it at the RM; returns a description. */
    private String recordHeuristic(String source, XAResource xar, LockstepXid xid, XAOutcome o, XAException e) {
        HeuristicOutcome outcome;
        switch (o) {
            case HEURISTIC_COMMIT: outcome = HeuristicOutcome.COMMITTED; break;
            case HEURISTIC_ROLLBACK: outcome = HeuristicOutcome.ROLLED_BACK; break;
            case HEURISTIC_MIXED: outcome = HeuristicOutcome.MIXED; break;
            default: outcome = HeuristicOutcome.HAZARD;
        }
        try {
            index.append(new HeuristicRecord(xid.gtrid(), new BranchRef(source, xid.branch()), outcome,
                    System.currentTimeMillis()), true);
        } catch (TransactionLogException x) {
            LOG.error("heuristic {} of {} on {} could not be recorded ({}); not forgotten", outcome, xid, source,
                    x.getMessage());
            return outcome + " (" + XAErrors.name(e.errorCode) + "), not recorded: " + x.getMessage();
        }
        LOG.warn("recovery found heuristic outcome {} for branch {} on {}", outcome, xid, source);
        try {
            xar.forget(xid);
        } catch (XAException x) {
            if (XAErrors.classify(XAPhase.FORGET, x.errorCode, true) != XAOutcome.DONE) {
                LOG.warn("forget of {} on {}: {}", xid, source, XAErrors.name(x.errorCode));
            }
        }
        return outcome + " (" + XAErrors.name(e.errorCode) + "), recorded and forgotten";
    }

    /** Scans with TMSTARTRSCAN, further batches while new Xids come, and TMENDRSCAN. */
    static List<Xid> scan(XAResource xar) throws XAException {
        Set<Xid> all = new LinkedHashSet<>();
        addAll(all, xar.recover(XAResource.TMSTARTRSCAN));
        try {
            for (int i = 0; i < MAX_SCAN_BATCHES; i++) {
                Xid[] more = xar.recover(XAResource.TMNOFLAGS);
                if (!addAll(all, more)) {
                    break;
                }
            }
        } finally {
            addAll(all, xar.recover(XAResource.TMENDRSCAN));
        }
        return new ArrayList<>(all);
    }

    private static boolean addAll(Set<Xid> into, Xid[] xids) {
        boolean added = false;
        if (xids != null) {
            for (Xid x : xids) {
                LockstepXid ours = LockstepXid.from(x);
                added |= into.add(ours != null ? ours : x);
            }
        }
        return added;
    }

    // ---------------------------------------------------------------- manual resolution

    /**
     * Resolves the branches of one transaction by hand and writes an ADMIN audit record.
     *
     * @param gtrid  the transaction
     * @param action COMMIT, ROLLBACK or FORGET
     * @param detail free text for the audit record (who, why)
     * @return one line per branch touched
     * @throws IllegalArgumentException the gtrid is not a Lockstep gtrid of a node this manager recovers
     * @throws IllegalStateException    the transaction is still alive in this JVM, or the action contradicts the
     *                                  log (rolling back a transaction that has a COMMIT record)
     */
    public List<String> resolve(String gtrid, AdminAction action, String detail) throws TransactionLogException {
        String node = Gtrid.nodeIdOf(gtrid);
        if (node == null) {
            throw new IllegalArgumentException("\"" + gtrid + "\" is not a Lockstep gtrid (<nodeId>:<epoch>:<seq>)");
        }
        if (!recoveryNodes.contains(node)) {
            throw new IllegalArgumentException("transaction " + gtrid + " belongs to node " + node
                    + ", which this manager does not recover (lockstep.recoveryNodes = " + recoveryNodes + ")");
        }
        if (aliveInJvm.get().contains(gtrid)) {
            throw new IllegalStateException("transaction " + gtrid + " is still live in this JVM; it will complete"
                    + " on its own (or time out)");
        }
        boolean hasRecord = index.commit(gtrid) != null;
        if (action == AdminAction.ROLLBACK && hasRecord) {
            throw new IllegalStateException("transaction " + gtrid + " has a COMMIT record: its branches must commit;"
                    + " rolling one back would make the outcome mixed. Use commit instead.");
        }
        passLock.lock();
        try {
            List<String> done = new ArrayList<>();
            index.append(new AdminRecord(gtrid, action, detail, System.currentTimeMillis()), true);
            for (XAResourceSource source : sources) {
                try (RecoverySession session = source.open()) {
                    XAResource xar = session.xaResource();
                    for (Xid raw : scan(xar)) {
                        LockstepXid xid = LockstepXid.from(raw);
                        if (xid == null || !xid.gtrid().equals(gtrid)) {
                            continue;
                        }
                        done.add(source.name() + " " + xid + ": " + applyByHand(xar, xid, action));
                    }
                } catch (Exception e) {
                    done.add(source.name() + ": not reachable (" + e + ")");
                }
            }
            if (action == AdminAction.COMMIT && hasRecord) {
                // Only when no branch is left: the next pass checks the same.
                boolean failedSource = done.stream().anyMatch(s -> s.contains("not reachable") || s.contains("failed"));
                if (!failedSource) {
                    index.end(gtrid);
                }
            }
            LOG.warn("operator {} transaction {} ({}): {}", action, gtrid, detail, done);
            return done;
        } finally {
            passLock.unlock();
        }
    }

    private static String applyByHand(XAResource xar, LockstepXid xid, AdminAction action) {
        try {
            switch (action) {
                case COMMIT: xar.commit(xid, false); return "committed";
                case ROLLBACK: xar.rollback(xid); return "rolled back";
                default: xar.forget(xid); return "forgotten";
            }
        } catch (XAException e) {
            return action + " failed with " + XAErrors.name(e.errorCode);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
