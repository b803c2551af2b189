package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 4-thread transfer workload between PostgreSQL and MariaDB while each server is restarted: in-flight
 * transactions fail cleanly (never a heuristic, never a hang), new ones succeed once the server is back, and
 * recovery resolves the rest. The servers are scratch instances of this test, so restarting them disturbs nobody.
 */
class DatabaseRestartTest {
    private static final String NODE = "restart";
    private static final int THREADS = 4;

    @TempDir
    Path dir;

    @Test
    void restartsMidWorkloadLoseNothingAndLeaveNothingHalfDone() throws Exception {
        try (ScratchPostgres pgServer = ScratchPostgres.start("max_prepared_transactions=64");
             ScratchMariaDb mariaServer = ScratchMariaDb.start();
             LockstepTransactionManager tm = Lockstep.builder().nodeId(NODE).logDirectory(dir.resolve("log"))
                     .defaultTimeout(Duration.ofSeconds(10)).orphanSafetyInterval(Duration.ofMillis(200))
                     .recoveryInterval(Duration.ofHours(1)).build();
             LockstepDataSource pg = LockstepDataSources.postgres(tm, pgServer.url(), "postgres", "")
                     .name("pg-restart").acquisitionTimeout(Duration.ofSeconds(5)).build();
             LockstepDataSource maria = LockstepDataSources.mysql(tm, mariaServer.url(), "root", "")
                     .name("maria-restart").acquisitionTimeout(Duration.ofSeconds(5)).build()) {
            Ledger p = new Ledger(pg, "restart_ledger");
            Ledger m = new Ledger(maria, "restart_ledger");
            Workload work = new Workload(tm, p, m);
            work.start();

            work.awaitCommits(20);
            pgServer.restart();
            int afterPg = work.committed.size();
            work.awaitCommits(afterPg + 20); // new transactions succeed once PostgreSQL is back

            mariaServer.restart();
            int afterMaria = work.committed.size();
            work.awaitCommits(afterMaria + 20);
            work.stop();

            assertThat(work.unexpected).as("only clean failures (rollback, SQL errors)").isEmpty();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                tm.recoverNow();
                assertThat(tm.admin().inDoubt()).isEmpty();
            });
            assertThat(tm.admin().heuristics()).as("no heuristic outcome").isEmpty();
            Set<String> inPg = new HashSet<>(p.ids());
            Set<String> inMaria = new HashSet<>(m.ids());
            assertThat(inPg).as("no transfer half applied").isEqualTo(inMaria);
            assertThat(inPg).as("every reported commit applied").containsAll(work.committed.keySet());
            assertThat(Prepared.branches(Prepared.postgres(pgServer.url()), NODE)).isEmpty();
            assertThat(Prepared.branches(Prepared.mysql(mariaServer.url()), NODE)).isEmpty();
            System.out.printf("restart workload: %d committed, %d failed cleanly (%s)%n", work.committed.size(),
                    work.failed.get(), work.failureKinds.keySet());
        }
    }

    /** THREADS threads of transfers until stopped; records what committed and how the others failed. */
    private static final class Workload {
        final LockstepTransactionManager tm;
        final Ledger p;
        final Ledger m;
        final Map<String, Boolean> committed = new ConcurrentHashMap<>();
        final Map<String, Boolean> failureKinds = new ConcurrentHashMap<>();
        final List<Throwable> unexpected = new java.util.concurrent.CopyOnWriteArrayList<>();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicBoolean running = new AtomicBoolean(true);
        final List<Thread> threads = new ArrayList<>();
        final CountDownLatch stopped = new CountDownLatch(THREADS);

        Workload(LockstepTransactionManager tm, Ledger p, Ledger m) {
            this.tm = tm;
            this.p = p;
            this.m = m;
        }

        void start() {
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                Thread th = new Thread(() -> {
                    try {
                        for (int i = 0; running.get(); i++) {
                            one("t" + thread + "-" + i);
                        }
                    } finally {
                        stopped.countDown();
                    }
                }, "restart-worker-" + t);
                threads.add(th);
                th.start();
            }
        }

        void one(String id) {
            try {
                tm.begin();
                p.add(id, 1);
                m.add(id, -1);
                tm.commit();
                committed.put(id, true);
            } catch (HeuristicMixedException | HeuristicRollbackException e) {
                unexpected.add(e);
            } catch (Exception e) {
                failed.incrementAndGet();
                failureKinds.put(e.getClass().getSimpleName(), true);
                try {
                    if (tm.getStatus() != Status.STATUS_NO_TRANSACTION) {
                        tm.rollback();
                    }
                } catch (Exception rollback) {
                    unexpected.add(rollback);
                }
            }
        }

        void awaitCommits(int n) {
            await().atMost(Duration.ofSeconds(90)).until(() -> committed.size() >= n);
        }

        void stop() throws InterruptedException {
            running.set(false);
            assertThat(stopped.await(60, TimeUnit.SECONDS)).as("every worker stopped (no hang)").isTrue();
        }
    }
}
