package dev.setlist.relecloud.prove;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on a loopback port in front of a database, so that the proving ground can cut the
 * server off from it: {@link #cut()} resets every open connection and stops listening (new
 * connections are refused, as when the database host is down), {@link #restore()} listens again on
 * the same port. Each connection is pumped by two virtual threads. Thread safe.
 */
final class TcpProxy implements AutoCloseable {
    private final InetSocketAddress target;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket listener;
    private volatile boolean closed;

    private TcpProxy(InetSocketAddress target, int port) {
        this.target = target;
        this.port = port;
    }

    /** Listens on a free loopback port and forwards to {@code host:port}. */
    static TcpProxy start(String host, int targetPort) throws IOException {
        ServerSocket s = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        TcpProxy p = new TcpProxy(new InetSocketAddress(host, targetPort), s.getLocalPort());
        p.listen(s);
        return p;
    }

    int port() {
        return port;
    }

    /** Resets every connection and refuses new ones until {@link #restore()}. */
    synchronized void cut() throws IOException {
        ServerSocket s = listener;
        listener = null;
        if (s != null) {
            s.close();
        }
        for (Socket c : open) {
            try {
                c.setSoLinger(true, 0); // a reset, not an orderly close: the database "vanished"
                c.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
        open.clear();
    }

    /** Listens again on the same port. */
    synchronized void restore() throws IOException {
        if (listener == null && !closed) {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
            listen(s);
        }
    }

    private void listen(ServerSocket s) {
        listener = s;
        Thread.ofVirtual().name("prove-proxy-accept").start(() -> {
            while (!s.isClosed()) {
                try {
                    Socket client = s.accept();
                    Socket upstream;
                    try {
                        upstream = new Socket();
                        upstream.connect(target, 5000);
                    } catch (IOException e) {
                        client.close();
                        continue;
                    }
                    open.add(client);
                    open.add(upstream);
                    Thread.ofVirtual().start(() -> pump(client, upstream));
                    Thread.ofVirtual().start(() -> pump(upstream, client));
                } catch (IOException e) {
                    return; // closed by cut() or close()
                }
            }
        });
    }

    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // one side went away: close both below
        } finally {
            quietly(from);
            quietly(to);
        }
    }

    private void quietly(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        cut();
    }
}
