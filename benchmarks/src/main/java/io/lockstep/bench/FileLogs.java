package io.lockstep.bench;

import io.lockstep.tm.log.TransactionLog;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;

/**
 * Opens Lockstep's segmented file log ({@code io.lockstep.tm.log.file.SegmentedFileLog.open(dir, nodeId,
 * segmentSize, ignoreCorruption)}) for the log benchmarks. Looked up by name so that this module builds whether or
 * not the file log is on the branch it is built from; once it is, a direct call can replace this class.
 */
final class FileLogs {
    static final String CLASS = "io.lockstep.tm.log.file.SegmentedFileLog";

    private FileLogs() {
    }

    static TransactionLog open(Path dir, String nodeId, long segmentSize) {
        Method open;
        try {
            open = Class.forName(CLASS).getMethod("open", Path.class, String.class, long.class, boolean.class);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            throw new IllegalStateException(CLASS + ".open(Path, String, long, boolean) is not in tm-core on this"
                    + " classpath; merge the file log into this branch and rebuild benchmarks.jar", e);
        }
        try {
            return (TransactionLog) open.invoke(null, dir, nodeId, segmentSize, false);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(CLASS + ".open is not public", e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("cannot open the file log in " + dir + ": " + e.getCause(),
                    e.getCause());
        }
    }
}
