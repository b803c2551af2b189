package io.lockstep.tm.log.file;

import io.lockstep.tm.log.LogRecord;
import io.lockstep.tm.log.LogStatistics;
import io.lockstep.tm.log.RecordCodec;
import io.lockstep.tm.log.TransactionLog;
import io.lockstep.tm.log.TransactionLogException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
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
 * forced append then waits until {@code durableLsn} reaches its LSN. If no leader is active, the waiter becomes the
 * leader: it swaps {@code pending} with the spare buffer (so appenders keep going), releases the lock, seals the
 * frames (CRC with the segment sequence), writes them with one positional write per segment, forces once, and takes
 * the lock again to publish {@code durableLsn} and wake everyone. Whoever arrives while a leader works just appends
 * and waits; the next leader takes all of them in one write and one force. There is no timer: the batch is whatever
 * accumulated during the previous force, so batches grow with concurrency and a lone caller pays one force.
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
    private final Condition batchDone = lock.newCondition();
    // Guarded by lock.
    private ByteBuffer pending = ByteBuffer.allocate(INITIAL_BUFFER);
    private List<LogRecord> pendingRecords = new ArrayList<>();
    private long nextLsn;
    private long durableLsn;
    private boolean leaderActive;
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
        lock.lock();
        try {
            if (closed) {
                throw new TransactionLogException("log " + directory + " is closed");
            }
            if (pending.remaining() < max) {
                pending = grow(pending, max);
            }
            RecordCodec.writeFrame(record, pending);
            pendingRecords.add(record);
            long lsn = ++nextLsn;
            if (force) {
                awaitDurableLocked(lsn);
            } else if (pending.position() >= UNFORCED_FLUSH_BYTES && !leaderActive) {
                lead(false);
                checkFailed(lsn);
            }
            return lsn;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void awaitDurable(long lsn) throws TransactionLogException {
        lock.lock();
        try {
            awaitDurableLocked(lsn);
        } finally {
            lock.unlock();
        }
    }

    private void awaitDurableLocked(long lsn) throws TransactionLogException {
        while (true) {
            checkFailed(lsn);
            if (durableLsn >= lsn) {
                return;
            }
            if (closed) {
                throw new TransactionLogException("log " + directory + " was closed before record " + lsn
                        + " became durable");
            }
            if (!leaderActive) {
                lead(true);
            } else {
                batchDone.awaitUninterruptibly();
            }
        }
    }

    private void checkFailed(long lsn) throws TransactionLogException {
        if (failedRanges.isEmpty()) {
            return;
        }
        java.util.Map.Entry<Long, long[]> range = failedRanges.floorEntry(lsn);
        if (range != null && lsn <= range.getValue()[0]) {
            TransactionLogException cause = failures.get(range.getKey());
            throw new TransactionLogException("log record " + lsn + " is not durable: " + cause.getMessage(),
                    cause.getCause() != null ? cause.getCause() : cause);
        }
    }

    /** Called with the lock held and no leader active; returns with the lock held. */
    private void lead(boolean force) {
        leaderActive = true;
        ByteBuffer batch = pending;
        List<LogRecord> records = pendingRecords;
        pending = writing;
        pendingRecords = writingRecords;
        int count = records.size();
        long first = nextLsn - count + 1;
        long last = nextLsn;
        lock.unlock();
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
            lock.lock();
        }
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
                failedRanges.put(failedFirst, new long[] {last});
                failures.put(failedFirst, failure);
                if (failedRanges.size() > MAX_FAILED_RANGES) {
                    failures.remove(failedRanges.pollFirstEntry().getKey());
                }
                LOG.error("log records {}..{} were not written: {}", failedFirst, last, failure.getMessage());
            }
        }
        leaderActive = false;
        batchDone.signalAll();
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
                while (slice.hasRemaining()) {
                    s.channel.write(slice, at + (slice.position() - start));
                }
                s.writePos += pos - start;
            }
            if (force || pos < limit) {
                s.channel.force(false); // before a roll too: a later segment must never hold data older than lost
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
            current.channel.force(false);
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
        ByteBuffer zeros = ByteBuffer.allocate((int) (dirtyTo - dirtyFrom));
        while (zeros.hasRemaining()) {
            current.channel.write(zeros, dirtyFrom + zeros.position());
        }
        current.channel.force(false);
        current.writePos = dirtyFrom;
        dirtyFrom = -1;
    }

    private void roll() throws IOException {
        Segment next = Segment.create(directory, current.seq + 1, nodeId, segmentSize);
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
            current.channel.force(false);
            roll();
        }
        int limit = buf.position();
        for (int pos = 0; pos < limit; ) {
            pos += codec.seal(buf, pos, current.seq);
        }
        buf.flip();
        long at = current.writePos;
        while (buf.hasRemaining()) {
            current.channel.write(buf, at + buf.position());
        }
        current.writePos += limit;
        current.channel.force(false);
        for (LiveRecords.Entry e : moved) {
            live.moveTo(e, current);
        }
        LOG.debug("reclaim: copied {} live transaction(s) forward from {} to {}", moved.size(), oldest, current);
        return true;
    }

    private void syncDirectory() throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
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
            while (leaderActive) {
                batchDone.awaitUninterruptibly();
            }
            return live.records();
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
            while (leaderActive) {
                batchDone.awaitUninterruptibly();
            }
            if (pending.position() > 0) {
                lead(true);
            }
            closed = true;
            batchDone.signalAll();
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
}
