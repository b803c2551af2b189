package io.lockstep.tm.log.file;

import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The JVM that {@link LogKillTest} kills: appends forced COMMIT records from 16 threads and prints each gtrid on
 * stdout only after its append returned (durable), until it is killed.
 *
 * <p>Arguments: log directory, run id.
 */
public final class AppendingChild {
    private AppendingChild() {
    }

    public static void main(String[] args) throws Exception {
        SegmentedFileLog log = SegmentedFileLog.open(Path.of(args[0]), "kill", 64 * 1024, false);
        String run = args[1];
        PrintStream out = System.out;
        out.println("READY");
        out.flush();
        for (int t = 0; t < 16; t++) {
            int thread = t;
            new Thread(() -> {
                for (int i = 0; ; i++) {
                    String gtrid = "kill:" + run + "-" + thread + ":" + i;
                    try {
                        log.append(new CommitRecord(gtrid, i, List.of(new BranchRef("a", 1), new BranchRef("b", 2))),
                                true);
                    } catch (Exception e) {
                        return;
                    }
                    synchronized (out) { // test child only; keeps lines whole
                        out.println(gtrid);
                        out.flush();
                    }
                }
            }).start();
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
