package io.lockstep.tm.log.file;

import io.lockstep.tm.log.LogRecord;
import io.lockstep.tm.log.RecordCodec;
import io.lockstep.tm.log.TransactionLogException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the records of one segment at open (replay), telling a torn tail from corruption:
 * <ol>
 *   <li>Frames are read from byte 64 until a zero length field (preallocated zeros: the end).</li>
 *   <li>A frame whose length is impossible, whose CRC does not match or whose payload does not decode is bad.</li>
 *   <li>A bad frame in the last segment with no valid frame after it is a torn tail (a write the crash cut short):
 *       its bytes are zeroed, the position is logged at WARN, and appends continue from there.</li>
 *   <li>A bad frame followed by a valid one, or a bad frame in a segment that is not the last (later segments are
 *       created only after this one was forced), is corruption: the open is refused with the file and offset,
 *       unless {@code ignoreCorruption}, which skips to the next valid frame and logs exactly what was skipped.</li>
 * </ol>
 */
final class SegmentReader {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentReader.class);

    /** Receives what a segment holds. */
    interface Sink {
        void record(LogRecord record, long offset);

        /** A damaged or torn region; only called in read-only mode (otherwise damage is handled or refused). */
        default void damaged(long offset, String what) {
        }
    }

    /** Bytes read per sequential read: larger than the largest frame. */
    static final int WINDOW = 2 << 20;
    private static final int ZERO_BLOCK = 64 << 10;

    private final RecordCodec codec;
    private final boolean ignoreCorruption;
    private final boolean readOnly;
    /** The read window and a block of zeros to compare the tail with; allocated on first use. */
    private ByteBuffer window;
    private ByteBuffer zeroBlock;

    SegmentReader(RecordCodec codec, boolean ignoreCorruption) {
        this(codec, ignoreCorruption, false);
    }

    /** In read-only mode (log dump) nothing is written and damage is reported to the sink, never refused. */
    SegmentReader(RecordCodec codec, boolean ignoreCorruption, boolean readOnly) {
        this.codec = codec;
        this.ignoreCorruption = ignoreCorruption || readOnly;
        this.readOnly = readOnly;
    }

    /** Reads every good record into {@code sink}; returns the offset where the next record will be written. */
    long read(Segment s, boolean last, Consumer<LogRecord> sink) throws IOException, TransactionLogException {
        return read(s, last, (r, offset) -> sink.accept(r));
    }

    /**
     * Reads every good record into {@code sink}; returns the offset where the next record will be written.
     *
     * <p>The common case, good frames followed by the zeros of preallocation, is read sequentially through one
     * {@link #WINDOW}-sized buffer, and the zeros after the last frame are only compared with zeros (no frame search).
     * At the first anomaly (a bad frame, or anything but zeros after a zero length field) the whole segment is
     * read into memory and {@link #readWhole} decides, from that offset on, between a torn tail and corruption,
     * exactly as if the segment had been read whole from the start.
     */
    long read(Segment s, boolean last, Sink sink) throws IOException, TransactionLogException {
        int end = (int) Math.min(s.size(), Integer.MAX_VALUE - 16);
        if (window == null) {
            window = ByteBuffer.allocateDirect(WINDOW);
        }
        ByteBuffer buf = window;
        buf.clear().limit(0);
        int base = Segment.HEADER; // file offset of buf's byte 0
        int pos = Segment.HEADER;
        while (pos + RecordCodec.FRAME_HEADER <= end) {
            if (pos + RecordCodec.FRAME_HEADER > base + buf.limit()) {
                base = refill(s, buf, base, pos, end);
                if (RecordCodec.FRAME_HEADER > buf.limit()) {
                    break; // the file ended early (changed while being read): decide on the whole segment
                }
            }
            int at = pos - base;
            int length = buf.getInt(at);
            if (length == 0) {
                if (zerosUpTo(s, buf, at + 4, base, end)) {
                    return pos;
                }
                break; // something follows the zeros: let readWhole tell a torn tail from corruption
            }
            if (length < 0 || length > RecordCodec.MAX_PAYLOAD || pos + RecordCodec.FRAME_HEADER + length > end) {
                break;
            }
            int frameEnd = at + RecordCodec.FRAME_HEADER + length;
            if (frameEnd > buf.limit()) {
                base = refill(s, buf, base, pos, end);
                at = 0;
                frameEnd = RecordCodec.FRAME_HEADER + length;
                if (frameEnd > buf.limit()) {
                    break; // the file ended early (changed while being read): decide on the whole segment
                }
            }
            LogRecord r = decodeWindow(buf, at, length, s.seq);
            if (r == null) {
                break;
            }
            sink.record(r, pos);
            pos += RecordCodec.FRAME_HEADER + length;
        }
        if (pos + RecordCodec.FRAME_HEADER > end) {
            return pos;
        }
        return readWhole(s, last, sink, pos);
    }

    /**
     * Moves the bytes of {@code buf} from file offset {@code pos} on to its start and fills the rest from the file
     * (at most up to {@code end}); returns the new base, {@code pos}.
     */
    private static int refill(Segment s, ByteBuffer buf, int base, int pos, int end) throws IOException {
        int valid = buf.limit();
        int keep = Math.max(0, base + valid - pos);
        if (keep > 0) {
            buf.limit(valid).position(pos - base);
            buf.compact();
        }
        buf.limit(Math.min(buf.capacity(), end - pos)).position(keep);
        while (buf.hasRemaining() && s.channel.read(buf, pos + buf.position()) > 0) {
            // fill the window
        }
        buf.flip();
        return pos;
    }

    /** Whether every byte from window index {@code from} (file offset {@code base + from}) to {@code end} is zero. */
    private boolean zerosUpTo(Segment s, ByteBuffer buf, int from, int base, int end) throws IOException {
        if (!zeros(buf, from, buf.limit())) {
            return false;
        }
        long next = (long) base + buf.limit();
        while (next < end) {
            buf.clear().limit((int) Math.min(buf.capacity(), end - next));
            int n = 0;
            while (buf.hasRemaining() && (n = s.channel.read(buf, next + buf.position())) > 0) {
                // fill the window
            }
            int got = buf.position();
            if (!zeros(buf, 0, got)) {
                return false;
            }
            if (n < 0 || got == 0) {
                return true; // the file is shorter than it was: nothing follows
            }
            next += got;
        }
        return true;
    }

    /** Whether {@code buf[from, to)} is all zeros; compared in blocks (vectorised by the JDK). */
    private boolean zeros(ByteBuffer buf, int from, int to) {
        if (zeroBlock == null) {
            zeroBlock = ByteBuffer.allocateDirect(ZERO_BLOCK);
        }
        for (int at = from; at < to; at += ZERO_BLOCK) {
            int n = Math.min(ZERO_BLOCK, to - at);
            buf.limit(at + n).position(at);
            if (buf.mismatch(zeroBlock.clear().limit(n)) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** The record of the frame at window index {@code at} (payload {@code length}), or null when the frame is bad. */
    private LogRecord decodeWindow(ByteBuffer buf, int at, int length, long seq) {
        int limit = buf.limit();
        try {
            if (codec.crcInPlace(buf, at, length, seq) != buf.getInt(at + 4)) {
                return null;
            }
            buf.limit(at + RecordCodec.FRAME_HEADER + length).position(at + RecordCodec.FRAME_HEADER);
            return codec.decodeShared(buf.get(at + 8), buf);
        } catch (IllegalArgumentException e) {
            return null;
        } finally {
            buf.limit(limit);
        }
    }

    /** Reads the segment whole and goes on from {@code from} (see the class comment for the rules). */
    private long readWhole(Segment s, boolean last, Sink sink, int from) throws IOException, TransactionLogException {
        int size = (int) Math.min(s.size(), Integer.MAX_VALUE - 16);
        ByteBuffer buf = ByteBuffer.allocate(size);
        while (buf.hasRemaining() && s.channel.read(buf, buf.position()) > 0) {
            // read the whole segment
        }
        int end = buf.position();
        int pos = from;
        while (pos + RecordCodec.FRAME_HEADER <= end) {
            int length = buf.getInt(pos);
            if (length == 0) {
                int next = findValidFrame(buf, pos + 1, end, s.seq);
                if (next < 0) {
                    return pos;
                }
                pos = corrupt(s, pos, next, "zero-length frame", sink);
                continue;
            }
            LogRecord r = decode(buf, pos, end, s.seq);
            if (r != null) {
                sink.record(r, pos);
                pos += RecordCodec.FRAME_HEADER + length;
                continue;
            }
            int next = findValidFrame(buf, pos + 1, end, s.seq);
            if (next < 0 && last && readOnly) {
                sink.damaged(pos, "torn record (a write cut short by a crash); truncated when the log is next opened");
                return pos;
            }
            if (next < 0 && last) {
                int dirtyEnd = lastNonZero(buf, pos, end) + 1;
                LOG.warn("{}: torn record at offset {} ({} bytes written before the process stopped); truncated",
                        s.path, pos, dirtyEnd - pos);
                ByteBuffer zeros = ByteBuffer.allocate(dirtyEnd - pos);
                while (zeros.hasRemaining()) {
                    s.channel.write(zeros, pos + zeros.position());
                }
                s.channel.force(false);
                return pos;
            }
            if (next < 0) {
                next = end;
            }
            pos = corrupt(s, pos, next, "bad record", sink);
        }
        return pos;
    }

    private int corrupt(Segment s, int pos, int next, String what, Sink sink) throws TransactionLogException {
        if (readOnly) {
            sink.damaged(pos, "corrupt: " + what + ", " + (next - pos) + " bytes up to offset " + next);
            return next;
        }
        String message = s.path + ": " + what + " at offset " + pos;
        if (!ignoreCorruption) {
            throw new TransactionLogException(s.path + ": corrupt log: " + what + " at offset " + pos
                    + " is followed by valid records, so it is not a torn write. Inspect it with `lockstep log dump "
                    + s.path.getParent() + "`; to start anyway, skipping the damaged bytes, set"
                    + " lockstep.log.ignoreCorruption=true");
        }
        LOG.warn("{}; skipping {} bytes (offsets {}..{}) because lockstep.log.ignoreCorruption=true", message,
                next - pos, pos, next - 1);
        return next;
    }

    /** The decoded record of the frame at {@code pos}, or null when the frame is bad. */
    private LogRecord decode(ByteBuffer buf, int pos, int end, long seq) {
        int length = buf.getInt(pos);
        if (length <= 0 || length > RecordCodec.MAX_PAYLOAD || pos + RecordCodec.FRAME_HEADER + length > end) {
            return null;
        }
        if (codec.crc(buf, pos, length, seq) != buf.getInt(pos + 4)) {
            return null;
        }
        ByteBuffer payload = buf.duplicate();
        payload.limit(pos + RecordCodec.FRAME_HEADER + length).position(pos + RecordCodec.FRAME_HEADER);
        try {
            return codec.decodeShared(buf.get(pos + 8), payload);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The offset of the first valid frame at or after {@code from}, or -1. */
    private int findValidFrame(ByteBuffer buf, int from, int end, long seq) {
        for (int q = from; q + RecordCodec.FRAME_HEADER <= end; q++) {
            int length = buf.getInt(q);
            if (length > 0 && length <= RecordCodec.MAX_PAYLOAD && decode(buf, q, end, seq) != null) {
                return q;
            }
        }
        return -1;
    }

    private static int lastNonZero(ByteBuffer buf, int from, int end) {
        int last = from;
        for (int i = from; i < end; i++) {
            if (buf.get(i) != 0) {
                last = i;
            }
        }
        return last;
    }
}
