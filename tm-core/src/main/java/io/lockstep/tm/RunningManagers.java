package io.lockstep.tm;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The managers of this JVM between a successful start and {@code close()}, for {@link Lockstep#running()}. Written
 * twice per manager lifetime, read only by integrations that a service loader instantiates (Hibernate's
 * {@code JtaPlatformProvider}) and so cannot be handed a manager; nothing in the engine reads it.
 */
final class RunningManagers {
    private static final List<LockstepTransactionManager> RUNNING = new CopyOnWriteArrayList<>();

    private RunningManagers() {
    }

    static void started(LockstepTransactionManager tm) {
        RUNNING.add(tm);
    }

    static void closed(LockstepTransactionManager tm) {
        RUNNING.remove(tm);
    }

    static List<LockstepTransactionManager> snapshot() {
        return List.copyOf(RUNNING);
    }
}
