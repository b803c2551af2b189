package io.lockstep.tm.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Every record survives encode → seal → decode unchanged, and any single flipped bit is caught by the CRC. */
class RecordCodecProperties {

    @Property(tries = 500)
    void everyRecordRoundTrips(@ForAll("records") LogRecord record, @ForAll long segmentSeq) {
        ByteBuffer buf = ByteBuffer.allocate(RecordCodec.maxFrameSize(record));
        RecordCodec.writeFrame(record, buf);
        RecordCodec codec = new RecordCodec();
        int size = codec.seal(buf, 0, segmentSeq);

        assertThat(size).isEqualTo(buf.position());
        int length = buf.getInt(0);
        assertThat(codec.crc(buf, 0, length, segmentSeq)).isEqualTo(buf.getInt(4));
        ByteBuffer payload = buf.duplicate().limit(size).position(RecordCodec.FRAME_HEADER);
        assertThat(RecordCodec.decode(buf.get(8), payload)).isEqualTo(record);
    }

    @Property(tries = 300)
    void aFlippedBitOrAnotherSegmentFailsTheCrc(@ForAll("records") LogRecord record, @ForAll long segmentSeq,
            @ForAll int where, @ForAll byte bit) {
        ByteBuffer buf = ByteBuffer.allocate(RecordCodec.maxFrameSize(record));
        RecordCodec.writeFrame(record, buf);
        RecordCodec codec = new RecordCodec();
        int size = codec.seal(buf, 0, segmentSeq);
        int length = buf.getInt(0);
        int crc = buf.getInt(4);

        assertThat(codec.crc(buf, 0, length, segmentSeq + 1)).isNotEqualTo(crc);
        int offset = 8 + Math.floorMod(where, size - 8);
        byte mask = (byte) (1 << Math.floorMod(bit, 8));
        buf.put(offset, (byte) (buf.get(offset) ^ mask));
        assertThat(codec.crc(buf, 0, length, segmentSeq)).isNotEqualTo(crc);
    }

    @Property(tries = 200)
    void theSharingDecoderGivesEqualRecords(@ForAll("sequences") List<LogRecord> records) {
        RecordCodec codec = new RecordCodec(); // one decoder for the whole sequence, as in a replay
        for (LogRecord record : records) {
            ByteBuffer buf = ByteBuffer.allocate(RecordCodec.maxFrameSize(record));
            RecordCodec.writeFrame(record, buf);
            ByteBuffer payload = buf.duplicate().limit(buf.position()).position(RecordCodec.FRAME_HEADER);
            assertThat(codec.decodeShared(buf.get(8), payload)).isEqualTo(record);
        }
    }

    @Provide
    Arbitrary<List<LogRecord>> sequences() {
        // few distinct names and small bquals, so the shared names, branches and lists are hit, plus a few others
        Arbitrary<String> names = Arbitraries.oneOf(Arbitraries.of("pg", "maria", "", "jms-é"),
                Arbitraries.strings().ofMaxLength(8));
        Arbitrary<BranchRef> branch = Combinators.combine(names, Arbitraries.integers().between(-2, 20))
                .as(BranchRef::new);
        Arbitrary<List<BranchRef>> branches = Arbitraries.oneOf(branch.list().ofMaxSize(3),
                branch.list().ofMaxSize(12));
        Arbitrary<String> gtrid = Arbitraries.strings().withChars("abc019:").ofMinLength(1).ofMaxLength(30);
        Arbitrary<LogRecord> commit = Combinators.combine(gtrid, Arbitraries.longs(), branches)
                .as(CommitRecord::new);
        return Arbitraries.oneOf(commit, commit, records()).list().ofMaxSize(60);
    }

    @Provide
    Arbitrary<LogRecord> records() {
        Arbitrary<String> gtrid = Arbitraries.strings().withChars("abcxyz0123456789.-_").ofMinLength(1)
                .ofMaxLength(24).map(n -> n + ":" + "k1:" + n.length());
        Arbitrary<String> names = Arbitraries.strings().ofMaxLength(64);
        Arbitrary<BranchRef> branch = Combinators.combine(names, Arbitraries.integers()).as(BranchRef::new);
        Arbitrary<List<BranchRef>> branches = branch.list().ofMaxSize(300);
        Arbitrary<LogRecord> commit = Combinators.combine(gtrid, Arbitraries.longs(), branches)
                .as(CommitRecord::new);
        Arbitrary<LogRecord> end = gtrid.map(EndRecord::new);
        Arbitrary<LogRecord> heuristic = Combinators.combine(gtrid, branch,
                Arbitraries.of(HeuristicOutcome.class), Arbitraries.longs()).as(HeuristicRecord::new);
        Arbitrary<LogRecord> admin = Combinators.combine(gtrid, Arbitraries.of(AdminAction.class),
                Arbitraries.strings().ofMaxLength(200), Arbitraries.longs()).as(AdminRecord::new);
        return Arbitraries.oneOf(commit, end, heuristic, admin);
    }
}
