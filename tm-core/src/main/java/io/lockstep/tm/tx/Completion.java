package io.lockstep.tm.tx;

import io.lockstep.tm.TransactionState;
import io.lockstep.tm.TransactionCounters.Protocol;
import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.HeuristicOutcome;
import io.lockstep.tm.log.HeuristicRecord;
import io.lockstep.tm.log.TransactionLogException;
import io.lockstep.tm.xa.XAErrors;
import io.lockstep.tm.xa.XAOutcome;
import io.lockstep.tm.xa.XAPhase;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.SystemException;
import java.util.ArrayList;
import java.util.List;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes one transaction: commit (one-phase or two-phase with presumed abort) or rollback. Runs on the one
 * thread that claimed the completion (see {@link GlobalTransaction}), without holding the transaction's lock.
 *
 * <h2>Commit</h2>
 * <ol>
 *   <li>beforeCompletion: regular synchronizations, then interposed ones (repeating while they register more);
 *       a failure or a rollback-only mark rolls everything back ({@code RollbackException} with the cause).</li>
 *   <li>End every association with {@code TMSUCCESS}.</li>
 *   <li>No branch: done, nothing written. One branch: {@code commit(xid, true)}, nothing written.</li>
 *   <li>Otherwise prepare every XA branch; read-only votes drop out; any failure rolls back all. Then the last
 *       resource (if any) commits locally.</li>
 *   <li>Two or more prepared branches (or one plus a committed last resource): force exactly one COMMIT record.
 *       One prepared branch alone needs none: its commit is the decision.</li>
 *   <li>Phase 2: {@code commit(xid, false)} on every prepared branch. {@code XA_RETRY}/{@code XAER_RMFAIL} leave
 *       the branch to recovery (the commit stands); heuristics are recorded, forgotten and reported per JTA.</li>
 *   <li>END (unforced) when every branch is accounted for; then afterCompletion, interposed first.</li>
 * </ol>
 */
final class Completion {
    private static final Logger LOG = LoggerFactory.getLogger(Completion.class);

    private final GlobalTransaction tx;
    private final String gtrid;
    private Protocol protocol = Protocol.NONE;

    Completion(GlobalTransaction tx) {
        this.tx = tx;
        this.gtrid = tx.gtrid;
    }

    // ---------------------------------------------------------------- commit

    void commit() throws RollbackException, HeuristicMixedException, HeuristicRollbackException, SystemException {
        if (!tx.claimCommit()) {
            Throwable cause = tx.rollbackCause();
            rollback(cause);
            throw rollbackException("commit failed: transaction " + gtrid + " was marked rollback-only; rolled back",
                    cause);
        }
        Throwable failure = beforeCompletion();
        Throwable marked = tx.closeRegistration();
        if (failure == null) {
            failure = marked;
        }
        if (failure != null) {
            rollback(failure);
            throw rollbackException("commit failed: transaction " + gtrid + " "
                    + (marked == null ? "beforeCompletion threw " + failure : "was marked rollback-only")
                    + "; rolled back", failure);
        }
        XAException endFailure = endAll(XAResource.TMSUCCESS);
        if (endFailure != null) {
            rollback(endFailure);
            throw rollbackException("commit failed: end of a branch of transaction " + gtrid + " failed with "
                    + XAErrors.name(endFailure.errorCode) + "; rolled back", endFailure);
        }
        List<Branch> xa = tx.branches();
        Branch last = tx.lastResource();
        int count = xa.size() + (last != null ? 1 : 0);
        if (count == 0) {
            finish(TransactionState.COMMITTED);
        } else if (count == 1) {
            onePhase(last != null ? last : xa.get(0));
        } else {
            twoPhase(xa, last);
        }
    }

    private Throwable beforeCompletion() {
        Synchronization s;
        // Regular ones first (they may register more regular and interposed ones), then interposed ones.
        for (int i = 0; (s = tx.syncAt(false, i)) != null; i++) {
            Throwable t = callBefore(s);
            if (t != null || tx.state == TransactionState.MARKED_ROLLBACK) {
                return t;
            }
        }
        tx.closeRegularRegistration();
        for (int i = 0; (s = tx.syncAt(true, i)) != null; i++) {
            Throwable t = callBefore(s);
            if (t != null || tx.state == TransactionState.MARKED_ROLLBACK) {
                return t;
            }
        }
        return null;
    }

    private static Throwable callBefore(Synchronization s) {
        try {
            s.beforeCompletion();
            return null;
        } catch (RuntimeException | Error e) {
            return e;
        }
    }

    private void onePhase(Branch b) throws RollbackException, HeuristicMixedException, HeuristicRollbackException {
        protocol = Protocol.ONE_PHASE;
        tx.setState(TransactionState.COMMITTING);
        XAException failure;
        try {
            b.resource.commit(b.xid, true);
            b.outcome = Branch.Outcome.COMMITTED;
            finish(TransactionState.COMMITTED);
            return;
        } catch (XAException e) {
            failure = e;
        } catch (RuntimeException e) {
            failure = unknown(e);
        }
        XAOutcome o = XAErrors.classify(XAPhase.ONE_PHASE_COMMIT, failure.errorCode, false);
        String what = "one-phase commit of branch " + b.xid + " on " + b.describe() + ": "
                + XAErrors.name(failure.errorCode);
        switch (o) {
            case ROLLED_BACK:
                b.outcome = Branch.Outcome.ROLLED_BACK;
                finish(TransactionState.ROLLED_BACK);
                throw rollbackException(what + "; the branch rolled back", failure);
            case HEURISTIC_COMMIT:
                heuristic(b, HeuristicOutcome.COMMITTED, true);
                finish(TransactionState.COMMITTED);
                return;
            case HEURISTIC_ROLLBACK:
                heuristic(b, HeuristicOutcome.ROLLED_BACK, true);
                finish(TransactionState.HEURISTIC_ROLLBACK);
                throw heuristicRollback(what + "; the resource rolled back on its own", failure);
            case HEURISTIC_MIXED:
                heuristic(b, HeuristicOutcome.MIXED, true);
                finish(TransactionState.HEURISTIC_MIXED);
                throw heuristicMixed(what + "; part committed, part rolled back", failure);
            default:
                // Nothing is prepared, so recovery has nothing to finish: the outcome is unknown.
                heuristic(b, HeuristicOutcome.HAZARD, false);
                finish(TransactionState.HEURISTIC_MIXED);
                throw heuristicMixed(what + "; the outcome of the branch is unknown", failure);
        }
    }

    private void twoPhase(List<Branch> xa, Branch last)
            throws RollbackException, HeuristicMixedException, HeuristicRollbackException, SystemException {
        tx.setState(TransactionState.PREPARING);
        protocol = Protocol.TWO_PHASE;
        List<Branch> prepared = new ArrayList<>(xa.size());
        for (Branch b : xa) {
            XAException failure;
            try {
                if (b.resource.prepare(b.xid) == XAResource.XA_RDONLY) {
                    b.outcome = Branch.Outcome.READ_ONLY;
                } else {
                    b.outcome = Branch.Outcome.PREPARED;
                    prepared.add(b);
                }
                continue;
            } catch (XAException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = unknown(e);
            }
            if (XAErrors.classify(XAPhase.PREPARE, failure.errorCode, false) == XAOutcome.ROLLED_BACK) {
                b.outcome = Branch.Outcome.ROLLED_BACK;
            }
            rollbackAfterFailure(failure);
            throw rollbackException("prepare of branch " + b.xid + " on " + b.describe() + " failed with "
                    + XAErrors.name(failure.errorCode) + "; all branches rolled back", failure);
        }
        if (last != null) {
            try {
                last.resource.commit(last.xid, true);
                last.outcome = Branch.Outcome.COMMITTED;
            } catch (XAException | RuntimeException e) {
                last.outcome = Branch.Outcome.ROLLED_BACK;
                rollbackAfterFailure(e);
                throw rollbackException("commit of last resource " + last.describe() + " failed"
                        + (e instanceof XAException ? " with " + XAErrors.name(((XAException) e).errorCode) : "")
                        + "; all branches rolled back", e);
            }
        }
        if (prepared.isEmpty()) {
            protocol = last != null ? Protocol.ONE_PHASE : Protocol.NONE;
            finish(TransactionState.COMMITTED);
            return;
        }
        boolean recorded = prepared.size() >= 2 || last != null;
        if (recorded) {
            tx.setState(TransactionState.PREPARED);
            try {
                writeCommitRecord(prepared);
            } catch (TransactionLogException e) {
                boolean mixed = rollbackBranches(prepared) || last != null;
                if (mixed) {
                    finish(TransactionState.HEURISTIC_MIXED);
                    throw heuristicMixed("the commit record of transaction " + gtrid + " could not be forced ("
                            + e.getMessage() + "); the last resource " + (last != null ? last.describe() : "")
                            + " had committed, the XA branches rolled back", e);
                }
                finish(TransactionState.ROLLED_BACK);
                throw rollbackException("the commit record of transaction " + gtrid + " could not be forced ("
                        + e.getMessage() + "); all branches rolled back", e);
            }
        }
        tx.setState(TransactionState.COMMITTING);
        phaseTwo(prepared, recorded, last != null);
    }

    private void writeCommitRecord(List<Branch> prepared) throws TransactionLogException {
        List<BranchRef> refs = new ArrayList<>(prepared.size());
        for (Branch b : prepared) {
            refs.add(b.ref());
        }
        tx.engine.log.append(new CommitRecord(gtrid, System.currentTimeMillis(), refs), true);
        tx.engine.counters.onCommitRecord();
    }

    private void phaseTwo(List<Branch> prepared, boolean recorded, boolean lastCommitted)
            throws HeuristicMixedException, HeuristicRollbackException {
        int committed = lastCommitted ? 1 : 0;
        int pending = 0;
        int rolledBack = 0;
        int mixed = 0;
        Exception firstHeuristic = null;
        for (Branch b : prepared) {
            XAException failure;
            try {
                b.resource.commit(b.xid, false);
                b.outcome = Branch.Outcome.COMMITTED;
                committed++;
                continue;
            } catch (XAException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = unknown(e);
            }
            String successor = recorded ? takenOverUnknownBranch(failure) : null;
            if (successor != null) {
                b.outcome = Branch.Outcome.PENDING;
                pending++;
                LOG.warn("commit of branch {} on {}: {}; the commit stands: {}, and the peer that took it over"
                        + " commits every branch of its COMMIT records (this one already, as the resource manager"
                        + " no longer knows it)", b.xid, b.describe(), XAErrors.name(failure.errorCode), successor);
                continue;
            }
            switch (XAErrors.classify(XAPhase.COMMIT, failure.errorCode, false)) {
                case DONE:
                    b.outcome = Branch.Outcome.COMMITTED;
                    committed++;
                    break;
                case RETRY_LATER:
                    b.outcome = Branch.Outcome.PENDING;
                    pending++;
                    LOG.warn("commit of branch {} on {}: {}; commit stands, recovery will retry", b.xid,
                            b.describe(), XAErrors.name(failure.errorCode), failure);
                    break;
                case HEURISTIC_COMMIT:
                    heuristic(b, HeuristicOutcome.COMMITTED, true);
                    committed++;
                    break;
                case HEURISTIC_ROLLBACK:
                    heuristic(b, HeuristicOutcome.ROLLED_BACK, forgettable(failure));
                    rolledBack++;
                    firstHeuristic = firstHeuristic != null ? firstHeuristic : failure;
                    break;
                case HEURISTIC_MIXED:
                    heuristic(b, HeuristicOutcome.MIXED, true);
                    mixed++;
                    firstHeuristic = firstHeuristic != null ? firstHeuristic : failure;
                    break;
                default:
                    heuristic(b, HeuristicOutcome.HAZARD, failure.errorCode != XAException.XAER_NOTA);
                    mixed++;
                    firstHeuristic = firstHeuristic != null ? firstHeuristic : failure;
                    break;
            }
        }
        if (pending > 0 && !recorded) {
            // One prepared branch and no record: its commit was the decision and it is now in doubt. A COMMIT
            // record makes recovery finish it; without one, presumed abort would roll back what we report committed.
            try {
                writeCommitRecord(prepared);
            } catch (TransactionLogException e) {
                finish(TransactionState.HEURISTIC_MIXED);
                throw heuristicMixed("commit of transaction " + gtrid + " is in doubt and its commit record could"
                        + " not be forced (" + e.getMessage() + "); the outcome is unknown", e);
            }
            recorded = true;
        }
        if (recorded && pending == 0) {
            try {
                tx.engine.log.end(gtrid);
            } catch (TransactionLogException e) {
                LOG.warn("END record of transaction {} not written ({}); recovery will end it", gtrid,
                        e.getMessage());
            }
        }
        if (mixed > 0 || (rolledBack > 0 && committed > 0)) {
            finish(TransactionState.HEURISTIC_MIXED);
            throw heuristicMixed("transaction " + gtrid + " completed heuristically: " + committed
                    + " branch(es) committed, " + rolledBack + " rolled back, " + mixed + " mixed or unknown",
                    firstHeuristic);
        }
        if (rolledBack > 0) {
            finish(TransactionState.HEURISTIC_ROLLBACK);
            throw heuristicRollback("transaction " + gtrid + " completed heuristically: all " + rolledBack
                    + " branch(es) rolled back on their own", firstHeuristic);
        }
        finish(TransactionState.COMMITTED);
    }

    /**
     * Why the branch's failure is no heuristic: this node has been taken over (its log is fenced), so the peer that
     * claimed it read this transaction's COMMIT record and commits its branches, and the RM answers that it does not
     * know the branch — XAER_NOTA, or XAER_RMERR as pgjdbc answers on the connection that prepared it ("prepared
     * transaction … does not exist"): the peer committed it first. Null when that is not the case.
     */
    private String takenOverUnknownBranch(XAException failure) {
        if (failure.errorCode != XAException.XAER_NOTA && failure.errorCode != XAException.XAER_RMERR) {
            return null;
        }
        return tx.engine.takenOver.get();
    }

    /** A heuristic is forgotten only when the RM remembers it: not for XAER_RMERR or XA_RB* (no heuristic kept). */
    private static boolean forgettable(XAException e) {
        return e.errorCode == XAException.XA_HEURRB || e.errorCode == XAException.XA_HEURCOM
                || e.errorCode == XAException.XA_HEURMIX || e.errorCode == XAException.XA_HEURHAZ;
    }

    /** Records a heuristic outcome, then tells the RM to forget it; if the record fails, the RM keeps it. */
    private void heuristic(Branch b, HeuristicOutcome outcome, boolean forget) {
        b.outcome = Branch.Outcome.HEURISTIC;
        try {
            tx.engine.log.append(new HeuristicRecord(gtrid, b.ref(), outcome, System.currentTimeMillis()), true);
        } catch (TransactionLogException e) {
            LOG.error("heuristic outcome {} of branch {} on {} could not be recorded ({}); not forgetting it, so the"
                    + " resource manager keeps reporting it", outcome, b.xid, b.describe(), e.getMessage());
            return;
        }
        LOG.warn("branch {} on {} of transaction {} completed heuristically: {}", b.xid, b.describe(), gtrid,
                outcome);
        if (forget) {
            try {
                b.resource.forget(b.xid);
            } catch (XAException e) {
                if (XAErrors.classify(XAPhase.FORGET, e.errorCode, false) != XAOutcome.DONE) {
                    LOG.warn("forget of branch {} on {}: {}", b.xid, b.describe(), XAErrors.name(e.errorCode));
                }
            } catch (RuntimeException e) {
                LOG.warn("forget of branch {} on {} failed", b.xid, b.describe(), e);
            }
        }
    }

    // ---------------------------------------------------------------- rollback

    /**
     * Rolls back every branch and finishes. The caller has claimed the completion.
     *
     * @param cause why (null for an application's rollback)
     */
    void rollback(Throwable cause) throws SystemException {
        if (cause != null) {
            tx.setRollbackCause(cause);
        }
        boolean timeout = tx.isTimedOut();
        tx.setState(TransactionState.ROLLING_BACK);
        endAll(timeout ? XAResource.TMFAIL : XAResource.TMSUCCESS);
        List<Branch> all = new ArrayList<>(tx.branches());
        if (tx.lastResource() != null) {
            all.add(tx.lastResource());
        }
        boolean heuristicCommit = rollbackBranches(all);
        finish(TransactionState.ROLLED_BACK);
        if (heuristicCommit) {
            LOG.error("transaction {} was rolled back but a branch committed heuristically; see the heuristic"
                    + " records in the admin view", gtrid);
        }
    }

    /** Rollback in the middle of commit (after a prepare or last-resource failure). */
    private void rollbackAfterFailure(Throwable cause) throws SystemException {
        tx.setRollbackCause(cause);
        tx.setState(TransactionState.ROLLING_BACK);
        List<Branch> all = new ArrayList<>(tx.branches());
        if (tx.lastResource() != null) {
            all.add(tx.lastResource());
        }
        rollbackBranches(all);
        finish(TransactionState.ROLLED_BACK);
    }

    /** @return true when some branch reported a heuristic commit or mixed outcome instead of rolling back */
    private boolean rollbackBranches(List<Branch> branches) {
        boolean heuristicCommit = false;
        for (Branch b : branches) {
            if (b.outcome == Branch.Outcome.READ_ONLY || b.outcome == Branch.Outcome.ROLLED_BACK
                    || b.outcome == Branch.Outcome.COMMITTED) {
                continue;
            }
            XAException failure;
            try {
                b.resource.rollback(b.xid);
                b.outcome = Branch.Outcome.ROLLED_BACK;
                continue;
            } catch (XAException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = unknown(e);
            }
            switch (XAErrors.classify(XAPhase.ROLLBACK, failure.errorCode, false)) {
                case DONE:
                    b.outcome = Branch.Outcome.ROLLED_BACK;
                    break;
                case HEURISTIC_ROLLBACK:
                    heuristic(b, HeuristicOutcome.ROLLED_BACK, true);
                    break;
                case HEURISTIC_COMMIT:
                    heuristic(b, HeuristicOutcome.COMMITTED, true);
                    heuristicCommit = true;
                    break;
                case HEURISTIC_MIXED:
                    heuristic(b, HeuristicOutcome.MIXED, true);
                    heuristicCommit = true;
                    break;
                case HEURISTIC_HAZARD:
                    heuristic(b, HeuristicOutcome.HAZARD, true);
                    heuristicCommit = true;
                    break;
                default:
                    b.outcome = Branch.Outcome.PENDING;
                    LOG.warn("rollback of branch {} on {}: {}; a prepared branch will be rolled back by recovery"
                            + " (presumed abort)", b.xid, b.describe(), XAErrors.name(failure.errorCode));
            }
        }
        return heuristicCommit;
    }

    /** Ends every association still open; returns the first failure (the rest are still ended). */
    private XAException endAll(int flag) {
        XAException first = null;
        for (Enlistment e : tx.enlistments()) {
            if (e.branch.lastResource || !e.needsEnd()) {
                e.association = Enlistment.Association.ENDED;
                continue;
            }
            try {
                e.resource.end(e.branch.xid, flag);
            } catch (XAException x) {
                if (first == null) {
                    first = x;
                }
            } catch (RuntimeException x) {
                if (first == null) {
                    first = unknown(x);
                }
            }
            e.association = Enlistment.Association.ENDED;
        }
        return first;
    }

    // ---------------------------------------------------------------- finish

    private void finish(TransactionState end) {
        tx.setState(end);
        tx.engine.finished(tx);
        tx.engine.counters.onCompleted(end, protocol);
        TransactionCompletionEvent e = new TransactionCompletionEvent(); // scalar-replaced when JFR is off
        if (e.isEnabled()) {
            e.gtrid = gtrid;
            e.outcome = end.name();
            e.protocol = protocol.name();
            e.branches = tx.branches().size() + (tx.lastResource() != null ? 1 : 0);
            e.ageNanos = System.nanoTime() - (tx.deadlineNanos - java.util.concurrent.TimeUnit.SECONDS.toNanos(
                    tx.timeoutSeconds));
            e.commit();
        }
        int status = end == TransactionState.HEURISTIC_MIXED ? Status.STATUS_UNKNOWN : end.status();
        afterCompletion(true, status);
        afterCompletion(false, status);
    }

    private void afterCompletion(boolean interposed, int status) {
        Synchronization s;
        for (int i = 0; (s = tx.syncAt(interposed, i)) != null; i++) {
            try {
                s.afterCompletion(status);
            } catch (RuntimeException | Error e) {
                LOG.warn("afterCompletion({}) of {} for transaction {} threw; ignored", status, s, gtrid, e);
            }
        }
    }

    // ---------------------------------------------------------------- exceptions

    private static XAException unknown(RuntimeException e) {
        XAException x = new XAException("resource threw " + e);
        x.errorCode = XAException.XAER_RMFAIL;
        x.initCause(e);
        return x;
    }

    private static RollbackException rollbackException(String message, Throwable cause) {
        RollbackException e = new RollbackException(message);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    private static HeuristicMixedException heuristicMixed(String message, Throwable cause) {
        HeuristicMixedException e = new HeuristicMixedException(message);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    private static HeuristicRollbackException heuristicRollback(String message, Throwable cause) {
        HeuristicRollbackException e = new HeuristicRollbackException(message);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }
}
