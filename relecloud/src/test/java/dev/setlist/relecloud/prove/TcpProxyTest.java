package dev.setlist.relecloud.prove;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** The proxy the proving ground cuts the database off with, against a real echo server. */
class TcpProxyTest {
    @Test
    void cut_resetsOpenConnectionsAndRefusesNewOnes_restoreForwardsAgain() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!echo.isClosed()) {
                    try {
                        Socket s = echo.accept();
                        Thread.ofVirtual().start(() -> {
                            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                                in.transferTo(out);
                            } catch (IOException ignored) {
                                // the proxy cut it
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            try (TcpProxy proxy = TcpProxy.start("127.0.0.1", echo.getLocalPort())) {
                Socket before = new Socket("127.0.0.1", proxy.port());
                assertThat(roundTrip(before, "hello")).isEqualTo("hello");

                proxy.cut();

                assertThatThrownBy(() -> roundTrip(before, "again")).isInstanceOf(IOException.class);
                assertThatThrownBy(() -> new Socket("127.0.0.1", proxy.port())).isInstanceOf(ConnectException.class);

                proxy.restore();

                try (Socket after = new Socket("127.0.0.1", proxy.port())) {
                    assertThat(roundTrip(after, "back")).isEqualTo("back");
                }
            }
        }
    }

    @Test
    void percentile_nearestRank() {
        long[] sorted = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
        assertThat(Report.percentile(sorted, 50)).isEqualTo(50);
        assertThat(Report.percentile(sorted, 95)).isEqualTo(100);
        assertThat(Report.percentile(sorted, 10)).isEqualTo(10);
        assertThat(Report.percentile(new long[0], 99)).isZero();
    }

    private static String roundTrip(Socket s, String text) throws IOException {
        s.setSoTimeout(5000);
        s.getOutputStream().write(text.getBytes());
        s.getOutputStream().flush();
        byte[] buf = s.getInputStream().readNBytes(text.length());
        if (buf.length < text.length()) {
            throw new IOException("connection closed after " + buf.length + " bytes");
        }
        return new String(buf);
    }
}
