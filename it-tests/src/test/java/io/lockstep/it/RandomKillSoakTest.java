package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.cli.demo.Bank;
import io.lockstep.cli.demo.SoakChild;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.recovery.RecoveryReport;
import io.lockstep.xa.jms.ArtemisRecoverySource;
import io.lockstep.xa.jms.EmbeddedArtemis;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random-kill soak: a child JVM with 8 tellers moving money between PostgreSQL and MariaDB (plus a message to the
 * broker per transfer) is killed (destroyForcibly, like kill -9) after a random number of commits, again and again
 * on the same log; after each kill a fresh manager recovers and the invariants must hold. Cycles:
 * {@code -Dlockstep.crash.cycles} (default 30).
 */
class RandomKillSoakTest {
    private static final String QUEUE = "transfers";
    /** The node id; another one ({@code -Dlockstep.crash.node}) lets a long run share the servers with CI runs. */
    private static final String NODE = System.getProperty("lockstep.crash.node", "soak");
    /** How long a child may take to report its first commits before it is killed. */
    private static final long LIVENESS_SECONDS = Long.getLong("lockstep.crash.livenessSeconds", 120);

    @TempDir
    Path dir;

    @Test
    void killedAtRandomMomentsUnderLoadNothingIsLostOrHalfDone() throws Exception {
        int cycles = Integer.getInteger("lockstep.crash.cycles", 30);
        Bank a = Bank.of("bank-a", "postgres", Servers.postgres());
        Bank b = Bank.of("bank-b", "mysql", Servers.mysql());
        a.open(100, 1_000);
        b.open(100, 1_000);
        long total = a.total() + b.total();
        Set<String> reported = ConcurrentHashMap.newKeySet();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = dir.resolve("log");
        try (EmbeddedArtemis broker = EmbeddedArtemis.start(dir.resolve("broker"), port, List.of(QUEUE))) {
            for (int cycle = 0; cycle < cycles; cycle++) {
                runAndKill(a, b, broker, log, "c" + cycle, reported);
                RecoveryReport report;
                try (LockstepTransactionManager tm = Lockstep.builder().nodeId(NODE).logDirectory(log)
                        .recoveryInterval(Duration.ofHours(1)).build()) {
                    tm.registerRecoverable(a);
                    tm.registerRecoverable(b);
                    tm.registerRecoverable(new ArtemisRecoverySource("broker", broker.xaConnectionFactory()));
                    report = tm.recoverNow();
                    assertThat(tm.admin().inDoubt()).as("cycle %d: nothing in doubt after recovery", cycle).isEmpty();
                }
                assertThat(report.isClean()).as("cycle %d: %s", cycle, report).isTrue();
                Set<String> inA = a.transferIds();
                Set<String> inB = b.transferIds();
                assertThat(a.total() + b.total()).as("cycle %d: money conserved", cycle).isEqualTo(total);
                assertThat(inA).as("cycle %d: no transfer half applied", cycle).isEqualTo(inB);
                assertThat(inA).as("cycle %d: every reported commit applied", cycle).containsAll(reported);
                assertThat(broker.messageCount(QUEUE)).as("cycle %d: messages == transfers", cycle)
                        .isEqualTo(inA.size());
                assertThat(broker.preparedTransactions()).as("cycle %d: broker", cycle).isEmpty();
                assertThat(a.preparedLockstepBranches(NODE)).as("cycle %d: PostgreSQL", cycle).isEmpty();
                assertThat(b.preparedLockstepBranches(NODE)).as("cycle %d: MariaDB", cycle).isEmpty();
            }
        }
        assertThat(reported).as("the children committed transfers").isNotEmpty();
    }

    private static void runAndKill(Bank a, Bank b, EmbeddedArtemis broker, Path log, String run, Set<String> reported)
            throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SoakChild.class.getName(), log.toString(), a.spec(),
                b.spec(), broker.tcpUrl(), "8", run, NODE).redirectErrorStream(true).start();
        int killAfter = ThreadLocalRandom.current().nextInt(1, 40);
        CountDownLatch enough = new CountDownLatch(killAfter);
        Set<String> seen = new HashSet<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("COMMITTED ")) {
                        synchronized (seen) {
                            seen.add(line.substring(10));
                        }
                        enough.countDown();
                    }
                }
            } catch (Exception ignored) {
                // the child was killed
            }
        });
        reader.start();
        // Liveness precondition only (a starved machine starts JVMs slowly); the invariants are checked after recovery.
        boolean reached = enough.await(LIVENESS_SECONDS, TimeUnit.SECONDS);
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        reader.join();
        assertThat(reached).as("run %s committed %d transfers before the kill", run, killAfter).isTrue();
        synchronized (seen) {
            reported.addAll(seen);
        }
    }
}
