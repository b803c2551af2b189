package io.lockstep.cli.admin;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.XAResourceSource;
import io.lockstep.tm.log.file.LogReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by the commands that open a log directory as its manager would. */
public final class LogOptions {
    @Option(names = "--log", required = true, description = "the log directory of the node")
    Path log;

    @Option(names = "--node", description = "the node id that owns the log (lockstep.nodeId); default: the one"
            + " recorded in the log's segment headers")
    String node;

    @Option(names = "--resources", description = "properties file describing the resources to recover"
            + " (resource.<name>.type|url|user|password)")
    Path resources;

    /**
     * Opens the log as the node's manager (taking its directory lock: fails with the holder's pid when the
     * application is running). Background recovery is off; the caller drives passes.
     */
    LockstepTransactionManager open() {
        if (!Files.isDirectory(log)) {
            throw new IllegalArgumentException("log directory " + log.toAbsolutePath() + " does not exist");
        }
        return Lockstep.builder().nodeId(node != null ? node : nodeOf(log)).logDirectory(log)
                .recoveryInterval(Duration.ofDays(365)).build();
    }

    /** The node id written in the log's segment headers. */
    static String nodeOf(Path log) {
        String[] found = {null};
        try {
            LogReader.read(log, new LogReader.Visitor() {
                @Override
                public void segment(Path file, long seq, String nodeId, long size) {
                    if (found[0] == null) {
                        found[0] = nodeId;
                    }
                }

                @Override
                public void record(Path file, long offset, io.lockstep.tm.log.LogRecord record) {
                }

                @Override
                public void damaged(Path file, long offset, String what) {
                }
            });
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read log directory " + log.toAbsolutePath() + ": "
                    + e.getMessage(), e);
        }
        if (found[0] == null) {
            throw new IllegalArgumentException("log directory " + log.toAbsolutePath()
                    + " has no segment to read the node id from; pass --node");
        }
        return found[0];
    }

    List<XAResourceSource> sources() throws IOException {
        if (resources == null) {
            throw new IllegalArgumentException("--resources FILE is required for this command");
        }
        return ResourcesFile.read(resources);
    }
}
