package io.lockstep.xa.jms;

import jakarta.jms.XAConnectionFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.impl.ActiveMQServerImpl;
import org.apache.activemq.artemis.jms.client.ActiveMQXAConnectionFactory;

/**
 * An ActiveMQ Artemis broker inside this JVM, for tests and the demo: persistent journal in a given directory (so
 * prepared transactions survive a restart), queues declared in the configuration (DESIGN.md §6: auto-created queues
 * vanish on restart), an in-VM acceptor and optionally a TCP acceptor on 127.0.0.1.
 */
public final class EmbeddedArtemis implements AutoCloseable {
    private final ActiveMQServer server;
    private final String vmUrl;
    private final String tcpUrl;

    private EmbeddedArtemis(ActiveMQServer server, String vmUrl, String tcpUrl) {
        this.server = server;
        this.vmUrl = vmUrl;
        this.tcpUrl = tcpUrl;
    }

    /**
     * Starts a broker.
     *
     * @param dataDirectory journal, bindings, paging and large-message directories go here
     * @param tcpPort       port of a TCP acceptor on 127.0.0.1, or -1 for in-VM only
     * @param queues        anycast queues to declare (durable)
     */
    public static EmbeddedArtemis start(Path dataDirectory, int tcpPort, List<String> queues) throws Exception {
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        int vmId = Math.abs(dataDirectory.toAbsolutePath().hashCode() % 1_000_000);
        Configuration config = new ConfigurationImpl()
                .setPersistenceEnabled(true)
                .setSecurityEnabled(false)
                .setJournalType(JournalType.NIO)
                .setJournalDirectory(dataDirectory.resolve("journal").toString())
                .setBindingsDirectory(dataDirectory.resolve("bindings").toString())
                .setPagingDirectory(dataDirectory.resolve("paging").toString())
                .setLargeMessagesDirectory(dataDirectory.resolve("large-messages").toString())
                .setJMXManagementEnabled(false);
        config.addAcceptorConfiguration("in-vm", "vm://" + vmId);
        String tcp = null;
        if (tcpPort >= 0) {
            tcp = "tcp://127.0.0.1:" + tcpPort;
            config.addAcceptorConfiguration("tcp", tcp);
        }
        for (String q : queues) {
            config.addQueueConfiguration(QueueConfiguration.of(q).setAddress(q).setRoutingType(RoutingType.ANYCAST)
                    .setDurable(true));
        }
        ActiveMQServer server = new ActiveMQServerImpl(config);
        server.start();
        return new EmbeddedArtemis(server, "vm://" + vmId, tcp);
    }

    /** A new XA connection factory to this broker (in-VM). */
    public XAConnectionFactory xaConnectionFactory() {
        return new ActiveMQXAConnectionFactory(vmUrl);
    }

    /** A new XA connection factory over TCP (needs a TCP port at start). */
    public XAConnectionFactory tcpXaConnectionFactory() {
        if (tcpUrl == null) {
            throw new IllegalStateException("the broker was started without a TCP acceptor");
        }
        return new ActiveMQXAConnectionFactory(tcpUrl);
    }

    /** Xids of the transactions the broker holds prepared, as its management API lists them. */
    public String[] preparedTransactions() throws Exception {
        return server.getActiveMQServerControl().listPreparedTransactions();
    }

    /** Messages waiting in {@code queue}. */
    public long messageCount(String queue) {
        return server.locateQueue(queue).getMessageCount();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
