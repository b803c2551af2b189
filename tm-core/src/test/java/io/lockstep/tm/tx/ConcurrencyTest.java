package io.lockstep.tm.tx;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.EndRecord;
import io.lockstep.tm.testing.LockstepTestBase;
import io.lockstep.tm.testing.RecordingXAResource;
import io.lockstep.tm.testing.XACall;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transaction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

/** A Transaction shared between threads, and thousands of concurrent transactions (virtual threads on JDK 21+). */
class ConcurrencyTest extends LockstepTestBase {

    private static final int TRANSACTIONS = 5_000;

    @Test
    @DisplayName("a transaction suspended on one thread is resumed, extended and committed on another")
    void transactionResumedOnAnotherThread() throws Exception {
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(resource("rm1"));
        Transaction suspended = tm.suspend();
        List<Throwable> failures = new ArrayList<>();
        Thread other = new Thread(() -> {
            try {
                tm.resume(suspended);
                tm.getTransaction().enlistResource(resource("rm2"));
                tm.commit();
            } catch (Throwable t) {
                failures.add(t);
            }
        });
        other.start();
        other.join(10_000);
        assertThat(failures).isEmpty();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
        assertThat(tm.getTransaction()).isNull();
        assertThat(xaAndLog()).containsExactly(
                "rm1.start(tx1.b1, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMSUSPEND)",
                "rm1.start(tx1.b1, TMRESUME)",
                "rm2.start(tx1.b2, TMNOFLAGS)",
                "rm1.end(tx1.b1, TMSUCCESS)",
                "rm2.end(tx1.b2, TMSUCCESS)",
                "rm1.prepare(tx1.b1)",
                "rm2.prepare(tx1.b2)",
                "log.COMMIT(tx1, forced, 2)",
                "rm1.commit(tx1.b1)",
                "rm2.commit(tx1.b2)",
                "log.END(tx1, unforced)");
    }

    @Test
    @DisplayName("eight threads enlisting and registering on one Transaction at once: every branch and sync exactly once")
    void concurrentEnlistOnOneTransaction() throws Exception {
        int threads = 8;
        tm.begin();
        Transaction tx = tm.getTransaction();
        AtomicInteger before = new AtomicInteger();
        AtomicInteger after = new AtomicInteger();
        CyclicBarrier barrier = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                String name = "rm" + i;
                done.add(pool.submit(() -> {
                    barrier.await();
                    tx.enlistResource(resource(name));
                    tx.registerSynchronization(new Synchronization() {
                        @Override
                        public void beforeCompletion() {
                            before.incrementAndGet();
                        }

                        @Override
                        public void afterCompletion(int status) {
                            after.incrementAndGet();
                        }
                    });
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        tm.commit();
        assertThat(tx.getStatus()).isEqualTo(Status.STATUS_COMMITTED);
        assertThat(before.get()).isEqualTo(threads);
        assertThat(after.get()).isEqualTo(threads);
        for (int i = 0; i < threads; i++) {
            assertThat(calls.entriesOf("rm" + i + ".prepare")).hasSize(1);
            assertThat(calls.entriesOf("rm" + i + ".commit")).hasSize(1);
        }
        assertThat(records()).hasSize(2);
        assertThat(((CommitRecord) records().get(0)).branches()).hasSize(threads);
    }

    @Test
    @EnabledForJreRange(min = JRE.JAVA_21)
    @DisplayName("5,000 concurrent two-phase transactions on virtual threads all commit, and no carrier is pinned")
    void thousandsOfTransactionsOnVirtualThreadsWithoutPinning() throws Exception {
        ExecutorService virtualThreads = (ExecutorService) Executors.class
                .getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        Path jfr = Files.createTempFile("lockstep-pinning", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
            recording.start();
            runConcurrently(virtualThreads);
            recording.stop();
            recording.dump(jfr);
        }
        List<RecordedEvent> pinned = RecordingFile.readAllEvents(jfr).stream()
                .filter(e -> e.getEventType().getName().equals("jdk.VirtualThreadPinned")).toList();
        Files.deleteIfExists(jfr);
        assertThat(pinned).as("virtual threads pinned while blocking: %s", pinned).isEmpty();
    }

    @Test
    @DisplayName("5,000 two-phase transactions on 64 platform threads all commit (the JDK 17 form of the virtual-thread test)")
    void thousandsOfTransactionsOnPlatformThreads() throws Exception {
        runConcurrently(Executors.newFixedThreadPool(64));
    }

    @Test
    @DisplayName("no production class of tm-core uses synchronized (it pins virtual threads on JDK 17-23 when it blocks)")
    void productionCodeHasNoSynchronized() throws Exception {
        Path main = Path.of("src", "main", "java");
        assertThat(main).as("run from the tm-core module directory").isDirectory();
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(main)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int n = 0; n < lines.size(); n++) {
                    String code = lines.get(n).replaceAll("//.*", "").trim();
                    if (!code.startsWith("*") && !code.startsWith("/*") && code.matches(".*\\bsynchronized\\b.*")) {
                        offenders.add(file + ":" + (n + 1) + ": " + code);
                    }
                }
            }
        }
        assertThat(offenders).isEmpty();
    }

    private void runConcurrently(ExecutorService executor) throws Exception {
        CountDownLatch done = new CountDownLatch(TRANSACTIONS);
        AtomicInteger committed = new AtomicInteger();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        try (AutoCloseableExecutor ignored = new AutoCloseableExecutor(executor)) {
            for (int i = 0; i < TRANSACTIONS; i++) {
                executor.submit(() -> {
                    try {
                        tm.begin();
                        Transaction tx = tm.getTransaction();
                        tx.enlistResource(new RecordingXAResource("a", calls).parkOn(XACall.PREPARE, 100_000));
                        tx.enlistResource(new RecordingXAResource("b", calls).parkOn(XACall.COMMIT, 100_000));
                        tm.commit();
                        if (tx.getStatus() == Status.STATUS_COMMITTED) {
                            committed.incrementAndGet();
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    } finally {
                        done.countDown();
                    }
                });
            }
            assertThat(done.await(60, TimeUnit.SECONDS)).as("all transactions finished").isTrue();
        }
        assertThat(failures).isEmpty();
        assertThat(committed.get()).isEqualTo(TRANSACTIONS);
        assertThat(records()).filteredOn(r -> r instanceof CommitRecord).hasSize(TRANSACTIONS);
        assertThat(records()).filteredOn(r -> r instanceof EndRecord).hasSize(TRANSACTIONS);
        assertThat(calls.entriesOf("b.commit")).hasSize(TRANSACTIONS).doesNotHaveDuplicates();
        assertThat(tm.admin().live()).isEmpty();
    }

    /** ExecutorService is AutoCloseable only from JDK 19; this compiles for release 17. */
    private static final class AutoCloseableExecutor implements AutoCloseable {
        private final ExecutorService executor;

        AutoCloseableExecutor(ExecutorService executor) {
            this.executor = executor;
        }

        @Override
        public void close() throws InterruptedException {
            executor.shutdown();
            executor.awaitTermination(30, TimeUnit.SECONDS);
        }
    }
}
