package io.lockstep.tm.tx;

import io.lockstep.tm.LastResource;
import io.lockstep.tm.NamedXAResource;
import io.lockstep.tm.TransactionState;
import io.lockstep.tm.xa.LockstepXid;
import io.lockstep.tm.xa.XAErrors;
import io.lockstep.tm.xa.XAOutcome;
import io.lockstep.tm.xa.XAPhase;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Synchronization;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;

/**
 * A global transaction: its state machine, branches, synchronizations and resources.
 *
 * <h2>Concurrency</h2>
 * {@link #lock} guards {@link #state}, the branch, enlistment and synchronization lists and the resource map. It is
 * held across {@code start}/{@code end} calls of enlist, delist, suspend and resume (short, and they must not
 * interleave with a completion), but never across completion's XA calls or synchronizations: completion first moves
 * the state out of {@code ACTIVE} under the lock (so every other actor backs off), then works alone without it.
 * {@link #state} is volatile so {@code getStatus()} reads it without locking. Whoever moves the state to a terminal
 * value signals {@link #terminated}.
 *
 * <p>Public only because the facade in {@code io.lockstep.tm} needs it; not an API.
 */
public final class GlobalTransaction implements Transaction {
    final Engine engine;
    final String gtrid;
    final byte[] gtridBytes;
    final int timeoutSeconds;
    final long deadlineNanos;
    final long startMillis;
    private final long seq;

    final ReentrantLock lock = new ReentrantLock();
    private final Condition terminated = lock.newCondition();
    volatile TransactionState state = TransactionState.ACTIVE;
    /** Completion (commit, rollback or timeout) has been claimed by one thread; nobody else may start one. */
    private boolean completing;
    /** beforeCompletion has finished: no more synchronizations may be registered. */
    private boolean syncsClosed;
    /** Interposed beforeCompletion has begun: every regular one has run, so no regular one may be added (JTA 3.3.2). */
    private boolean regularClosed;
    private boolean timedOut;
    /** Why the transaction is marked rollback-only or was rolled back; attached to RollbackException. */
    private Throwable rollbackCause;

    private final List<Branch> branches = new ArrayList<>(2);
    private final List<Enlistment> enlistments = new ArrayList<>(2);
    private Branch lastResource;
    private List<Synchronization> syncs;
    private List<Synchronization> interposed;
    private Map<Object, Object> resources;
    private int nextBranch = 1;

    GlobalTransaction(Engine engine, String gtrid, int timeoutSeconds, long seq) {
        this.engine = engine;
        this.gtrid = gtrid;
        // A gtrid is US-ASCII by construction (Gtrid), so its ISO-8859-1 bytes are the same bytes; that encoder is a
        // plain array copy, while the US-ASCII one checks every character (13% of a 1PC in the engine benchmark).
        this.gtridBytes = gtrid.getBytes(StandardCharsets.ISO_8859_1);
        this.timeoutSeconds = timeoutSeconds;
        this.deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        this.startMillis = System.currentTimeMillis();
        this.seq = seq;
    }

    /** The global transaction id, as written in log records. */
    public String gtrid() {
        return gtrid;
    }

    /** The current state. */
    public TransactionState state() {
        return state;
    }

    public int timeoutSeconds() {
        return timeoutSeconds;
    }

    public long startMillis() {
        return startMillis;
    }

    /** Names of the branches' resources (empty names for unnamed resources), for the admin view. */
    public List<String> branchNames() {
        lock.lock();
        try {
            List<String> names = new ArrayList<>(branches.size());
            for (Branch b : branches) {
                names.add(b.describe());
            }
            return names;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- status

    @Override
    public int getStatus() {
        return state.status();
    }

    @Override
    public void setRollbackOnly() {
        lock.lock();
        try {
            switch (state) {
                case ACTIVE:
                    rollbackCause = new IllegalStateException("setRollbackOnly() called on transaction " + gtrid);
                    transition(TransactionState.MARKED_ROLLBACK);
                    return;
                case MARKED_ROLLBACK:
                case ROLLING_BACK:
                case ROLLED_BACK:
                    return;
                default:
                    throw new IllegalStateException("transaction " + gtrid + " is " + state
                            + ": too late to mark it rollback-only");
            }
        } finally {
            lock.unlock();
        }
    }

    /** True when the transaction can only roll back (TSR.getRollbackOnly). */
    public boolean isRollbackOnly() {
        TransactionState s = state;
        return s == TransactionState.MARKED_ROLLBACK || s == TransactionState.ROLLING_BACK
                || s == TransactionState.ROLLED_BACK;
    }

    private void transition(TransactionState to) {
        TransactionState from = state;
        state = to;
        engine.listener.stateChanged(this, gtrid, from, to);
    }

    private void transitionLocked(TransactionState to) {
        lock.lock();
        try {
            transition(to);
            if (to.isTerminal()) {
                terminated.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- enlistment

    @Override
    public boolean enlistResource(XAResource xaRes) throws RollbackException, SystemException {
        Objects.requireNonNull(xaRes, "enlistResource: xaRes must not be null");
        lock.lock();
        try {
            checkCanEnlist();
            for (Enlistment e : enlistments) {
                if (e.resource == xaRes) {
                    return reassociate(e);
                }
            }
            if (xaRes instanceof LastResource) {
                if (lastResource != null) {
                    throw new IllegalStateException("transaction " + gtrid + " already has a last resource ("
                            + lastResource.describe() + "); a second non-XA resource (" + Branch.nameOf(xaRes)
                            + ") cannot join: only one last resource per transaction is safe");
                }
                lastResource = new Branch(LockstepXid.of(gtrid, gtridBytes, 0), xaRes);
                enlistments.add(new Enlistment(xaRes, lastResource));
                return true;
            }
            Branch joined = joinableBranch(xaRes);
            if (joined != null) {
                start(joined, xaRes, XAResource.TMJOIN);
                enlistments.add(new Enlistment(xaRes, joined));
                return true;
            }
            Branch branch = new Branch(LockstepXid.of(gtrid, gtridBytes, nextBranch++), xaRes);
            setResourceTimeout(xaRes);
            start(branch, xaRes, XAResource.TMNOFLAGS);
            branches.add(branch);
            enlistments.add(new Enlistment(xaRes, branch));
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void checkCanEnlist() throws RollbackException {
        if (timedOut || state == TransactionState.MARKED_ROLLBACK) {
            throw rollbackOnly("cannot enlist a resource");
        }
        if (state != TransactionState.ACTIVE || syncsClosed) {
            throw new IllegalStateException("cannot enlist a resource: transaction " + gtrid + " is " + state
                    + (completing ? " and completing" : ""));
        }
    }

    private RollbackException rollbackOnly(String what) {
        RollbackException e = new RollbackException(what + ": transaction " + gtrid
                + (timedOut ? " timed out after " + timeoutSeconds + " s and was rolled back"
                        : " is marked rollback-only"));
        if (rollbackCause != null) {
            e.initCause(rollbackCause);
        }
        return e;
    }

    private Branch joinableBranch(XAResource xaRes) throws SystemException {
        if (xaRes instanceof NamedXAResource && !((NamedXAResource) xaRes).canJoin()) {
            return null;
        }
        for (Branch b : branches) {
            if (!b.canJoin) {
                continue;
            }
            try {
                if (b.resource.isSameRM(xaRes)) {
                    return b;
                }
            } catch (XAException e) {
                throw systemException("isSameRM on " + b.describe(), e);
            }
        }
        return null;
    }

    private void setResourceTimeout(XAResource xaRes) {
        long remaining = TimeUnit.NANOSECONDS.toSeconds(deadlineNanos - System.nanoTime());
        try {
            xaRes.setTransactionTimeout((int) Math.max(1, remaining));
        } catch (XAException ignored) {
            // Optional (XA spec): a resource that cannot take a timeout relies on the reaper alone.
        }
    }

    private void start(Branch branch, XAResource xaRes, int flags) throws RollbackException, SystemException {
        try {
            xaRes.start(branch.xid, flags);
        } catch (XAException e) {
            if (XAErrors.classify(XAPhase.START, e.errorCode, false) == XAOutcome.ROLLED_BACK) {
                rollbackCause = e;
                transition(TransactionState.MARKED_ROLLBACK);
                throw (RollbackException) new RollbackException("start of branch " + branch.xid + " on "
                        + Branch.nameOf(xaRes) + ": " + XAErrors.name(e.errorCode)
                        + "; the transaction is marked rollback-only").initCause(e);
            }
            throw systemException("start of branch " + branch.xid + " on " + describe(xaRes), e);
        }
    }

    private boolean reassociate(Enlistment e) throws RollbackException, SystemException {
        switch (e.association) {
            case ACTIVE:
                return true;
            case SUSPENDED:
                start(e.branch, e.resource, e.suspendMode.startFlag());
                e.association = Enlistment.Association.ACTIVE;
                return true;
            case ENDED:
                start(e.branch, e.resource, XAResource.TMJOIN);
                e.association = Enlistment.Association.ACTIVE;
                return true;
            default:
                throw new IllegalStateException("resource " + describe(e.resource) + " of transaction " + gtrid
                        + " is suspended with the transaction; resume the transaction instead of enlisting it");
        }
    }

    @Override
    public boolean delistResource(XAResource xaRes, int flag) throws SystemException {
        Objects.requireNonNull(xaRes, "delistResource: xaRes must not be null");
        if (flag != XAResource.TMSUCCESS && flag != XAResource.TMFAIL && flag != XAResource.TMSUSPEND) {
            throw new IllegalArgumentException("delistResource flag " + flag
                    + ": must be TMSUCCESS, TMFAIL or TMSUSPEND");
        }
        lock.lock();
        try {
            if ((state != TransactionState.ACTIVE && state != TransactionState.MARKED_ROLLBACK) || syncsClosed) {
                throw new IllegalStateException("cannot delist a resource: transaction " + gtrid + " is " + state);
            }
            Enlistment e = null;
            for (Enlistment candidate : enlistments) {
                if (candidate.resource == xaRes) {
                    e = candidate;
                    break;
                }
            }
            if (e == null || e.association == Enlistment.Association.ENDED) {
                return false;
            }
            if (e.branch.lastResource) {
                return true;
            }
            if (flag == XAResource.TMSUSPEND) {
                if (e.association != Enlistment.Association.ACTIVE) {
                    return false;
                }
                end(e, e.suspendMode.endFlag());
                e.association = Enlistment.Association.SUSPENDED;
                return true;
            }
            if (e.needsEnd()) {
                end(e, flag);
            }
            e.association = Enlistment.Association.ENDED;
            if (flag == XAResource.TMFAIL && state == TransactionState.ACTIVE) {
                rollbackCause = new IllegalStateException("resource " + describe(xaRes)
                        + " was delisted with TMFAIL");
                transition(TransactionState.MARKED_ROLLBACK);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Ends an association under the lock; a failure marks the transaction rollback-only. */
    private void end(Enlistment e, int flags) throws SystemException {
        try {
            e.resource.end(e.branch.xid, flags);
        } catch (XAException x) {
            e.association = Enlistment.Association.ENDED;
            rollbackCause = x;
            if (state == TransactionState.ACTIVE) {
                transition(TransactionState.MARKED_ROLLBACK);
            }
            if (XAErrors.classify(XAPhase.END, x.errorCode, false) != XAOutcome.ROLLED_BACK) {
                throw systemException("end of branch " + e.branch.xid + " on " + describe(e.resource)
                        + "; the transaction is marked rollback-only", x);
            }
        }
    }

    /** TransactionManager.suspend: suspends every active association. Errors mark the transaction rollback-only. */
    public void suspendAssociationsForSuspend() {
        lock.lock();
        try {
            for (Enlistment e : enlistments) {
                if (e.association == Enlistment.Association.ACTIVE && !e.branch.lastResource) {
                    try {
                        end(e, e.suspendMode.endFlag());
                        e.association = Enlistment.Association.SUSPENDED_WITH_TX;
                    } catch (SystemException ignored) {
                        // marked rollback-only by end(); the association is over
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * TransactionManager.resume: resumes what {@link #suspendAssociationsForSuspend()} suspended.
     *
     * @throws InvalidTransactionException the transaction is completed or completing
     */
    public void resumeForResume() throws InvalidTransactionException, SystemException {
        lock.lock();
        try {
            if ((state != TransactionState.ACTIVE && state != TransactionState.MARKED_ROLLBACK) || completing) {
                throw new InvalidTransactionException("cannot resume transaction " + gtrid + ": it is " + state
                        + (completing ? " and completing" : ""));
            }
            for (Enlistment e : enlistments) {
                if (e.association == Enlistment.Association.SUSPENDED_WITH_TX) {
                    try {
                        e.resource.start(e.branch.xid, e.suspendMode.startFlag());
                        e.association = Enlistment.Association.ACTIVE;
                    } catch (XAException x) {
                        e.association = Enlistment.Association.ENDED;
                        rollbackCause = x;
                        if (state == TransactionState.ACTIVE) {
                            transition(TransactionState.MARKED_ROLLBACK);
                        }
                        throw systemException("resume of branch " + e.branch.xid + " on " + describe(e.resource)
                                + "; the transaction is marked rollback-only", x);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- synchronizations and resources

    @Override
    public void registerSynchronization(Synchronization sync) throws RollbackException {
        Objects.requireNonNull(sync, "registerSynchronization: sync must not be null");
        lock.lock();
        try {
            if (state == TransactionState.MARKED_ROLLBACK) {
                throw rollbackOnly("cannot register a synchronization");
            }
            checkCanRegister();
            if (regularClosed) {
                throw new IllegalStateException("cannot register a synchronization: transaction " + gtrid
                        + " is running interposed beforeCompletion callbacks; every regular one must run before them"
                        + " (use registerInterposedSynchronization)");
            }
            if (syncs == null) {
                syncs = new ArrayList<>(4);
            }
            syncs.add(sync);
        } finally {
            lock.unlock();
        }
    }

    /** TSR.registerInterposedSynchronization. */
    public void registerInterposed(Synchronization sync) {
        Objects.requireNonNull(sync, "registerInterposedSynchronization: sync must not be null");
        lock.lock();
        try {
            if (state != TransactionState.MARKED_ROLLBACK) {
                checkCanRegister();
            } else if (completing) {
                throw new IllegalStateException("cannot register a synchronization: transaction " + gtrid
                        + " is completing");
            }
            if (interposed == null) {
                interposed = new ArrayList<>(4);
            }
            interposed.add(sync);
        } finally {
            lock.unlock();
        }
    }

    private void checkCanRegister() {
        if (state != TransactionState.ACTIVE || syncsClosed) {
            throw new IllegalStateException("cannot register a synchronization: transaction " + gtrid + " is "
                    + state + (syncsClosed ? " and its beforeCompletion phase is over" : ""));
        }
    }

    /** TSR.putResource. */
    public void putResource(Object key, Object value) {
        Objects.requireNonNull(key, "putResource: key must not be null");
        lock.lock();
        try {
            if (resources == null) {
                resources = new HashMap<>(4);
            }
            resources.put(key, value);
        } finally {
            lock.unlock();
        }
    }

    /** TSR.getResource. */
    public Object getResource(Object key) {
        Objects.requireNonNull(key, "getResource: key must not be null");
        lock.lock();
        try {
            return resources == null ? null : resources.get(key);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- completion

    @Override
    public void commit() throws RollbackException, HeuristicMixedException, HeuristicRollbackException,
            SystemException {
        try {
            new Completion(this).commit();
        } finally {
            engine.association.clearIf(this);
        }
    }

    @Override
    public void rollback() throws SystemException {
        try {
            rollbackByApplication();
        } finally {
            engine.association.clearIf(this);
        }
    }

    private void rollbackByApplication() throws SystemException {
        lock.lock();
        try {
            if (timedOut) {
                awaitTerminal();
                return;
            }
            if (completing || (state != TransactionState.ACTIVE && state != TransactionState.MARKED_ROLLBACK)) {
                throw new IllegalStateException("cannot roll back: transaction " + gtrid + " is " + state
                        + (completing ? " and completing" : ""));
            }
            completing = true;
        } finally {
            lock.unlock();
        }
        new Completion(this).rollback(null);
    }

    /**
     * Claims the completion for a commit. Returns normally when the caller may go on with beforeCompletion.
     *
     * @throws RollbackException the transaction timed out, or was rolled back by someone else
     */
    boolean claimCommit() throws RollbackException {
        lock.lock();
        try {
            if (timedOut) {
                awaitTerminal();
                throw rollbackOnly("commit failed");
            }
            if (completing || (state != TransactionState.ACTIVE && state != TransactionState.MARKED_ROLLBACK)) {
                throw new IllegalStateException("cannot commit: transaction " + gtrid + " is " + state
                        + (completing ? " and completing" : ""));
            }
            completing = true;
            return state == TransactionState.ACTIVE;
        } finally {
            lock.unlock();
        }
    }

    private void awaitTerminal() {
        boolean interrupted = false;
        while (!state.isTerminal()) {
            try {
                terminated.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * After beforeCompletion: closes registration and decides whether commit may go on.
     *
     * @return null when the transaction may commit; otherwise why it must roll back
     */
    Throwable closeRegistration() {
        lock.lock();
        try {
            syncsClosed = true;
            if (state == TransactionState.MARKED_ROLLBACK) {
                return rollbackCause != null ? rollbackCause : new IllegalStateException("marked rollback-only");
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Called by the reaper at the deadline: rolls the transaction back unless a completion has started. */
    void timeout() {
        lock.lock();
        try {
            if (completing || state.isTerminal()) {
                return;
            }
            completing = true;
            timedOut = true;
            engine.counters.onTimeout();
            rollbackCause = new IllegalStateException("transaction " + gtrid + " timed out after "
                    + timeoutSeconds + " s");
        } finally {
            lock.unlock();
        }
        try {
            new Completion(this).rollback(null);
        } catch (SystemException e) {
            // logged by the reaper
            throw new IllegalStateException(e);
        }
    }

    boolean isTimedOut() {
        lock.lock();
        try {
            return timedOut;
        } finally {
            lock.unlock();
        }
    }

    Throwable rollbackCause() {
        lock.lock();
        try {
            return rollbackCause;
        } finally {
            lock.unlock();
        }
    }

    // Accessors for Completion, which runs alone once completing is claimed.

    List<Branch> branches() {
        return branches;
    }

    List<Enlistment> enlistments() {
        return enlistments;
    }

    Branch lastResource() {
        return lastResource;
    }

    void setState(TransactionState to) {
        transitionLocked(to);
    }

    void setRollbackCause(Throwable cause) {
        lock.lock();
        try {
            if (rollbackCause == null) {
                rollbackCause = cause;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Regular beforeCompletion is over: later regular registrations are refused. */
    void closeRegularRegistration() {
        lock.lock();
        try {
            regularClosed = true;
        } finally {
            lock.unlock();
        }
    }

    /** The synchronization at {@code index} of the regular (or interposed) list, or null past its end. */
    Synchronization syncAt(boolean isInterposed, int index) {
        lock.lock();
        try {
            List<Synchronization> list = isInterposed ? interposed : syncs;
            return list == null || index >= list.size() ? null : list.get(index);
        } finally {
            lock.unlock();
        }
    }

    int syncCount(boolean isInterposed) {
        lock.lock();
        try {
            List<Synchronization> list = isInterposed ? interposed : syncs;
            return list == null ? 0 : list.size();
        } finally {
            lock.unlock();
        }
    }

    SystemException systemException(String what, XAException e) {
        SystemException s = new SystemException(what + ": " + XAErrors.name(e.errorCode) + " (transaction "
                + gtrid + ")");
        s.initCause(e);
        return s;
    }

    static String describe(XAResource r) {
        String name = Branch.nameOf(r);
        return name.isEmpty() ? r.getClass().getName() : name;
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(seq * 0x9E3779B97F4A7C15L);
    }

    @Override
    public String toString() {
        return "Transaction " + gtrid + " " + state;
    }
}
