package io.lockstep.tm.testing;

/** The XA calls a {@link RecordingXAResource} can be scripted to fail or block on. */
public enum XACall {
    START, END, PREPARE, COMMIT, ROLLBACK, FORGET
}
