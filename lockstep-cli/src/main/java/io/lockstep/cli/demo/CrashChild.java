package io.lockstep.cli.demo;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.TransactionState;
import java.nio.file.Path;

/**
 * The JVM the demo crashes: runs one transfer and halts ({@link Runtime#halt}, like {@code kill -9}) right after
 * its COMMIT record is forced, before any branch is told to commit. Prints each state change on stdout for the
 * parent to show.
 *
 * <p>Arguments: log directory, node id, bank A spec, bank B spec, amount.
 */
public final class CrashChild {
    static final int HALT_STATUS = 99;

    private CrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path log = Path.of(args[0]);
        Bank a = Bank.parse(args[2]);
        Bank b = Bank.parse(args[3]);
        long amount = Long.parseLong(args[4]);
        LockstepTransactionManager tm = Lockstep.builder().nodeId(args[1]).logDirectory(log)
                .listener((tx, gtrid, from, to) -> {
                    System.out.println("STATE " + gtrid + " " + to);
                    System.out.flush();
                    if (to == TransactionState.COMMITTING) {
                        System.out.println("HALT after the COMMIT record was forced");
                        System.out.flush();
                        Runtime.getRuntime().halt(HALT_STATUS);
                    }
                })
                .build();
        try (Teller teller = new Teller(tm, a, b)) {
            teller.transfer(1, 1, amount);
        }
        System.out.println("NOT HALTED: the transfer completed");
        tm.close();
    }
}
