package io.lockstep.it;

import static org.assertj.core.api.Assertions.fail;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway MariaDB server (mariadb-install-db into a temporary directory, mariadbd on a free port) that a test
 * may stop and start without disturbing the shared server. Needs the server binaries (mariadb-install-db,
 * mariadbd, mariadb-admin on the PATH, or LOCKSTEP_MARIADB_BIN).
 */
final class ScratchMariaDb implements AutoCloseable {
    private final Path dir;
    private final String bin;
    final int port;
    private Process server;

    private ScratchMariaDb(Path dir, String bin, int port) {
        this.dir = dir;
        this.bin = bin;
        this.port = port;
    }

    static ScratchMariaDb start() throws Exception {
        String bin = System.getenv().getOrDefault("LOCKSTEP_MARIADB_BIN", "");
        String prefix = bin.isEmpty() ? "" : bin + "/";
        if (bin.isEmpty() && !Files.isExecutable(Path.of("/usr/sbin/mariadbd"))
                && !Files.isExecutable(Path.of("/usr/bin/mariadbd"))) {
            fail("MariaDB server binaries not found (mariadbd, mariadb-install-db); install MariaDB 10.11 or point"
                    + " LOCKSTEP_MARIADB_BIN at their directory");
        }
        Path dir = Files.createTempDirectory("lockstep-scratch-maria");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> install = new ArrayList<>(List.of(prefix + "mariadb-install-db", "--no-defaults",
                "--datadir=" + dir.resolve("data"), "--auth-root-authentication-method=normal", "--skip-test-db"));
        if (Processes.isRoot()) {
            install.add("--user=root");
        }
        Processes.run(install);
        ScratchMariaDb db = new ScratchMariaDb(dir, prefix, port);
        db.startServer();
        try (Connection c = DriverManager.getConnection(db.adminUrl(), "root", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE test");
        }
        return db;
    }

    String url() {
        return "jdbc:mysql://127.0.0.1:" + port + "/test";
    }

    private String adminUrl() {
        return "jdbc:mysql://127.0.0.1:" + port + "/";
    }

    private void startServer() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(bin + "mariadbd", "--no-defaults", "--datadir=" + dir.resolve("data"),
                "--port=" + port, "--socket=" + dir.resolve("sock"), "--bind-address=127.0.0.1", "--skip-log-bin",
                "--innodb-buffer-pool-size=64M"));
        if (Processes.isRoot()) {
            cmd.add("--user=root");
        }
        server = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                    .pollInterval(java.time.Duration.ofMillis(100)).until(() -> !server.isAlive() || answers());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            fail("scratch MariaDB did not start on port " + port + ": " + Files.readString(dir.resolve("log")));
        }
        if (!server.isAlive()) {
            fail("scratch MariaDB exited at start: " + Files.readString(dir.resolve("log")));
        }
    }

    private boolean answers() {
        try (Connection c = DriverManager.getConnection(adminUrl(), "root", "")) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Stops the server cleanly (sessions are cut; prepared XA branches survive) and starts it again. */
    void restart() throws Exception {
        stop();
        startServer();
    }

    private void stop() throws Exception {
        Processes.run(List.of(bin + "mariadb-admin", "--no-defaults", "-h127.0.0.1", "-P" + port, "-uroot",
                "shutdown"));
        if (!server.waitFor(60, TimeUnit.SECONDS)) {
            server.destroyForcibly();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (server.isAlive()) {
                server.destroyForcibly();
                server.waitFor(30, TimeUnit.SECONDS);
            }
        } finally {
            Processes.deleteTree(dir);
        }
    }
}
