package io.lockstep.cli.demo;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.TransactionState;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JVM the demo crashes: runs one transfer and halts ({@link Runtime#halt}, like {@code kill -9}) at a
 * {@link CrashPoint} of its two-phase commit. Prints each state change on stdout for the parent to show.
 *
 * <p>Arguments: log directory, node id, bank A spec, bank B spec, amount, broker URL, crash point.
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
        CrashPoint point = CrashPoint.parse(args[6]);
        LockstepTransactionManager tm = Lockstep.builder().nodeId(args[1]).logDirectory(log)
                .listener((tx, gtrid, from, to) -> {
                    System.out.println("STATE " + gtrid + " " + to);
                    System.out.flush();
                    if (point.haltsOn(to)) {
                        HaltingResource.halt(to == TransactionState.PREPARING ? "before any branch prepared"
                                : to == TransactionState.PREPARED ? "before the COMMIT record was forced"
                                : "after the COMMIT record was forced");
                    }
                })
                .build();
        AtomicInteger prepares = new AtomicInteger();
        AtomicInteger commits = new AtomicInteger();
        try (Teller teller = new Teller(tm, a, b,
                new org.apache.activemq.artemis.jms.client.ActiveMQXAConnectionFactory(args[5]),
                r -> HaltingResource.wrap(r, point, prepares, commits))) {
            teller.transfer(1, 1, amount);
        }
        System.out.println("NOT HALTED: the transfer completed");
        tm.close();
    }
}
