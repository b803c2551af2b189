package io.lockstep.bench;

/** Sanity checks run after a trial: the manager must have done the XA calls the benchmark claims to measure. */
final class BenchChecks {
    private BenchChecks() {
    }

    static void checkCalls(String benchmark, InMemoryXAResource a, InMemoryXAResource b) {
        if (a.commits() == 0) {
            throw new IllegalStateException(benchmark + ": resource a was never committed");
        }
        if (benchmark.endsWith("onePhase")) {
            if (a.prepares() != 0) {
                throw new IllegalStateException(benchmark + ": one resource was prepared " + a.prepares()
                        + " times; expected a one-phase commit");
            }
        } else if (a.prepares() != a.commits() || b.prepares() != b.commits() || a.commits() != b.commits()) {
            throw new IllegalStateException(benchmark + ": expected prepare and commit of both branches per"
                    + " transaction; a prepared " + a.prepares() + " committed " + a.commits() + ", b prepared "
                    + b.prepares() + " committed " + b.commits());
        }
    }
}
