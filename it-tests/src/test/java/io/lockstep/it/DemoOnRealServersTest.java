package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.cli.LockstepCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The crash harness on real PostgreSQL and MariaDB (mysql-connector-j) plus the embedded Artemis broker, through
 * the demo: transfers, then a child JVM whose transfer (three XA branches) is halted at each named point of two-phase
 * commit, a restarted manager on the same log whose recovery finishes it, and the invariants: money conserved, the
 * crashed transfer applied on both sides exactly when its COMMIT record was durable, messages == transfers, nothing
 * left prepared in either database or the broker.
 */
class DemoOnRealServersTest {
    @TempDir
    Path data;

    @ParameterizedTest(name = "crash {0}")
    @ValueSource(strings = {"before-prepare", "after-prepare:1", "after-prepare:2", "before-log-force",
            "after-log-force", "after-commit:1", "after-commit:2", "during-recovery"})
    void aCrashAtEveryPointOfTwoPhaseCommitIsRecoveredOnPostgresAndMariaDb(String point) {
        String pg = Servers.postgres();
        String mysql = Servers.mysql();
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = LockstepCli.commandLine().execute("demo", "--transfers", "20", "--threads", "2", "--data",
                    data.toString(), "--postgres", pg, "--mysql", mysql, "--crash-at", point);
        } finally {
            System.setOut(saved);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        boolean committed = point.startsWith("after-log-force") || point.startsWith("after-commit")
                || point.equals("during-recovery");
        assertThat(out).contains("bank-a (postgres)").contains("bank-b (mysql)")
                .contains("xx crash").contains(committed ? "-> COMMITTED (recovered)" : "-> ROLLED BACK (recovered)")
                .contains(committed ? "the crashed transfer is applied on both sides"
                        : "the crashed transfer is applied on neither side")
                .contains("ok     no prepared transaction left in the broker")
                .contains("ok     no prepared Lockstep branch left in either bank (0 + 0)")
                .contains("All invariants hold.");
        assertThat(exit).as(out).isZero();
    }
}
