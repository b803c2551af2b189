package io.lockstep.tm.log.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.log.AdminAction;
import io.lockstep.tm.log.AdminRecord;
import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.EndRecord;
import io.lockstep.tm.log.HeuristicOutcome;
import io.lockstep.tm.log.HeuristicRecord;
import io.lockstep.tm.log.LogRecord;
import io.lockstep.tm.log.TransactionLogException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The segmented file log on real files: replay, torn writes, corruption, locking, concurrency, reclaim. */
class SegmentedFileLogTest {
    private static final long SEGMENT = 64 * 1024;

    @TempDir
    Path dir;

    private SegmentedFileLog open() throws TransactionLogException {
        return SegmentedFileLog.open(dir, "node-1", SEGMENT, false);
    }

    private static CommitRecord commit(String gtrid) {
        return new CommitRecord(gtrid, 42, List.of(new BranchRef("pg", 1), new BranchRef("maria", 2)));
    }

    private Path onlySegment() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().reduce((a, b) -> b)
                    .orElseThrow();
        }
    }

    @Test
    void liveRecordsSurviveReopenAndEndedOnesDoNot() throws Exception {
        HeuristicRecord heuristic = new HeuristicRecord("n:1:3", new BranchRef("pg", 1), HeuristicOutcome.MIXED, 7);
        try (SegmentedFileLog log = open()) {
            log.append(commit("n:1:1"), true);
            log.append(commit("n:1:2"), true);
            log.append(new EndRecord("n:1:1"), false);
            log.append(heuristic, true);
        }
        try (SegmentedFileLog log = open()) {
            assertThat(log.replay()).containsExactlyInAnyOrder(commit("n:1:2"), heuristic);
            log.append(new AdminRecord("n:1:3", AdminAction.FORGET, "ops", 9), true);
            log.append(new EndRecord("n:1:2"), true);
        }
        try (SegmentedFileLog log = open()) {
            assertThat(log.replay()).isEmpty();
            assertThat(log.replayedCount()).isEqualTo(6);
        }
    }

    @Test
    void aSecondOpenerIsToldTheDirectoryAndTheHoldersPid() throws Exception {
        try (SegmentedFileLog log = open()) {
            assertThatThrownBy(this::open).isInstanceOf(TransactionLogException.class)
                    .hasMessageContaining("log directory " + dir.toAbsolutePath())
                    .hasMessageContaining("in use by pid " + ProcessHandle.current().pid());
        }
        open().close(); // released on close
    }

    @Test
    void aLogOfAnotherNodeIsRefused() throws Exception {
        open().close();
        assertThatThrownBy(() -> SegmentedFileLog.open(dir, "node-2", SEGMENT, false))
                .isInstanceOf(TransactionLogException.class).hasMessageContaining("belongs to node node-1");
    }

    @Test
    void anUnknownFormatVersionIsRefusedNamingTheVersion() throws Exception {
        open().close();
        Path seg = onlySegment();
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).putInt(0, 7), 8);
        }
        // the header CRC now fails too; rewrite it to isolate the version check
        ByteBuffer header = ByteBuffer.allocate(64);
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.read(header, 0);
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(header.array(), 0, 60);
            ch.write(ByteBuffer.allocate(4).putInt(0, (int) crc.getValue()), 60);
        }
        assertThatThrownBy(this::open).isInstanceOf(TransactionLogException.class)
                .hasMessageContaining("log format version 7 is not supported");
    }

    @Test
    void filesAreOwnerOnly() throws Exception {
        Path fresh = dir.resolve("fresh");
        SegmentedFileLog.open(fresh, "node-1", SEGMENT, false).close();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isEqualTo("rwx------");
        try (Stream<Path> files = Files.list(fresh)) {
            files.forEach(f -> {
                try {
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
        }
    }

    /** Writes three records and returns the offsets [start, end) of the last one. */
    private long[] threeRecords() throws Exception {
        try (SegmentedFileLog log = open()) {
            log.append(commit("n:1:1"), true);
            log.append(commit("n:1:2"), true);
        }
        long start;
        try (FileChannel ch = FileChannel.open(onlySegment(), StandardOpenOption.READ)) {
            start = endOfRecords(ch);
        }
        try (SegmentedFileLog log = open()) {
            log.append(commit("n:1:3"), true);
        }
        try (FileChannel ch = FileChannel.open(onlySegment(), StandardOpenOption.READ)) {
            return new long[] {start, endOfRecords(ch)};
        }
    }

    private static long endOfRecords(FileChannel ch) throws IOException {
        long pos = 64;
        ByteBuffer len = ByteBuffer.allocate(4);
        while (true) {
            len.clear();
            ch.read(len, pos);
            int n = len.getInt(0);
            if (n == 0) {
                return pos;
            }
            pos += 9 + n;
        }
    }

    @Test
    void aTornLastRecordIsTruncatedAtEveryByteOffset() throws Exception {
        long[] last = threeRecords();
        byte[] original = Files.readAllBytes(onlySegment());
        for (long cut = last[0]; cut < last[1]; cut++) {
            byte[] torn = original.clone();
            for (long i = cut; i < last[1]; i++) {
                torn[(int) i] = 0;
            }
            Files.write(onlySegment(), torn);
            try (SegmentedFileLog log = open()) {
                assertThat(log.replay()).as("cut at %d", cut)
                        .containsExactlyInAnyOrder(commit("n:1:1"), commit("n:1:2"));
                log.append(commit("n:1:9"), true); // appends continue where the good records end
            }
            try (SegmentedFileLog log = open()) {
                assertThat(log.replay()).as("after append, cut at %d", cut)
                        .containsExactlyInAnyOrder(commit("n:1:1"), commit("n:1:2"), commit("n:1:9"));
            }
        }
    }

    @Test
    void aFlippedByteInAMiddleRecordIsCorruptionReportedWithItsOffset() throws Exception {
        long[] last = threeRecords();
        byte[] original = Files.readAllBytes(onlySegment());
        long secondStart;
        try (FileChannel ch = FileChannel.open(onlySegment(), StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(4);
            ch.read(len, 64);
            secondStart = 64 + 9 + len.getInt(0);
        }
        for (long at = secondStart; at < last[0]; at++) {
            byte[] bad = original.clone();
            bad[(int) at] ^= 0x5a;
            Files.write(onlySegment(), bad);
            assertThatThrownBy(this::open).as("flip at %d", at).isInstanceOf(TransactionLogException.class)
                    .hasMessageContaining("offset " + secondStart)
                    .hasMessageContaining("lockstep.log.ignoreCorruption");
        }
        try (SegmentedFileLog log = SegmentedFileLog.open(dir, "node-1", SEGMENT, true)) {
            assertThat(log.replay()).containsExactlyInAnyOrder(commit("n:1:1"), commit("n:1:3"));
        }
    }

    /** A log larger than the reader's window, with frames of very different sizes, so frames span window edges. */
    private List<CommitRecord> bigLog(long segment) throws Exception {
        List<CommitRecord> written = new ArrayList<>();
        List<BranchRef> many = new ArrayList<>();
        for (int b = 0; b < 150; b++) {
            many.add(new BranchRef("resource-" + b, b));
        }
        try (SegmentedFileLog log = SegmentedFileLog.open(dir, "node-1", segment, false)) {
            long lsn = 0;
            for (int i = 0; written.size() < 90_000; i++) {
                CommitRecord r = i % 97 == 0 ? new CommitRecord("n:big:" + i, i, many) : commit("n:big:" + i);
                lsn = log.append(r, false);
                written.add(r);
            }
            log.awaitDurable(lsn);
        }
        return written;
    }

    /** Offsets of the frames of {@code file}, up to the first zero length field. */
    private static List<Long> frameOffsets(Path file) throws IOException {
        List<Long> offsets = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(4);
            for (long pos = 64; ; ) {
                len.clear();
                ch.read(len, pos);
                int n = len.getInt(0);
                if (n == 0) {
                    return offsets;
                }
                offsets.add(pos);
                pos += 9 + n;
            }
        }
    }

    @Test
    void aLogLargerThanTheReadWindowReplaysEveryRecordAndEndsAtTheRightOffset() throws Exception {
        long segment = 3L * SegmentReader.WINDOW + 12_345;
        List<CommitRecord> written = bigLog(segment);
        try (SegmentedFileLog log = SegmentedFileLog.open(dir, "node-1", segment, false)) {
            assertThat(log.segmentCount()).as("the test needs frames across window edges").isGreaterThan(1);
            List<LogRecord> replayed = log.replay();
            assertThat(replayed).hasSize(written.size());
            assertThat(new HashSet<>(replayed)).isEqualTo(new HashSet<>(written));
            log.append(commit("n:big:after"), true); // appends continue where the records end
        }
        try (SegmentedFileLog log = SegmentedFileLog.open(dir, "node-1", segment, false)) {
            assertThat(log.replay()).hasSize(written.size() + 1).contains(commit("n:big:after"));
        }
    }

    @Test
    void aZeroedRecordFarIntoALargeSegmentIsCorruptionWithItsOffset() throws Exception {
        long segment = 8L * 1024 * 1024;
        List<CommitRecord> written = bigLog(segment);
        Path seg = onlySegment();
        List<Long> offsets = frameOffsets(seg);
        assertThat(offsets).hasSize(written.size());
        // a lost write in the middle: a whole frame reads back as zeros, valid frames follow after the window edge
        int victim = 0;
        while (offsets.get(victim) < SegmentReader.WINDOW + 1000) {
            victim++;
        }
        long at = offsets.get(victim);
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate((int) (offsets.get(victim + 1) - at)), at);
        }
        assertThatThrownBy(() -> SegmentedFileLog.open(dir, "node-1", segment, false))
                .isInstanceOf(TransactionLogException.class)
                .hasMessageContaining("zero-length frame at offset " + at)
                .hasMessageContaining("lockstep.log.ignoreCorruption");
        try (SegmentedFileLog log = SegmentedFileLog.open(dir, "node-1", segment, true)) {
            Set<LogRecord> expected = new HashSet<>(written);
            expected.remove(written.get(victim));
            List<LogRecord> replayed = log.replay();
            assertThat(replayed).hasSize(expected.size());
            assertThat(new HashSet<>(replayed)).isEqualTo(expected);
        }
    }

    @Test
    void aValidRecordFarBehindTheZerosIsCorruptionNotTheEnd() throws Exception {
        long segment = 8L * 1024 * 1024;
        try (SegmentedFileLog log = SegmentedFileLog.open(dir, "node-1", segment, false)) {
            log.append(commit("n:1:1"), true);
            log.append(commit("n:1:2"), true);
        }
        Path seg = onlySegment();
        List<Long> offsets = frameOffsets(seg);
        long second = offsets.get(1);
        byte[] frame = new byte[(int) (second - offsets.get(0))]; // both frames are the same size
        long far = 6L * 1024 * 1024 + 3;
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.read(ByteBuffer.wrap(frame), second);
            ch.write(ByteBuffer.allocate(frame.length), second); // the second record is lost...
            ch.write(ByteBuffer.wrap(frame), far); // ...but a valid frame lies 6 MiB further
        }
        assertThatThrownBy(() -> SegmentedFileLog.open(dir, "node-1", segment, false))
                .isInstanceOf(TransactionLogException.class)
                .hasMessageContaining("zero-length frame at offset " + second);
    }

    @Test
    void concurrentForcedAppendsAreAllDurableOnceEach() throws Exception {
        int threads = 64;
        int each = 200;
        ConcurrentLinkedQueue<String> acked = new ConcurrentLinkedQueue<>();
        try (SegmentedFileLog log = SegmentedFileLog.open(dir, "node-1", 256 * 1024, false)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Thread w = new Thread(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < each; i++) {
                            String g = "n:" + id + ":" + i;
                            log.append(commit(g), true);
                            acked.add(g);
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                w.start();
                workers.add(w);
            }
            start.countDown();
            for (Thread w : workers) {
                w.join();
            }
        }
        assertThat(acked).hasSize(threads * each);
        try (SegmentedFileLog log = SegmentedFileLog.open(dir, "node-1", 256 * 1024, false)) {
            List<LogRecord> replayed = log.replay();
            Set<String> gtrids = new HashSet<>();
            replayed.forEach(r -> gtrids.add(r.gtrid()));
            assertThat(replayed).hasSize(threads * each);
            assertThat(gtrids).containsExactlyInAnyOrderElementsOf(acked);
        }
    }

    @Test
    void aMillionTransactionsKeepTheDirectoryBoundedAndInDoubtOnesSurvive() throws Exception {
        long segment = 256 * 1024;
        List<CommitRecord> inDoubt = new ArrayList<>();
        long maxBytes = 0;
        try (SegmentedFileLog log = SegmentedFileLog.open(dir, "node-1", segment, false)) {
            for (int i = 0; i < 1_000_000; i++) {
                String g = "n:1:" + i;
                boolean force = i % 10_000 == 0;
                log.append(commit(g), force);
                if (i % 250_000 == 7) {
                    inDoubt.add(commit(g)); // never ended: must be copied forward, not lost
                } else {
                    log.append(new EndRecord(g), false);
                }
                if (i % 50_000 == 0) {
                    maxBytes = Math.max(maxBytes, directoryBytes());
                }
            }
        }
        assertThat(maxBytes).isLessThanOrEqualTo(6 * segment);
        try (SegmentedFileLog log = SegmentedFileLog.open(dir, "node-1", segment, false)) {
            assertThat(log.replay()).containsExactlyInAnyOrderElementsOf(inDoubt);
        }
    }

    private long directoryBytes() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
