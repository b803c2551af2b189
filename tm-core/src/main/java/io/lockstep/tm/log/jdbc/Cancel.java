package io.lockstep.tm.log.jdbc;

import io.lockstep.tm.log.AdminAction;
import io.lockstep.tm.log.AdminRecord;
import io.lockstep.tm.log.LogRecord;
import io.lockstep.tm.log.RecordType;

/**
 * What an END or ADMIN record deletes from the log table for its gtrid (see {@link BatchWriter}): the rows of one
 * type outright, and the gtrid's ADMIN rows unless a row of one of two types remains.
 */
enum Cancel {
    /** END: the COMMIT row; the ADMIN rows unless a HEURISTIC row remains. */
    END(RecordType.COMMIT, RecordType.HEURISTIC, RecordType.HEURISTIC),
    /** ADMIN FORGET: the HEURISTIC rows; the ADMIN rows (itself included) unless a COMMIT row remains. */
    FORGET(RecordType.HEURISTIC, RecordType.COMMIT, RecordType.COMMIT),
    /** Any other ADMIN: the ADMIN rows (itself included) unless a COMMIT or HEURISTIC row remains. */
    AUDIT(null, RecordType.COMMIT, RecordType.HEURISTIC);

    /** Type code whose rows are deleted outright; 0 for none. */
    final byte deletes;
    /** Type codes whose presence keeps the gtrid's ADMIN rows. */
    final byte keep1;
    final byte keep2;

    Cancel(RecordType deletes, RecordType keep1, RecordType keep2) {
        this.deletes = deletes == null ? 0 : deletes.code();
        this.keep1 = keep1.code();
        this.keep2 = keep2.code();
    }

    /** What {@code r} cancels, or null for a record that cancels nothing (COMMIT, HEURISTIC). */
    static Cancel of(LogRecord r) {
        if (r.type() == RecordType.END) {
            return END;
        }
        if (r.type() != RecordType.ADMIN) {
            return null;
        }
        return ((AdminRecord) r).action() == AdminAction.FORGET ? FORGET : AUDIT;
    }
}
