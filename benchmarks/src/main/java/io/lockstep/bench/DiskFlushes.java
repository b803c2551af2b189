package io.lockstep.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads the flush and write counters of the block device under a directory from {@code /proc/diskstats}, so a
 * benchmark can report device flushes per transaction: a store that claims durability without forcing shows 0.
 * The counters are device-wide: other processes writing to the same disk add to them (the benchmarks report the
 * per-transaction rate, which other work can only inflate).
 *
 * <p>Reading is cold-path (one small file per iteration); not thread-safe, used by one state object.
 */
final class DiskFlushes {
    private static final Path DISKSTATS = Path.of("/proc/diskstats");

    private final String device;

    private DiskFlushes(String device) {
        this.device = device;
    }

    /** The counters of the device holding {@code dir} (or an existing parent of it). */
    static DiskFlushes of(Path dir) {
        Path p = dir.toAbsolutePath();
        while (!Files.exists(p)) {
            p = p.getParent();
        }
        try {
            FileStore store = Files.getFileStore(p);
            String name = store.name();
            return new DiskFlushes(name.startsWith("/dev/") ? name.substring(5) : name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find the device of " + dir, e);
        }
    }

    /** Whether the kernel reports flush counters for this device (Linux 5.5+, a real block device). */
    boolean available() {
        return read() != null;
    }

    String device() {
        return device;
    }

    /** {flushes completed, writes completed}, or null when the device or the flush field is missing. */
    long[] read() {
        if (!Files.isReadable(DISKSTATS)) {
            return null;
        }
        try {
            List<String> lines = Files.readAllLines(DISKSTATS);
            for (String line : lines) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 20 && f[2].equals(device)) {
                    return new long[] {Long.parseLong(f[18]), Long.parseLong(f[7])};
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DISKSTATS, e);
        }
    }
}
