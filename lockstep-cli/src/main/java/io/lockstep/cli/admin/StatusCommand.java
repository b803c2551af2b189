package io.lockstep.cli.admin;

import io.lockstep.tm.log.AdminAction;
import io.lockstep.tm.log.AdminRecord;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.EndRecord;
import io.lockstep.tm.log.HeuristicRecord;
import io.lockstep.tm.log.LogRecord;
import io.lockstep.tm.log.file.LogReader;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lockstep status --log DIR}: what a log holds, read-only. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Summarises a log directory (read-only; works while the node runs): records, transactions in"
                + " doubt (COMMIT without END), heuristics not forgotten, size.")
public final class StatusCommand implements Callable<Integer> {
    @Option(names = "--log", required = true, description = "the log directory")
    Path log;

    @Override
    public Integer call() throws Exception {
        Set<String> committed = new HashSet<>();
        Set<String> ended = new HashSet<>();
        Set<String> heuristic = new HashSet<>();
        Set<String> forgotten = new HashSet<>();
        long[] counts = new long[3]; // records, segments, bytes
        int[] damage = {0};
        Set<String> nodes = new HashSet<>();
        LogReader.read(log, new LogReader.Visitor() {
            @Override
            public void segment(Path file, long seq, String nodeId, long size) {
                counts[1]++;
                counts[2] += size;
                nodes.add(nodeId);
            }

            @Override
            public void record(Path file, long offset, LogRecord r) {
                counts[0]++;
                if (r instanceof CommitRecord) {
                    committed.add(r.gtrid());
                } else if (r instanceof EndRecord) {
                    ended.add(r.gtrid());
                } else if (r instanceof HeuristicRecord) {
                    heuristic.add(r.gtrid());
                } else if (r instanceof AdminRecord && ((AdminRecord) r).action() == AdminAction.FORGET) {
                    forgotten.add(r.gtrid());
                }
            }

            @Override
            public void damaged(Path file, long offset, String what) {
                damage[0]++;
                System.out.println("damaged: " + file.getFileName() + " offset " + offset + ": " + what);
            }
        });
        committed.removeAll(ended);
        heuristic.removeAll(forgotten);
        System.out.printf("log %s%n", log.toAbsolutePath());
        System.out.printf("  node            %s%n", String.join(", ", nodes));
        System.out.printf("  segments        %d (%,d bytes)%n", counts[1], counts[2]);
        System.out.printf("  records         %,d%n", counts[0]);
        System.out.printf("  in doubt        %d (COMMIT without END: recovery will commit their branches)%n",
                committed.size());
        System.out.printf("  heuristic       %d (not forgotten)%n", heuristic.size());
        System.out.printf("  damaged regions %d%n", damage[0]);
        return damage[0] == 0 ? 0 : 1;
    }
}
