package io.lockstep.it;

import io.lockstep.cli.LockstepCli;
import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;

/**
 * Runs in a child JVM for {@link SecurityTest} with every Lockstep logger at TRACE, writing everything to standard
 * output and error: data sources whose JDBC URLs and passwords carry secrets fail to connect (unreachable port,
 * wrong password), recovery reports them, the CLI recovers from a resources file with passwords, and a management
 * endpoint runs with a token. Every exception is printed with its whole cause chain. The parent checks that no
 * secret appears anywhere in what this process wrote. Secrets come in as arguments: {@code log closedPort
 * resourcesFile secret...}.
 */
public final class SecretsChild {
    private SecretsChild() {
    }

    public static void main(String[] args) throws Exception {
        Path log = Path.of(args[0]);
        int closed = Integer.parseInt(args[1]);
        Path resources = Path.of(args[2]);
        String[] secret = java.util.Arrays.copyOfRange(args, 3, args.length);

        try (LockstepTransactionManager tm = Lockstep.builder().nodeId("faults-secrets").logDirectory(log)
                .logSegmentSize(FaultFixtures.SMALL_SEGMENT).recoveryInterval(Duration.ofHours(1))
                .managementPort(0).managementToken(secret[0]).build()) {
            step("postgres, password in the URL and as argument, server unreachable", () -> use(tm,
                    LockstepDataSources.postgres(tm, "jdbc:postgresql://127.0.0.1:" + closed + "/test?user=postgres"
                            + "&password=" + secret[1] + "&connectTimeout=2", "postgres", secret[2])
                            .name("faults-s1").acquisitionTimeout(Duration.ofSeconds(1)).build()));
            step("mysql, password in the URL's user info, server unreachable", () -> use(tm,
                    LockstepDataSources.mysql(tm, "jdbc:mysql://root:" + secret[3] + "@127.0.0.1:" + closed
                            + "/test?connectTimeout=2000", "root", secret[3]).name("faults-s2")
                            .acquisitionTimeout(Duration.ofSeconds(1)).build()));
            step("mysql, wrong password on the real server", () -> use(tm,
                    LockstepDataSources.mysql(tm, Servers.MYSQL_URL + "?password=" + secret[4], Servers.MYSQL_USER,
                            secret[4]).name("faults-s3").build()));
            step("last resource, password in the URL, server unreachable", () -> use(tm,
                    LockstepDataSources.lastResource(tm, "jdbc:postgresql://127.0.0.1:" + closed
                            + "/test?password=" + secret[5] + "&connectTimeout=2", "postgres", secret[5])
                            .name("faults-s4").acquisitionTimeout(Duration.ofSeconds(1)).build()));
            step("a recovery pass over the unreachable sources", () -> System.out.println(tm.recoverNow()));
            step("admin view", () -> System.out.println(tm.admin().inDoubt() + " " + tm.config()));
            for (LockstepDataSource ds : OPEN) {
                ds.close();
            }
        }
        step("cli recover with passwords in the resources file", () -> System.out.println("exit "
                + LockstepCli.commandLine().execute("recover", "--log", log.toString(), "--resources",
                resources.toString())));
        step("cli in-doubt list with passwords in the resources file", () -> System.out.println("exit "
                + LockstepCli.commandLine().execute("in-doubt", "list", "--log", log.toString(), "--resources",
                resources.toString())));
        System.out.println("child done: " + Files.exists(log));
    }

    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private static void step(String what, Step step) {
        System.out.println("== " + what);
        long t0 = System.nanoTime();
        try {
            step.run();
        } catch (Exception | Error e) {
            e.printStackTrace(System.out);
        }
        System.out.println("-- " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    /** Data sources built so far, closed after the recovery pass that scans them. */
    private static final java.util.List<LockstepDataSource> OPEN = new java.util.ArrayList<>();

    /** Prints the data source and borrows a connection inside a transaction (which fails). */
    private static void use(LockstepTransactionManager tm, LockstepDataSource ds) throws Exception {
        OPEN.add(ds);
        System.out.println("built " + ds);
        tm.begin();
        try (Connection c = ds.getConnection()) {
            c.createStatement().execute("SELECT 1");
        } finally {
            tm.rollback();
        }
    }
}
