package io.lockstep.it;

import io.lockstep.it.FaultFixtures.Run;
import io.lockstep.tm.Lockstep;
import java.nio.file.Path;

/**
 * Runs in a child JVM for {@link LogDirectoryFaultsTest} (for permission faults under {@code setpriv}, without the
 * root capabilities that bypass file permissions): tries to start a manager on a log directory, then the CLI's
 * {@code status} and {@code recover}, and prints one line per attempt: {@code what|exception or exit|message}
 * (for {@code status}, its standard error then its output).
 */
public final class LogDirectoryChild {
    private LogDirectoryChild() {
    }

    public static void main(String[] args) {
        Path log = Path.of(args[0]);
        String node = args[1];
        Path resources = Path.of(args[2]);
        try {
            Lockstep.builder().nodeId(node).logDirectory(log).build().close();
            System.out.println("build|started|");
        } catch (RuntimeException e) {
            System.out.println("build|" + e.getClass().getName() + "|" + e.getMessage());
        }
        Run status = FaultFixtures.cli("status", "--log", log.toString());
        System.out.println("status|" + status.exit() + "|" + oneLine(status.err() + status.out()));
        Run recover = FaultFixtures.cli("recover", "--log", log.toString(), "--node", node, "--resources",
                resources.toString());
        System.out.println("recover|" + recover.exit() + "|" + oneLine(recover.err()));
    }

    private static String oneLine(String s) {
        return s.strip().replace("\n", " | ");
    }
}
