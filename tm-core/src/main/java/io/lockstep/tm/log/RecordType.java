package io.lockstep.tm.log;

/**
 * Record kinds and their type bytes. A type byte is part of the on-disk format: it is never changed or reused,
 * only new ones are added (see docs/log-format.md).
 */
public enum RecordType {
    /** The decision to commit: forced before phase 2 starts. Presumed abort: no record means roll back. */
    COMMIT((byte) 1),
    /** Every branch of a COMMIT record is accounted for; written unforced. Cancels the COMMIT. */
    END((byte) 2),
    /** A branch reported a heuristic outcome; kept until an operator forgets it. */
    HEURISTIC((byte) 3),
    /** Audit of a manual resolution by an operator. */
    ADMIN((byte) 4);

    private final byte code;

    RecordType(byte code) {
        this.code = code;
    }

    public byte code() {
        return code;
    }

    /** @throws IllegalArgumentException for a byte that names no record type */
    public static RecordType of(byte code) {
        switch (code) {
            case 1: return COMMIT;
            case 2: return END;
            case 3: return HEURISTIC;
            case 4: return ADMIN;
            default: throw new IllegalArgumentException("unknown log record type byte " + (code & 0xff));
        }
    }
}
