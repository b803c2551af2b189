package io.lockstep.tm;

import javax.transaction.xa.XAResource;

/**
 * Entry point of Lockstep.
 * <pre>{@code
 * LockstepTransactionManager tm = Lockstep.builder()
 *         .nodeId("node-1")
 *         .logDirectory(Path.of("var/lockstep"))
 *         .build();
 * }</pre>
 */
public final class Lockstep {

    private Lockstep() {
    }

    /** A builder with the defaults of the configuration table in the README. */
    public static LockstepBuilder builder() {
        return new LockstepBuilder();
    }

    /**
     * Gives a plain XAResource a stable name, so its branches are written to the commit record under that name and
     * recovery pairs them with the {@link XAResourceSource} of the same name. XA-spec join/suspend behaviour.
     */
    public static NamedXAResource named(String name, XAResource xaResource) {
        return new NamedResource(name, xaResource, true, SuspendMode.SUSPEND_RESUME);
    }

    /** As {@link #named(String, XAResource)}, with the vendor's join and suspend behaviour. */
    public static NamedXAResource named(String name, XAResource xaResource, boolean canJoin, SuspendMode suspendMode) {
        return new NamedResource(name, xaResource, canJoin, suspendMode);
    }
}
