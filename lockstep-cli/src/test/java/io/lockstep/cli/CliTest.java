package io.lockstep.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI end to end: the demo (with its crashed child JVM and recovery) and the read-only log commands on the log
 * that crash left behind.
 */
class CliTest {
    @TempDir
    Path data;

    private record Run(int exit, String out) {
    }

    private static Run run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int exit = LockstepCli.commandLine().execute(args);
            return new Run(exit, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(saved);
        }
    }

    @Test
    void theDemoCrashesMidCommitRecoversAndExitsZeroWhenEveryInvariantHolds() throws Exception {
        Run demo = run("demo", "--transfers", "200", "--threads", "2", "--data", data.toString());

        assertThat(demo.out()).contains("committed 200 transfers")
                .contains("-> PREPARED").contains("-> COMMITTING").contains("xx crash")
                .contains("2 branch(es) committed").contains("-> COMMITTED (recovered)")
                .contains("ok     total money before == after: 200,000 == 200,000")
                .contains("All invariants hold.");
        assertThat(demo.exit()).isZero();

        Path log = data.resolve("log");
        Run dump = run("log", "dump", log.toString(), "--json");
        assertThat(dump.exit()).isZero();
        assertThat(dump.out().lines().filter(l -> l.contains("\"type\":\"COMMIT\""))).hasSize(201);
        assertThat(dump.out().lines().filter(l -> l.contains("\"type\":\"END\""))).hasSize(201);

        Run status = run("status", "--log", log.toString());
        assertThat(status.exit()).isZero();
        assertThat(status.out()).contains("records         402").contains("in doubt        0");
    }

    @Test
    void aDamagedLogIsShownWhereItIsAndTheDumpExitsOne() throws Exception {
        Path log = data.resolve("log");
        try (var tm = io.lockstep.tm.Lockstep.builder().nodeId("dump").logDirectory(log).build()) {
            tm.begin();
            tm.getTransaction().enlistResource(io.lockstep.tm.Lockstep.named("a", new TwoPhaseResource()));
            tm.getTransaction().enlistResource(io.lockstep.tm.Lockstep.named("b", new TwoPhaseResource()));
            tm.commit();
        }
        Path segment = Files.list(log).filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
        byte[] bytes = Files.readAllBytes(segment);
        bytes[64 + 20] ^= 0x10; // inside the first record, which the END record follows
        Files.write(segment, bytes);

        Run dump = run("log", "dump", log.toString());
        assertThat(dump.out()).contains("!! corrupt").contains("END");
        assertThat(dump.exit()).isEqualTo(1);
    }

    @Test
    void wrongArgumentsPrintUsageAndExitTwo() {
        assertThat(run("demo", "--transfers", "many").exit()).isEqualTo(2);
        assertThat(run("no-such-command").exit()).isEqualTo(2);
    }

    /** A resource that prepares and commits (nothing to roll back) so a transaction writes COMMIT and END. */
    static final class TwoPhaseResource implements javax.transaction.xa.XAResource {
        @Override public void commit(javax.transaction.xa.Xid xid, boolean onePhase) { }
        @Override public void end(javax.transaction.xa.Xid xid, int flags) { }
        @Override public void forget(javax.transaction.xa.Xid xid) { }
        @Override public int getTransactionTimeout() { return 0; }
        @Override public boolean isSameRM(javax.transaction.xa.XAResource xares) { return false; }
        @Override public int prepare(javax.transaction.xa.Xid xid) { return XA_OK; }
        @Override public javax.transaction.xa.Xid[] recover(int flag) { return new javax.transaction.xa.Xid[0]; }
        @Override public void rollback(javax.transaction.xa.Xid xid) { }
        @Override public boolean setTransactionTimeout(int seconds) { return true; }
        @Override public void start(javax.transaction.xa.Xid xid, int flags) { }
    }
}
