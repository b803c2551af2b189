package io.lockstep.tm.log.file;

import io.lockstep.tm.log.LogRecord;
import io.lockstep.tm.log.LogStatistics;
import io.lockstep.tm.log.RecordCodec;
import io.lockstep.tm.log.TransactionLog;
import io.lockstep.tm.log.TransactionLogException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable log: segmented, preallocated, checksummed files with group commit (DESIGN.md §4,
 * docs/log-format.md).
 *
 * <h2>Group commit (leader/follower)</h2>
 * Appenders encode their frame into the shared {@code pending} buffer under {@link #lock} and take the next LSN. A
 * forced append with no leader active becomes the leader; otherwise it queues a {@link Waiter} and parks. The
 * leader swaps {@code pending} with the spare buffer (so appenders keep going), seals the frames (CRC with the
 * segment sequence), writes them with one positional write per segment and forces once, all without the lock. Then,
 * under the lock, it publishes {@code durableLsn}, takes off the queue the waiters its batch settled and the next
 * leader (the first waiter still pending: its record is in the next batch), and after releasing the lock unparks
 * first the next leader, so the next force starts at once, then each settled waiter in LSN order. A woken waiter
 * reads its outcome from its own node and returns without taking the lock again, so a batch of twenty does not
 * convoy on the lock, and nobody is woken for a batch that does not hold its record. There is no timer: the batch is
 * whatever accumulated during the previous force, so batches grow with concurrency and a lone caller pays one
 * force and no hand-off.
 *
 * <h2>Failures</h2>
 * A failed write or force fails exactly the LSNs of that batch ({@link TransactionLogException}: the records are
 * not durable and are treated as never written). The bytes of the failed batch are zeroed by the next leader before
 * it writes, so a record a caller was told failed can never replay; the log keeps working once the cause is gone.
 *
 * <h2>Reclaim</h2>
 * {@link LiveRecords} knows which segment holds each live record. After a roll to a new segment the leader deletes
 * the oldest segments that hold no live record, as a prefix only: an END must outlive the COMMIT it cancels, and a
 * segment's ENDs cancel only COMMITs in itself or in older segments, so deleting oldest-first never resurrects a
 * finished transaction. When the oldest segment still holds live records (a long in-doubt transaction) and three or
 * more segments exist, those records are copied forward to the current segment and forced first, then the old
 * segment is deleted, so the directory stays bounded under an endless workload.
 *
 * <p>Thread-safe.
 */
public final class SegmentedFileLog implements TransactionLog {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentedFileLog.class);
    private static final int INITIAL_BUFFER = 64 * 1024;
    /** Unforced appends are written once this many bytes are pending. */
    private static final int UNFORCED_FLUSH_BYTES = 256 * 1024;
    private static final int MAX_FAILED_RANGES = 1024;

    private final Path directory;
    private final String nodeId;
    private final long segmentSize;
    private final DirectoryLock directoryLock;
    private final RecordCodec codec = new RecordCodec();

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled after a batch when {@link #idleWaiters} > 0 ({@link #replay()}, {@link #close()}). */
    private final Condition idle = lock.newCondition();
    // Guarded by lock.
    private ByteBuffer pending = ByteBuffer.allocate(INITIAL_BUFFER);
    private List<LogRecord> pendingRecords = new ArrayList<>();
    private long nextLsn;
    private long durableLsn;
    /** Someone holds the leader role: is writing a batch, or was handed the role and is about to. */
    private boolean leaderActive;
    /** Waiters for durability behind the active leader, in the order they came (LSN order for appends). */
    private Waiter firstWaiter;
    private Waiter lastWaiter;
    private int idleWaiters;
    /** Completed batches; with {@link #snapshot}, how {@link #replay()} gets the live records from a leader. */
    private long batches;
    private int snapshotWanted;
    private List<LogRecord> snapshot;
    /** close() has begun: appends are refused, the leader role is no longer handed on. */
    private boolean closing;
    private boolean closed;
    /** LSN ranges of failed batches: first LSN → last LSN, with the cause. */
    private final TreeMap<Long, long[]> failedRanges = new TreeMap<>();
    private final TreeMap<Long, TransactionLogException> failures = new TreeMap<>();

    // Owned by the leader (only touched while leaderActive, or before the log is shared).
    private ByteBuffer writing = ByteBuffer.allocate(INITIAL_BUFFER);
    private List<LogRecord> writingRecords = new ArrayList<>();
    private final ArrayDeque<Segment> segments = new ArrayDeque<>();
    private LiveRecords live = new LiveRecords(16);
    private Segment current;
    private long dirtyFrom = -1;
    private long dirtyTo;
    // Statistics: written by the leader only, read by metrics at any time.
    private volatile long forces;
    private volatile long forcedRecords;
    private volatile long forceNanos;
    private volatile long largestBatch;
    private final java.util.concurrent.atomic.AtomicLongArray forceMicros =
            new java.util.concurrent.atomic.AtomicLongArray(LogStatistics.FORCE_MICROS_BOUNDS.length + 1);
    private final java.util.concurrent.atomic.AtomicLongArray batchSizes =
            new java.util.concurrent.atomic.AtomicLongArray(LogStatistics.BATCH_BOUNDS.length + 1);
    /** Records of the current batch already forced (before a roll); leader-owned. */
    private int batchDurable;
    /** The leader's thread was interrupted during its I/O (and the channel reopened); leader-owned. */
    private boolean ioInterrupted;
    /** Records read at open (all of them, live or not). */
    private long replayedCount;

    private SegmentedFileLog(Path directory, String nodeId, long segmentSize, DirectoryLock lock) {
        this.directory = directory;
        this.nodeId = nodeId;
        this.segmentSize = segmentSize;
        this.directoryLock = lock;
    }

    /**
     * Opens (creating if absent) the log in {@code directory}: takes its lock, replays its segments, truncates a
     * torn tail, and refuses a corrupt log unless {@code ignoreCorruption}.
     *
     * @throws TransactionLogException the directory is in use (message names it and the holder's pid), cannot be
     *                                 created or read, belongs to another node id, has an unknown format version,
     *                                 or is corrupt
     */
    public static SegmentedFileLog open(Path directory, String nodeId, long segmentSize, boolean ignoreCorruption)
            throws TransactionLogException {
        Path dir = directory.toAbsolutePath();
        if (segmentSize < 64 * 1024) {
            throw new IllegalArgumentException("segment size " + segmentSize + ": must be at least 65536 bytes");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new TransactionLogException("log directory " + dir + " exists but is not a directory; point"
                    + " lockstep.logDirectory at a directory (it is created if absent)");
        }
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                Files600.restrictDirectory(dir);
            }
        } catch (IOException e) {
            throw new TransactionLogException("cannot create log directory " + dir + ": " + e + "; create it"
                    + " writable for this process or choose another lockstep.logDirectory", e);
        }
        if (!Files.isWritable(dir) || !Files.isReadable(dir) || !Files.isExecutable(dir)) {
            throw new TransactionLogException("log directory " + dir + " is not readable and writable by this"
                    + " process (check its owner and permissions, and that its file system is not mounted"
                    + " read-only); the manager must write its log there, or choose another lockstep.logDirectory");
        }
        DirectoryLock lock = DirectoryLock.acquire(dir);
        SegmentedFileLog log = new SegmentedFileLog(dir, nodeId, segmentSize, lock);
        try {
            log.load(ignoreCorruption);
            return log;
        } catch (TransactionLogException | RuntimeException e) {
            log.closeFiles();
            throw e;
        } catch (IOException e) {
            log.closeFiles();
            throw new TransactionLogException("cannot read log directory " + dir + ": " + e, e);
        }
    }

    private void load(boolean ignoreCorruption) throws IOException, TransactionLogException {
        List<Path> files;
        try (Stream<Path> list = Files.list(directory)) {
            files = list.filter(p -> Segment.seqOf(p) >= 0).sorted((a, b) -> Long.compareUnsigned(Segment.seqOf(a),
                    Segment.seqOf(b))).toList();
        }
        SegmentReader reader = new SegmentReader(codec, ignoreCorruption);
        long bytes = 0;
        for (Path f : files) {
            bytes += Files.size(f);
        }
        // Sized for a full log of small COMMIT frames (~40-100 bytes), so a large replay never rehashes; trimmed below.
        live = new LiveRecords((int) Math.min(Integer.MAX_VALUE, bytes / 48));
        for (int i = 0; i < files.size(); i++) {
            boolean last = i == files.size() - 1;
            Segment s;
            try {
                s = Segment.open(files.get(i));
            } catch (Segment.BadHeader e) {
                if (last) {
                    LOG.warn("{}; it was being created when the process stopped and holds no record: deleting it",
                            e.getMessage());
                    Files.delete(files.get(i));
                    syncDirectory();
                    continue;
                }
                if (!ignoreCorruption) {
                    throw new TransactionLogException(e.getMessage() + "; the log is damaged. Inspect it with"
                            + " `lockstep log dump " + directory + "`; to start anyway, skipping this segment, set"
                            + " lockstep.log.ignoreCorruption=true");
                }
                LOG.warn("{}; skipped because lockstep.log.ignoreCorruption=true", e.getMessage());
                continue;
            }
            if (!s.nodeId.equals(nodeId)) {
                s.close();
                throw new TransactionLogException("log directory " + directory + " belongs to node " + s.nodeId
                        + ", but this manager is node " + nodeId + " (lockstep.nodeId); use the node id the log was"
                        + " written with, or another directory");
            }
            segments.add(s);
            s.writePos = reader.read(s, last, record -> {
                live.apply(record, s);
                replayedCount++;
                nextLsn++;
            });
        }
        if (segments.isEmpty()) {
            current = Segment.create(directory, 1, nodeId, segmentSize);
            syncDirectory();
            segments.add(current);
        } else {
            current = segments.getLast();
        }
        live.trim();
        durableLsn = nextLsn;
        LOG.debug("log {} opened: {} segment(s), {} record(s) replayed, {} live transaction(s)", directory,
                segments.size(), replayedCount, live.size());
    }

    @Override
    public long append(LogRecord record, boolean force) throws TransactionLogException {
        int max = RecordCodec.maxFrameSize(record);
        if (max > segmentSize - Segment.HEADER) {
            throw new TransactionLogException("a " + record.type() + " record of up to " + max + " bytes does not fit"
                    + " in a log segment of " + segmentSize + " bytes; raise lockstep.log.segmentSize");
        }
        long lsn;
        Waiter waiter = null;
        lock.lock();
        try {
            if (closing) {
                throw new TransactionLogException("log " + directory + " is closed");
            }
            if (pending.remaining() < max) {
                pending = grow(pending, max);
            }
            RecordCodec.writeFrame(record, pending);
            pendingRecords.add(record);
            lsn = ++nextLsn;
            if (!force && (pending.position() < UNFORCED_FLUSH_BYTES || leaderActive)) {
                return lsn;
            }
            if (leaderActive) {
                waiter = enqueue(lsn);
            } else {
                leaderActive = true;
            }
        } finally {
            lock.unlock();
        }
        if (waiter == null) {
            throwIfFailed(lsn, lead(force));
        } else if (!await(waiter)) {
            awaitDurable(lsn);
        }
        return lsn;
    }

    @Override
    public void awaitDurable(long lsn) throws TransactionLogException {
        while (true) {
            Waiter waiter;
            lock.lock();
            try {
                checkFailed(lsn);
                if (durableLsn >= lsn) {
                    return;
                }
                if (closed) {
                    throw new TransactionLogException("log " + directory + " was closed before record " + lsn
                            + " became durable");
                }
                if (leaderActive) {
                    waiter = enqueue(lsn);
                } else {
                    leaderActive = true;
                    waiter = null;
                }
            } finally {
                lock.unlock();
            }
            if (waiter == null) {
                throwIfFailed(lsn, lead(true));
                return;
            }
            if (await(waiter)) {
                return;
            }
        }
    }

    /** Queues a waiter for {@code lsn} behind the active leader. Called with the lock held. */
    private Waiter enqueue(long lsn) {
        Waiter w = new Waiter(lsn);
        if (lastWaiter == null) {
            firstWaiter = w;
        } else {
            lastWaiter.next = w;
        }
        lastWaiter = w;
        return w;
    }

    /**
     * Parks until a leader has settled {@code w}: its record is durable, or failed, or it is the next leader. No
     * lock is taken on the way out, so a batch of waiters wakes without convoying on the log lock.
     *
     * @return true when the record is durable; false when the caller must wait again from the start (the leader
     *         role was released for {@link #close()} instead of being handed to this waiter)
     */
    private boolean await(Waiter w) throws TransactionLogException {
        int state;
        boolean interrupted = false;
        while ((state = w.state) == Waiter.WAITING) {
            LockSupport.park(this);
            if (Thread.interrupted()) {
                interrupted = true; // uninterruptible, like the force it waits for; restored below
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (state == Waiter.FAILED) {
            throw notDurable(w.lsn, w.failure);
        }
        if (state == Waiter.LEAD) {
            throwIfFailed(w.lsn, lead(true));
        }
        return state != Waiter.RETRY;
    }

    private static void throwIfFailed(long lsn, Failed failed) throws TransactionLogException {
        if (failed != null && lsn >= failed.first) {
            throw notDurable(lsn, failed.cause);
        }
    }

    private void checkFailed(long lsn) throws TransactionLogException {
        if (failedRanges.isEmpty()) {
            return;
        }
        java.util.Map.Entry<Long, long[]> range = failedRanges.floorEntry(lsn);
        if (range != null && lsn <= range.getValue()[0]) {
            throw notDurable(lsn, failures.get(range.getKey()));
        }
    }

    private static TransactionLogException notDurable(long lsn, TransactionLogException cause) {
        return new TransactionLogException("log record " + lsn + " is not durable: " + cause.getMessage(),
                cause.getCause() != null ? cause.getCause() : cause);
    }

    /**
     * Writes (and with {@code force}, forces) everything pending as one batch, then settles the waiters: the
     * next leader is chosen and woken first (the waiter with the lowest LSN still pending, so the next force
     * starts at once), then the waiters whose records this batch made durable (or failed), in LSN order, each by
     * its own unpark. Called without the lock by the thread that set {@code leaderActive}; returns the failure of
     * this batch, or null.
     */
    private Failed lead(boolean force) {
        lock.lock();
        ByteBuffer batch = pending;
        List<LogRecord> records = pendingRecords;
        pending = writing;
        pendingRecords = writingRecords;
        int count = records.size();
        long first = nextLsn - count + 1;
        long last = nextLsn;
        lock.unlock();
        boolean interrupted = Thread.interrupted(); // restored at the end: see write()
        ioInterrupted = false;
        TransactionLogException failure = null;
        batchDurable = 0;
        long started = System.nanoTime();
        // Not EventType.getEventType(): that initialises JFR on the first write even when nobody records.
        LogForceEvent event = new LogForceEvent();
        event.begin();
        try {
            writeBatch(batch, records, force);
            if (force) {
                long took = System.nanoTime() - started;
                forces++;
                forcedRecords += count;
                forceNanos += took;
                forceMicros.incrementAndGet(LogStatistics.bucket(LogStatistics.FORCE_MICROS_BOUNDS, took / 1_000));
                batchSizes.incrementAndGet(LogStatistics.bucket(LogStatistics.BATCH_BOUNDS, count));
                if (count > largestBatch) {
                    largestBatch = count;
                }
            }
        } catch (IOException | RuntimeException e) {
            failure = new TransactionLogException("write to log " + directory + " failed: " + e, e);
        } catch (TransactionLogException e) {
            failure = e;
        } finally {
            if (event.shouldCommit()) {
                event.records = count;
                event.bytes = batch.position();
                event.forced = force;
                event.failed = failure != null;
                event.commit();
            }
        }
        Failed failed = null;
        Waiter settled = null;
        Waiter nextLeader;
        lock.lock();
        try {
            batch.clear();
            records.clear();
            writing = batch;
            writingRecords = records;
            if (failure == null) {
                if (force) {
                    durableLsn = last;
                }
            } else {
                // Records of segments forced before a roll are durable; the rest of the batch failed.
                long failedFirst = first + batchDurable;
                if (batchDurable > 0) {
                    durableLsn = Math.max(durableLsn, failedFirst - 1);
                }
                if (failedFirst <= last) {
                    failed = new Failed(failedFirst, failure);
                    failedRanges.put(failedFirst, new long[] {last});
                    failures.put(failedFirst, failure);
                    if (failedRanges.size() > MAX_FAILED_RANGES) {
                        failures.remove(failedRanges.pollFirstEntry().getKey());
                    }
                    LOG.error("log records {}..{} were not written: {}", failedFirst, last, failure.getMessage());
                }
            }
            settled = detachSettled(failed, last);
            batches++;
            if (snapshotWanted > 0) {
                snapshot = live.records(); // the live set is the leader's: hand it over while it is still ours
            }
            nextLeader = closing ? null : firstWaiter;
            if (nextLeader != null) {
                firstWaiter = nextLeader.next;
                if (firstWaiter == null) {
                    lastWaiter = null;
                }
                nextLeader.next = null;
            } else {
                leaderActive = false;
                if (firstWaiter != null) {
                    // close() takes the leader role from here: the first waiter starts its wait over
                    settled = retry(firstWaiter, settled);
                }
            }
            if (idleWaiters > 0) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (nextLeader != null) {
            nextLeader.state = Waiter.LEAD;
            LockSupport.unpark(nextLeader.thread);
        }
        for (Waiter w = settled; w != null; ) {
            Waiter next = w.next; // read before the waiter may return and be reused
            w.next = null;
            w.state = w.outcome;
            LockSupport.unpark(w.thread);
            w = next;
        }
        if (interrupted || ioInterrupted) {
            Thread.currentThread().interrupt();
        }
        return failed;
    }

    /**
     * Removes from the queue the waiters this batch settled (durable, or failed), keeping their order, and returns
     * them as a chain with {@link Waiter#outcome} set. Called with the lock held.
     */
    private Waiter detachSettled(Failed failed, long last) {
        Waiter head = null;
        Waiter tail = null;
        Waiter prev = null;
        for (Waiter w = firstWaiter; w != null; ) {
            Waiter next = w.next;
            int outcome = w.lsn <= durableLsn ? Waiter.DONE
                    : failed != null && w.lsn >= failed.first && w.lsn <= last ? Waiter.FAILED : Waiter.WAITING;
            if (outcome == Waiter.FAILED) {
                w.failure = failed.cause;
            }
            if (outcome != Waiter.WAITING) {
                if (prev == null) {
                    firstWaiter = next;
                } else {
                    prev.next = next;
                }
                if (lastWaiter == w) {
                    lastWaiter = prev;
                }
                w.next = null;
                w.outcome = outcome;
                if (tail == null) {
                    head = w;
                } else {
                    tail.next = w;
                }
                tail = w;
            } else {
                prev = w;
            }
            w = next;
        }
        return head;
    }

    /**
     * Takes the first waiter off the queue to retry its wait from the start (it may lead itself), appending it to
     * the {@code settled} chain. Called with the lock held, when no next leader is designated.
     */
    private Waiter retry(Waiter first, Waiter settled) {
        firstWaiter = first.next;
        if (firstWaiter == null) {
            lastWaiter = null;
        }
        first.next = null;
        first.outcome = Waiter.RETRY;
        if (settled == null) {
            return first;
        }
        Waiter tail = settled;
        while (tail.next != null) {
            tail = tail.next;
        }
        tail.next = first;
        return settled;
    }

    /** Leader only: seals, writes (rolling segments as needed), forces, updates the live set, reclaims. */
    private void writeBatch(ByteBuffer batch, List<LogRecord> records, boolean force)
            throws IOException, TransactionLogException {
        zeroFailedRegion();
        int limit = batch.position();
        int pos = 0;
        int index = 0;
        boolean rolled = false;
        while (pos < limit) {
            Segment s = current;
            int start = pos;
            int firstIndex = index;
            while (pos < limit) {
                int size = RecordCodec.FRAME_HEADER + batch.getInt(pos);
                if (s.writePos + (pos - start) + size > segmentSize) {
                    break;
                }
                codec.seal(batch, pos, s.seq);
                pos += size;
                index++;
            }
            if (pos > start) {
                long at = s.writePos;
                ByteBuffer slice = batch.duplicate();
                slice.position(start).limit(pos);
                dirtyFrom = at;
                dirtyTo = at + (pos - start);
                write(s, slice, at);
                s.writePos += pos - start;
            }
            if (force || pos < limit) {
                force(s); // before a roll too: a later segment must never hold data older than lost
                batchDurable = index;
            }
            dirtyFrom = -1;
            for (int i = firstIndex; i < index; i++) {
                live.apply(records.get(i), s);
            }
            if (pos < limit) {
                roll();
                rolled = true;
            }
        }
        if (force && limit == 0) {
            force(current);
        }
        if (rolled) {
            reclaim();
        }
    }

    /** Zeroes the bytes of a batch whose write or force failed, so its records can never replay. */
    private void zeroFailedRegion() throws IOException {
        if (dirtyFrom < 0) {
            return;
        }
        write(current, ByteBuffer.allocate((int) (dirtyTo - dirtyFrom)), dirtyFrom);
        force(current);
        current.writePos = dirtyFrom;
        dirtyFrom = -1;
    }

    private void roll() throws IOException {
        Segment next;
        while (true) {
            try {
                next = Segment.create(directory, current.seq + 1, nodeId, segmentSize);
                break;
            } catch (ClosedByInterruptException e) {
                interruptedDuringIo(); // create removed its half-made file: make it again
            }
        }
        syncDirectory();
        segments.add(next);
        current = next;
    }

    /** Leader only. See the class comment. */
    private void reclaim() throws IOException {
        boolean deleted = false;
        boolean copied = false;
        while (segments.size() > 1) {
            Segment oldest = segments.getFirst();
            if (oldest.liveRecords == 0) {
                segments.removeFirst();
                oldest.close();
                Files.delete(oldest.path);
                deleted = true;
                continue;
            }
            // Copy forward at most once per roll, and only when little is live there (a few in-doubt
            // transactions); a log whose records are mostly live cannot shrink and must not be rewritten.
            if (copied || segments.size() < 3 || !copyForward(oldest)) {
                break;
            }
            copied = true;
        }
        if (deleted) {
            syncDirectory();
        }
    }

    /** Copies the live records of {@code oldest} to the current segment; false when too much is live there. */
    private boolean copyForward(Segment oldest) throws IOException {
        List<LiveRecords.Entry> moved = live.entriesIn(oldest);
        int bytes = 0;
        for (LiveRecords.Entry e : moved) {
            for (LogRecord r : e.records()) {
                bytes += RecordCodec.maxFrameSize(r);
            }
        }
        if (bytes > (segmentSize - Segment.HEADER) / 4) {
            return false;
        }
        ByteBuffer buf = ByteBuffer.allocate(Math.max(bytes, 1));
        for (LiveRecords.Entry e : moved) {
            for (LogRecord r : e.records()) {
                RecordCodec.writeFrame(r, buf);
            }
        }
        if (current.writePos + buf.position() > segmentSize) {
            force(current);
            roll();
        }
        int limit = buf.position();
        for (int pos = 0; pos < limit; ) {
            pos += codec.seal(buf, pos, current.seq);
        }
        buf.flip();
        write(current, buf, current.writePos);
        current.writePos += limit;
        force(current);
        for (LiveRecords.Entry e : moved) {
            live.moveTo(e, current);
        }
        LOG.debug("reclaim: copied {} live transaction(s) forward from {} to {}", moved.size(), oldest, current);
        return true;
    }

    private void syncDirectory() throws IOException {
        while (true) {
            try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
                dir.force(true);
                return;
            } catch (ClosedByInterruptException e) {
                interruptedDuringIo();
            }
        }
    }

    /*
     * The leader's I/O runs on a caller's thread, and a FileChannel closes itself when the thread using it is
     * interrupted. An application that interrupts a committing thread (Future.cancel, shutdownNow) must neither
     * fail the batch of everyone else nor leave the log without a channel: lead() clears the interrupt before the
     * I/O and restores it after, and an interrupt that lands during a write or force reopens the channel and
     * repeats that write (same bytes, same offset) or force.
     */

    /** Leader only: writes all of {@code buf} at file offset {@code at} of {@code s}. */
    private void write(Segment s, ByteBuffer buf, long at) throws IOException {
        long base = at - buf.position();
        while (buf.hasRemaining()) {
            try {
                s.channel.write(buf, base + buf.position());
            } catch (ClosedByInterruptException e) {
                interruptedDuringIo();
                s.reopen();
            }
        }
    }

    /** Leader only: forces the data of {@code s}. */
    private void force(Segment s) throws IOException {
        while (true) {
            try {
                s.channel.force(false);
                return;
            } catch (ClosedByInterruptException e) {
                interruptedDuringIo();
                s.reopen();
            }
        }
    }

    private void interruptedDuringIo() {
        Thread.interrupted(); // cleared so the retry can run; lead() restores it
        ioInterrupted = true;
    }

    private static ByteBuffer grow(ByteBuffer buf, int needed) {
        int capacity = Math.max(buf.capacity() * 2, buf.position() + needed);
        ByteBuffer bigger = ByteBuffer.allocate(capacity);
        buf.flip();
        bigger.put(buf);
        return bigger;
    }

    @Override
    public List<LogRecord> replay() {
        lock.lock();
        try {
            if (!leaderActive) {
                return live.records();
            }
            // The live set belongs to the leader: ask the one at work to copy it when its batch is applied.
            long seen = batches;
            snapshotWanted++;
            idleWaiters++;
            try {
                while (leaderActive && batches == seen) {
                    idle.awaitUninterruptibly();
                }
            } finally {
                idleWaiters--;
                snapshotWanted--;
            }
            List<LogRecord> records = batches != seen && snapshot != null ? snapshot : live.records();
            if (snapshotWanted == 0) {
                snapshot = null;
            }
            return records;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public LogStatistics statistics() {
        long[] micros = new long[forceMicros.length()];
        for (int i = 0; i < micros.length; i++) {
            micros[i] = forceMicros.get(i);
        }
        long[] batches = new long[batchSizes.length()];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = batchSizes.get(i);
        }
        return new LogStatistics(forces, forcedRecords, forceNanos, largestBatch, micros, batches);
    }

    /** How many records were read when the log was opened, live or not. */
    public long replayedCount() {
        return replayedCount;
    }

    /** Number of segment files now. */
    public int segmentCount() {
        lock.lock();
        try {
            return segments.size();
        } finally {
            lock.unlock();
        }
    }

    public Path directory() {
        return directory;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closing = true;
            idleWaiters++;
            try {
                while (true) {
                    while (leaderActive) {
                        idle.awaitUninterruptibly();
                    }
                    if (pending.position() == 0 && firstWaiter == null) {
                        break;
                    }
                    leaderActive = true; // a last batch for what is pending and whoever still waits
                    lock.unlock();
                    try {
                        lead(true);
                    } finally {
                        lock.lock();
                    }
                }
            } finally {
                idleWaiters--;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        closeFiles();
    }

    private void closeFiles() {
        for (Segment s : segments) {
            s.close();
        }
        directoryLock.close();
    }

    @Override
    public String toString() {
        return "file log " + directory;
    }

    /** A thread waiting for its record to become durable. */
    private static final class Waiter {
        static final int WAITING = 0;
        static final int DONE = 1;
        static final int FAILED = 2;
        /** The waiter is the next leader. */
        static final int LEAD = 3;
        /** The waiter must start its wait over (the leader role was released, not handed on). */
        static final int RETRY = 4;

        final Thread thread = Thread.currentThread();
        final long lsn;
        /** Guarded by the lock while queued; then owned by the leader settling it. */
        Waiter next;
        /** Set by the settling leader before {@link #state}. */
        int outcome;
        TransactionLogException failure;
        volatile int state;

        Waiter(long lsn) {
            this.lsn = lsn;
        }
    }

    /** Records from {@code first} to the end of a batch were not written. */
    private record Failed(long first, TransactionLogException cause) {
    }
}
