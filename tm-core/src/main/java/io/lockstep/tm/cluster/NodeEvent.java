package io.lockstep.tm.cluster;

import java.time.Instant;

/**
 * One entry of the node history ({@code <log table>_node_events}): a start, stop, claim or takeover outcome.
 *
 * @param nodeId the node the event is about
 * @param fence  the lease's fence value the event belongs to
 * @param event  START, STOP, CLAIM, TAKEOVER_DONE, TAKEOVER_PENDING, TAKEOVER_ABANDONED or FENCED
 * @param byNode the node that did it (the node itself for START, STOP and FENCED)
 * @param at     when, by the log database's clock
 * @param detail what happened, human-readable
 */
public record NodeEvent(String nodeId, long fence, String event, String byNode, Instant at, String detail) {
}
