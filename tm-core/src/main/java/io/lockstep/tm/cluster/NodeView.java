package io.lockstep.tm.cluster;

import java.time.Instant;

/**
 * A node's lease row as read from the log database.
 *
 * @param nodeId     the node
 * @param fence      its fencing token: raised by every start and every claim
 * @param state      LIVE, STOPPED, CLAIMED or RECOVERED
 * @param instance   the process that last held the lease (pid@host)
 * @param leaseUntil when the lease expires, by the log database's clock
 * @param renewedAt  when it was last renewed
 * @param claimedBy  the peer that claimed it last, or null
 * @param expired    the lease had expired when the row was read (LIVE or CLAIMED only)
 */
public record NodeView(String nodeId, long fence, NodeState state, String instance, Instant leaseUntil,
        Instant renewedAt, String claimedBy, boolean expired) {
}
