package io.lockstep.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Splits the CPU samples of a flight recording (JFR {@code jdk.ExecutionSample}: threads running Java code) by
 * the code that owns them: the frame nearest the top of the stack that is not JDK code decides (a
 * {@code HashMap.get} called by the engine is the engine's, a socket write called by a driver the driver's).
 * Used to tell how much of a JDBC benchmark's client CPU is Lockstep's own. When the recording holds Lockstep's own
 * events ({@code io.lockstep.TransactionCompletion}, {@code io.lockstep.LogForce}), it also prints the time spent
 * in forced log writes per transaction, e.g.
 *
 * <pre>
 * java -jar benchmarks.jar JdbcBenchmark -p peer=lockstep -t 4 -prof jfr
 * java -cp benchmarks.jar io.lockstep.bench.JfrOwners [--ops=N] path/to/profile.jfr [more.jfr ...]
 * </pre>
 *
 * It also sums the time the benchmark threads spent blocked (parked, in socket reads and writes, in file forces)
 * by the same owners, per transaction ({@code --ops=N} gives the count where Lockstep's events are missing).
 */
public final class JfrOwners {
    /** Package prefix → owner, first match wins. */
    private static final List<String[]> OWNERS = List.of(
            new String[] {"io.lockstep.xa.", "Lockstep JDBC adapter (xa-adapters)"},
            new String[] {"io.lockstep.tm.", "Lockstep engine and log (tm-core)"},
            new String[] {"io.lockstep.bench.", "benchmark code"},
            new String[] {"com.arjuna.", "Narayana"},
            new String[] {"org.jboss.", "Narayana (jboss-logging, SPI)"},
            new String[] {"org.apache.activemq.", "Narayana journal (artemis-journal)"},
            new String[] {"io.agroal.", "Agroal"},
            new String[] {"com.zaxxer.hikari.", "HikariCP"},
            new String[] {"org.postgresql.", "PostgreSQL driver"},
            new String[] {"com.mysql.", "MySQL Connector/J"},
            new String[] {"org.openjdk.jmh.", "JMH"},
            new String[] {"org.slf4j.", "SLF4J"});

    /**
     * Events of a thread blocked (JFR records them above a threshold: record with a configuration that sets it to
     * 0 ms for these, or the short waits are missing).
     */
    private static final java.util.Set<String> WAITS = java.util.Set.of("jdk.ThreadPark", "jdk.SocketRead",
            "jdk.SocketWrite", "jdk.FileForce", "jdk.FileWrite", "jdk.FileRead", "jdk.JavaMonitorEnter",
            "jdk.JavaMonitorWait", "jdk.ThreadSleep");

    private JfrOwners() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: JfrOwners recording.jfr [more.jfr ...]");
        }
        long ops = 0;
        for (String file : args) {
            if (file.startsWith("--ops=")) {
                ops = Long.parseLong(file.substring(6));
                continue;
            }
            Map<String, Long> samples = new TreeMap<>();
            Map<String, Long> waits = new TreeMap<>();
            long total = 0;
            long completions = 0;
            long forces = 0;
            long forceNanos = 0;
            for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(file))) {
                String type = e.getEventType().getName();
                if (type.equals("io.lockstep.TransactionCompletion")) {
                    completions++;
                } else if (type.equals("io.lockstep.LogForce") && e.getBoolean("forced")) {
                    forces++;
                    forceNanos += e.getDuration().toNanos();
                } else if (type.equals("jdk.ExecutionSample") && e.getStackTrace() != null) {
                    samples.merge(owner(e.getStackTrace().getFrames()), 1L, Long::sum);
                    total++;
                } else if (WAITS.contains(type) && e.getThread() != null && e.getStackTrace() != null
                        && String.valueOf(e.getThread().getJavaName()).contains("jmh-worker")) {
                    waits.merge(type.substring(4) + " in " + owner(e.getStackTrace().getFrames()),
                            e.getDuration().toNanos(), Long::sum);
                }
            }
            if (!waits.isEmpty()) {
                long per = completions > 0 ? completions : ops;
                System.out.printf(Locale.ROOT, "%s: time the benchmark threads spent blocked, ms%s%n", file,
                        per > 0 ? " per transaction (" + per + ")" : " in all");
                waits.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                        .forEach(en -> System.out.printf(Locale.ROOT, "  %9.3f  %s%n",
                                en.getValue() / 1e6 / Math.max(per, 1), en.getKey()));
            }
            if (completions > 0) {
                System.out.printf(Locale.ROOT, "%s: %d Lockstep transactions, %d forced log writes (%.2f per"
                        + " transaction), mean force %.0f µs, forced-write time per transaction %.0f µs%n", file,
                        completions, forces, (double) forces / completions, forces == 0 ? 0 : forceNanos / 1e3 / forces,
                        forceNanos / 1e3 / completions);
            }
            System.out.printf(Locale.ROOT, "%s: %d execution samples%n", file, total);
            final long all = total;
            samples.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .forEach(en -> System.out.printf(Locale.ROOT, "  %6.2f%%  %7d  %s%n", 100.0 * en.getValue() / all,
                            en.getValue(), en.getKey()));
        }
    }

    private static String owner(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            if (f.getMethod() == null || f.getMethod().getType() == null) {
                continue;
            }
            String cls = f.getMethod().getType().getName();
            for (String[] o : OWNERS) {
                if (cls.startsWith(o[0])) {
                    return o[1];
                }
            }
        }
        return "JDK only (thread with no library frame in the sampled stack)";
    }
}
