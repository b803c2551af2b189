package io.lockstep.cli.admin;

import io.lockstep.tm.log.AdminRecord;
import io.lockstep.tm.log.BranchRef;
import io.lockstep.tm.log.CommitRecord;
import io.lockstep.tm.log.HeuristicRecord;
import io.lockstep.tm.log.LogRecord;
import io.lockstep.tm.log.file.LogReader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lockstep log dump DIR [--json]}: every record of a log directory, with its file and offset. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Prints every record of a log directory (read-only; works while the node runs). Damaged or"
                + " torn regions are shown where they are. Exit code 1 when the log has damage.")
public final class LogDumpCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "the log directory")
    Path directory;

    @Option(names = "--json", description = "one JSON object per line instead of text")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        boolean[] damaged = {false};
        LogReader.read(directory, new LogReader.Visitor() {
            @Override
            public void segment(Path file, long seq, String nodeId, long size) {
                if (json) {
                    out.println("{\"segment\":" + Json.str(file.getFileName().toString()) + ",\"seq\":" + seq
                            + ",\"nodeId\":" + Json.str(nodeId) + ",\"size\":" + size + "}");
                } else {
                    out.printf("== %s  segment %d  node %s  %,d bytes%n", file.getFileName(), seq, nodeId, size);
                }
            }

            @Override
            public void record(Path file, long offset, LogRecord r) {
                out.println(json ? toJson(file, offset, r) : String.format("%10d  %s", offset, toText(r)));
            }

            @Override
            public void damaged(Path file, long offset, String what) {
                damaged[0] = true;
                if (json) {
                    out.println("{\"file\":" + Json.str(file.getFileName().toString()) + ",\"offset\":" + offset
                            + ",\"damaged\":" + Json.str(what) + "}");
                } else {
                    out.printf("%10d  !! %s%n", offset, what);
                }
            }
        });
        return damaged[0] ? 1 : 0;
    }

    static String toText(LogRecord r) {
        StringBuilder sb = new StringBuilder().append(String.format("%-9s %s", r.type(), r.gtrid()));
        if (r instanceof CommitRecord) {
            CommitRecord c = (CommitRecord) r;
            sb.append("  at ").append(Instant.ofEpochMilli(c.timeMillis())).append("  branches");
            for (BranchRef b : c.branches()) {
                sb.append(' ').append(b.resourceName().isEmpty() ? "?" : b.resourceName()).append('/').append(b.bqual());
            }
        } else if (r instanceof HeuristicRecord) {
            HeuristicRecord h = (HeuristicRecord) r;
            sb.append("  ").append(h.branch().resourceName()).append('/').append(h.branch().bqual()).append(' ')
                    .append(h.outcome()).append("  at ").append(Instant.ofEpochMilli(h.timeMillis()));
        } else if (r instanceof AdminRecord) {
            AdminRecord a = (AdminRecord) r;
            sb.append("  ").append(a.action()).append("  \"").append(a.detail()).append("\"  at ")
                    .append(Instant.ofEpochMilli(a.timeMillis()));
        }
        return sb.toString();
    }

    static String toJson(Path file, long offset, LogRecord r) {
        StringBuilder sb = new StringBuilder("{\"file\":").append(Json.str(file.getFileName().toString()))
                .append(",\"offset\":").append(offset).append(",\"type\":").append(Json.str(r.type().name()))
                .append(",\"gtrid\":").append(Json.str(r.gtrid()));
        if (r instanceof CommitRecord) {
            CommitRecord c = (CommitRecord) r;
            sb.append(",\"time\":").append(Json.str(Instant.ofEpochMilli(c.timeMillis()).toString()))
                    .append(",\"branches\":[");
            for (int i = 0; i < c.branches().size(); i++) {
                BranchRef b = c.branches().get(i);
                sb.append(i == 0 ? "" : ",").append("{\"resource\":").append(Json.str(b.resourceName()))
                        .append(",\"bqual\":").append(b.bqual()).append('}');
            }
            sb.append(']');
        } else if (r instanceof HeuristicRecord) {
            HeuristicRecord h = (HeuristicRecord) r;
            sb.append(",\"resource\":").append(Json.str(h.branch().resourceName())).append(",\"bqual\":")
                    .append(h.branch().bqual()).append(",\"outcome\":").append(Json.str(h.outcome().name()))
                    .append(",\"time\":").append(Json.str(Instant.ofEpochMilli(h.timeMillis()).toString()));
        } else if (r instanceof AdminRecord) {
            AdminRecord a = (AdminRecord) r;
            sb.append(",\"action\":").append(Json.str(a.action().name())).append(",\"detail\":")
                    .append(Json.str(a.detail())).append(",\"time\":")
                    .append(Json.str(Instant.ofEpochMilli(a.timeMillis()).toString()));
        }
        return sb.append('}').toString();
    }
}
