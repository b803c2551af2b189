package io.lockstep.tm;

import javax.transaction.xa.XAResource;

/**
 * An {@link XAResource} that tells Lockstep its stable name and how its resource manager behaves.
 *
 * <p>The name is written into the commit record for each branch; recovery pairs it with the
 * {@link XAResourceSource} registered under the same name. It must stay the same across restarts and be unique
 * among the resources of one manager (e.g. {@code "pg-orders"}).
 *
 * <p>The two capability methods exist because drivers differ (DESIGN.md §6): PostgreSQL and MySQL/MariaDB refuse
 * {@code TMJOIN} across connections, PostgreSQL and MariaDB refuse {@code TMSUSPEND}. Adapters answer them from a
 * per-vendor table; plain resources get the XA-spec behaviour by default.
 */
public interface NamedXAResource extends XAResource {

    /** The stable unique name of this resource; [A-Za-z0-9._-], 1..64 characters. */
    String getName();

    /**
     * Whether a second resource for which {@code isSameRM} is true may join this resource's branch with
     * {@code TMJOIN}. When false, each resource object gets its own branch.
     */
    default boolean canJoin() {
        return true;
    }

    /** How to suspend and resume this resource's association with its branch. */
    default SuspendMode suspendMode() {
        return SuspendMode.SUSPEND_RESUME;
    }
}
