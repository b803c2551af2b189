package io.lockstep.tm.xa;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GtridFormatTest {

    @Test
    void formatWritesTheSequenceInBase36AfterThePrefixExactlyAsLongToString() {
        Gtrid gtrids = new Gtrid("node-1", 1_700_000_000_000L);
        String prefix = "node-1:" + Long.toString(1_700_000_000_000L, 36) + ":";
        long[] samples = {1, 9, 10, 35, 36, 37, 1295, 1296, 46655, 46656, 123_456_789L, Integer.MAX_VALUE,
                (long) Integer.MAX_VALUE + 1, 4_738_381_338_321_616_895L, Long.MAX_VALUE};
        for (long seq : samples) {
            assertThat(gtrids.format(seq)).isEqualTo(prefix + Long.toString(seq, 36));
        }
        for (long seq = 1; seq < 100_000; seq++) {
            assertThat(gtrids.format(seq)).isEqualTo(prefix + Long.toString(seq, 36));
        }
    }

    @Test
    void nextCountsUpFromOneAndStaysInLockstepForm() {
        Gtrid gtrids = new Gtrid("n", 42);
        assertThat(gtrids.next()).isEqualTo("n:16:1");
        assertThat(gtrids.next()).isEqualTo("n:16:2");
        String third = gtrids.next();
        assertThat(Gtrid.nodeIdOf(third.getBytes(StandardCharsets.US_ASCII))).isEqualTo("n");
        assertThat(Gtrid.epochOf(third)).isEqualTo(42);
    }
}
