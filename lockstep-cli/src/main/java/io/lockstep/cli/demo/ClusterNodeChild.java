package io.lockstep.cli.demo;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.TransactionCounters;
import io.lockstep.tm.TransactionState;
import io.lockstep.xa.jdbc.LockstepDataSource;
import io.lockstep.xa.jdbc.LockstepDataSources;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * One node of a multi-node cluster for the it-tests of issue 12: a Lockstep manager whose log and node lease are in
 * a shared database (configured entirely by {@code lockstep.*} system properties: {@code lockstep.nodeId},
 * {@code lockstep.log.type=jdbc}, {@code lockstep.log.jdbcUrl}, {@code lockstep.cluster.leaseTimeout}, …), with two
 * pooled XA data sources from {@link LockstepDataSources} (bank A and bank B), and {@code threads} tellers moving
 * money between account {@code firstAccount + t} of bank A and the same account of bank B, each transfer's id
 * recorded in both banks. Every teller has its own account, so nodes and tellers never wait for each other's row
 * locks (a paused node's locks then block nobody but itself).
 *
 * <p>Arguments: bank A spec, bank B spec ({@link Bank#spec()}), threads, first account.
 *
 * <p>Standard input, one command a line: {@code ARM <action>:<crash point>[,…]} with action {@code halt}
 * ({@link Runtime#halt}, like {@code kill -9}), {@code stall} (the transaction's thread stops there for good while
 * the JVM goes on) or {@code hold} (it waits there until {@code RELEASE}, then goes on), and a {@link CrashPoint}
 * among {@code before-log-force}, {@code after-log-force} (listener) and {@code after-commit:1|2} (a
 * {@link Tripwire} branch after the first or second bank's branch); each point fires once, in the first transaction
 * that reaches it, and a transaction gets one point at most. {@code STOP}, or the end of input, or SIGTERM: tellers
 * finish their transfer, the manager closes cleanly, the JVM exits.
 *
 * <p>Standard output, one event a line: {@code READY <node>}, {@code COMMITTED <id>} after each commit returned,
 * {@code FENCED <id> <causes>} when a commit failed because a peer has taken the node over (that teller then stops,
 * as an application would until restarted), {@code FAILED <id> <causes>}, {@code CRASH <id> <action> <point>} just
 * before a crash point acts, {@code STOPPING} then {@code CLOSED <node> claims=… completed=… abandoned=…} (the
 * takeover counters) on a clean stop, {@code REFUSED <why>} for a command it cannot follow.
 * Test harness for it-tests: it needs Agroal on the class path (the it-tests class path has it; the CLI jar
 * does not).
 */
public final class ClusterNodeChild {
    private final Bank a;
    private final Bank b;
    private final int threads;
    private final int firstAccount;
    private final List<Injection> injections = new CopyOnWriteArrayList<>();
    /** The calling teller's transfer, for the crash points. */
    private final ThreadLocal<Attempt> current = new ThreadLocal<>();
    private final Set<Thread> stalled = ConcurrentHashMap.newKeySet();
    private final List<Thread> tellers = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean stopped = new AtomicBoolean();
    /** Opened by RELEASE: transactions held at a crash point go on. */
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile LockstepTransactionManager tm;
    private LockstepDataSource bankA;
    private LockstepDataSource bankB;

    private ClusterNodeChild(Bank a, Bank b, int threads, int firstAccount) {
        this.a = a;
        this.b = b;
        this.threads = threads;
        this.firstAccount = firstAccount;
    }

    public static void main(String[] args) throws Exception {
        ClusterNodeChild node = new ClusterNodeChild(Bank.parse(args[0]), Bank.parse(args[1]),
                Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        node.start();
        String line;
        while ((line = in.readLine()) != null) {
            String command = line.trim();
            if (command.startsWith("ARM ")) {
                try {
                    node.arm(command.substring(4));
                } catch (IllegalArgumentException e) {
                    say("REFUSED " + e.getMessage());
                }
            } else if (command.equals("RELEASE")) {
                node.released.countDown();
            } else if (command.equals("STOP")) {
                break;
            } else if (!command.isEmpty()) {
                say("IGNORED " + command);
            }
        }
        node.stop();
        System.exit(0);
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private void start() {
        tm = Lockstep.builder().properties(new Properties()).listener(this::stateChanged).build();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                stop();
            } catch (RuntimeException | Error e) {
                say("STOP FAILED " + causes(e));
                throw e;
            }
        }, "cluster-node-stop"));
        bankA = dataSource(a);
        bankB = dataSource(b);
        tm.registerRecoverable(Tripwire.source());
        String node = tm.config().nodeId();
        say("READY " + node);
        for (int t = 0; t < threads; t++) {
            int account = firstAccount + t;
            String prefix = node + "-" + t + "-";
            Thread teller = new Thread(() -> teller(prefix, account), "teller-" + t);
            tellers.add(teller);
            teller.start();
        }
    }

    private LockstepDataSource dataSource(Bank bank) {
        LockstepDataSources.Builder builder = bank.kind.equals("postgres")
                ? LockstepDataSources.postgres(tm, bank.url, null, null)
                : LockstepDataSources.mysql(tm, bank.url, null, null);
        return builder.name(bank.name).maxSize(threads + 2).build();
    }

    private void teller(String prefix, int account) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; running.get(); i++) {
            String id = prefix + i;
            long amount = (1 + random.nextInt(50)) * (random.nextBoolean() ? 1 : -1);
            try {
                transfer(id, account, amount);
                say("COMMITTED " + id);
            } catch (Exception e) {
                String causes = causes(e);
                if (causes.contains("is fenced")) {
                    say("FENCED " + id + " " + causes);
                    return;
                }
                say("FAILED " + id + " " + causes);
            }
        }
    }

    /** Moves {@code amount} from bank A's account to bank B's in one global transaction. */
    private void transfer(String id, int account, long amount) throws Exception {
        current.set(new Attempt(id));
        tm.begin();
        try {
            try (Connection c = bankA.getConnection()) {
                a.move(c, account, -amount);
                a.record(c, id);
            }
            enlistTripwire(1, id);
            try (Connection c = bankB.getConnection()) {
                b.move(c, account, amount);
                b.record(c, id);
            }
            enlistTripwire(2, id);
        } catch (Exception | Error e) {
            try {
                tm.rollback();
            } catch (Exception | Error suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        tm.commit();
    }

    private void enlistTripwire(int afterBranch, String id) throws Exception {
        for (Injection injection : injections) {
            if (injection.point.kind() == CrashPoint.Kind.AFTER_COMMIT && injection.point.n() == afterBranch
                    && take(injection)) {
                tm.getTransaction().enlistResource(Tripwire.armed(() -> fire(injection, id)));
            }
        }
    }

    /** Whether the calling teller's transaction gets {@code injection} (one injection per transaction at most). */
    private boolean take(Injection injection) {
        Attempt attempt = current.get();
        if (attempt == null || attempt.injected || !injection.fired.compareAndSet(false, true)) {
            return false;
        }
        attempt.injected = true;
        return true;
    }

    private void stateChanged(jakarta.transaction.Transaction tx, String gtrid, TransactionState from,
            TransactionState to) {
        for (Injection injection : injections) {
            if (injection.point.haltsOn(to) && take(injection)) {
                fire(injection, current.get().id);
            }
        }
    }

    private void fire(Injection injection, String id) {
        say("CRASH " + id + " " + injection.action + " " + injection.point);
        if (injection.action.equals("halt")) {
            HaltingResource.halt("at " + injection.point);
        }
        if (injection.action.equals("hold")) {
            awaitRelease();
            say("RELEASED " + id);
            return;
        }
        stalled.add(Thread.currentThread());
        while (true) { // stalled for good: this transaction's thread never returns
            LockSupport.park(this);
        }
    }

    private void awaitRelease() {
        while (true) {
            try {
                released.await();
                return;
            } catch (InterruptedException e) {
                // held until RELEASE, whatever happens meanwhile
            }
        }
    }

    /** {@code ARM halt:after-commit:1,stall:before-log-force}. */
    private void arm(String spec) {
        for (String item : spec.split(",")) {
            String[] p = item.trim().split(":", 2);
            String action = p[0].toLowerCase(Locale.ROOT);
            if (p.length != 2 || !List.of("halt", "stall", "hold").contains(action)) {
                throw new IllegalArgumentException("injection \"" + item + "\": halt:<crash point>, stall:<crash"
                        + " point> or hold:<crash point>");
            }
            CrashPoint point = CrashPoint.parse(p[1]);
            boolean supported = point.kind() == CrashPoint.Kind.BEFORE_LOG_FORCE
                    || point.kind() == CrashPoint.Kind.AFTER_LOG_FORCE
                    || (point.kind() == CrashPoint.Kind.AFTER_COMMIT && point.n() <= 2);
            if (!supported) {
                throw new IllegalArgumentException("crash point " + point + ": a cluster node supports"
                        + " before-log-force, after-log-force and after-commit:1|2");
            }
            injections.add(new Injection(action, point, new AtomicBoolean()));
        }
        say("ARMED " + spec);
    }

    /** Lets the tellers finish their transfer (not the stalled ones), then closes the manager cleanly. */
    private void stop() {
        if (!stopped.compareAndSet(false, true) || tm == null) {
            return;
        }
        say("STOPPING");
        running.set(false);
        for (Thread t : tellers) {
            if (!stalled.contains(t)) {
                try {
                    t.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        tm.close();
        bankA.close();
        bankB.close();
        TransactionCounters c = tm.admin().counters();
        say("CLOSED " + tm.config().nodeId() + " claims=" + c.takeoverClaims() + " completed="
                + c.takeoversCompleted() + " abandoned=" + c.takeoversAbandoned());
    }

    /** The exception and its causes on one line. */
    private static String causes(Throwable e) {
        StringBuilder s = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (s.length() > 0) {
                s.append(" <- ");
            }
            s.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        }
        return s.toString().replace('\n', ' ').replace('\r', ' ');
    }

    /** A crash point armed by the parent; fires once. */
    private record Injection(String action, CrashPoint point, AtomicBoolean fired) {
    }

    /** One transfer of a teller. */
    private static final class Attempt {
        final String id;
        /** A crash point was given to this transaction. */
        boolean injected;

        Attempt(String id) {
            this.id = id;
        }
    }
}
