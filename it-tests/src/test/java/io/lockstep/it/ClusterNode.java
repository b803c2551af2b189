package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.cli.demo.Bank;
import io.lockstep.cli.demo.ClusterNodeChild;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * One Lockstep node of a cluster test, running as a child JVM ({@link ClusterNodeChild}): its stdout is read on a
 * thread of its own, so the test sees what the node acknowledged ({@code COMMITTED <id>}) even after it dies;
 * commands go to its stdin; it can be killed, paused (SIGSTOP) and resumed (SIGCONT) for real.
 */
final class ClusterNode implements AutoCloseable {
    final String id;
    private final Process process;
    private final Writer stdin;
    private final Set<String> committed = ConcurrentHashMap.newKeySet();
    /** Every line other than COMMITTED, in order. */
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final AtomicInteger commits = new AtomicInteger();
    private final Thread reader;

    private ClusterNode(String id, Process process) {
        this.id = id;
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.reader = new Thread(this::read, "output-of-" + id);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts node {@code id}: its manager's settings are {@code lockstep} system properties, its tellers use
     * accounts {@code firstAccount ..} of both banks.
     */
    static ClusterNode start(String id, Map<String, String> lockstep, Bank a, Bank b, int threads, int firstAccount)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.log.io.lockstep.tm.cluster=debug", "-Dlockstep.nodeId=" + id));
        lockstep.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ClusterNodeChild.class.getName(),
                a.spec(), b.spec(), Integer.toString(threads), Integer.toString(firstAccount)));
        return new ClusterNode(id, new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("COMMITTED ")) {
                    committed.add(line.substring(10));
                    commits.incrementAndGet();
                } else {
                    lines.add(line);
                }
            }
        } catch (IOException ignored) {
            // the node was killed
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Transfers this node reported committed (its commit() had returned). */
    Set<String> committed() {
        return Set.copyOf(committed);
    }

    int commits() {
        return commits.get();
    }

    /** Output lines starting with {@code prefix} (COMMITTED lines are counted, not kept). */
    List<String> lines(String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).collect(Collectors.toList());
    }

    boolean said(String prefix) {
        return lines.stream().anyMatch(l -> l.startsWith(prefix));
    }

    /** The words after {@code prefix} in the first line starting with it, split on spaces. */
    String[] first(String prefix) {
        return lines(prefix).get(0).substring(prefix.length()).trim().split(" ");
    }

    void send(String command) throws IOException {
        stdin.write(command + "\n");
        stdin.flush();
    }

    /** SIGSTOP: the JVM stops dead, its connections stay open. */
    void pause() throws Exception {
        Processes.run(List.of("kill", "-STOP", Long.toString(pid())));
    }

    /** SIGCONT. */
    void resume() throws Exception {
        Processes.run(List.of("kill", "-CONT", Long.toString(pid())));
    }

    /**
     * SIGTERM: the node's shutdown hook closes its manager cleanly (as on a Kubernetes scale-down). Sent through the
     * process handle: {@link Process#destroy()} would also close our end of its output, losing what it says last.
     */
    void terminate() {
        process.toHandle().destroy();
    }

    /** Waits for the JVM to end and its output to be read; returns its exit status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        assertThat(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
                .as("node %s ended within %s; its output:%n%s", id, timeout, tail()).isTrue();
        reader.join(10_000);
        return process.exitValue();
    }

    /** Clean stop: tellers finish, the manager closes (lease STOPPED), the JVM exits 0. */
    void stop() throws Exception {
        send("STOP");
        assertThat(awaitExit(Duration.ofSeconds(60))).as("exit status of %s; output:%n%s", id, tail()).isZero();
        assertThat(said("CLOSED ")).as("node %s closed its manager; output:%n%s", id, tail()).isTrue();
    }

    /** The takeover counters the node printed when it closed: claims, completed, abandoned. */
    long[] takeoverCounters() {
        String[] w = first("CLOSED ");
        return new long[] {value(w[1]), value(w[2]), value(w[3])};
    }

    private static long value(String keyValue) {
        return Long.parseLong(keyValue.substring(keyValue.indexOf('=') + 1));
    }

    /** The last lines of output other than COMMITTED, for failure messages. */
    String tail() {
        List<String> all = List.copyOf(lines);
        return String.join("\n", all.subList(Math.max(0, all.size() - 60), all.size()));
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        reader.join(10_000);
    }
}
