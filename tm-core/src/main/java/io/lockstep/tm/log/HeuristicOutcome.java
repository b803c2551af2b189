package io.lockstep.tm.log;

/**
 * A heuristic decision a resource manager took on its own (XA spec §2.3.3), as recorded in the log. Codes are
 * part of the on-disk format and never reused.
 */
public enum HeuristicOutcome {
    /** {@code XA_HEURCOM}: the branch was committed. */
    COMMITTED((byte) 1),
    /** {@code XA_HEURRB}: the branch was rolled back. */
    ROLLED_BACK((byte) 2),
    /** {@code XA_HEURMIX}: part of the branch committed, part rolled back. */
    MIXED((byte) 3),
    /** {@code XA_HEURHAZ}: the branch may have been heuristically completed; its outcome is unknown. */
    HAZARD((byte) 4);

    private final byte code;

    HeuristicOutcome(byte code) {
        this.code = code;
    }

    public byte code() {
        return code;
    }

    /** @throws IllegalArgumentException for a byte that names no outcome */
    public static HeuristicOutcome of(byte code) {
        for (HeuristicOutcome o : values()) {
            if (o.code == code) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown heuristic outcome byte " + (code & 0xff));
    }
}
