package io.lockstep.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security faults (issue 10): the log directory and every file in it are owner-only (0700 / 0600) however deep the
 * directory is created and after segments roll over; no password or token ever appears in log output or exception
 * messages (a child JVM logging at TRACE, with secrets in JDBC URLs, passwords, a CLI resources file and the
 * management token); the management endpoint refuses every request without the right bearer token.
 */
class SecurityTest {
    @TempDir
    Path temp;

    @Test
    void theLogDirectoryAndEveryFileInItAreOwnerOnlyAlsoAfterSegmentsRollOver() throws Exception {
        Path log = temp.resolve("a").resolve("b").resolve("log");
        try (LockstepTransactionManager tm = Lockstep.builder().nodeId("faults-perm").logDirectory(log)
                .logSegmentSize(FaultFixtures.SMALL_SEGMENT).build()) {
            for (int i = 0; i < 20; i++) {
                FaultFixtures.leaveInDoubt(tm); // COMMIT records without END: they stay and fill segments
            }
            try (Stream<Path> files = Files.list(log)) {
                assertThat(files.filter(p -> p.toString().endsWith(".log"))).as("segments").isNotEmpty();
            }
            assertOwnerOnly(log);
        }
        Path rolled = temp.resolve("rolled");
        try (LockstepTransactionManager tm = Lockstep.builder().nodeId("faults-perm").logDirectory(rolled)
                .logSegmentSize(FaultFixtures.SMALL_SEGMENT).build()) {
            String note = "n".repeat(4000);
            String gtrid = FaultFixtures.leaveInDoubt(tm);
            for (int i = 0; i < 40; i++) {
                // ADMIN records with a 4 KB note fill 64 KiB segments quickly (a commit by hand of a transaction
                // with a COMMIT record is allowed; no source is registered, so nothing else happens).
                tm.admin().commit(gtrid, note);
            }
            try (Stream<Path> files = Files.list(rolled)) {
                assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log")))
                        .as("a segment created by a roll-over").anyMatch(n -> !n.equals("lockstep-0000000000000001.log"));
            }
            assertOwnerOnly(rolled);
        }
    }

    private static void assertOwnerOnly(Path log) throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log))).as(log.toString())
                .isEqualTo("rwx------");
        try (Stream<Path> files = Files.list(log)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString())
                        .isEqualTo("rw-------");
            }
        }
    }

    @Test
    void noPasswordOrTokenAppearsInLogOutputOrExceptions() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            secrets.add("S3cr3t" + i + "x" + Long.toString(System.nanoTime(), 36));
        }
        Path resources = Files.writeString(temp.resolve("resources.properties"), String.join("\n",
                "resource.faults-pg.type=postgres",
                "resource.faults-pg.url=jdbc:postgresql://127.0.0.1:" + closedPort + "/test?password="
                        + secrets.get(6) + "&connectTimeout=2",
                "resource.faults-pg.user=postgres",
                "resource.faults-pg.password=" + secrets.get(7),
                "resource.faults-mq.type=artemis",
                "resource.faults-mq.url=tcp://127.0.0.1:" + closedPort + "?callTimeout=1000",
                "resource.faults-mq.user=admin",
                "resource.faults-mq.password=" + secrets.get(8),
                ""));
        Servers.mysqlPlain();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.log.io.lockstep=trace",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                SecretsChild.class.getName(), temp.resolve("log").toString(), String.valueOf(closedPort),
                resources.toString()));
        command.addAll(secrets.subList(0, 6));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(out).isZero();

        // Every scenario ran and failed the way it should (so the output has something to leak into).
        assertThat(out).contains("child done: true")
                .contains("data source 'faults-s1' at jdbc:postgresql://127.0.0.1:" + closedPort
                        + "/test?user=postgres&password=****")
                .contains("faults-s2").contains("refused the user name or password")
                .contains("faults-s4").contains("recovery source faults-s1 cannot be scanned")
                .contains("scanning faults-pg").contains("source   faults-mq not reachable")
                .contains("Lockstep management endpoint on http://127.0.0.1:");
        for (String secret : secrets) {
            assertThat(out).as("secret #%d must not appear in:\n%s", secrets.indexOf(secret), out)
                    .doesNotContain(secret);
        }
    }

    @Test
    void theManagementEndpointRefusesEveryRequestWithoutTheRightToken() throws Exception {
        String token = "faults-" + Long.toString(System.nanoTime(), 36) + "-token";
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (LockstepTransactionManager tm = Lockstep.builder().nodeId("faults-mgmt").logDirectory(temp.resolve("m"))
                .logSegmentSize(FaultFixtures.SMALL_SEGMENT).managementPort(0).managementToken(token).build()) {
            InetSocketAddress at = tm.managementAddress();
            String base = "http://127.0.0.1:" + at.getPort();
            String basic = "Basic " + Base64.getEncoder().encodeToString(("lockstep:" + token)
                    .getBytes(StandardCharsets.UTF_8));
            record Probe(String what, HttpRequest request, int status) {
            }
            List<Probe> probes = List.of(
                    new Probe("no Authorization header", get(base + "/lockstep/live", null), 401),
                    new Probe("a wrong token", get(base + "/lockstep/in-doubt", "Bearer " + token + "x"), 401),
                    new Probe("a prefix of the token", get(base + "/metrics", "Bearer " + token.substring(0, 10)), 401),
                    new Probe("an empty bearer token", get(base + "/metrics", "Bearer "), 401),
                    new Probe("the token as Basic credentials", get(base + "/metrics", basic), 401),
                    new Probe("the token without a scheme", get(base + "/metrics", token), 401),
                    new Probe("the token in the query string", get(base + "/metrics?token=" + token, null), 401),
                    new Probe("a POST without a token", HttpRequest.newBuilder(URI.create(base + "/lockstep/live"))
                            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), 401),
                    new Probe("a POST with the token (read-only endpoint)",
                            HttpRequest.newBuilder(URI.create(base + "/lockstep/live"))
                                    .header("Authorization", "Bearer " + token)
                                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), 405),
                    new Probe("the right token", get(base + "/lockstep/live", "Bearer " + token), 200),
                    new Probe("the right token, scheme in lower case (RFC 7235)",
                            get(base + "/lockstep/heuristics", "bearer " + token), 200));
            for (Probe p : probes) {
                HttpResponse<String> r = http.send(p.request(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(p.what()).isEqualTo(p.status());
                assertThat(r.body()).as(p.what()).doesNotContain(token);
                if (p.status() == 401) {
                    assertThat(r.headers().firstValue("WWW-Authenticate")).as(p.what()).hasValue(
                            "Bearer realm=\"lockstep\"");
                    assertThat(r.body()).as(p.what()).contains("lockstep.management.token");
                }
            }
        }
    }

    private static HttpRequest get(String url, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b.build();
    }
}
