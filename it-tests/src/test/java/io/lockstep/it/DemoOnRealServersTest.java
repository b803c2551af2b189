package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.cli.LockstepCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo against real PostgreSQL and MariaDB (mysql-connector-j) plus the embedded broker: transfers, a child JVM
 * halted right after the COMMIT record is forced, a restarted manager whose recovery commits the three prepared
 * branches, and the invariants (money, messages, nothing left prepared in either database or the broker).
 */
class DemoOnRealServersTest {
    @TempDir
    Path data;

    @Test
    void aCrashAfterTheCommitRecordIsForcedIsRecoveredOnPostgresAndMariaDb() {
        String pg = Servers.postgres();
        String mysql = Servers.mysql();
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = LockstepCli.commandLine().execute("demo", "--transfers", "100", "--threads", "2", "--data",
                    data.toString(), "--postgres", pg, "--mysql", mysql);
        } finally {
            System.setOut(saved);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("bank-a (postgres)").contains("bank-b (mysql)")
                .contains("3 branch(es) committed").contains("-> COMMITTED (recovered)")
                .contains("ok     no prepared Lockstep branch left in either bank (0 + 0)")
                .contains("All invariants hold.");
        assertThat(exit).as(out).isZero();
    }
}
