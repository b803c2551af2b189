package io.lockstep.tm.log.file;

import io.lockstep.tm.log.LogRecord;
import io.lockstep.tm.log.RecordCodec;
import io.lockstep.tm.log.TransactionLogException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads a log directory without opening it for writing: no lock, no truncation, damage reported instead of refused.
 * For {@code lockstep log dump} and {@code lockstep status}, also while the node is running.
 */
public final class LogReader {

    /** Receives the directory's content in log order. */
    public interface Visitor {
        /** A segment file starts. */
        void segment(Path file, long seq, String nodeId, long size);

        /** A record at {@code offset} of the current segment. */
        void record(Path file, long offset, LogRecord record);

        /** A torn or corrupt region, or an unreadable segment. */
        void damaged(Path file, long offset, String what);
    }

    private LogReader() {
    }

    /**
     * Visits every segment of {@code directory} in order.
     *
     * @throws IOException the directory cannot be listed
     */
    public static void read(Path directory, Visitor visitor) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IOException("log directory " + directory.toAbsolutePath() + " does not exist");
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(directory)) {
            files = list.filter(p -> Segment.seqOf(p) >= 0).sorted((a, b) -> Long.compareUnsigned(Segment.seqOf(a),
                    Segment.seqOf(b))).toList();
        } catch (IOException e) {
            // The JDK's message is often just the path (AccessDeniedException): say what failed and what to check.
            throw new IOException("cannot list log directory " + directory.toAbsolutePath() + ": " + e
                    + "; check its owner and permissions", e);
        }
        SegmentReader reader = new SegmentReader(new RecordCodec(), true, true);
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            Segment s;
            try {
                s = Segment.openReadOnly(file);
            } catch (TransactionLogException e) {
                visitor.damaged(file, 0, e.getMessage());
                continue;
            }
            try {
                visitor.segment(file, s.seq, s.nodeId, s.size());
                reader.read(s, i == files.size() - 1, new SegmentReader.Sink() {
                    @Override
                    public void record(LogRecord record, long offset) {
                        visitor.record(file, offset, record);
                    }

                    @Override
                    public void damaged(long offset, String what) {
                        visitor.damaged(file, offset, what);
                    }
                });
            } catch (TransactionLogException e) {
                visitor.damaged(file, 0, e.getMessage());
            } finally {
                s.close();
            }
        }
    }
}
