package io.lockstep.cli.admin;

import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.RecoverySession;
import io.lockstep.tm.XAResourceSource;
import io.lockstep.tm.recovery.RecoveryReport;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code lockstep recover}: one recovery pass over a node's log and resources, with progress and the report. */
@Command(name = "recover", mixinStandardHelpOptions = true,
        description = "Runs one recovery pass for a stopped node: commits what its log decided, rolls back orphans,"
                + " prints the report. Exit code 0 when nothing is left pending.")
public final class RecoverCommand implements Callable<Integer> {
    @Mixin
    LogOptions options;

    @Override
    public Integer call() throws Exception {
        List<XAResourceSource> sources = options.sources();
        try (LockstepTransactionManager tm = options.open()) {
            AtomicInteger done = new AtomicInteger();
            for (XAResourceSource s : sources) {
                tm.registerRecoverable(new XAResourceSource() {
                    @Override
                    public String name() {
                        return s.name();
                    }

                    @Override
                    public RecoverySession open() throws Exception {
                        System.out.printf("  [%d/%d] scanning %s%n", done.incrementAndGet(), sources.size(), s.name());
                        return s.open();
                    }
                });
            }
            RecoveryReport report = tm.recoverNow();
            print(report);
            return report.isClean() ? 0 : 1;
        }
    }

    static void print(RecoveryReport r) {
        System.out.printf("recovery pass: %d ms%n", r.duration().toMillis());
        section("committed", r.committed());
        section("rolled back", r.rolledBack());
        section("heuristic", r.heuristics());
        section("pending", r.pending());
        section("failed sources", r.failedSources());
        System.out.printf("  COMMIT records ended: %d%n", r.endedRecords());
        System.out.println(r.isClean() ? "clean: nothing left in doubt" : "NOT clean: see pending / failed sources");
    }

    private static void section(String title, List<RecoveryReport.Item> items) {
        System.out.printf("  %s: %d%n", title, items.size());
        for (RecoveryReport.Item i : items) {
            System.out.println("    " + i);
        }
    }
}
