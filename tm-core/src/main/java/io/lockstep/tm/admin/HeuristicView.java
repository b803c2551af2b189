package io.lockstep.tm.admin;

import io.lockstep.tm.log.HeuristicOutcome;
import java.time.Instant;

/**
 * A heuristic outcome recorded in the log and not yet forgotten by an operator.
 *
 * @param gtrid    the global transaction
 * @param resource the resource name of the branch
 * @param branch   the branch number
 * @param outcome  what the resource did on its own
 * @param recorded when it was recorded
 */
public record HeuristicView(String gtrid, String resource, int branch, HeuristicOutcome outcome, Instant recorded) {
}
