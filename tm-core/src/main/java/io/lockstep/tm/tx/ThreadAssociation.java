package io.lockstep.tm.tx;

/**
 * Which transaction, and which timeout for the next begin, belong to each thread. One holder object per thread
 * (one ThreadLocal lookup per call), owned by one manager: two managers in one JVM do not see each other's
 * associations.
 */
public final class ThreadAssociation {

    /** Per-thread state; touched only by its own thread. */
    static final class ThreadState {
        GlobalTransaction tx;
        int timeoutSeconds;
    }

    private final ThreadLocal<ThreadState> states = ThreadLocal.withInitial(ThreadState::new);

    ThreadState state() {
        return states.get();
    }

    /** The transaction associated with the calling thread, or null. */
    public GlobalTransaction current() {
        return states.get().tx;
    }

    /** Associates {@code tx} (may be null) with the calling thread. */
    public void associate(GlobalTransaction tx) {
        states.get().tx = tx;
    }

    /** Clears the calling thread's association if it is {@code tx}. */
    public void clearIf(GlobalTransaction tx) {
        ThreadState s = states.get();
        if (s.tx == tx) {
            s.tx = null;
        }
    }

    /** Timeout in seconds for the next begin on this thread; 0 = the configured default. */
    public void timeoutSeconds(int seconds) {
        states.get().timeoutSeconds = seconds;
    }
}
