package io.lockstep.it;

import static org.assertj.core.api.Assertions.fail;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A throwaway PostgreSQL 15 server (initdb into a temporary directory, started with pg_ctl on a free port), for
 * settings the shared server must not have, such as {@code max_prepared_transactions = 0}. Needs the server
 * binaries (LOCKSTEP_PG_BIN, default /usr/lib/postgresql/15/bin); as root it runs them as user postgres.
 */
final class ScratchPostgres implements AutoCloseable {
    private final Path bin;
    private final Path data;
    private final boolean root;
    final int port;

    private ScratchPostgres(Path bin, Path data, boolean root, int port) {
        this.bin = bin;
        this.data = data;
        this.root = root;
        this.port = port;
    }

    static ScratchPostgres start(String... settings) throws Exception {
        String binDir = System.getenv().getOrDefault("LOCKSTEP_PG_BIN", "/usr/lib/postgresql/15/bin");
        Path bin = Path.of(binDir);
        if (!Files.isExecutable(bin.resolve("initdb"))) {
            fail("PostgreSQL server binaries not found in " + binDir + " (initdb, pg_ctl); install PostgreSQL 15 or"
                    + " point LOCKSTEP_PG_BIN at its bin directory");
        }
        boolean root = Processes.isRoot();
        Path data = Files.createTempDirectory("lockstep-scratch-pg");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ScratchPostgres pg = new ScratchPostgres(bin, data, root, port);
        if (root) {
            Processes.run(List.of("chown", "postgres:postgres", data.toString()));
        }
        pg.runAsOwner(List.of(bin.resolve("initdb").toString(), "-D", data.resolve("db").toString(), "-A", "trust",
                "-U", "postgres", "--no-sync"));
        StringBuilder options = new StringBuilder("-p " + port + " -k " + data + " -c listen_addresses=127.0.0.1");
        for (String s : settings) {
            options.append(" -c ").append(s);
        }
        pg.runAsOwner(List.of(bin.resolve("pg_ctl").toString(), "-D", data.resolve("db").toString(), "-o",
                options.toString(), "-l", data.resolve("log").toString(), "-w", "start"));
        return pg;
    }

    String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    private void runAsOwner(List<String> command) throws Exception {
        List<String> full = new ArrayList<>();
        if (root) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        Processes.run(full);
    }

    /** Restarts the server (fast shutdown: sessions are cut, prepared transactions survive). */
    void restart() throws Exception {
        runAsOwner(List.of(bin.resolve("pg_ctl").toString(), "-D", data.resolve("db").toString(), "-m", "fast",
                "-l", data.resolve("log").toString(), "-w", "restart"));
    }

    @Override
    public void close() throws Exception {
        runAsOwner(List.of(bin.resolve("pg_ctl").toString(), "-D", data.resolve("db").toString(), "-m", "immediate",
                "-w", "stop"));
        Processes.deleteTree(data);
    }
}
