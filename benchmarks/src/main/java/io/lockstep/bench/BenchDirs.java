package io.lockstep.bench;

import java.nio.file.Path;

/**
 * Where benchmark data goes: {@code -Dlockstep.bench.dir} (default {@code target/bench-data}, relative to the
 * working directory), one fresh sub-directory per trial.
 */
final class BenchDirs {
    private BenchDirs() {
    }

    static Path base() {
        return Path.of(System.getProperty("lockstep.bench.dir", "target/bench-data")).toAbsolutePath();
    }

    /** An empty directory under {@link #base()} named after {@code what} and the time; not yet created. */
    static Path fresh(String what) {
        Path dir = base().resolve(what + "-" + System.nanoTime());
        Peers.deleteTree(dir);
        return dir;
    }
}
