package io.lockstep.cli.admin;

import io.lockstep.tm.cluster.NodeDirectory;
import io.lockstep.tm.cluster.NodeEvent;
import io.lockstep.tm.cluster.NodeView;
import io.lockstep.tm.log.jdbc.UrlDataSource;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lockstep nodes --jdbc-url URL}: the node leases and takeovers of a JDBC log, read-only. */
@Command(name = "nodes", mixinStandardHelpOptions = true,
        description = "Lists the nodes sharing a JDBC log (lockstep.log.type=jdbc): lease state, fence, who claimed"
                + " a dead node and how its takeover ended (read-only; takes no lease). Exit 0, or 1 when the log"
                + " database cannot be read.")
public final class NodesCommand implements Callable<Integer> {
    @Option(names = "--jdbc-url", required = true, description = "JDBC URL of the log database"
            + " (lockstep.log.jdbcUrl)")
    String url;

    @Option(names = "--user", description = "database user (lockstep.log.jdbcUser)")
    String user;

    @Option(names = "--password-env", defaultValue = "LOCKSTEP_LOG_JDBC_PASSWORD", description = "environment"
            + " variable holding the password (default ${DEFAULT-VALUE}; never pass passwords as arguments)")
    String passwordEnv;

    @Option(names = "--table", defaultValue = "lockstep_log", description = "the log table (lockstep.log.jdbcTable);"
            + " the lease tables are <table>_nodes and <table>_node_events (default ${DEFAULT-VALUE})")
    String table;

    @Option(names = "--events", description = "also print the node history (starts, stops, claims, takeovers)")
    boolean events;

    @Option(names = "--json", description = "print JSON instead of a table")
    boolean json;

    @Override
    public Integer call() {
        NodeDirectory directory = new NodeDirectory(new UrlDataSource(url, user, System.getenv(passwordEnv)), table);
        List<NodeView> nodes;
        List<NodeEvent> history;
        try {
            nodes = directory.nodes();
            history = events || json ? directory.events() : List.of();
        } catch (SQLException e) {
            System.err.println("lockstep: cannot read the node leases of " + table + " at " + UrlDataSource.redact(url)
                    + ": " + e.getMessage() + " (do the tables " + table + "_nodes and " + table + "_node_events"
                    + " exist, i.e. has a node run with lockstep.log.type=jdbc and this table?)");
            return 1;
        }
        if (json) {
            printJson(nodes, history);
        } else {
            printTable(nodes, history);
        }
        return 0;
    }

    private void printTable(List<NodeView> nodes, List<NodeEvent> history) {
        System.out.printf("%-24s %6s  %-9s  %-40s %-24s %s%n", "NODE", "FENCE", "STATE", "LEASE", "CLAIMED BY",
                "INSTANCE");
        for (NodeView v : nodes) {
            String lease = (v.expired() ? "EXPIRED " : "until ") + v.leaseUntil();
            System.out.printf("%-24s %6d  %-9s  %-40s %-24s %s%n", v.nodeId(), v.fence(), v.state(), lease,
                    v.claimedBy() == null ? "-" : v.claimedBy(), v.instance());
        }
        if (nodes.isEmpty()) {
            System.out.println("(no node has taken a lease in " + table + "_nodes yet)");
        }
        if (events) {
            System.out.println();
            System.out.printf("%-24s %-24s %6s  %-19s %-24s %s%n", "AT", "NODE", "FENCE", "EVENT", "BY", "DETAIL");
            for (NodeEvent e : history) {
                System.out.printf("%-24s %-24s %6d  %-19s %-24s %s%n", e.at(), e.nodeId(), e.fence(), e.event(),
                        e.byNode(), e.detail());
            }
        }
    }

    private static void printJson(List<NodeView> nodes, List<NodeEvent> history) {
        StringBuilder sb = new StringBuilder("{\"nodes\":[");
        for (int i = 0; i < nodes.size(); i++) {
            NodeView v = nodes.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"nodeId\":").append(Json.str(v.nodeId()))
                    .append(",\"fence\":").append(v.fence()).append(",\"state\":").append(Json.str(v.state().name()))
                    .append(",\"instance\":").append(Json.str(v.instance()))
                    .append(",\"leaseUntil\":").append(Json.str(v.leaseUntil().toString()))
                    .append(",\"renewedAt\":").append(Json.str(v.renewedAt().toString()))
                    .append(",\"claimedBy\":").append(v.claimedBy() == null ? "null" : Json.str(v.claimedBy()))
                    .append(",\"expired\":").append(v.expired()).append('}');
        }
        sb.append("],\"events\":[");
        for (int i = 0; i < history.size(); i++) {
            NodeEvent e = history.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"nodeId\":").append(Json.str(e.nodeId()))
                    .append(",\"fence\":").append(e.fence()).append(",\"event\":").append(Json.str(e.event()))
                    .append(",\"byNode\":").append(Json.str(e.byNode())).append(",\"at\":")
                    .append(Json.str(e.at().toString())).append(",\"detail\":").append(Json.str(e.detail()))
                    .append('}');
        }
        System.out.println(sb.append("]}"));
    }
}
