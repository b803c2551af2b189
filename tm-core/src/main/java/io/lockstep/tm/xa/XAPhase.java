package io.lockstep.tm.xa;

/** The XA call an error code came from; the same code means different things in different phases. */
public enum XAPhase {
    START, END, PREPARE, COMMIT, ONE_PHASE_COMMIT, ROLLBACK, FORGET, RECOVER
}
