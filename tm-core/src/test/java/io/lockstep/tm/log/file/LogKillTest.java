package io.lockstep.tm.log.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.tm.log.LogRecord;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM (like {@code kill -9}) while 16 threads append forced records, after a random number of
 * acknowledged appends (so at a random point of the in-flight batches), again and again on the same directory: after
 * every kill, every record whose append had returned is replayed, none twice.
 * Cycles: {@code -Dlockstep.crash.cycles} (default 50).
 */
class LogKillTest {
    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedRecordSurvivesAKillAtARandomMoment() throws Exception {
        int cycles = Integer.getInteger("lockstep.crash.cycles", 50);
        Set<String> acknowledged = new HashSet<>();
        for (int cycle = 0; cycle < cycles; cycle++) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), AppendingChild.class.getName(), dir.toString(),
                    "c" + cycle).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            List<String> lines = new ArrayList<>();
            int killAfter = ThreadLocalRandom.current().nextInt(1, 300);
            java.util.concurrent.CountDownLatch acked = new java.util.concurrent.CountDownLatch(killAfter);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        synchronized (lines) {
                            lines.add(line);
                        }
                        if (!line.equals("READY")) {
                            acked.countDown();
                        }
                    }
                } catch (Exception ignored) {
                    // the child died
                }
            });
            reader.start();
            assertThat(acked.await(60, TimeUnit.SECONDS)).as("cycle %d: the child acknowledged %d appends", cycle,
                    killAfter).isTrue();
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            reader.join();
            synchronized (lines) {
                for (String l : lines) {
                    if (!l.equals("READY") && !l.isBlank()) {
                        acknowledged.add(l);
                    }
                }
            }
            try (SegmentedFileLog log = SegmentedFileLog.open(dir, "kill", 64 * 1024, false)) {
                List<LogRecord> replayed = log.replay();
                Set<String> gtrids = new HashSet<>();
                for (LogRecord r : replayed) {
                    assertThat(gtrids.add(r.gtrid())).as("no duplicate of %s", r.gtrid()).isTrue();
                }
                assertThat(gtrids).as("cycle %d: acknowledged records present", cycle).containsAll(acknowledged);
            }
        }
        assertThat(acknowledged).as("the children acknowledged records").isNotEmpty();
    }
}
