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
    /** {@link #decodeShared} shares the BranchRefs of bquals below this. */
    private static final int SHARED_BQUALS = 16;
    /** {@link #decodeShared} shares branch lists of up to this many branches with recent records. */
    private static final int RECENT_BRANCHES = 8;

    private final CRC32C crc32c = new CRC32C();
    private final byte[] seqBytes = new byte[8];
    /** Resource names seen by {@link #decodeShared}: a log repeats a handful of names millions of times. */
    private final String[] names = new String[16];
    private final byte[][] nameBytes = new byte[16][];
    /** Shared {@link BranchRef}s per slot of {@link #names}, indexed by bqual (small bquals only). */
    private final BranchRef[][] branchRefs = new BranchRef[16][];
    @SuppressWarnings("unchecked")
    private final List<BranchRef>[] recentLists = new List[8];
    private final BranchRef[] recentScratch = new BranchRef[RECENT_BRANCHES];
    private int nextRecentList;
    private String lastUnsharedName;
    private byte[] scratch = new byte[128];

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
        int position = buf.position();
        int limit = buf.limit();
        int crc = crcInPlace(buf, offset, length, segmentSeq); // no duplicate per frame: the leader seals thousands
        buf.limit(limit).position(position);
        buf.putInt(offset + 4, crc);
        return FRAME_HEADER + length;
    }

    /** The CRC32C of the frame at {@code offset} (payload {@code length}) for segment {@code segmentSeq}. */
    public int crc(ByteBuffer buf, int offset, int length, long segmentSeq) {
        return crcInPlace(buf.duplicate(), offset, length, segmentSeq);
    }

    /**
     * As {@link #crc}, but moves {@code buf}'s position and limit (to the end of the frame) instead of working on a
     * duplicate: for a reader that owns its buffer and checks millions of frames.
     */
    public int crcInPlace(ByteBuffer buf, int offset, int length, long segmentSeq) {
        crc32c.reset();
        for (int i = 7; i >= 0; i--) {
            seqBytes[7 - i] = (byte) (segmentSeq >>> (i * 8));
        }
        crc32c.update(seqBytes, 0, 8);
        buf.limit(offset + FRAME_HEADER + length).position(offset + 8);
        crc32c.update(buf);
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
     * As {@link #decode}, for replaying a large log: the gtrid is copied once from the frame into its string, and
     * resource names, branch references and whole branch lists that repeat are shared (a log repeats a handful of
     * them millions of times), so each COMMIT costs the record, its gtrid and nothing else. Not thread-safe.
     */
    public LogRecord decodeShared(byte type, ByteBuffer payload) {
        if (type != RecordType.COMMIT.code()) {
            return decode(type, payload);
        }
        try {
            String gtrid = scratchString(payload);
            long time = payload.getLong();
            int n = payload.getShort() & 0xffff;
            List<BranchRef> branches = n <= RECENT_BRANCHES ? sharedBranches(payload, n) : branches(payload, n);
            if (payload.hasRemaining()) {
                throw new IllegalArgumentException(payload.remaining() + " unexpected trailing bytes");
            }
            return new CommitRecord(gtrid, time, branches);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("payload too short for its type", e);
        }
    }

    private List<BranchRef> branches(ByteBuffer payload, int n) {
        BranchRef[] branches = new BranchRef[n];
        for (int i = 0; i < n; i++) {
            branches[i] = sharedBranch(payload);
        }
        return List.of(branches);
    }

    /** The branches of a short list, as the same List instance as a recent record with the same branches. */
    private List<BranchRef> sharedBranches(ByteBuffer payload, int n) {
        BranchRef[] branches = recentScratch;
        for (int i = 0; i < n; i++) {
            branches[i] = sharedBranch(payload);
        }
        for (int k = 0; k < recentLists.length; k++) {
            List<BranchRef> candidate = recentLists[k];
            if (candidate == null) {
                break;
            }
            if (candidate.size() == n && sameInstances(candidate, branches, n)) {
                return candidate;
            }
        }
        List<BranchRef> list = List.of(java.util.Arrays.copyOf(branches, n));
        recentLists[nextRecentList] = list;
        nextRecentList = (nextRecentList + 1) % recentLists.length;
        return list;
    }

    private static boolean sameInstances(List<BranchRef> list, BranchRef[] branches, int n) {
        for (int i = 0; i < n; i++) {
            if (list.get(i) != branches[i]) {
                return false;
            }
        }
        return true;
    }

    /** One {@code name, bqual} pair; the same instance for a recently seen name with a small bqual. */
    private BranchRef sharedBranch(ByteBuffer payload) {
        int slot = sharedNameSlot(payload);
        String name = slot >= 0 ? names[slot] : lastUnsharedName;
        int bqual = payload.getInt();
        if (slot < 0 || bqual < 0 || bqual >= SHARED_BQUALS) {
            return new BranchRef(name, bqual);
        }
        BranchRef[] refs = branchRefs[slot];
        if (refs == null) {
            refs = new BranchRef[SHARED_BQUALS];
            branchRefs[slot] = refs;
        }
        BranchRef ref = refs[bqual];
        if (ref == null) {
            ref = new BranchRef(name, bqual);
            refs[bqual] = ref;
        }
        return ref;
    }

    /**
     * Reads a string naming a resource: returns the slot of {@link #names} holding it, or -1 when the cache is full
     * (the string is then in {@link #lastUnsharedName}).
     */
    private int sharedNameSlot(ByteBuffer buf) {
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
                return i;
            }
        }
        byte[] b = new byte[n];
        buf.get(b);
        String s = new String(b, StandardCharsets.UTF_8);
        if (slot >= 0) {
            names[slot] = s;
            nameBytes[slot] = b;
            return slot;
        }
        lastUnsharedName = s;
        return -1;
    }

    /** A string read through the reusable {@link #scratch} array: the String's own copy is the only allocation. */
    private String scratchString(ByteBuffer buf) {
        int n = buf.getShort() & 0xffff;
        if (n > buf.remaining()) {
            throw new IllegalArgumentException("string length " + n + " exceeds the payload");
        }
        if (scratch.length < n) {
            scratch = new byte[Math.max(n, scratch.length * 2)];
        }
        buf.get(scratch, 0, n);
        return new String(scratch, 0, n, StandardCharsets.UTF_8);
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
