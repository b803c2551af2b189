package io.lockstep.it;

import static io.lockstep.it.FaultFixtures.cli;
import static io.lockstep.it.FaultFixtures.sh;
import static io.lockstep.it.FaultFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.it.FaultFixtures.Run;
import io.lockstep.tm.Lockstep;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log directory the process may not write or read: on a read-only file system (a real tmpfs remounted read-only;
 * needs root, as on the CI machine) and with permissions that deny the process (checked in a child JVM started
 * under {@code setpriv} without the capabilities that let root ignore permissions). The manager and the CLI's
 * commands that must write refuse with the directory and what to check; the read-only commands still work where
 * they can; the log's bytes are unchanged. And a directory in use stays locked after a refused second opener.
 */
class LogDirectoryFaultsTest {
    @TempDir
    Path temp;

    @Test
    void aLogOnAReadOnlyFileSystemIsRefusedWithTheReasonAndLeftUntouched() throws Exception {
        Path mount = temp.resolve("ro");
        Files.createDirectories(mount);
        sh("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString());
        try {
            Path log = mount.resolve("log");
            String inDoubt = FaultFixtures.stoppedNodeWithOneInDoubt(log, "faults-ro");
            Path resources = Files.writeString(temp.resolve("r.properties"),
                    "resource.faults-a.type=h2\nresource.faults-a.url=jdbc:h2:mem:faults-ro\n");
            sh("mount", "-o", "remount,ro", mount.toString());
            Map<String, String> before = snapshot(log);

            assertThatThrownBy(() -> Lockstep.builder().nodeId("faults-ro").logDirectory(log).build().close())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining(log.toString())
                    .hasMessageContaining("not readable and writable").hasMessageContaining("read-only");
            Path fresh = mount.resolve("new-log");
            assertThatThrownBy(() -> Lockstep.builder().nodeId("faults-ro").logDirectory(fresh).build().close())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot create log directory "
                            + fresh).hasMessageContaining("Read-only file system");

            Run recover = cli("recover", "--log", log.toString(), "--resources", resources.toString());
            assertThat(recover.exit()).as(recover.toString()).isEqualTo(1);
            assertThat(recover.err()).contains("lockstep: ").contains("not readable and writable");
            Run commit = cli("in-doubt", "commit", inDoubt, "--log", log.toString(), "--resources",
                    resources.toString());
            assertThat(commit.exit()).as(commit.toString()).isEqualTo(1);
            assertThat(commit.err()).contains("not readable and writable");

            Run status = cli("status", "--log", log.toString());
            assertThat(status.exit()).as("status only reads: " + status).isZero();
            assertThat(status.out()).contains("in doubt        1");
            Run dump = cli("log", "dump", log.toString());
            assertThat(dump.exit()).as(dump.toString()).isZero();
            assertThat(dump.out()).contains("COMMIT").contains(inDoubt);

            assertThat(snapshot(log)).as("the log is untouched").isEqualTo(before);
            assertThat(fresh).doesNotExist();
        } finally {
            new ProcessBuilder("umount", mount.toString()).start().waitFor();
        }
    }

    @Test
    void aLogDirectoryThisProcessMayNotReadIsRefusedWithTheReasonAndLeftUntouched() throws Exception {
        Path log = temp.resolve("locked-log");
        FaultFixtures.stoppedNodeWithOneInDoubt(log, "faults-locked");
        Path resources = Files.writeString(temp.resolve("r.properties"),
                "resource.faults-a.type=h2\nresource.faults-a.url=jdbc:h2:mem:faults-locked\n");
        Map<String, String> before = snapshot(log);
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("---------"));
        Map<String, String> lines;
        try {
            lines = childWithoutRootPowers(log, "faults-locked", resources);
        } finally {
            Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rwx------"));
        }
        assertThat(lines.get("build")).startsWith(IllegalStateException.class.getName())
                .contains(log.toString()).contains("not readable and writable").contains("permissions");
        assertThat(lines.get("status")).startsWith("1|").contains("cannot list log directory " + log)
                .contains("permissions");
        assertThat(lines.get("recover")).startsWith("1|").contains(log.toString())
                .contains("not readable and writable");
        assertThat(snapshot(log)).as("the log is untouched").isEqualTo(before);
    }

    @Test
    void anUnreadableSegmentIsNamedWhenTheManagerStarts() throws Exception {
        Path log = temp.resolve("locked-segment");
        FaultFixtures.stoppedNodeWithOneInDoubt(log, "faults-seg");
        Path resources = Files.writeString(temp.resolve("r.properties"),
                "resource.faults-a.type=h2\nresource.faults-a.url=jdbc:h2:mem:faults-seg\n");
        Path segment;
        try (var files = Files.list(log)) {
            segment = files.filter(p -> p.getFileName().toString().endsWith(".log")).findFirst().orElseThrow();
        }
        Map<String, String> before = snapshot(log);
        Files.setPosixFilePermissions(segment, PosixFilePermissions.fromString("---------"));
        Map<String, String> lines;
        try {
            lines = childWithoutRootPowers(log, "faults-seg", resources);
        } finally {
            Files.setPosixFilePermissions(segment, PosixFilePermissions.fromString("rw-------"));
        }
        assertThat(lines.get("build")).startsWith(IllegalStateException.class.getName())
                .contains(segment.toString()).contains("AccessDeniedException");
        assertThat(lines.get("status")).startsWith("1|").contains(segment.getFileName().toString())
                .contains("cannot read");
        assertThat(lines.get("recover")).startsWith("1|").contains(segment.toString());
        assertThat(snapshot(log)).as("the log is untouched").isEqualTo(before);
    }

    @Test
    void aRefusedSecondManagerInTheSameJvmLeavesTheFirstOnesLockInPlace() throws Exception {
        Path log = temp.resolve("held");
        Path resources = Files.writeString(temp.resolve("r.properties"),
                "resource.faults-a.type=h2\nresource.faults-a.url=jdbc:h2:mem:faults-held\n");
        String pid = String.valueOf(ProcessHandle.current().pid());
        try (var first = Lockstep.builder().nodeId("faults-held").logDirectory(log)
                .logSegmentSize(FaultFixtures.SMALL_SEGMENT).build()) {
            assertThatThrownBy(() -> Lockstep.builder().nodeId("faults-held").logDirectory(log).build().close())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("in use by pid " + pid);
            // Closing any descriptor of a POSIX-locked file drops the process's lock: the refusal must not have.
            Map<String, String> lines = child(List.of(), log, "faults-held", resources);
            assertThat(lines.get("build")).as("another process is still refused")
                    .startsWith(IllegalStateException.class.getName()).contains("in use by pid " + pid);
            assertThat(lines.get("recover")).startsWith("1|").contains("in use by pid " + pid);
            assertThat(first.getStatus()).isEqualTo(jakarta.transaction.Status.STATUS_NO_TRANSACTION);
        }
    }

    /**
     * Runs {@link LogDirectoryChild} as root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so file permissions
     * apply to it; returns its lines by the attempt they describe.
     */
    private static Map<String, String> childWithoutRootPowers(Path log, String node, Path resources) throws Exception {
        return child(List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search"), log, node, resources);
    }

    /** Runs {@link LogDirectoryChild} behind {@code wrapper} (a command prefix, possibly empty). */
    private static Map<String, String> child(List<String> wrapper, Path log, String node, Path resources)
            throws Exception {
        List<String> command = new java.util.ArrayList<>(wrapper);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LogDirectoryChild.class.getName(), log.toString(), node,
                resources.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("the child (setpriv must be installed and allowed: this test drops root's"
                + " permission-override capabilities so that file permissions apply) said:\n%s", out).isZero();
        Map<String, String> lines = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] parts = line.split("\\|", 2);
            if (parts.length == 2 && List.of("build", "status", "recover").contains(parts[0])) {
                lines.put(parts[0], parts[1]);
            }
        }
        assertThat(lines).as(out).containsOnlyKeys("build", "status", "recover");
        return lines;
    }
}
