package io.lockstep.xa.jdbc;

import io.lockstep.tm.LockstepTransactionManager;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import java.sql.SQLException;

/** The calling thread's transaction, when new work may still join it. */
final class Running {
    private Running() {
    }

    /** The transaction of this thread when it is ACTIVE or MARKED_ROLLBACK, else null. */
    static Transaction transaction(LockstepTransactionManager tm, String dataSource) throws SQLException {
        try {
            Transaction tx = tm.getTransaction();
            if (tx == null) {
                return null;
            }
            int status = tx.getStatus();
            return status == Status.STATUS_ACTIVE || status == Status.STATUS_MARKED_ROLLBACK ? tx : null;
        } catch (SystemException e) {
            throw new SQLException("data source '" + dataSource + "': cannot read the transaction of this thread", e);
        }
    }
}
