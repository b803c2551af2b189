package io.lockstep.tm.xa;

import javax.transaction.xa.XAException;

/**
 * The one place where XA error codes get their meaning (X/Open XA spec, chapter 5 "Reference Manual Pages",
 * return values of each xa_ routine), and their names for messages.
 */
public final class XAErrors {
    private XAErrors() {
    }

    /**
     * Classifies an {@link XAException#errorCode} thrown by a call of {@code phase}.
     *
     * @param recovery true when the call is a retry by recovery (or after an earlier {@code XA_RETRY}); there
     *                 {@code XAER_NOTA} on commit means the branch was committed before and forgotten
     */
    public static XAOutcome classify(XAPhase phase, int code, boolean recovery) {
        boolean rb = code >= XAException.XA_RBBASE && code <= XAException.XA_RBEND;
        switch (phase) {
            case START:
            case END:
                // xa_end: XA_RB* means the branch is marked rollback-only and will roll back.
                return rb ? XAOutcome.ROLLED_BACK : XAOutcome.FAILED;
            case PREPARE:
                // xa_prepare: XA_RB* = the RM rolled the branch back; any XAER_* = not prepared; both roll back all.
                return rb ? XAOutcome.ROLLED_BACK : XAOutcome.FAILED;
            case COMMIT:
                if (rb) {
                    return XAOutcome.HEURISTIC_ROLLBACK; // a prepared branch rolled back by the RM
                }
                switch (code) {
                    case XAException.XA_HEURCOM: return XAOutcome.HEURISTIC_COMMIT;
                    case XAException.XA_HEURRB: return XAOutcome.HEURISTIC_ROLLBACK;
                    case XAException.XA_HEURMIX: return XAOutcome.HEURISTIC_MIXED;
                    case XAException.XA_HEURHAZ: return XAOutcome.HEURISTIC_HAZARD;
                    // xa_commit: the RM cannot commit now, or the connection broke; the branch stays prepared.
                    case XAException.XA_RETRY:
                    case XAException.XAER_RMFAIL:
                        return XAOutcome.RETRY_LATER;
                    // Unknown branch: committed earlier if we are retrying, otherwise the RM lost a prepared branch.
                    case XAException.XAER_NOTA:
                        return recovery ? XAOutcome.DONE : XAOutcome.HEURISTIC_HAZARD;
                    // xa_commit XAER_RMERR: "the branch's work has been rolled back" — after our commit decision.
                    case XAException.XAER_RMERR:
                        return XAOutcome.HEURISTIC_ROLLBACK;
                    default:
                        // XAER_PROTO, XAER_INVAL, unknown codes: the decision stands, recovery retries on a new session.
                        return XAOutcome.RETRY_LATER;
                }
            case ONE_PHASE_COMMIT:
                if (rb) {
                    return XAOutcome.ROLLED_BACK;
                }
                switch (code) {
                    case XAException.XA_HEURCOM: return XAOutcome.HEURISTIC_COMMIT;
                    case XAException.XA_HEURRB: return XAOutcome.HEURISTIC_ROLLBACK;
                    case XAException.XA_HEURMIX: return XAOutcome.HEURISTIC_MIXED;
                    // xa_commit(TMONEPHASE): RMERR = rolled back; NOTA = the RM no longer knows the branch (rolled back).
                    case XAException.XAER_RMERR:
                    case XAException.XAER_NOTA:
                        return XAOutcome.ROLLED_BACK;
                    default:
                        // RMFAIL, RETRY, HEURHAZ, PROTO: nothing is prepared, so nothing to recover: outcome unknown.
                        return XAOutcome.HEURISTIC_HAZARD;
                }
            case ROLLBACK:
                if (rb) {
                    return XAOutcome.DONE;
                }
                switch (code) {
                    case XAException.XAER_NOTA: return XAOutcome.DONE;
                    case XAException.XA_HEURRB: return XAOutcome.HEURISTIC_ROLLBACK;
                    case XAException.XA_HEURCOM: return XAOutcome.HEURISTIC_COMMIT;
                    case XAException.XA_HEURMIX: return XAOutcome.HEURISTIC_MIXED;
                    case XAException.XA_HEURHAZ: return XAOutcome.HEURISTIC_HAZARD;
                    default:
                        // RMFAIL, RMERR, RETRY: a prepared branch stays prepared; presumed abort lets recovery finish.
                        return XAOutcome.RETRY_LATER;
                }
            case FORGET:
                return code == XAException.XAER_NOTA ? XAOutcome.DONE : XAOutcome.FAILED;
            case RECOVER:
            default:
                return XAOutcome.FAILED;
        }
    }

    /** {@code "XAER_RMFAIL(-7)"}: the constant name and number of an XA error code, for messages. */
    public static String name(int code) {
        String n;
        switch (code) {
            case XAException.XA_RBROLLBACK: n = "XA_RBROLLBACK"; break;
            case XAException.XA_RBCOMMFAIL: n = "XA_RBCOMMFAIL"; break;
            case XAException.XA_RBDEADLOCK: n = "XA_RBDEADLOCK"; break;
            case XAException.XA_RBINTEGRITY: n = "XA_RBINTEGRITY"; break;
            case XAException.XA_RBOTHER: n = "XA_RBOTHER"; break;
            case XAException.XA_RBPROTO: n = "XA_RBPROTO"; break;
            case XAException.XA_RBTIMEOUT: n = "XA_RBTIMEOUT"; break;
            case XAException.XA_RBTRANSIENT: n = "XA_RBTRANSIENT"; break;
            case XAException.XA_NOMIGRATE: n = "XA_NOMIGRATE"; break;
            case XAException.XA_HEURHAZ: n = "XA_HEURHAZ"; break;
            case XAException.XA_HEURCOM: n = "XA_HEURCOM"; break;
            case XAException.XA_HEURRB: n = "XA_HEURRB"; break;
            case XAException.XA_HEURMIX: n = "XA_HEURMIX"; break;
            case XAException.XA_RETRY: n = "XA_RETRY"; break;
            case XAException.XA_RDONLY: n = "XA_RDONLY"; break;
            case XAException.XAER_ASYNC: n = "XAER_ASYNC"; break;
            case XAException.XAER_RMERR: n = "XAER_RMERR"; break;
            case XAException.XAER_NOTA: n = "XAER_NOTA"; break;
            case XAException.XAER_INVAL: n = "XAER_INVAL"; break;
            case XAException.XAER_PROTO: n = "XAER_PROTO"; break;
            case XAException.XAER_RMFAIL: n = "XAER_RMFAIL"; break;
            case XAException.XAER_DUPID: n = "XAER_DUPID"; break;
            case XAException.XAER_OUTSIDE: n = "XAER_OUTSIDE"; break;
            default: n = "XA_UNKNOWN";
        }
        return n + "(" + code + ")";
    }
}
