package io.lockstep.tm.tx;

import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rolls back transactions at their deadline, while their owners may still be busy (JTA: the transaction is
 * rolled back, the owner's later {@code commit} throws {@code RollbackException}).
 *
 * <p>One daemon thread per manager. Each round it scans {@link Engine#alive}, times out every transaction past its
 * deadline that no completion has claimed, and parks until the earliest remaining deadline (at most one second).
 * {@link #scheduled} unparks it only when a new transaction's deadline is earlier than that — rare, since
 * transactions of one timeout arrive in deadline order — so begin and commit never touch the reaper otherwise.
 */
final class TimeoutReaper implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(TimeoutReaper.class);

    private static final long MAX_PARK_NANOS = 1_000_000_000L;

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
            long now = System.nanoTime();
            long next = now + MAX_PARK_NANOS;
            for (GlobalTransaction tx : engine.alive) {
                long deadline = tx.deadlineNanos;
                if (deadline - now > 0) {
                    if (deadline - next < 0) {
                        next = deadline;
                    }
                    continue;
                }
                try {
                    tx.timeout(); // no-op when a completion already claimed it
                } catch (RuntimeException e) {
                    LOG.error("timeout of transaction {} failed", tx.gtrid, e);
                }
            }
            parkedUntil = next;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
            }
        }
    }
}
