package io.lockstep.tm.xa;

/** What an XA error means for the branch, as decided by {@link XAErrors#classify}. */
public enum XAOutcome {
    /** The call's purpose is achieved (e.g. rollback of a branch the RM already rolled back). */
    DONE,
    /** The branch is rolled back ({@code XA_RB*}, or the RM reports it gave up the branch). */
    ROLLED_BACK,
    /** The outcome is not known yet; the commit decision stands and recovery retries ({@code XA_RETRY}, {@code XAER_RMFAIL}). */
    RETRY_LATER,
    /** {@code XA_HEURCOM}: the RM committed on its own. */
    HEURISTIC_COMMIT,
    /** {@code XA_HEURRB}: the RM rolled back on its own. */
    HEURISTIC_ROLLBACK,
    /** {@code XA_HEURMIX}: part committed, part rolled back. */
    HEURISTIC_MIXED,
    /** {@code XA_HEURHAZ} or an unknown outcome after a one-phase commit. */
    HEURISTIC_HAZARD,
    /** The call failed and the branch cannot go on (protocol error, RM error during prepare, end or start). */
    FAILED;

    /** True for the four heuristic outcomes. */
    public boolean isHeuristic() {
        return this == HEURISTIC_COMMIT || this == HEURISTIC_ROLLBACK || this == HEURISTIC_MIXED
                || this == HEURISTIC_HAZARD;
    }
}
