package io.lockstep.tm.testing;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * A scriptable XAResource that records every XA call, in order, in a shared {@link CallLog}. It can fail a given
 * call with an XAException code (every time or once), vote {@code XA_RDONLY}, answer {@code isSameRM} by a
 * configured RM id, and block a call until a latch opens. {@code isSameRM} and timeout calls are not recorded:
 * transaction managers differ in how often they ask, which says nothing about the protocol.
 *
 * <p>Thread-safe: the reaper, recovery and several application threads may call it at once; scripting may be
 * changed between transactions.
 */
public final class RecordingXAResource implements XAResource {
    private final String name;
    private final String rmId;
    private final CallLog log;
    private final Map<XACall, Integer> failures = new ConcurrentHashMap<>();
    private final Map<XACall, Integer> failOnce = new ConcurrentHashMap<>();
    private final Map<XACall, CountDownLatch[]> blocks = new ConcurrentHashMap<>();
    private final Set<Xid> inDoubt = ConcurrentHashMap.newKeySet();
    private volatile boolean readOnly;
    private volatile XACall parkCall;
    private volatile long parkNanos;
    private volatile int timeoutSeconds;

    /** A resource of its own resource manager (the RM id is the name). */
    public RecordingXAResource(String name, CallLog log) {
        this(name, name, log);
    }

    /** A resource of resource manager {@code rmId}; two resources with one RM id are the same RM. */
    public RecordingXAResource(String name, String rmId, CallLog log) {
        this.name = name;
        this.rmId = rmId;
        this.log = log;
    }

    /** Every {@code call} throws an XAException with {@code errorCode}. */
    public RecordingXAResource failOn(XACall call, int errorCode) {
        failures.put(call, errorCode);
        return this;
    }

    /** The next {@code call} throws an XAException with {@code errorCode}; later ones succeed. */
    public RecordingXAResource failOnceOn(XACall call, int errorCode) {
        failOnce.put(call, errorCode);
        return this;
    }

    /** {@code prepare} votes {@code XA_RDONLY}. */
    public RecordingXAResource voteReadOnly() {
        readOnly = true;
        return this;
    }

    /** {@code call} counts down {@code reached}, then waits (up to 30 s) for {@code release}. */
    public RecordingXAResource blockOn(XACall call, CountDownLatch reached, CountDownLatch release) {
        blocks.put(call, new CountDownLatch[] {reached, release});
        return this;
    }

    /** {@code call} parks the calling thread for {@code nanos} (a blocking point, to expose pinned carriers). */
    public RecordingXAResource parkOn(XACall call, long nanos) {
        parkCall = call;
        parkNanos = nanos;
        return this;
    }

    public String name() {
        return name;
    }

    @Override
    public void start(Xid xid, int flags) throws XAException {
        log.xa(name, "start", xid, flagNames(flags));
        script(XACall.START, xid);
    }

    @Override
    public void end(Xid xid, int flags) throws XAException {
        log.xa(name, "end", xid, flagNames(flags));
        script(XACall.END, xid);
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        log.xa(name, "prepare", xid, "");
        script(XACall.PREPARE, xid);
        if (readOnly) {
            return XA_RDONLY;
        }
        inDoubt.add(xid);
        return XA_OK;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        log.xa(name, "commit", xid, onePhase ? "onePhase" : "");
        script(XACall.COMMIT, xid);
        inDoubt.remove(xid);
    }

    @Override
    public void rollback(Xid xid) throws XAException {
        log.xa(name, "rollback", xid, "");
        script(XACall.ROLLBACK, xid);
        inDoubt.remove(xid);
    }

    @Override
    public void forget(Xid xid) throws XAException {
        log.xa(name, "forget", xid, "");
        script(XACall.FORGET, xid);
    }

    @Override
    public Xid[] recover(int flag) {
        return (flag & TMSTARTRSCAN) != 0 ? inDoubt.toArray(new Xid[0]) : new Xid[0];
    }

    @Override
    public boolean isSameRM(XAResource other) {
        return other instanceof RecordingXAResource && ((RecordingXAResource) other).rmId.equals(rmId);
    }

    @Override
    public int getTransactionTimeout() {
        return timeoutSeconds;
    }

    @Override
    public boolean setTransactionTimeout(int seconds) {
        timeoutSeconds = seconds;
        return true;
    }

    /** The branches prepared here and not yet committed or rolled back, as {@code recover()} reports them. */
    public Set<Xid> inDoubt() {
        return Set.copyOf(inDoubt);
    }

    private void script(XACall call, Xid xid) throws XAException {
        if (call == parkCall) {
            java.util.concurrent.locks.LockSupport.parkNanos(parkNanos);
        }
        CountDownLatch[] block = blocks.get(call);
        if (block != null) {
            block[0].countDown();
            try {
                if (!block[1].await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(name + "." + call + " was never released by the test");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(name + "." + call + " interrupted", e);
            }
        }
        Integer once = failOnce.remove(call);
        Integer code = once != null ? once : failures.get(call);
        if (code != null) {
            if (code == XAException.XAER_NOTA) {
                inDoubt.remove(xid);
            }
            XAException e = new XAException(name + "." + call.name().toLowerCase() + " scripted to fail with "
                    + code);
            e.errorCode = code;
            throw e;
        }
    }

    /** Flag names as in the XA spec, e.g. {@code TMSUCCESS} or {@code TMNOFLAGS}. */
    public static String flagNames(int flags) {
        if (flags == TMNOFLAGS) {
            return "TMNOFLAGS";
        }
        StringBuilder sb = new StringBuilder();
        int[] bits = {TMJOIN, TMRESUME, TMSUCCESS, TMFAIL, TMSUSPEND, TMONEPHASE, TMSTARTRSCAN, TMENDRSCAN};
        String[] names = {"TMJOIN", "TMRESUME", "TMSUCCESS", "TMFAIL", "TMSUSPEND", "TMONEPHASE", "TMSTARTRSCAN",
            "TMENDRSCAN"};
        for (int i = 0; i < bits.length; i++) {
            if ((flags & bits[i]) != 0) {
                sb.append(sb.length() == 0 ? "" : "|").append(names[i]);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "RecordingXAResource[" + name + ", rm " + rmId + "]";
    }
}
