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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A loopback TCP proxy in front of a server, for fault tests: {@link #cut()} closes every connection and refuses new
 * ones until {@link #restore()}; {@link #loseReplyTo(String)} lets one request through and swallows its reply, then
 * closes that connection (the server did the work, the client never hears of it). Loopback only, bounded by the
 * test's life.
 */
final class TcpProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile boolean cut;
    private final Thread acceptor;
    /** Bytes of the request whose reply is to be lost, or null; taken by the first connection that sends them. */
    private final AtomicReference<byte[]> loseReplyTo = new AtomicReference<>();
    private final AtomicInteger lostReplies = new AtomicInteger();

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

    /** Drops every connection and refuses new ones. */
    void cut() {
        cut = true;
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    /**
     * Arms the proxy: the next client request that contains {@code trigger} (e.g. {@code "COMMIT PREPARED"}, which
     * PostgreSQL's and MySQL's protocols carry as plain text) is forwarded to the server; the server's reply is
     * swallowed and that connection is closed as soon as the reply arrives, so the server has acted when the
     * client sees the broken connection. Other connections are not affected.
     */
    void loseReplyTo(String trigger) {
        loseReplyTo.set(trigger.getBytes(StandardCharsets.UTF_8));
    }

    /** How many replies {@link #loseReplyTo(String)} swallowed so far. */
    int lostReplies() {
        return lostReplies.get();
    }

    /** Accepts connections again. */
    void restore() {
        cut = false;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                if (cut) {
                    closeQuietly(client);
                    continue;
                }
                Socket server = new Socket();
                server.connect(new InetSocketAddress(targetHost, targetPort), 5_000);
                open.add(client);
                open.add(server);
                AtomicBoolean swallow = new AtomicBoolean();
                pipe(client, server, swallow, true);
                pipe(server, client, swallow, false);
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
    }

    /**
     * Copies bytes one way. Client to server: a request carrying the armed trigger sets {@code swallow} before it is
     * forwarded. Server to client: once {@code swallow} is set, the next bytes (the reply) are dropped and both
     * sockets closed.
     */
    private void pipe(Socket from, Socket to, AtomicBoolean swallow, boolean request) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (request) {
                        byte[] trigger = loseReplyTo.get();
                        if (trigger != null && contains(buf, n, trigger)
                                && loseReplyTo.compareAndSet(trigger, null)) {
                            swallow.set(true);
                        }
                    } else if (swallow.get()) {
                        lostReplies.incrementAndGet();
                        return; // the finally block closes both sides: the reply is lost
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // cut or closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
        t.setDaemon(true);
        t.start();
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

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        cut();
    }
}
