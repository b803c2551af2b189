package io.lockstep.tm.recovery;

import io.lockstep.tm.RecoverySession;
import io.lockstep.tm.XAResourceSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * A small resource manager for recovery tests: it keeps prepared branches (as a real RM keeps them across
 * connections), commits and rolls them back, and can be made unreachable or answer with an error code (a heuristic,
 * or XAER_NOTA for a branch it lists, as MariaDB does for one still attached to the session that prepared it).
 */
final class PreparedStore implements XAResourceSource {
    final String name;
    final Map<Xid, String> prepared = new ConcurrentHashMap<>();
    final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    volatile boolean reachable = true;
    volatile int commitError;
    volatile int rollbackError;
    /** When set, recover() blocks until it opens, as on a network that stopped delivering packets. */
    volatile CountDownLatch stallRecover;
    /** Each commit takes this long (a slow but healthy resource). */
    volatile long commitMillis;
    final AtomicInteger opened = new AtomicInteger();

    PreparedStore(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    void prepare(Xid xid) {
        prepared.put(xid, "prepared");
    }

    @Override
    public RecoverySession open() throws Exception {
        if (!reachable) {
            throw new java.net.ConnectException("connection refused: " + name + " is down");
        }
        opened.incrementAndGet();
        XAResource xar = new XAResource() {
            @Override public void commit(Xid xid, boolean onePhase) throws XAException {
                calls.add("commit " + xid);
                pause(commitMillis);
                if (commitError != 0) {
                    throw new XAException(commitError);
                }
                if (prepared.remove(xid) == null) {
                    throw new XAException(XAException.XAER_NOTA);
                }
            }
            @Override public void rollback(Xid xid) throws XAException {
                calls.add("rollback " + xid);
                if (rollbackError != 0) {
                    throw new XAException(rollbackError);
                }
                if (prepared.remove(xid) == null) {
                    throw new XAException(XAException.XAER_NOTA);
                }
            }
            @Override public void forget(Xid xid) {
                calls.add("forget " + xid);
                prepared.remove(xid);
            }
            @Override public Xid[] recover(int flag) {
                CountDownLatch stall = stallRecover;
                if (stall != null) {
                    await(stall);
                }
                return (flag & TMSTARTRSCAN) != 0 ? prepared.keySet().toArray(new Xid[0]) : new Xid[0];
            }
            @Override public void start(Xid xid, int flags) { }
            @Override public void end(Xid xid, int flags) { }
            @Override public int prepare(Xid xid) { prepared.put(xid, "prepared"); return XA_OK; }
            @Override public boolean isSameRM(XAResource other) { return other == this; }
            @Override public int getTransactionTimeout() { return 0; }
            @Override public boolean setTransactionTimeout(int seconds) { return false; }
        };
        return new RecoverySession() {
            @Override public XAResource xaResource() { return xar; }
            @Override public void close() { }
        };
    }

    /** The time a slow resource takes to answer (simulated work, not a wait for a condition). */
    private static void pause(long millis) {
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
