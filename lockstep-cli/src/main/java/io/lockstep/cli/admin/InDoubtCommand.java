package io.lockstep.cli.admin;

import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.RecoverySession;
import io.lockstep.tm.XAResourceSource;
import io.lockstep.tm.admin.InDoubtView;
import io.lockstep.tm.xa.LockstepXid;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lockstep in-doubt list|commit|rollback|forget}: see and resolve in-doubt transactions by hand. */
@Command(name = "in-doubt", mixinStandardHelpOptions = true,
        description = "Lists in-doubt transactions of a stopped node, or resolves one by hand (commit, rollback,"
                + " forget). Each resolution writes an ADMIN audit record to the log first.")
public final class InDoubtCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "list, commit, rollback or forget")
    String action;

    @Parameters(index = "1", arity = "0..1", description = "the transaction: gtrid (node:epoch:seq) or Xid gtrid/branch")
    String xid;

    @Option(names = "--note", defaultValue = "", description = "audit note (who, why) stored in the ADMIN record")
    String note;

    @Mixin
    LogOptions options;

    @Override
    public Integer call() throws Exception {
        List<XAResourceSource> sources = options.sources();
        try (LockstepTransactionManager tm = options.open()) {
            for (XAResourceSource s : sources) {
                tm.registerRecoverable(s);
            }
            if (action.equals("list")) {
                return list(tm, sources);
            }
            if (xid == null) {
                throw new IllegalArgumentException("in-doubt " + action + " needs the transaction's gtrid or Xid");
            }
            String gtrid = xid.contains("/") ? xid.substring(0, xid.indexOf('/')) : xid;
            List<String> done;
            switch (action) {
                case "commit": done = tm.admin().commit(gtrid, note); break;
                case "rollback": done = tm.admin().rollback(gtrid, note); break;
                case "forget": done = tm.admin().forget(gtrid, note); break;
                default:
                    throw new IllegalArgumentException("unknown action \"" + action
                            + "\": list, commit, rollback or forget");
            }
            System.out.println(action + " " + gtrid + " (ADMIN record written)");
            done.forEach(line -> System.out.println("  " + line));
            return 0;
        }
    }

    private int list(LockstepTransactionManager tm, List<XAResourceSource> sources) {
        Set<String> recorded = new HashSet<>();
        int count = 0;
        for (InDoubtView v : tm.admin().inDoubt()) {
            recorded.add(v.gtrid());
            System.out.println("record   " + v.gtrid() + "  COMMIT without END: recovery will commit its branches");
            count++;
        }
        for (XAResourceSource s : sources) {
            try (RecoverySession session = s.open()) {
                XAResource xar = session.xaResource();
                Xid[] xids = xar.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
                for (Xid raw : xids == null ? new Xid[0] : xids) {
                    LockstepXid x = LockstepXid.from(raw);
                    if (x == null) {
                        continue;
                    }
                    String verdict = recorded.contains(x.gtrid()) ? "commit (COMMIT record)"
                            : "orphan: no COMMIT record, recovery rolls it back (presumed abort)";
                    System.out.println("branch   " + s.name() + " " + x + "  node " + x.nodeId() + "  " + verdict);
                    count++;
                }
            } catch (Exception e) {
                System.out.println("source   " + s.name() + " not reachable: " + e.getMessage());
            }
        }
        tm.admin().heuristics().forEach(h -> System.out.println("heuristic " + h.gtrid() + " " + h.resource() + "/"
                + h.branch() + " " + h.outcome() + " recorded " + h.recorded()));
        System.out.println(count + " in-doubt item(s), " + tm.admin().heuristics().size() + " heuristic(s)");
        return 0;
    }
}
