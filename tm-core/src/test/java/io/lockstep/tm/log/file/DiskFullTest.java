package io.lockstep.tm.log.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.log.TransactionLogException;
import jakarta.transaction.RollbackException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full file system (a 1 MiB tmpfs mounted for the test; needs root, as on the CI machine): commits that
 * cannot force their COMMIT record roll back with the cause, the log stays readable, and transactions work again
 * once space is back.
 */
class DiskFullTest {
    @TempDir
    Path temp;
    private Path mount;

    @BeforeEach
    void mountSmallFileSystem() throws Exception {
        mount = temp.resolve("fs");
        Files.createDirectories(mount);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("this test mounts a 1 MiB tmpfs to fill a real file system; it needs root"
                + " (mount said: %s)", out).isZero();
    }

    @AfterEach
    void unmount() throws Exception {
        new ProcessBuilder("umount", mount.toString()).start().waitFor();
    }

    /** Prepares and commits; records rollbacks. */
    static final class Resource implements XAResource {
        final List<String> calls;
        final String name;

        Resource(String name, List<String> calls) {
            this.name = name;
            this.calls = calls;
        }

        @Override public void commit(Xid xid, boolean onePhase) { calls.add(name + ":commit"); }
        @Override public void end(Xid xid, int flags) { }
        @Override public void forget(Xid xid) { }
        @Override public int getTransactionTimeout() { return 0; }
        @Override public boolean isSameRM(XAResource other) { return false; }
        @Override public int prepare(Xid xid) { return XA_OK; }
        @Override public Xid[] recover(int flag) { return new Xid[0]; }
        @Override public void rollback(Xid xid) { calls.add(name + ":rollback"); }
        @Override public boolean setTransactionTimeout(int seconds) { return true; }
        @Override public void start(Xid xid, int flags) { }
    }

    private static void twoPhase(LockstepTransactionManager tm, List<String> calls) throws Exception {
        tm.begin();
        tm.getTransaction().enlistResource(Lockstep.named("a", new Resource("a", calls)));
        tm.getTransaction().enlistResource(Lockstep.named("b", new Resource("b", calls)));
        tm.commit();
    }

    @Test
    void aCommitThatCannotForceItsRecordRollsBackAndServiceResumesWhenSpaceReturns() throws Exception {
        Path log = mount.resolve("log");
        Path filler = mount.resolve("filler");
        List<String> calls = new CopyOnWriteArrayList<>();
        try (LockstepTransactionManager tm = Lockstep.builder().nodeId("full").logDirectory(log)
                .logSegmentSize(64 * 1024).build()) {
            fill(filler);
            RollbackException failure = null;
            for (int i = 0; i < 10_000 && failure == null; i++) {
                calls.clear();
                try {
                    twoPhase(tm, calls);
                } catch (RollbackException e) {
                    failure = e;
                }
            }
            assertThat(failure).as("the file system filled up").isNotNull();
            assertThat(failure).hasMessageContaining("could not be forced").hasRootCauseInstanceOf(IOException.class);
            assertThat(failure.getCause()).isInstanceOf(TransactionLogException.class);
            assertThat(calls).containsExactly("a:rollback", "b:rollback");
            assertThat(tm.getTransaction()).isNull();

            Files.delete(filler);
            calls.clear();
            twoPhase(tm, calls);
            assertThat(calls).containsExactly("a:commit", "b:commit");
        }
        try (SegmentedFileLog reopened = SegmentedFileLog.open(log, "full", 64 * 1024, false)) {
            assertThat(reopened.replay()).as("every committed transaction ended, the failed one left nothing")
                    .isEmpty();
        }
    }

    @Test
    void aFullFileSystemAtStartIsReportedWithTheDirectory() throws Exception {
        Path filler = mount.resolve("filler");
        fill(filler);
        Path log = mount.resolve("log");
        assertThatThrownBy(() -> Lockstep.builder().nodeId("full").logDirectory(log).logSegmentSize(1024 * 1024)
                .build()).isInstanceOf(IllegalStateException.class).hasMessageContaining(log.toString());
    }

    /** Fills the file system with a file, leaving less than one more segment of room. */
    private static void fill(Path filler) throws IOException {
        byte[] block = new byte[4096];
        try (var out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            // no space left: exactly what we want
        }
    }
}
