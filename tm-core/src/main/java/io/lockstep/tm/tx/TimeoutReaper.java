package io.lockstep.tm.tx;

import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rolls back transactions at their deadline, while their owners may still be busy (JTA: the transaction is
 * rolled back, the owner's later {@code commit} throws {@code RollbackException}).
 *
 * <p>One daemon thread per manager. It watches the head of {@link Engine#alive}, a skip list ordered by deadline:
 * it parks until the earliest deadline, and {@link #scheduled} unparks it only when a new transaction's deadline
 * is earlier than that (rare: transactions of one timeout arrive in deadline order). Transactions that finished are removed
 * from the set by their completion, so the reaper never sees them; those already completing are skipped.
 */
final class TimeoutReaper implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(TimeoutReaper.class);

    private final Engine engine;
    private final Thread thread;
    private volatile boolean running = true;
    /** The deadline the reaper will park for; Long.MAX_VALUE while it scans. Written by the reaper only. */
    private volatile long parkedUntil = Long.MAX_VALUE;

    TimeoutReaper(Engine engine, String name) {
        this.engine = engine;
        this.thread = new Thread(this, name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void stop() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void scheduled(GlobalTransaction tx) {
        long until = parkedUntil;
        if (until == Long.MAX_VALUE || tx.deadlineNanos - until < 0) {
            LockSupport.unpark(thread);
        }
    }

    @Override
    public void run() {
        while (running) {
            // While scanning, every new transaction unparks us (its permit makes the next park return at once).
            parkedUntil = Long.MAX_VALUE;
            GlobalTransaction head = null;
            for (GlobalTransaction tx : engine.alive) {
                if (!tx.isTimeoutHandled()) {
                    head = tx;
                    break;
                }
            }
            long now = System.nanoTime();
            if (head == null) {
                parkedUntil = now + 1_000_000_000L;
                LockSupport.parkNanos(this, 1_000_000_000L);
                continue;
            }
            long wait = head.deadlineNanos - now;
            if (wait > 0) {
                parkedUntil = head.deadlineNanos;
                LockSupport.parkNanos(this, wait);
                continue;
            }
            parkedUntil = now;
            try {
                head.timeout();
            } catch (RuntimeException e) {
                LOG.error("timeout of transaction {} failed", head.gtrid, e);
            }
        }
    }
}
