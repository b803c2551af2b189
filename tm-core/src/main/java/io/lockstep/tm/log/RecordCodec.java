package io.lockstep.tm.log;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The one codec of the log's bytes (docs/log-format.md). Used by the file log and by {@code lockstep log dump}.
 *
 * <h2>Frame</h2>
 * {@code length u32 | crc32c u32 | type u8 | payload[length]}, big-endian. The CRC32C covers the segment sequence
 * number (8 bytes), the type byte and the payload, so bytes left over from another segment never pass as records.
 *
 * <h2>Payloads</h2>
 * Strings are {@code u16 length | UTF-8 bytes}.
 * <ul>
 *   <li>COMMIT: gtrid, time i64, count u16, count × (resource name, bqual i32)</li>
 *   <li>END: gtrid</li>
 *   <li>HEURISTIC: gtrid, resource name, bqual i32, outcome u8, time i64</li>
 *   <li>ADMIN: gtrid, action u8, detail, time i64</li>
 * </ul>
 * Not thread-safe where it holds state ({@link #crc}); static methods are.
 */
public final class RecordCodec {
    /** Bytes before the payload: length, crc, type. */
    public static final int FRAME_HEADER = 9;
    /** Largest payload accepted; a larger length field marks a damaged frame. */
    public static final int MAX_PAYLOAD = 1 << 20;

    private final CRC32C crc32c = new CRC32C();
    private final byte[] seqBytes = new byte[8];
    /** Resource names seen recently by {@link #decodeShared}: a log repeats a handful of names millions of times. */
    private final String[] names = new String[16];
    private final byte[][] nameBytes = new byte[16][];

    /** Appends the frame of {@code r} at {@code buf}'s position with a zero CRC (set later by {@link #seal}). */
    public static void writeFrame(LogRecord r, ByteBuffer buf) {
        int start = buf.position();
        buf.position(start + FRAME_HEADER);
        writePayload(r, buf);
        int length = buf.position() - start - FRAME_HEADER;
        buf.putInt(start, length);
        buf.putInt(start + 4, 0);
        buf.put(start + 8, r.type().code());
    }

    /** Upper bound of the frame size of {@code r}, to make room before {@link #writeFrame}. */
    public static int maxFrameSize(LogRecord r) {
        int size = FRAME_HEADER + maxString(r.gtrid()) + 16;
        if (r instanceof CommitRecord) {
            size += 2;
            for (BranchRef b : ((CommitRecord) r).branches()) {
                size += maxString(b.resourceName()) + 4;
            }
        } else if (r instanceof HeuristicRecord) {
            size += maxString(((HeuristicRecord) r).branch().resourceName()) + 5;
        } else if (r instanceof AdminRecord) {
            size += maxString(((AdminRecord) r).detail()) + 1;
        }
        return size;
    }

    private static int maxString(String s) {
        return 2 + s.length() * 3;
    }

    /**
     * Sets the CRC of the frame at {@code offset} of {@code buf} for segment {@code segmentSeq}.
     *
     * @return the frame's total size
     */
    public int seal(ByteBuffer buf, int offset, long segmentSeq) {
        int length = buf.getInt(offset);
        buf.putInt(offset + 4, crc(buf, offset, length, segmentSeq));
        return FRAME_HEADER + length;
    }

    /** The CRC32C of the frame at {@code offset} (payload {@code length}) for segment {@code segmentSeq}. */
    public int crc(ByteBuffer buf, int offset, int length, long segmentSeq) {
        crc32c.reset();
        for (int i = 7; i >= 0; i--) {
            seqBytes[7 - i] = (byte) (segmentSeq >>> (i * 8));
        }
        crc32c.update(seqBytes, 0, 8);
        ByteBuffer slice = buf.duplicate();
        slice.limit(offset + FRAME_HEADER + length).position(offset + 8);
        crc32c.update(slice);
        return (int) crc32c.getValue();
    }

    private static void writePayload(LogRecord r, ByteBuffer buf) {
        putString(buf, r.gtrid());
        switch (r.type()) {
            case COMMIT: {
                CommitRecord c = (CommitRecord) r;
                buf.putLong(c.timeMillis());
                buf.putShort((short) c.branches().size());
                for (BranchRef b : c.branches()) {
                    putString(buf, b.resourceName());
                    buf.putInt(b.bqual());
                }
                break;
            }
            case END:
                break;
            case HEURISTIC: {
                HeuristicRecord h = (HeuristicRecord) r;
                putString(buf, h.branch().resourceName());
                buf.putInt(h.branch().bqual());
                buf.put(h.outcome().code());
                buf.putLong(h.timeMillis());
                break;
            }
            case ADMIN: {
                AdminRecord a = (AdminRecord) r;
                buf.put(a.action().code());
                putString(buf, a.detail());
                buf.putLong(a.timeMillis());
                break;
            }
            default:
                throw new IllegalArgumentException("unknown record type " + r.type());
        }
    }

    /**
     * Decodes a payload.
     *
     * @throws IllegalArgumentException the bytes are not a valid payload of that type
     */
    public static LogRecord decode(byte type, ByteBuffer payload) {
        try {
            String gtrid = getString(payload);
            LogRecord r;
            switch (RecordType.of(type)) {
                case COMMIT: {
                    long time = payload.getLong();
                    int n = payload.getShort() & 0xffff;
                    BranchRef[] branches = new BranchRef[n];
                    for (int i = 0; i < n; i++) {
                        branches[i] = new BranchRef(getString(payload), payload.getInt());
                    }
                    r = new CommitRecord(gtrid, time, List.of(branches));
                    break;
                }
                case END:
                    r = new EndRecord(gtrid);
                    break;
                case HEURISTIC: {
                    String name = getString(payload);
                    int bqual = payload.getInt();
                    HeuristicOutcome outcome = HeuristicOutcome.of(payload.get());
                    r = new HeuristicRecord(gtrid, new BranchRef(name, bqual), outcome, payload.getLong());
                    break;
                }
                default: {
                    AdminAction action = AdminAction.of(payload.get());
                    String detail = getString(payload);
                    r = new AdminRecord(gtrid, action, detail, payload.getLong());
                }
            }
            if (payload.hasRemaining()) {
                throw new IllegalArgumentException(payload.remaining() + " unexpected trailing bytes");
            }
            return r;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("payload too short for its type", e);
        }
    }

    /**
     * As {@link #decode}, sharing one String instance per distinct resource name (replay of a large log keeps far
     * fewer objects alive). Not thread-safe.
     */
    public LogRecord decodeShared(byte type, ByteBuffer payload) {
        if (type != RecordType.COMMIT.code()) {
            return decode(type, payload);
        }
        try {
            String gtrid = getString(payload);
            long time = payload.getLong();
            int n = payload.getShort() & 0xffff;
            BranchRef[] branches = new BranchRef[n];
            for (int i = 0; i < n; i++) {
                branches[i] = new BranchRef(sharedName(payload), payload.getInt());
            }
            if (payload.hasRemaining()) {
                throw new IllegalArgumentException(payload.remaining() + " unexpected trailing bytes");
            }
            return new CommitRecord(gtrid, time, List.of(branches));
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("payload too short for its type", e);
        }
    }

    private String sharedName(ByteBuffer buf) {
        int n = buf.getShort() & 0xffff;
        if (n > buf.remaining()) {
            throw new IllegalArgumentException("string length " + n + " exceeds the payload");
        }
        int at = buf.position();
        int slot = -1;
        for (int i = 0; i < names.length; i++) {
            byte[] b = nameBytes[i];
            if (b == null) {
                slot = i;
                break;
            }
            if (b.length == n && matches(buf, at, b)) {
                buf.position(at + n);
                return names[i];
            }
        }
        byte[] b = new byte[n];
        buf.get(b);
        String s = new String(b, StandardCharsets.UTF_8);
        if (slot >= 0) {
            names[slot] = s;
            nameBytes[slot] = b;
        }
        return s;
    }

    private static boolean matches(ByteBuffer buf, int at, byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (buf.get(at + i) != b[i]) {
                return false;
            }
        }
        return true;
    }

    private static void putString(ByteBuffer buf, String s) {
        int lengthAt = buf.position();
        buf.position(lengthAt + 2);
        int n = s.length();
        boolean ascii = true;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                ascii = false;
                break;
            }
            buf.put((byte) c);
        }
        if (!ascii) {
            buf.position(lengthAt + 2);
            buf.put(s.getBytes(StandardCharsets.UTF_8));
        }
        int length = buf.position() - lengthAt - 2;
        if (length > 0xffff) {
            throw new IllegalArgumentException("string of " + length + " bytes exceeds the log's 65535-byte limit");
        }
        buf.putShort(lengthAt, (short) length);
    }

    private static String getString(ByteBuffer buf) {
        int n = buf.getShort() & 0xffff;
        if (n > buf.remaining()) {
            throw new IllegalArgumentException("string length " + n + " exceeds the payload");
        }
        byte[] b = new byte[n];
        buf.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
