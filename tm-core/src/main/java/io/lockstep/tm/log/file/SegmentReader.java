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

    private final RecordCodec codec;
    private final boolean ignoreCorruption;
    private final boolean readOnly;

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

    long read(Segment s, boolean last, Sink sink) throws IOException, TransactionLogException {
        int size = (int) Math.min(s.size(), Integer.MAX_VALUE - 16);
        ByteBuffer buf = ByteBuffer.allocate(size);
        while (buf.hasRemaining() && s.channel.read(buf, buf.position()) > 0) {
            // read the whole segment
        }
        int end = buf.position();
        int pos = Segment.HEADER;
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
