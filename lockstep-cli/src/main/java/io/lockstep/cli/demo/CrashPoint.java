package io.lockstep.cli.demo;

import io.lockstep.tm.TransactionState;
import java.util.Locale;

/**
 * Where the demo's child JVM halts during two-phase commit: {@code before-prepare}, {@code after-prepare:<n>} (after
 * the n-th branch prepared), {@code before-log-force} (all prepared, COMMIT record not yet forced),
 * {@code after-log-force} (record durable, no branch committed), {@code after-commit:<n>} (after the n-th branch
 * committed), {@code during-recovery} (halted after the COMMIT record is forced, then a second child starts
 * recovery and halts right after recovery's first branch commit). The first three must end rolled back (presumed
 * abort), the others committed.
 */
record CrashPoint(Kind kind, int n) {

    enum Kind { BEFORE_PREPARE, AFTER_PREPARE, BEFORE_LOG_FORCE, AFTER_LOG_FORCE, AFTER_COMMIT, DURING_RECOVERY }

    static CrashPoint parse(String text) {
        String[] p = text.trim().toLowerCase(Locale.ROOT).split(":", 2);
        Kind kind;
        switch (p[0]) {
            case "before-prepare": kind = Kind.BEFORE_PREPARE; break;
            case "after-prepare": kind = Kind.AFTER_PREPARE; break;
            case "before-log-force": kind = Kind.BEFORE_LOG_FORCE; break;
            case "after-log-force": kind = Kind.AFTER_LOG_FORCE; break;
            case "after-commit": kind = Kind.AFTER_COMMIT; break;
            case "during-recovery": kind = Kind.DURING_RECOVERY; break;
            default:
                throw new IllegalArgumentException("crash point \"" + text + "\": before-prepare, after-prepare:<n>,"
                        + " before-log-force, after-log-force, after-commit:<n> or during-recovery");
        }
        boolean counted = kind == Kind.AFTER_PREPARE || kind == Kind.AFTER_COMMIT;
        if (counted != (p.length == 2)) {
            throw new IllegalArgumentException("crash point \"" + text + "\": " + (counted
                    ? "needs the branch number, e.g. " + p[0] + ":1" : "takes no branch number"));
        }
        int n = counted ? Integer.parseInt(p[1]) : 0;
        if (counted && (n < 1 || n > 3)) {
            throw new IllegalArgumentException("crash point \"" + text + "\": the demo has 3 branches (1..3)");
        }
        return new CrashPoint(kind, n);
    }

    /** Whether the transaction must be committed after recovery (the COMMIT record was durable). */
    boolean mustCommit() {
        return kind == Kind.AFTER_LOG_FORCE || kind == Kind.AFTER_COMMIT || kind == Kind.DURING_RECOVERY;
    }

    /** Halt on this state change? */
    boolean haltsOn(TransactionState to) {
        return (kind == Kind.BEFORE_PREPARE && to == TransactionState.PREPARING)
                || (kind == Kind.BEFORE_LOG_FORCE && to == TransactionState.PREPARED)
                || ((kind == Kind.AFTER_LOG_FORCE || kind == Kind.DURING_RECOVERY) && to == TransactionState.COMMITTING);
    }

    /** Halt after the {@code count}-th prepare? */
    boolean haltsAfterPrepare(int count) {
        return kind == Kind.AFTER_PREPARE && count == n;
    }

    /** Halt after the {@code count}-th commit? */
    boolean haltsAfterCommit(int count) {
        return kind == Kind.AFTER_COMMIT && count == n;
    }

    @Override
    public String toString() {
        String name = kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
        return n > 0 ? name + ":" + n : name;
    }
}
