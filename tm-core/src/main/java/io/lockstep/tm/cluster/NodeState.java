package io.lockstep.tm.cluster;

/** The state of a node's lease row (docs/cluster.md). */
public enum NodeState {
    /** An instance of the node runs and renews its lease; a peer may claim it once the lease has expired. */
    LIVE,
    /** The node was closed cleanly; a peer claims it at once to check for branches left prepared. */
    STOPPED,
    /** A peer ({@code claimed_by}) is recovering the node's transactions and renews the lease meanwhile. */
    CLAIMED,
    /** A peer recovered everything the node left; nothing to do until the node starts again. */
    RECOVERED
}
