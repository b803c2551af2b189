package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.lockstep.cli.LockstepCli;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.recovery.RecoveryReport;
import jakarta.transaction.Synchronization;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.awaitility.Awaitility;

/** Shared pieces of the fault tests: an in-doubt log, a snapshot of a directory, the CLI run in-process. */
final class FaultFixtures {
    /** Small log segments, so snapshots of a log directory read little. */
    static final long SMALL_SEGMENT = 64 * 1024;

    private FaultFixtures() {
    }

    /** A resource that votes yes and commits; with {@code failCommit} its commit fails with XAER_RMFAIL. */
    static class Res implements XAResource {
        private final boolean failCommit;

        Res(boolean failCommit) {
            this.failCommit = failCommit;
        }

        @Override
        public void commit(Xid xid, boolean onePhase) throws XAException {
            if (failCommit) {
                throw new XAException(XAException.XAER_RMFAIL);
            }
        }

        @Override public void end(Xid xid, int flags) { }
        @Override public void forget(Xid xid) { }
        @Override public int getTransactionTimeout() { return 0; }
        @Override public boolean isSameRM(XAResource other) { return false; }
        @Override public int prepare(Xid xid) { return XA_OK; }
        @Override public Xid[] recover(int flag) { return new Xid[0]; }
        @Override public void rollback(Xid xid) { }
        @Override public boolean setTransactionTimeout(int seconds) { return true; }
        @Override public void start(Xid xid, int flags) { }
    }

    /**
     * Commits one two-phase transaction whose second branch cannot be reached in phase two, so its COMMIT record
     * stays without END (a transaction in doubt that recovery must finish).
     *
     * @return the gtrid of that transaction
     */
    static String leaveInDoubt(LockstepTransactionManager tm) throws Exception {
        tm.begin();
        String gtrid = String.valueOf(tm.getTransactionKey());
        tm.getTransaction().enlistResource(Lockstep.named("faults-a", new Res(false)));
        tm.getTransaction().enlistResource(Lockstep.named("faults-b", new Res(true)));
        tm.commit();
        return gtrid;
    }

    /** A stopped node's log directory holding one transaction in doubt; returns its gtrid. */
    static String stoppedNodeWithOneInDoubt(Path log, String node) throws Exception {
        try (LockstepTransactionManager tm = Lockstep.builder().nodeId(node).logDirectory(log)
                .logSegmentSize(SMALL_SEGMENT).recoveryInterval(Duration.ofHours(1)).build()) {
            return leaveInDoubt(tm);
        }
    }

    /**
     * Every file under {@code dir} (relative path → size and CRC-32C of its content). The lock file counts by its
     * presence only: whoever takes the lock writes its pid there, which is not a change of the log.
     */
    static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        if (!Files.exists(dir)) {
            return files;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String key = dir.relativize(p).toString();
                if (Files.isDirectory(p)) {
                    files.put(key + "/", "dir");
                } else if (p.getFileName().toString().equals("lockstep.lock")) {
                    files.put(key, "lock file"); // holds the pid of the last process that locked the directory
                } else {
                    CRC32C crc = new CRC32C();
                    byte[] bytes = Files.readAllBytes(p);
                    crc.update(bytes);
                    files.put(key, bytes.length + " bytes, crc " + Long.toHexString(crc.getValue()));
                }
            }
        }
        return files;
    }

    /** What one {@code commit()} did: the status afterCompletion saw, how long commit() took, what it threw. */
    record Completion(int status, long millis, Throwable thrown) {
    }

    /**
     * Commits the thread's transaction (begun by the caller), observing it: the status afterCompletion reports, the
     * time commit() takes, and its exception, if any. The thread must be free afterwards.
     */
    static Completion commitObserved(LockstepTransactionManager tm) throws Exception {
        AtomicInteger status = new AtomicInteger(-1);
        tm.getTransaction().registerSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int s) {
                status.set(s);
            }
        });
        long t0 = System.nanoTime();
        Throwable thrown = catchThrowable(tm::commit);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(tm.getTransaction()).as("the thread is free after commit").isNull();
        return new Completion(status.get(), millis, thrown);
    }

    /**
     * Recovery passes (Awaitility, at most 30 s) until one is clean and {@code nothingPrepared} holds; returns that
     * pass. {@code nothingPrepared} returns false when it cannot look (a server still unreachable).
     */
    static RecoveryReport recoverUntilClean(LockstepTransactionManager tm, Callable<Boolean> nothingPrepared) {
        return Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(tm::recoverNow, r -> r.isClean() && looked(nothingPrepared));
    }

    private static boolean looked(Callable<Boolean> check) {
        try {
            return check.call();
        } catch (Exception e) {
            return false;
        }
    }

    /** What an in-process run of the CLI printed and returned. */
    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    /** Runs {@code lockstep args...} in this JVM, capturing standard output and error. */
    static Run cli(String... args) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int exit = LockstepCli.commandLine().execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    /** Runs a command, failing the test with its output when it does not exit 0. */
    static String sh(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s said: %s", Arrays.toString(command), out).isZero();
        return out;
    }
}
