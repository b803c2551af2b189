package io.lockstep.tm.log;

/** What an operator did by hand. Codes are part of the on-disk format and never reused. */
public enum AdminAction {
    /** An in-doubt branch was committed by hand. */
    COMMIT((byte) 1),
    /** An in-doubt branch was rolled back by hand. */
    ROLLBACK((byte) 2),
    /** A heuristic outcome or in-doubt branch was forgotten by hand. */
    FORGET((byte) 3);

    private final byte code;

    AdminAction(byte code) {
        this.code = code;
    }

    public byte code() {
        return code;
    }

    /** @throws IllegalArgumentException for a byte that names no action */
    public static AdminAction of(byte code) {
        for (AdminAction a : values()) {
            if (a.code == code) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown admin action byte " + (code & 0xff));
    }
}
