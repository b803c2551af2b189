package io.lockstep.cli.demo;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.RecoverySession;
import io.lockstep.tm.XAResourceSource;
import io.lockstep.xa.jms.ArtemisRecoverySource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.transaction.xa.XAResource;

/**
 * The second JVM of the {@code during-recovery} crash point: opens the crashed node's log, starts a recovery pass
 * and halts right after the pass's first branch commit, leaving the rest for the next manager. Arguments: log
 * directory, node id, bank A spec, bank B spec, broker URL.
 */
public final class RecoveryCrashChild {
    private RecoveryCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        AtomicInteger commits = new AtomicInteger();
        LockstepTransactionManager tm = Lockstep.builder().nodeId(args[1]).logDirectory(Path.of(args[0]))
                .recoveryInterval(Duration.ofHours(1)).build();
        tm.registerRecoverable(halting(Bank.parse(args[2]), commits));
        tm.registerRecoverable(halting(Bank.parse(args[3]), commits));
        tm.registerRecoverable(halting(new ArtemisRecoverySource(DemoCommand.BROKER,
                new org.apache.activemq.artemis.jms.client.ActiveMQXAConnectionFactory(args[4])), commits));
        System.out.println("RECOVERING");
        System.out.flush();
        tm.recoverNow();
        System.out.println("NOT HALTED: recovery finished");
    }

    private static XAResourceSource halting(XAResourceSource source, AtomicInteger commits) {
        return new XAResourceSource() {
            @Override
            public String name() {
                return source.name();
            }

            @Override
            public RecoverySession open() throws Exception {
                RecoverySession s = source.open();
                XAResource halting = HaltingResource.haltingAfterCommit(s.xaResource(), 1, commits);
                return new RecoverySession() {
                    @Override
                    public XAResource xaResource() {
                        return halting;
                    }

                    @Override
                    public void close() throws Exception {
                        s.close();
                    }
                };
            }
        };
    }
}
