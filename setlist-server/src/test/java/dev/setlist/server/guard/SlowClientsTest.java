package dev.setlist.server.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.server.Extension;
import dev.setlist.server.SetlistServer;
import dev.setlist.server.TestServer;
import dev.setlist.server.http.Access;
import io.javalin.config.RoutesConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Seventy clients trickle request bodies to a guarded high-criticality route while others sign
 * in and read a cached list: a body counts against the concurrency limit only once it has
 * arrived, so the tricklers hold no slot, everyone else is served, and each trickler is cut off
 * with 408 when the body deadline passes, its handler never run.
 */
class SlowClientsTest {
    private static final String YAML = """
            workload: slow
            flows:
              - id: sign-in
                name: Sign in
                kind: user
                description: Employees sign in.
                owner: Security
                stakeholders: [Everyone]
                escalation: [{name: On-call, channel: log}]
                businessImpact: Nobody works.
                criticality: high
                targets: {reliability: {availability: 99.9}}
                bindings: {routes: ["POST /api/v1/session"]}
              - id: list
                name: List
                kind: user
                description: The list everyone reads.
                owner: Sales
                stakeholders: [Sales]
                escalation: [{name: On-call, channel: log}]
                businessImpact: No browsing.
                criticality: high
                targets: {reliability: {availability: 99.9}}
                bindings: {routes: ["GET /api/list"]}
                guard:
                  cache: {ttl: 300s}
              - id: upload
                name: Upload
                kind: user
                description: Large uploads.
                owner: Sales
                stakeholders: [Sales]
                escalation: [{name: On-call, channel: log}]
                businessImpact: No uploads.
                criticality: high
                targets: {reliability: {availability: 99.9}}
                bindings: {routes: ["POST /api/upload"]}
            """;

    private static final AtomicInteger uploadsHandled = new AtomicInteger();

    @Test
    void seventyTricklers_holdNoSlot_signInAndTheCachedListAreServed_andTheTricklersGet408() throws Exception {
        Extension slow = new Extension() {
            @Override
            public String flowsYaml() {
                return YAML;
            }

            @Override
            public void routes(RoutesConfig routes, SetlistServer s) {
                routes.get("/api/list", ctx -> ctx.json(Map.of("items", List.of(1, 2, 3))), Access.signedIn());
                routes.post("/api/upload", ctx -> {
                    uploadsHandled.incrementAndGet();
                    ctx.result("stored");
                }, Access.anyone());
            }
        };
        try (TestServer server = new TestServer(c -> c, b -> b.extension(slow))) {
            String key = server.server.authStore().createApiKey("admin", "admin")[1];
            // The same calls with nobody trickling, as the baseline of the figures printed below.
            List<Long> quietSignIn = new ArrayList<>();
            List<Long> quietList = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                long t0 = System.nanoTime();
                assertThat(server.post("/api/v1/session", Map.of("Content-Type", "application/json"),
                        ("{\"user\":\"admin\",\"password\":\"" + TestServer.PASSWORD + "\"}").getBytes()).status())
                        .isEqualTo(200);
                long t1 = System.nanoTime();
                assertThat(server.get("/api/list", Map.of("Authorization", "Bearer " + key)).status()).isEqualTo(200);
                quietSignIn.add((t1 - t0) / 1000);
                quietList.add((System.nanoTime() - t1) / 1000);
            }
            System.out.printf("nobody trickling: sign-in median %d µs, cached list median %d µs%n", median(quietSignIn),
                    median(quietList));
            int tricklers = 70;
            CountDownLatch sending = new CountDownLatch(tricklers);
            List<Future<String>> answers = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < tricklers; i++) {
                    answers.add(pool.submit(() -> trickle(server.port(), sending)));
                }
                assertThat(sending.await(30, TimeUnit.SECONDS)).isTrue();
                // While every trickler is still sending:
                List<Long> signInMicros = new ArrayList<>();
                List<Long> listMicros = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    long t0 = System.nanoTime();
                    TestServer.Response signIn = server.post("/api/v1/session", Map.of("Content-Type", "application/json"),
                            ("{\"user\":\"admin\",\"password\":\"" + TestServer.PASSWORD + "\"}").getBytes());
                    long t1 = System.nanoTime();
                    assertThat(signIn.status()).as("sign-in %d: %s", i, signIn).isEqualTo(200);
                    TestServer.Response list = server.get("/api/list", Map.of("Authorization", "Bearer " + key));
                    long t2 = System.nanoTime();
                    assertThat(list.status()).as("list %d: %s", i, list).isEqualTo(200);
                    signInMicros.add((t1 - t0) / 1000);
                    listMicros.add((t2 - t1) / 1000);
                }
                // Reported, not asserted: how long they took while the tricklers were sending.
                System.out.printf("during %d tricklers: sign-in median %d µs (max %d), cached list median %d µs (max %d)%n",
                        tricklers, median(signInMicros), java.util.Collections.max(signInMicros), median(listMicros),
                        java.util.Collections.max(listMicros));
                assertThat(server.server.guard().shedder().inFlight()).isZero();
                for (Future<String> f : answers) {
                    assertThat(f.get(60, TimeUnit.SECONDS)).startsWith("HTTP/1.1 408");
                }
            }
            assertThat(uploadsHandled).hasValue(0);
            assertThat(server.server.guard().shedder().limit()).isGreaterThanOrEqualTo(32);
        }
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        java.util.Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /** Sends the headers of a 200-byte body, then one byte every 150 ms until answered; the answer's status line. */
    private static String trickle(int port, CountDownLatch sending) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                    + "Content-Length: 200\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            sending.countDown();
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            for (int i = 0; i < 200; i++) {
                try {
                    out.write('x');
                    out.flush();
                } catch (java.io.IOException closed) {
                    break; // the server answered and closed
                }
                if (s.getInputStream().available() > 0) {
                    break;
                }
                Thread.sleep(150); // the client's pace, not a wait for the server
            }
            return in.readLine();
        }
    }
}
