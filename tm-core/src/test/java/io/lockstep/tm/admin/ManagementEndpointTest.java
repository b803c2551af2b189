package io.lockstep.tm.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.tm.Lockstep;
import io.lockstep.tm.LockstepTransactionManager;
import io.lockstep.tm.log.InMemoryLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The management endpoint over real HTTP on loopback. */
class ManagementEndpointTest {
    private static final String TOKEN = "0123456789abcdef-token";
    private final HttpClient http = HttpClient.newHttpClient();
    private LockstepTransactionManager tm;

    @AfterEach
    void close() {
        if (tm != null) {
            tm.close();
        }
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + tm.managementAddress().getPort() + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesLiveTransactionsAndPrometheusMetricsOnLoopback() throws Exception {
        tm = Lockstep.builder().nodeId("mgmt").transactionLog(new InMemoryLog()).managementPort(0).build();
        tm.begin();
        String gtrid = (String) tm.getTransactionKey();

        HttpResponse<String> live = get("/lockstep/live", null);
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(live.body()).contains("\"gtrid\":\"" + gtrid + "\"").contains("\"state\":\"ACTIVE\"");

        tm.commit();
        HttpResponse<String> metrics = get("/metrics", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("lockstep_transactions_begun_total 1")
                .contains("lockstep_transactions_committed_total{protocol=\"none\"} 1")
                .contains("lockstep_transactions_live 0");
        assertThat(get("/lockstep/recovery", null).body()).contains("\"failedSources\":[]");
        assertThat(get("/lockstep/in-doubt", null).body()).isEqualTo("[]");
        assertThat(get("/nothing-here", null).statusCode()).isEqualTo(404);
    }

    @Test
    void theFileLogsForceLatencyAndBatchSizeAreHistograms(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        tm = Lockstep.builder().nodeId("mgmt").logDirectory(dir).managementPort(0).build();
        for (int i = 0; i < 3; i++) {
            tm.begin();
            tm.getTransaction().enlistResource(new io.lockstep.tm.admin.JfrEventsTest.Prepares());
            tm.getTransaction().enlistResource(new io.lockstep.tm.admin.JfrEventsTest.Prepares());
            tm.commit();
        }
        String body = get("/metrics", null).body();
        assertThat(body).contains("# TYPE lockstep_log_force_latency_seconds histogram")
                .contains("lockstep_log_force_latency_seconds_bucket{le=\"+Inf\"} ")
                .contains("# TYPE lockstep_log_batch_records histogram")
                .contains("lockstep_log_batch_records_bucket{le=\"1.0\"} ")
                .contains("lockstep_log_commit_records_total 3");
        long forced = body.lines().filter(l -> l.startsWith("lockstep_log_batch_records_count ")).mapToLong(
                l -> Long.parseLong(l.substring(l.indexOf(' ') + 1))).findFirst().orElseThrow();
        assertThat(forced).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aConfiguredTokenIsRequiredAndAWrongOneGets401() throws Exception {
        tm = Lockstep.builder().nodeId("mgmt").transactionLog(new InMemoryLog()).managementPort(0)
                .managementToken(TOKEN).build();

        assertThat(get("/metrics", null).statusCode()).isEqualTo(401);
        assertThat(get("/metrics", "wrong-token-wrong-token").statusCode()).isEqualTo(401);
        assertThat(get("/metrics", TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void bindingBeyondLoopbackWithoutATokenIsRefusedAtBuild() {
        assertThatThrownBy(() -> Lockstep.builder().nodeId("mgmt").transactionLog(new InMemoryLog())
                .managementPort(0).managementHost("0.0.0.0").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lockstep.management.token");
    }

    @Test
    void theTokenNeverAppearsInTheConfigurationsText() {
        tm = Lockstep.builder().nodeId("mgmt").transactionLog(new InMemoryLog()).managementPort(0)
                .managementToken(TOKEN).build();
        assertThat(tm.config().toString()).doesNotContain(TOKEN).contains("managementToken=****");
    }
}
