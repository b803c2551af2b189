package io.lockstep.tm.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lockstep.tm.TransactionCounters;
import io.lockstep.tm.cluster.NodeEvent;
import io.lockstep.tm.cluster.NodeView;
import io.lockstep.tm.TransactionCounters.Protocol;
import io.lockstep.tm.log.LogStatistics;
import io.lockstep.tm.recovery.RecoveryReport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optional management endpoint ({@code lockstep.management.port}): a JDK {@link HttpServer} serving JSON views
 * and Prometheus metrics, read-only.
 * <ul>
 *   <li>{@code GET /lockstep/live}, {@code /lockstep/in-doubt}, {@code /lockstep/heuristics},
 *       {@code /lockstep/recovery} (last report): JSON.</li>
 *   <li>{@code GET /metrics}: Prometheus text format.</li>
 * </ul>
 * Bound to 127.0.0.1 unless configured otherwise; binding beyond loopback requires a token, and when a token is set
 * every request must carry {@code Authorization: Bearer <token>} (else 401).
 */
public final class ManagementEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ManagementEndpoint.class);

    private final HttpServer server;
    private final ExecutorService executor;
    private final LockstepAdmin admin;
    private final byte[] token;

    private ManagementEndpoint(HttpServer server, ExecutorService executor, LockstepAdmin admin, String token) {
        this.server = server;
        this.executor = executor;
        this.admin = admin;
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Starts the endpoint.
     *
     * @param token required bearer token, or null (allowed only on a loopback address)
     * @throws IllegalArgumentException a non-loopback address without token
     * @throws IOException              the port cannot be bound
     */
    public static ManagementEndpoint start(String host, int port, String token, LockstepAdmin admin)
            throws IOException {
        InetAddress address = InetAddress.getByName(host);
        if (!address.isLoopbackAddress() && (token == null || token.isEmpty())) {
            throw new IllegalArgumentException("lockstep.management.host \"" + host + "\": binding beyond loopback"
                    + " requires lockstep.management.token");
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 16);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lockstep-management");
            t.setDaemon(true);
            return t;
        });
        ManagementEndpoint endpoint = new ManagementEndpoint(server, executor, admin, token);
        server.createContext("/", endpoint::handle);
        server.setExecutor(executor);
        server.start();
        LOG.info("Lockstep management endpoint on http://{}:{}/ (token {})", host,
                server.getAddress().getPort(), token == null ? "not required" : "required");
        return endpoint;
    }

    /** The bound address (the real port when 0 was asked). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            if (token != null && !authorized(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"lockstep\"");
                send(exchange, 401, "text/plain", "401 Unauthorized: send Authorization: Bearer <lockstep.management.token>\n");
                return;
            }
            if (!"GET".equals(exchange.getRequestMethod())) {
                send(exchange, 405, "text/plain", "405 Method Not Allowed: the endpoint is read-only\n");
                return;
            }
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/lockstep/live": send(exchange, 200, "application/json", live()); break;
                case "/lockstep/in-doubt": send(exchange, 200, "application/json", inDoubt()); break;
                case "/lockstep/heuristics": send(exchange, 200, "application/json", heuristics()); break;
                case "/lockstep/recovery": send(exchange, 200, "application/json", recovery()); break;
                case "/lockstep/nodes": send(exchange, 200, "application/json", nodes()); break;
                case "/metrics": send(exchange, 200, "text/plain; version=0.0.4", metrics()); break;
                default:
                    send(exchange, 404, "text/plain", "404 Not Found: try /lockstep/live, /lockstep/in-doubt,"
                            + " /lockstep/heuristics, /lockstep/recovery, /lockstep/nodes, /metrics\n");
            }
        } catch (RuntimeException e) {
            LOG.warn("management request {} failed", exchange.getRequestURI(), e);
            send(exchange, 500, "text/plain", "500 " + e + "\n");
        } finally {
            exchange.close();
        }
    }

    private boolean authorized(String header) {
        // RFC 7235: the auth-scheme is case-insensitive.
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(token, header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type + (type.contains("charset") ? "" : "; charset=utf-8"));
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(bytes);
        }
    }

    String live() {
        Json j = new Json().beginArray();
        for (TransactionView v : admin.live()) {
            j.beginObject().field("gtrid", v.gtrid()).field("state", v.state().name())
                    .field("started", v.started().toString()).field("timeoutSeconds", v.timeoutSeconds())
                    .field("branches", v.branches()).endObject();
        }
        return j.endArray().toString();
    }

    String inDoubt() {
        Json j = new Json().beginArray();
        for (InDoubtView v : admin.inDoubt()) {
            j.beginObject().field("gtrid", v.gtrid()).field("source", v.source()).field("xid", v.xid())
                    .field("hasCommitRecord", v.hasCommitRecord()).field("reason", v.reason()).endObject();
        }
        return j.endArray().toString();
    }

    String heuristics() {
        Json j = new Json().beginArray();
        for (HeuristicView v : admin.heuristics()) {
            j.beginObject().field("gtrid", v.gtrid()).field("resource", v.resource()).field("branch", v.branch())
                    .field("outcome", v.outcome().name()).field("recorded", v.recorded().toString()).endObject();
        }
        return j.endArray().toString();
    }

    String recovery() {
        RecoveryReport r = admin.lastRecoveryReport();
        if (r == null) {
            return "null";
        }
        Json j = new Json().beginObject().field("started", r.started().toString())
                .field("durationMillis", r.duration().toMillis()).field("endedRecords", r.endedRecords());
        items(j, "committed", r.committed());
        items(j, "rolledBack", r.rolledBack());
        items(j, "pending", r.pending());
        items(j, "heuristics", r.heuristics());
        items(j, "failedSources", r.failedSources());
        return j.endObject().toString();
    }

    /** Node leases and the node history (empty arrays with the file log). */
    String nodes() {
        Json j = new Json().beginObject().beginArray("nodes");
        for (NodeView v : admin.nodes()) {
            j.beginObject().field("nodeId", v.nodeId()).field("fence", v.fence()).field("state", v.state().name())
                    .field("instance", v.instance()).field("leaseUntil", v.leaseUntil().toString())
                    .field("renewedAt", v.renewedAt().toString())
                    .field("claimedBy", v.claimedBy() == null ? "" : v.claimedBy()).field("expired", v.expired())
                    .endObject();
        }
        j.endArray().beginArray("events");
        for (NodeEvent e : admin.nodeEvents()) {
            j.beginObject().field("nodeId", e.nodeId()).field("fence", e.fence()).field("event", e.event())
                    .field("byNode", e.byNode()).field("at", e.at().toString()).field("detail", e.detail())
                    .endObject();
        }
        return j.endArray().field("activeTakeovers", admin.activeTakeovers()).endObject().toString();
    }

    private static void items(Json j, String name, List<RecoveryReport.Item> items) {
        j.beginArray(name);
        for (RecoveryReport.Item i : items) {
            j.beginObject().field("source", i.source()).field("xid", i.xid()).field("detail", i.detail()).endObject();
        }
        j.endArray();
    }

    String metrics() {
        TransactionCounters c = admin.counters();
        StringBuilder sb = new StringBuilder(1024);
        counter(sb, "lockstep_transactions_begun_total", "Transactions begun", c.begun());
        sb.append("# HELP lockstep_transactions_committed_total Transactions committed, by protocol\n")
                .append("# TYPE lockstep_transactions_committed_total counter\n");
        for (Protocol p : Protocol.values()) {
            sb.append("lockstep_transactions_committed_total{protocol=\"").append(p.name().toLowerCase())
                    .append("\"} ").append(c.committed(p)).append('\n');
        }
        counter(sb, "lockstep_transactions_rolled_back_total", "Transactions rolled back", c.rolledBack());
        counter(sb, "lockstep_transactions_timed_out_total", "Transactions rolled back by the reaper", c.timedOut());
        counter(sb, "lockstep_transactions_heuristic_total", "Transactions that ended heuristically", c.heuristic());
        counter(sb, "lockstep_log_commit_records_total", "COMMIT records forced", c.commitRecords());
        counter(sb, "lockstep_recovery_passes_total", "Recovery passes run", c.recoveryPasses());
        counter(sb, "lockstep_recovery_committed_total", "Branches committed by recovery", c.recoveredCommitted());
        counter(sb, "lockstep_recovery_rolled_back_total", "Orphan branches rolled back by recovery",
                c.recoveredRolledBack());
        counter(sb, "lockstep_recovery_failed_sources_total", "Source scans that failed", c.recoveryFailedSources());
        counter(sb, "lockstep_takeover_claims_total", "Peers claimed by this node for takeover", c.takeoverClaims());
        counter(sb, "lockstep_takeovers_completed_total", "Takeovers of peers finished by this node",
                c.takeoversCompleted());
        counter(sb, "lockstep_takeovers_abandoned_total", "Takeovers stopped before finishing (peer back, fenced,"
                + " closed)", c.takeoversAbandoned());
        sb.append("# HELP lockstep_recovery_seconds_total Time spent in recovery passes\n")
                .append("# TYPE lockstep_recovery_seconds_total counter\n")
                .append("lockstep_recovery_seconds_total ").append(c.recoverySeconds()).append('\n');
        LogStatistics log = admin.logStatistics();
        if (log != null) {
            counter(sb, "lockstep_log_forces_total", "Group-commit forces of the log", log.forces());
            counter(sb, "lockstep_log_forced_records_total", "Records made durable by those forces",
                    log.forcedRecords());
            sb.append("# HELP lockstep_log_force_seconds_total Time spent writing and forcing batches\n")
                    .append("# TYPE lockstep_log_force_seconds_total counter\n")
                    .append("lockstep_log_force_seconds_total ").append(log.forceNanos() / 1e9).append('\n');
            gauge(sb, "lockstep_log_largest_batch", "Most records made durable by one force", log.largestBatch());
            histogram(sb, "lockstep_log_force_latency_seconds", "Latency of one group-commit write and force",
                    LogStatistics.FORCE_MICROS_BOUNDS, 1e-6, log.forceMicrosCounts(), log.forceNanos() / 1e9);
            histogram(sb, "lockstep_log_batch_records", "Records made durable by one force",
                    LogStatistics.BATCH_BOUNDS, 1, log.batchCounts(), log.forcedRecords());
        }
        gauge(sb, "lockstep_transactions_live", "Transactions alive in this JVM", admin.live().size());
        gauge(sb, "lockstep_transactions_in_doubt", "Records and branches recovery has not resolved",
                admin.inDoubt().size());
        gauge(sb, "lockstep_heuristics", "Heuristic outcomes not forgotten", admin.heuristics().size());
        return sb.toString();
    }

    private static void counter(StringBuilder sb, String name, String help, long value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(value)
                .append('\n');
    }

    private static void histogram(StringBuilder sb, String name, String help, long[] bounds, double scale,
            long[] counts, double sum) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" histogram\n");
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts[i];
            sb.append(name).append("_bucket{le=\"").append(bounds[i] * scale).append("\"} ").append(cumulative)
                    .append('\n');
        }
        cumulative += counts[bounds.length];
        sb.append(name).append("_bucket{le=\"+Inf\"} ").append(cumulative).append('\n')
                .append(name).append("_sum ").append(sum).append('\n')
                .append(name).append("_count ").append(cumulative).append('\n');
    }

    private static void gauge(StringBuilder sb, String name, String help, long value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(value)
                .append('\n');
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
