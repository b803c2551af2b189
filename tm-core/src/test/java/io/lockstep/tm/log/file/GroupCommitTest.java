package io.lockstep.tm.log.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.LogRecord;
import io.lockstep.tm.log.TransactionLogException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group-commit hand-off under concurrent load: replay() and close() while forced appends keep coming, and
 * interrupted committers. Real files; the {@code @Timeout}s turn a lost wake-up into a failure instead of a hang.
 */
class GroupCommitTest {
    private static final int THREADS = 16;
    private static final long SEGMENT = 1024 * 1024;

    @TempDir
    Path dir;

    private static CommitRecord commit(String gtrid) {
        return new CommitRecord(gtrid, 42, List.of(new BranchRef("pg", 1), new BranchRef("maria", 2)));
    }

    /** Appenders that force COMMITs until stopped or refused, recording what was acknowledged and what failed. */
    private static final class Appenders {
        final Set<String> acked = ConcurrentHashMap.newKeySet();
        final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final List<Thread> threads = new ArrayList<>();

        Appenders(SegmentedFileLog log) {
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                Thread w = new Thread(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        String g = "n:" + id + ":" + i;
                        try {
                            log.append(commit(g), true);
                            acked.add(g);
                        } catch (TransactionLogException e) {
                            failures.add(e);
                            return;
                        }
                    }
                }, "appender-" + t);
                w.start();
                threads.add(w);
            }
        }

        void stopAndJoin() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(30_000);
                assertThat(t.isAlive()).as("%s ended", t.getName()).isFalse();
            }
        }
    }

    private static Set<String> gtrids(List<LogRecord> records) {
        Set<String> g = new HashSet<>();
        records.forEach(r -> g.add(r.gtrid()));
        return g;
    }

    @Test
    @Timeout(120)
    void replayUnderLoadReturnsEveryRecordAcknowledgedBeforeIt() throws Exception {
        try (SegmentedFileLog log = SegmentedFileLog.open(dir, "node-1", SEGMENT, false)) {
            Appenders appenders = new Appenders(log);
            await().atMost(Duration.ofSeconds(30)).until(() -> appenders.acked.size() > 500);
            for (int i = 0; i < 30; i++) {
                Set<String> before = new HashSet<>(appenders.acked);
                Set<String> replayed = gtrids(log.replay());
                before.removeAll(replayed);
                assertThat(before).as("acknowledged before replay %d but not returned by it", i).isEmpty();
            }
            appenders.stopAndJoin();
            assertThat(appenders.failures).isEmpty();
            assertThat(gtrids(log.replay()).equals(appenders.acked)).as("replay = acknowledged").isTrue();
        }
    }

    @Test
    @Timeout(120)
    void closeUnderLoadEndsEveryAppendOneWayOrTheOther() throws Exception {
        Appenders appenders;
        SegmentedFileLog log = SegmentedFileLog.open(dir, "node-1", SEGMENT, false);
        appenders = new Appenders(log);
        await().atMost(Duration.ofSeconds(30)).until(() -> appenders.acked.size() > 500);
        log.close();
        for (Thread t : appenders.threads) {
            t.join(30_000); // each one is refused by the closed log
            assertThat(t.isAlive()).as("%s ended", t.getName()).isFalse();
        }
        assertThat(appenders.failures).hasSize(THREADS)
                .allSatisfy(e -> assertThat(e).hasMessageContaining("log " + dir.toAbsolutePath())
                        .hasMessageContaining("closed"));
        try (SegmentedFileLog reopened = SegmentedFileLog.open(dir, "node-1", SEGMENT, false)) {
            Set<String> missing = new HashSet<>(appenders.acked);
            missing.removeAll(gtrids(reopened.replay()));
            assertThat(missing).as("acknowledged but lost").isEmpty();
        }
    }

    @Test
    @Timeout(60)
    void anInterruptedCommitterWaitsForItsForceKeepsItsInterruptAndLeavesTheLogWorking() throws Exception {
        try (SegmentedFileLog log = SegmentedFileLog.open(dir, "node-1", SEGMENT, false)) {
            Thread.currentThread().interrupt();
            try {
                log.append(commit("n:1:interrupted"), true); // alone: this thread leads and forces itself
                assertThat(Thread.currentThread().isInterrupted()).as("interrupt kept").isTrue();
            } finally {
                Thread.interrupted();
            }
            Appenders appenders = new Appenders(log);
            // interrupt appenders while they wait for (or lead) forces; once interrupted, a thread keeps its flag
            for (int round = 0; round < 100; round++) {
                appenders.threads.get(round % THREADS).interrupt();
                int target = appenders.acked.size() + 20;
                await().pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(30))
                        .until(() -> appenders.acked.size() >= target);
            }
            appenders.stopAndJoin();
            assertThat(appenders.failures).as("no append failed because its thread was interrupted").isEmpty();
            log.append(commit("n:1:after"), true); // the log still writes
            Set<String> replayed = gtrids(log.replay());
            assertThat(replayed).contains("n:1:interrupted", "n:1:after");
            Set<String> missing = new HashSet<>(appenders.acked);
            missing.removeAll(replayed);
            assertThat(missing).as("acknowledged but lost").isEmpty();
        }
    }
}
