package io.lockstep.tm.log.file;

import io.lockstep.tm.log.TransactionLogException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * One preallocated segment file {@code lockstep-<seq as 16 hex digits>.log}.
 *
 * <h2>Header (64 bytes, big-endian)</h2>
 * {@code magic "LOCKSTEP" | version u32 | sequence u64 | node id length u8 | node id (24 bytes, zero padded) |
 * zeros to byte 60 | crc32c u32 of bytes 0..59}. Records follow from byte 64 (see {@code RecordCodec}); the rest of
 * the file is zeros from preallocation, and a zero length field ends the records.
 */
final class Segment {
    static final int HEADER = 64;
    static final int VERSION = 1;
    private static final byte[] MAGIC = "LOCKSTEP".getBytes(StandardCharsets.US_ASCII);
    private static final int ZERO_CHUNK = 1 << 20;

    final long seq;
    final Path path;
    /** Replaced only by {@link #reopen} (the leader, after an interrupt closed it). */
    FileChannel channel;
    final String nodeId;
    /** Next write offset; only meaningful for the segment being written. */
    long writePos = HEADER;
    /** Live records located here; a prefix of segments with none can be deleted. Leader-owned. */
    int liveRecords;

    private Segment(long seq, Path path, FileChannel channel, String nodeId) {
        this.seq = seq;
        this.path = path;
        this.channel = channel;
        this.nodeId = nodeId;
    }

    static String fileName(long seq) {
        return String.format("lockstep-%016x.log", seq);
    }

    /** The sequence number in a segment file name, or -1 when the name is not one. */
    static long seqOf(Path file) {
        String n = file.getFileName().toString();
        if (!n.startsWith("lockstep-") || !n.endsWith(".log") || n.length() != "lockstep-".length() + 16 + 4) {
            return -1;
        }
        try {
            return Long.parseUnsignedLong(n.substring(9, 25), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Creates, preallocates (real zeros, not a sparse file) and forces a new segment. */
    static Segment create(Path dir, long seq, String nodeId, long size) throws IOException {
        Path path = dir.resolve(fileName(seq));
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            Files600.restrict(path);
            ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(ZERO_CHUNK, size));
            for (long pos = 0; pos < size; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), size - pos));
                pos += ch.write(zeros, pos);
            }
            ByteBuffer header = header(seq, nodeId);
            while (header.hasRemaining()) {
                ch.write(header, header.position());
            }
            ch.force(true);
        } catch (IOException e) {
            ch.close();
            Files.deleteIfExists(path);
            throw e;
        }
        return new Segment(seq, path, ch, nodeId);
    }

    private static ByteBuffer header(long seq, String nodeId) {
        ByteBuffer b = ByteBuffer.allocate(HEADER);
        b.put(MAGIC).putInt(VERSION).putLong(seq);
        byte[] node = nodeId.getBytes(StandardCharsets.UTF_8);
        b.put((byte) node.length).put(node);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 60);
        b.putInt(60, (int) crc.getValue());
        b.position(0).limit(HEADER);
        return b;
    }

    /**
     * Opens an existing segment and checks its header.
     *
     * @throws TransactionLogException unknown format version (refused with the version found), or a header that
     *                                 is damaged ({@link BadHeader})
     */
    static Segment open(Path path) throws IOException, TransactionLogException {
        return open(path, FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE));
    }

    /** As {@link #open(Path)}, for reading only (log dump); I/O problems become {@link TransactionLogException}. */
    static Segment openReadOnly(Path path) throws TransactionLogException {
        try {
            return open(path, FileChannel.open(path, StandardOpenOption.READ));
        } catch (IOException e) {
            throw new TransactionLogException(path + ": cannot read: " + e, e);
        }
    }

    private static Segment open(Path path, FileChannel ch) throws IOException, TransactionLogException {
        try {
            ByteBuffer b = ByteBuffer.allocate(HEADER);
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // read the whole header
            }
            if (b.hasRemaining()) {
                throw new BadHeader(path + ": shorter than a segment header (" + b.position() + " bytes)");
            }
            for (int i = 0; i < MAGIC.length; i++) {
                if (b.get(i) != MAGIC[i]) {
                    throw new BadHeader(path + ": not a Lockstep log segment (bad magic)");
                }
            }
            CRC32C crc = new CRC32C();
            crc.update(b.array(), 0, 60);
            if ((int) crc.getValue() != b.getInt(60)) {
                throw new BadHeader(path + ": segment header checksum mismatch");
            }
            int version = b.getInt(8);
            if (version != VERSION) {
                throw new TransactionLogException(path + ": log format version " + version
                        + " is not supported by this Lockstep (it reads version " + VERSION + ")");
            }
            long seq = b.getLong(12);
            int nodeLength = b.get(20) & 0xff;
            String nodeId = new String(b.array(), 21, Math.min(nodeLength, 24), StandardCharsets.UTF_8);
            if (seq != seqOf(path)) {
                throw new BadHeader(path + ": header says segment " + seq + ", the file name another");
            }
            return new Segment(seq, path, ch, nodeId);
        } catch (IOException | TransactionLogException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Opens the file again after its channel was closed because the thread using it was interrupted
     * ({@code ClosedByInterruptException}); the file itself is intact.
     */
    void reopen() throws IOException {
        channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    long size() throws IOException {
        return channel.size();
    }

    void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // best effort
        }
    }

    @Override
    public String toString() {
        return path.getFileName().toString();
    }

    /** A segment header that is not valid (as opposed to a valid header of an unknown version). */
    static final class BadHeader extends TransactionLogException {
        private static final long serialVersionUID = 1L;

        BadHeader(String message) {
            super(message);
        }
    }
}
