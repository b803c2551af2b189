package io.lockstep.tm.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.InMemoryLog;
import io.lockstep.tm.xa.LockstepXid;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A resource that stops answering (its {@code recover} blocks, as on a network that drops packets without closing
 * the connection) cannot hold a recovery pass: the pass gives up on it after {@code recoveryCallTimeout} of silence,
 * reports it, finishes the other sources, and does not scan it again until the blocked call returns.
 */
class StalledSourceTest {
    private static final String PREVIOUS_RUN = "stall:1:";
    private static final Duration CALL_TIMEOUT = Duration.ofMillis(300);
    private final InMemoryLog log = new InMemoryLog();
    private final PreparedStore pg = new PreparedStore("pg");
    private final PreparedStore maria = new PreparedStore("maria");
    private final CountDownLatch network = new CountDownLatch(1);
    private LockstepTransactionManager tm;

    private void start(int parallelism) {
        tm = Lockstep.builder().nodeId("stall").transactionLog(log).recoveryInterval(Duration.ofHours(1))
                .recoveryParallelism(parallelism).recoveryCallTimeout(CALL_TIMEOUT).build();
        tm.registerRecoverable(pg);
        tm.registerRecoverable(maria);
    }

    @AfterEach
    void close() {
        network.countDown(); // frees a scan still blocked in maria
        if (tm != null) {
            tm.close();
        }
    }

    /** One transaction of an earlier run with a COMMIT record and a prepared branch in each store. */
    private String inDoubt(String suffix) throws Exception {
        String g = PREVIOUS_RUN + suffix;
        log.append(new CommitRecord(g, 1, List.of(new BranchRef("pg", 1), new BranchRef("maria", 2))), true);
        pg.prepare(LockstepXid.of(g, 1));
        maria.prepare(LockstepXid.of(g, 2));
        return g;
    }

    @ParameterizedTest(name = "recoveryParallelism {0}")
    @ValueSource(ints = {1, 4})
    void aSourceThatStopsAnsweringIsGivenUpAfterTheCallTimeoutWhileTheOthersAreRecovered(int parallelism)
            throws Exception {
        String g = inDoubt("a");
        maria.stallRecover = network;
        start(parallelism);

        long t0 = System.nanoTime();
        RecoveryReport pass = tm.recoverNow();
        long tookMillis = (System.nanoTime() - t0) / 1_000_000;

        assertThat(tookMillis).as("the pass waited about recoveryCallTimeout for maria, not for ever")
                .isBetween(CALL_TIMEOUT.toMillis(), CALL_TIMEOUT.toMillis() + 2_000);
        assertThat(pass.committed()).extracting(RecoveryReport.Item::xid).containsExactly(g + "/1");
        assertThat(pass.failedSources()).singleElement().satisfies(f -> {
            assertThat(f.source()).isEqualTo("maria");
            assertThat(f.detail()).contains("no answer within recoveryCallTimeout PT0.3S", "next pass");
        });
        assertThat(pass.endedRecords()).as("maria's branch is still prepared").isZero();
        assertThat(pass.pending()).extracting(RecoveryReport.Item::detail)
                .anySatisfy(d -> assertThat(d).contains("maria could not be scanned"));
        assertThat(pg.prepared).isEmpty();
        assertThat(maria.prepared).hasSize(1);
    }

    @Test
    void aStalledSourceIsNotScannedAgainUntilItsCallReturnsAndThePassThatGaveUpActsNoMore() throws Exception {
        String g = inDoubt("b");
        maria.stallRecover = network;
        start(4);
        tm.recoverNow();

        RecoveryReport second = tm.recoverNow();
        assertThat(second.failedSources()).singleElement().satisfies(f -> {
            assertThat(f.source()).isEqualTo("maria");
            assertThat(f.detail()).contains("still no answer to the call an earlier pass made");
        });
        assertThat(maria.opened).as("no second connection to a resource that already holds one blocked")
                .hasValue(1);

        // The network comes back: the blocked recover returns the branch, but the abandoned scan must not act on
        // it any more (its pass has ended); the next pass does.
        maria.stallRecover = null;
        network.countDown();
        RecoveryReport next = Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(tm::recoverNow, RecoveryReport::isClean);
        assertThat(next.endedRecords()).isEqualTo(1);
        assertThat(next.committed()).as("committed by this pass, not by the one that had given up")
                .extracting(RecoveryReport.Item::xid).containsExactly(g + "/2");
        assertThat(maria.prepared).isEmpty();
        assertThat(maria.calls).as("one commit, by the pass that scanned maria again").containsExactly(
                "commit " + LockstepXid.of(g, 2));
        assertThat(tm.admin().inDoubt()).isEmpty();
    }

    @Test
    void aSlowButAnsweringSourceIsNotCut() throws Exception {
        for (int i = 0; i < 8; i++) {
            inDoubt("slow" + i);
        }
        maria.commitMillis = 100; // 8 commits: 800 ms in all, each well within the 300 ms call timeout
        start(1);

        RecoveryReport pass = tm.recoverNow();

        assertThat(pass.isClean()).as(pass.toString()).isTrue();
        assertThat(pass.endedRecords()).isEqualTo(8);
        assertThat(pass.duration()).isGreaterThan(CALL_TIMEOUT);
    }
}
