package io.lockstep.cli.demo;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.admin.InDoubtView;
import io.lockstep.tm.recovery.RecoveryReport;
import io.lockstep.xa.jms.ArtemisRecoverySource;
import io.lockstep.xa.jms.EmbeddedArtemis;
import jakarta.jms.XAConnectionFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.h2.tools.Server;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lockstep demo}: money transfers between two banks in global transactions, a crash in the middle of
 * two-phase commit, recovery, and the invariant check. Exit code 0 only if every invariant holds.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Transfers money between two databases in XA transactions, crashes mid-commit, recovers and"
                + " checks that no money was created or lost.")
public final class DemoCommand implements java.util.concurrent.Callable<Integer> {
    static final int ACCOUNTS = 100;
    static final long OPENING_BALANCE = 1_000;
    static final long CRASH_AMOUNT = 100;
    static final String QUEUE = "transfers";
    static final String BROKER = "broker";
    static final String NODE = "demo";
    private static final int MAX_ATTEMPTS = 20;

    @Option(names = "--transfers", defaultValue = "1000", description = "number of transfers (default ${DEFAULT-VALUE})")
    int transfers;

    @Option(names = "--threads", defaultValue = "4", description = "concurrent tellers (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--data", defaultValue = "target/lockstep-demo",
            description = "directory for the log and the H2 databases (default ${DEFAULT-VALUE}); emptied first")
    Path data;

    @Option(names = "--postgres", description = "JDBC URL of a PostgreSQL database for bank A instead of H2,"
            + " e.g. jdbc:postgresql://127.0.0.1:5432/test?user=postgres (needs max_prepared_transactions > 0)")
    String postgres;

    @Option(names = "--mysql", description = "JDBC URL of a MySQL/MariaDB database for bank B instead of H2,"
            + " e.g. jdbc:mysql://127.0.0.1:3306/test?user=root")
    String mysql;

    @Option(names = "--crash-at", defaultValue = "after-log-force", converter = CrashPointConverter.class,
            description = "where the child JVM halts: before-prepare, after-prepare:<n>, before-log-force,"
                    + " after-log-force (default), after-commit:<n> (n = 1..3 branches) or during-recovery")
    CrashPoint crashAt;

    /** picocli converter for {@link CrashPoint}. */
    static final class CrashPointConverter implements picocli.CommandLine.ITypeConverter<CrashPoint> {
        @Override
        public CrashPoint convert(String value) {
            return CrashPoint.parse(value);
        }
    }

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        if (transfers < 1 || threads < 1) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--transfers and --threads must be at least 1");
        }
        Path log = data.resolve("log");
        Path h2 = data.resolve("h2");
        Path brokerDir = data.resolve("broker");
        deleteTree(log);
        deleteTree(h2);
        deleteTree(brokerDir);
        Files.createDirectories(h2);
        Server h2Server = null;
        if (postgres == null || mysql == null) {
            h2Server = Server.createTcpServer("-tcpPort", String.valueOf(freePort()), "-ifNotExists", "-baseDir",
                    h2.toAbsolutePath().toString()).start();
        }
        try {
            String h2Base = h2Server == null ? "" : "jdbc:h2:tcp://127.0.0.1:" + h2Server.getPort() + "/";
            Bank a = postgres != null ? Bank.of("bank-a", "postgres", postgres)
                    : Bank.of("bank-a", "h2", h2Base + "bank-a;LOCK_TIMEOUT=10000");
            Bank b = mysql != null ? Bank.of("bank-b", "mysql", mysql)
                    : Bank.of("bank-b", "h2", h2Base + "bank-b;LOCK_TIMEOUT=10000");
            try (EmbeddedArtemis broker = EmbeddedArtemis.start(brokerDir, freePort(), List.of(QUEUE))) {
                return run(a, b, broker, log) ? 0 : 1;
            }
        } finally {
            if (h2Server != null) {
                h2Server.stop();
            }
        }
    }

    private boolean run(Bank a, Bank b, EmbeddedArtemis broker, Path log) throws Exception {
        out.printf("Lockstep demo: %,d transfers between %s and %s, each with a message to the embedded Artemis"
                + " broker, %d threads%n", transfers, a.describe(), b.describe(), threads);
        out.println("  data and transaction log: " + data.toAbsolutePath());
        a.open(ACCOUNTS, OPENING_BALANCE);
        b.open(ACCOUNTS, OPENING_BALANCE);
        long totalBefore = a.total() + b.total();

        LockstepTransactionManager tm = start(log, a, b, broker);
        long retries;
        try {
            retries = transfer(tm, a, b, broker.xaConnectionFactory());
        } finally {
            tm.close();
        }

        out.println();
        out.println("Crash in the middle of two-phase commit");
        long a1 = a.balance(1);
        long b1 = b.balance(1);
        out.printf("  a child JVM transfers %d from %s account 1 to %s account 1 and is halted at %s: the"
                + " transaction must end %s%n", CRASH_AMOUNT, a.name, b.name, crashAt,
                crashAt.mustCommit() ? "committed (the COMMIT record is durable)"
                        : "rolled back (no COMMIT record: presumed abort)");
        String gtrid = crashChild(log, a, b, broker);
        if (gtrid == null) {
            return false;
        }
        if (crashAt.kind() == CrashPoint.Kind.DURING_RECOVERY && !crashRecovery(log, a, b, broker)) {
            return false;
        }

        out.println("  restart: a new manager opens the same log");
        LockstepTransactionManager recovered = Lockstep.builder().nodeId(NODE).logDirectory(log)
                .recoveryInterval(Duration.ofHours(1)).build();
        boolean ok;
        try {
            List<InDoubtView> inDoubt = recovered.admin().inDoubt();
            out.printf("    log replayed: %d transaction(s) in doubt%s%n", inDoubt.size(),
                    inDoubt.isEmpty() ? "" : " (" + inDoubt.get(0).gtrid() + ": " + inDoubt.get(0).reason() + ")");
            recovered.registerRecoverable(a);
            recovered.registerRecoverable(b);
            recovered.registerRecoverable(new ArtemisRecoverySource(BROKER, broker.xaConnectionFactory()));
            RecoveryReport report = recovered.recoverNow();
            out.printf("    recovery pass (%d ms): %d branch(es) committed, %d rolled back, %d record(s) ended,"
                    + " %d pending, %d source(s) failed%n", report.duration().toMillis(), report.committed().size(),
                    report.rolledBack().size(), report.endedRecords(), report.pending().size(),
                    report.failedSources().size());
            for (RecoveryReport.Item item : report.committed()) {
                out.println("      " + item);
            }
            for (RecoveryReport.Item item : report.rolledBack()) {
                out.println("      " + item);
            }
            boolean finished = report.isClean() && recovered.admin().inDoubt().isEmpty();
            out.println("    " + gtrid + " -> " + (!finished ? "STILL IN DOUBT"
                    : crashAt.mustCommit() ? "COMMITTED (recovered)" : "ROLLED BACK (recovered)"));
            ok = finished & checkInvariants(a, b, broker, totalBefore, a1, b1);
        } finally {
            recovered.close();
        }
        if (retries > 0) {
            out.printf("  (%d transfer attempt(s) were rolled back after lock conflicts and retried)%n", retries);
        }
        out.println(ok ? "All invariants hold." : "AN INVARIANT IS BROKEN.");
        return ok;
    }

    private LockstepTransactionManager start(Path log, Bank a, Bank b, EmbeddedArtemis broker) {
        LockstepTransactionManager tm = Lockstep.builder().nodeId(NODE).logDirectory(log)
                .recoveryInterval(Duration.ofHours(1)).build();
        tm.registerRecoverable(a);
        tm.registerRecoverable(b);
        tm.registerRecoverable(new ArtemisRecoverySource(BROKER, broker.xaConnectionFactory()));
        return tm;
    }

    /** Runs the transfers; returns how many attempts were retried. */
    private long transfer(LockstepTransactionManager tm, Bank a, Bank b, XAConnectionFactory broker)
            throws Exception {
        Progress progress = new Progress(out, transfers);
        AtomicLong next = new AtomicLong();
        AtomicLong retries = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> tellers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            tellers.add(pool.submit(() -> {
                try (Teller teller = new Teller(tm, a, b, broker)) {
                    while (next.getAndIncrement() < transfers) {
                        transferWithRetry(teller, retries);
                        progress.done.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        pool.shutdown();
        while (!pool.awaitTermination(100, TimeUnit.MILLISECONDS)) {
            progress.draw(false);
        }
        progress.draw(true);
        for (Future<?> f : tellers) {
            f.get();
        }
        out.printf("  committed %,d transfers in %.2f s (%,.0f tx/s); every one a two-phase commit with a forced"
                + " COMMIT record%n", progress.done.get(), progress.seconds(), progress.rate());
        return retries.get();
    }

    private static void transferWithRetry(Teller teller, AtomicLong retries) throws Exception {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 1; ; attempt++) {
            try {
                teller.transfer(1 + random.nextInt(ACCOUNTS), 1 + random.nextInt(ACCOUNTS), 1 + random.nextInt(50));
                return;
            } catch (Exception e) {
                if (attempt == MAX_ATTEMPTS) {
                    throw new IllegalStateException("a transfer failed " + MAX_ATTEMPTS + " times; last cause: " + e, e);
                }
                retries.incrementAndGet();
            }
        }
    }

    /** Runs the crash child, prints its state machine, returns the gtrid of the crashed transaction (or null). */
    private String crashChild(Path log, Bank a, Bank b, EmbeddedArtemis broker)
            throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                CrashChild.class.getName(), log.toAbsolutePath().toString(), NODE, a.spec(), b.spec(),
                String.valueOf(CRASH_AMOUNT), broker.tcpUrl(), crashAt.toString()).redirectErrorStream(true).start();
        out.println("    child JVM pid " + child.pid());
        String gtrid = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("STATE ")) {
                    String[] p = line.split(" ");
                    gtrid = p[1];
                    out.println("      " + (p[2].equals("ACTIVE") ? "" : "-> ") + p[2] + explain(p[2]));
                } else if (line.startsWith("HALT")) {
                    out.println("      xx crash: the JVM halts (like kill -9) " + line.substring(5));
                } else if (!line.isBlank()) {
                    out.println("      child: " + line);
                }
            }
        }
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            out.println("  the child did not finish within 60 s");
            return null;
        }
        if (child.exitValue() != CrashChild.HALT_STATUS) {
            out.println("  the child exited with " + child.exitValue() + " instead of halting mid-commit");
            return null;
        }
        return gtrid;
    }

    /** The second child of during-recovery: starts recovering the crashed transaction and is halted mid-way. */
    private boolean crashRecovery(Path log, Bank a, Bank b, EmbeddedArtemis broker)
            throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                RecoveryCrashChild.class.getName(), log.toAbsolutePath().toString(), NODE, a.spec(), b.spec(),
                broker.tcpUrl()).redirectErrorStream(true).start();
        out.println("  a second child JVM (pid " + child.pid() + ") opens the log and starts recovery");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("HALT")) {
                    out.println("      xx crash during recovery: the JVM halts " + line.substring(5));
                } else if (line.startsWith("NOT HALTED")) {
                    out.println("      child: " + line);
                }
            }
        }
        if (!child.waitFor(60, TimeUnit.SECONDS) || child.exitValue() != CrashChild.HALT_STATUS) {
            child.destroyForcibly();
            out.println("  the recovering child did not halt mid-recovery");
            return false;
        }
        return true;
    }

    private static String explain(String state) {
        switch (state) {
            case "ACTIVE": return "        (both banks and the broker enlisted, accounts updated, message sent)";
            case "PREPARING": return "     (each resource votes: prepare)";
            case "PREPARED": return "      (all voted yes; the COMMIT record is being forced to disk)";
            case "COMMITTING": return "    (the COMMIT record is durable: the decision is commit)";
            default: return "";
        }
    }

    private boolean checkInvariants(Bank a, Bank b, EmbeddedArtemis broker, long totalBefore, long a1, long b1)
            throws Exception {
        out.println();
        out.println("Invariants");
        long totalAfter = a.total() + b.total();
        boolean ok = check(totalAfter == totalBefore, String.format("total money before == after: %,d == %,d",
                totalBefore, totalAfter));
        long moved = crashAt.mustCommit() ? CRASH_AMOUNT : 0;
        ok &= check(a.balance(1) == a1 - moved && b.balance(1) == b1 + moved,
                String.format("the crashed transfer is %s: %s/1 %,d -> %,d, %s/1 %,d -> %,d",
                        moved > 0 ? "applied on both sides" : "applied on neither side", a.name, a1, a.balance(1),
                        b.name, b1, b.balance(1)));
        long messages = broker.messageCount(QUEUE);
        long expected = transfers + (crashAt.mustCommit() ? 1L : 0L);
        ok &= check(messages == expected, String.format("messages == transfers: %,d == %,d", messages, expected));
        ok &= check(broker.preparedTransactions().length == 0, "no prepared transaction left in the broker");
        List<?> leftA = a.preparedLockstepBranches(NODE);
        List<?> leftB = b.preparedLockstepBranches(NODE);
        ok &= check(leftA.isEmpty() && leftB.isEmpty(), "no prepared Lockstep branch left in either bank ("
                + leftA.size() + " + " + leftB.size() + ")");
        return ok;
    }

    private boolean check(boolean ok, String what) {
        out.println("  " + (ok ? "ok    " : "FAILED") + " " + what);
        return ok;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
