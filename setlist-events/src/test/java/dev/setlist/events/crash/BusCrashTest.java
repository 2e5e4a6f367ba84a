package dev.setlist.events.crash;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node publishing events to a failing HTTP target is killed with SIGKILL in the middle; a new
 * node on the same database delivers every acknowledged event once the target recovers.
 */
class BusCrashTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void sigkillWhilePublishingAndDelivering_losesNoAcknowledgedEvent() throws Exception {
        Map<Integer, AtomicInteger> delivered = new ConcurrentHashMap<>();
        AtomicBoolean up = new AtomicBoolean(false);
        AtomicInteger refused = new AtomicInteger();
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/target", exchange -> {
            int i = JSON.readTree(exchange.getRequestBody()).path("i").asInt();
            if (up.get() || i % 2 == 0) { // odd events fail until the target recovers
                delivered.computeIfAbsent(i, k -> new AtomicInteger()).incrementAndGet();
                exchange.sendResponseHeaders(204, -1);
            } else {
                refused.incrementAndGet();
                exchange.sendResponseHeaders(503, -1);
            }
            exchange.close();
        });
        http.start();
        String target = "http://127.0.0.1:" + http.getAddress().getPort() + "/target";
        String url = "jdbc:h2:file:" + dir.resolve("db");
        Set<Integer> acked = ConcurrentHashMap.newKeySet();
        try {
            Process first = launch(url, target, 0, 400, "n1");
            read(first, acked, 150);
            for (int t = 0; t < 200 && refused.get() < 5; t++) {
                Thread.sleep(25); // until deliveries are under way (and failing)
            }
            first.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: publishing and deliveries in flight
            assertThat(acked.size()).isGreaterThanOrEqualTo(150);
            assertThat(refused.get()).isPositive();

            up.set(true);
            Process second = launch(url, target, 1000, 10, "n2");
            read(second, acked, 10);
            for (int t = 0; t < 600 && !delivered.keySet().containsAll(acked); t++) {
                Thread.sleep(50);
            }
            second.getOutputStream().close();
            second.waitFor(20, TimeUnit.SECONDS);
            second.destroyForcibly();

            List<Integer> lost = new ArrayList<>(acked);
            lost.removeAll(delivered.keySet());
            assertThat(lost).as("acknowledged events never delivered").isEmpty();
            long duplicates = delivered.values().stream().filter(c -> c.get() > 1).count();
            System.out.printf("[bus crash] acknowledged %d, delivered %d, delivered more than once %d, refused attempts %d%n",
                    acked.size(), delivered.size(), duplicates, refused.get());
        } finally {
            http.stop(0);
        }
    }

    private Process launch(String url, String target, int from, int count, String node) throws Exception {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin",
                "java").toString());
        return new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                BusNode.class.getName(), url, target, Integer.toString(from), Integer.toString(count), node)
                .redirectError(dir.resolve(node + ".err").toFile()).start();
    }

    /** Reads the node's lines until {@code atLeast} more events were acknowledged (or it ends). */
    private static void read(Process p, Set<Integer> acked, int atLeast) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        int seen = 0;
        String line;
        while (seen < atLeast && (line = r.readLine()) != null) {
            if (line.startsWith("ACK ")) {
                acked.add(Integer.parseInt(line.substring(4)));
                seen++;
            }
        }
        Thread.ofVirtual().start(() -> {
            try {
                String l;
                while ((l = r.readLine()) != null) {
                    if (l.startsWith("ACK ")) {
                        acked.add(Integer.parseInt(l.substring(4)));
                    }
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
    }
}
