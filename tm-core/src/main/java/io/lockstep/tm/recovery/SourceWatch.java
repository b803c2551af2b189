package io.lockstep.tm.recovery;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;

/**
 * Watches one source's work in one recovery pass, so that a resource that stops answering cannot hold the pass.
 *
 * <p>XA calls have no timeout, and a stalled network (packets dropped, connection not closed) leaves a call blocked
 * for as long as the driver and the operating system allow — with some drivers' defaults, forever. Each source is
 * therefore scanned on a thread of its own while the pass waits, and every call to the source (opening it, each
 * {@code recover} batch, each {@code commit}, {@code rollback}, {@code forget}) counts as progress. The pass waits
 * as long as progress comes at least every {@code recoveryCallTimeout}; past that, it gives up on the source: the
 * source is reported failed, its records stay for a later pass, and the watch is <em>abandoned</em>. The thread
 * cannot be stopped while it is blocked in the driver, but once its call returns, the abandoned watch refuses every
 * further call ({@code XAER_RMFAIL}), so a pass that has ended never acts through it again; the coordinator does
 * not scan that source again until the thread is done (one blocked thread per source at most).
 *
 * <p>Thread-safe: the scan's threads write the progress, the pass thread reads it.
 */
final class SourceWatch {
    private static final int RUNNING = 0;
    private static final int FINISHED = 1;
    private static final int ABANDONED = 2;

    final String source;
    final long startedNanos = System.nanoTime();
    private volatile long lastProgressNanos = startedNanos;
    /** RUNNING until the scan finishes (its thread) or the pass gives up on it (the pass thread), whichever first. */
    private final AtomicInteger state = new AtomicInteger(RUNNING);
    /** Set by the scan's thread as its last act, whether it finished or was given up on. */
    private volatile boolean ended;

    SourceWatch(String source) {
        this.source = source;
    }

    void progress() {
        lastProgressNanos = System.nanoTime();
    }

    /**
     * Called by the scan when it is done, before it reports its outcome: true when the pass still waits for it
     * (report), false when the pass gave up on it and already reported the source failed (report nothing).
     */
    boolean finish() {
        return state.compareAndSet(RUNNING, FINISHED);
    }

    /** The scan's thread is done with the source (its session closed). */
    void end() {
        ended = true;
    }

    boolean ended() {
        return ended;
    }

    boolean abandoned() {
        return state.get() == ABANDONED;
    }

    /** Nanoseconds since the last call to the source returned (or the watch began). */
    long quietNanos() {
        return System.nanoTime() - lastProgressNanos;
    }

    /**
     * Waits for {@code scan} while the source makes progress.
     *
     * @return true when the scan finished; false when no call returned within {@code timeoutNanos} and the watch
     *         is now abandoned
     * @throws ExecutionException the scan itself failed unexpectedly (it handles the source's failures)
     */
    boolean await(Future<?> scan, long timeoutNanos) throws InterruptedException, ExecutionException {
        while (true) {
            long left = lastProgressNanos + timeoutNanos - System.nanoTime();
            if (left <= 0 && state.compareAndSet(RUNNING, ABANDONED)) {
                return false;
            }
            if (left <= 0) {
                scan.get(); // it finished just now and is reporting: a matter of moments
                return true;
            }
            try {
                scan.get(left, TimeUnit.NANOSECONDS);
                return true;
            } catch (TimeoutException e) {
                // progress may have moved the deadline; look again
            }
        }
    }

    /**
     * {@code xar} with every call counted as progress and refused ({@code XAER_RMFAIL}) once the watch is abandoned.
     * A dynamic proxy: the rule is the same for every method of the interface.
     */
    XAResource watch(XAResource xar) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (abandoned() && method.getDeclaringClass() == XAResource.class) {
                XAException e = new XAException("recovery gave up on source " + source + " (no answer within"
                        + " recoveryCallTimeout); this pass does nothing more with it");
                e.errorCode = XAException.XAER_RMFAIL;
                throw e;
            }
            try {
                return method.invoke(xar, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                progress();
            }
        };
        return (XAResource) Proxy.newProxyInstance(SourceWatch.class.getClassLoader(),
                new Class<?>[] {XAResource.class}, handler);
    }
}
