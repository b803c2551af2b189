package io.lockstep.it;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.TransactionState;
import io.lockstep.xa.jdbc.LockstepDataSource;
import java.nio.file.Path;

/**
 * Child JVM of {@link LastResourceTest}: one transaction with a PostgreSQL XA branch and a last resource, halted
 * after the last resource committed and before the COMMIT record is forced (the LRCO window).
 * Args: log directory, commit marks (true|false), transfer id.
 */
public final class LastResourceCrashChild {
    static final int HALTED = 77;

    private LastResourceCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path log = Path.of(args[0]);
        boolean marks = Boolean.parseBoolean(args[1]);
        String id = args[2];
        LockstepTransactionManager tm = Lockstep.builder().nodeId(LastResourceTest.NODE).logDirectory(log)
                .listener((tx, gtrid, from, to) -> {
                    if (to == TransactionState.PREPARED) {
                        Runtime.getRuntime().halt(HALTED);
                    }
                }).build();
        LockstepDataSource xa = LastResourceTest.xaSource(tm);
        LockstepDataSource local = LastResourceTest.lastResource(tm, marks);
        tm.begin();
        new Ledger(xa, LastResourceTest.XA_TABLE, false).add(id, 1);
        new Ledger(local, LastResourceTest.LOCAL_TABLE, false).add(id, 1);
        tm.commit();
        System.exit(1); // not reached: the listener halts first
    }
}
