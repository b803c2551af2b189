package io.lockstep.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A loopback TCP proxy in front of a server, for fault tests. Three kinds of fault, on every connection at once or
 * armed to strike the one connection that sends a chosen request:
 * <ul>
 *   <li><b>cut</b> — {@link #cut()} closes every connection (FIN) and refuses new ones;
 *       {@link #loseReplyTo(String)} lets one request through, swallows its reply and closes that connection.</li>
 *   <li><b>stall</b> — {@link #stall()} / {@link #stallAt(String, At)}: the proxy stops forwarding but keeps the
 *       sockets open, as a network that silently drops packets does. Nobody hears anything: the client waits for
 *       an answer, the server for the next request. New connections during {@link #stall()} are accepted and
 *       stall at once (the handshake never completes).</li>
 *   <li><b>reset</b> — {@link #reset()} / {@link #resetAt(String, At)}: connections closed with a TCP RST
 *       ({@code SO_LINGER} 0): both ends see "connection reset" at once.</li>
 * </ul>
 * {@link #restore()} ends every fault: connections that were stalled are closed (the bytes they held are dropped,
 * as when a partition outlasts TCP's patience) and new connections are forwarded again. Loopback only, bounded by
 * the test's life.
 */
final class TcpProxy implements AutoCloseable {
    /** Where an armed fault strikes, relative to the request that triggers it. */
    enum At {
        /** Before the request is forwarded: the server never sees it. */
        REQUEST,
        /** When the server's reply comes back: the server has acted, the client never hears of it. */
        REPLY
    }

    private enum Fault { CLOSE, STALL, RESET }

    /** A fault armed for the first request that contains {@code trigger}. */
    private record Armed(byte[] trigger, Fault fault, At at) {
    }

    /** One proxied connection: the client's socket, the socket to the server, and what befell it. */
    private static final class Link {
        final Socket client;
        final Socket server;
        /** Set once; the pipes stop forwarding and leave the sockets open. */
        volatile boolean stalled;
        /** A fault waiting for the server's reply, or null. */
        volatile Fault onReply;

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }
    }

    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final List<Link> open = new CopyOnWriteArrayList<>();
    /** New connections refused (cut or reset). */
    private volatile boolean refusing;
    /** Every connection, and each new one, stalled. */
    private volatile boolean stallingAll;
    private final AtomicReference<Armed> armed = new AtomicReference<>();
    private final AtomicInteger lostReplies = new AtomicInteger();
    private final AtomicInteger struck = new AtomicInteger();
    private final Thread acceptor;

    TcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "tcp-proxy-" + targetPort);
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Drops every connection (FIN) and refuses new ones until {@link #restore()}. */
    void cut() {
        refusing = true;
        for (Link l : open) {
            drop(l, false);
        }
    }

    /** Resets every connection (RST) and refuses new ones until {@link #restore()}. */
    void reset() {
        refusing = true;
        for (Link l : open) {
            drop(l, true);
        }
    }

    /** Stops forwarding on every connection, open or new, keeping the sockets open, until {@link #restore()}. */
    void stall() {
        stallingAll = true;
        for (Link l : open) {
            l.stalled = true;
        }
    }

    /**
     * Arms the proxy: the next client request that contains {@code trigger} (e.g. {@code "COMMIT PREPARED"}, which
     * PostgreSQL's and MySQL's protocols carry as plain text) is forwarded to the server; the server's reply is
     * swallowed and that connection is closed as soon as the reply arrives, so the server has acted when the
     * client sees the broken connection. Other connections are not affected.
     */
    void loseReplyTo(String trigger) {
        arm(trigger, Fault.CLOSE, At.REPLY);
    }

    /** Arms a stall of the one connection whose next request contains {@code trigger}, at {@code at}. */
    void stallAt(String trigger, At at) {
        arm(trigger, Fault.STALL, at);
    }

    /** Arms a reset (RST) of the one connection whose next request contains {@code trigger}, at {@code at}. */
    void resetAt(String trigger, At at) {
        arm(trigger, Fault.RESET, at);
    }

    private void arm(String trigger, Fault fault, At at) {
        armed.set(new Armed(trigger.getBytes(StandardCharsets.UTF_8), fault, at));
    }

    /** True while an armed fault has not struck yet. */
    boolean armed() {
        return armed.get() != null;
    }

    /** How many replies {@link #loseReplyTo(String)} swallowed so far. */
    int lostReplies() {
        return lostReplies.get();
    }

    /** How many armed faults struck so far (lost replies included). */
    int struck() {
        return struck.get();
    }

    /** Connections open through the proxy now (stalled ones included). */
    int openConnections() {
        return open.size();
    }

    /** Ends every fault: closes stalled connections, disarms, forwards new connections again. */
    void restore() {
        armed.set(null);
        stallingAll = false;
        for (Link l : open) {
            if (l.stalled) {
                drop(l, false);
            }
        }
        refusing = false;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                if (refusing) {
                    closeQuietly(client, false);
                    continue;
                }
                Socket server = new Socket();
                server.connect(new InetSocketAddress(targetHost, targetPort), 5_000);
                Link link = new Link(client, server);
                link.stalled = stallingAll;
                open.add(link);
                pipe(link, true);
                pipe(link, false);
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
    }

    /**
     * Copies bytes one way. Client to server: a request carrying the armed trigger strikes before it is forwarded
     * ({@link At#REQUEST}) or marks the link so that the reply strikes ({@link At#REPLY}). A stalled link's pipes
     * return without forwarding or closing anything: the sockets stay open and unread until {@link #restore()}.
     */
    private void pipe(Link link, boolean request) {
        Socket from = request ? link.client : link.server;
        Socket to = request ? link.server : link.client;
        Thread t = new Thread(() -> {
            boolean leaveOpen = false;
            byte[] buf = new byte[16 * 1024];
            try {
                // Not try-with-resources: closing a socket's stream closes the socket, and a stall leaves it open.
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (request) {
                        Armed a = armed.get();
                        if (a != null && contains(buf, n, a.trigger) && armed.compareAndSet(a, null)) {
                            struck.incrementAndGet();
                            if (a.at == At.REQUEST) {
                                leaveOpen = strike(link, a.fault);
                                return;
                            }
                            link.onReply = a.fault;
                        }
                    } else if (link.onReply != null) {
                        if (link.onReply == Fault.CLOSE) {
                            lostReplies.incrementAndGet();
                        }
                        leaveOpen = strike(link, link.onReply);
                        return;
                    }
                    if (link.stalled) {
                        leaveOpen = true;
                        return;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // cut, reset or closed
            } finally {
                if (!leaveOpen) {
                    drop(link, false);
                }
            }
        }, "tcp-proxy-pipe");
        t.setDaemon(true);
        t.start();
    }

    /** Applies a fault to one link; returns true when its sockets must stay open (a stall). */
    private boolean strike(Link link, Fault fault) {
        switch (fault) {
            case STALL:
                link.stalled = true;
                return true;
            case RESET:
                drop(link, true);
                return false;
            default:
                drop(link, false);
                return false;
        }
    }

    private void drop(Link link, boolean rst) {
        open.remove(link);
        closeQuietly(link.client, rst);
        closeQuietly(link.server, rst);
    }

    private static boolean contains(byte[] buf, int length, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (buf[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Closes a socket; with {@code rst}, SO_LINGER 0 makes the close send a TCP RST instead of a FIN. */
    private static void closeQuietly(Socket s, boolean rst) {
        try {
            if (rst && !s.isClosed()) {
                s.setSoLinger(true, 0);
            }
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        stallingAll = false;
        cut();
    }
}
