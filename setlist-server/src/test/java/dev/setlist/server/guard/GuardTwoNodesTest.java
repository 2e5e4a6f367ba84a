package dev.setlist.server.guard;

import dev.setlist.server.http.Access;
import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.server.Extension;
import dev.setlist.server.SetlistServer;
import dev.setlist.server.config.ServerConfig;
import io.javalin.config.RoutesConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;

/**
 * Two server nodes on one PostgreSQL database and one Redis: a lever pulled on one node holds on
 * the other within seconds, cached answers and rate limits are shared. Skipped when Redis is not
 * reachable at 127.0.0.1:6379, unless {@code CI} is set (then it fails).
 */
class GuardTwoNodesTest {
    private static final String PG = "jdbc:postgresql://127.0.0.1:5432/";
    private final String workload = "guard-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<SetlistServer> nodes = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();
    private final AtomicInteger listed = new AtomicInteger();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private String adminKey;

    private String yaml() {
        return GuardServerTest.YAML.replace("workload: shows", "workload: " + workload);
    }

    private static String freshDatabase() {
        String db = "setlist_guard_test_" + ProcessHandle.current().pid(); // other builds may share the server
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + db);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL must run on 127.0.0.1:5432 for this test: " + e.getMessage(), e);
        }
        return PG + db;
    }

    private SetlistServer node(String db) throws IOException {
        Path dir = Files.createTempDirectory("setlist-guard-node");
        dirs.add(dir);
        ServerConfig d = ServerConfig.defaults();
        ServerConfig config = new ServerConfig("127.0.0.1", 0, dir, db, "postgres", "", 4, "us-east-1", "000000000000",
                256 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(2), d.sessionTtl(), true);
        String yaml = yaml();
        Extension shows = new Extension() {
            @Override
            public String flowsYaml() {
                return yaml;
            }

            @Override
            public void routes(RoutesConfig routes, SetlistServer s) {
                routes.get("/api/concerts", ctx -> ctx.json(Map.of("listed", listed.incrementAndGet())), Access.signedIn());
                routes.get("/api/search", ctx -> ctx.json(Map.of("degraded", s.guard().degraded("search"))), Access.signedIn());
                routes.post("/api/tickets", ctx -> ctx.status(201).json(Map.of("ticket", 1)), Access.signedIn());
            }
        };
        SetlistServer s = SetlistServer.builder(config)
                .env(Map.of("SETLIST_ADMIN_PASSWORD", "admin-password-1", Guards.REDIS_URL, "redis://127.0.0.1:6379"))
                .out(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .extension(shows).build().start();
        nodes.add(s);
        return s;
    }

    @AfterEach
    void stop() {
        nodes.forEach(SetlistServer::stop);
        for (Path dir : dirs) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temporary directory
            }
        }
        try (UnifiedJedis j = new UnifiedJedis("redis://127.0.0.1:6379")) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                var page = j.scan(cursor, new ScanParams().match("setlist:guard:" + workload + ":*").count(1000));
                if (!page.getResult().isEmpty()) {
                    j.del(page.getResult().toArray(String[]::new));
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        } catch (RuntimeException e) {
            // Redis was not there: the test was skipped
        }
    }

    private HttpResponse<String> send(SetlistServer node, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                .header("Authorization", "Bearer " + adminKey)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void twoNodes_shareLeversCacheAndRateLimits() throws Exception {
        try (UnifiedJedis j = new UnifiedJedis("redis://127.0.0.1:6379")) {
            j.ping();
        } catch (RuntimeException e) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("CI needs Redis at 127.0.0.1:6379", e);
            }
            Assumptions.abort("Redis is not reachable at 127.0.0.1:6379: " + e);
        }
        String db = freshDatabase();
        SetlistServer a = node(db);
        SetlistServer b = node(db);
        adminKey = a.authStore().createApiKey("setlist", "admin")[1];

        // The cache is shared: what node a stored, node b answers.
        HttpResponse<String> miss = send(a, "GET", "/api/concerts", null);
        assertThat(miss.headers().firstValue("X-Cache")).hasValue("MISS");
        HttpResponse<String> hit = send(b, "GET", "/api/concerts", null);
        assertThat(hit.headers().firstValue("X-Cache")).hasValue("HIT");
        assertThat(hit.body()).isEqualTo(miss.body());
        assertThat(b.guard().cache().backend()).isEqualTo("redis");

        // A lever pulled on node a holds on node b within seconds.
        assertThat(send(a, "PUT", "/api/v1/guard/flows/buy/levers", "{\"disabled\": true}").statusCode()).isEqualTo(200);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        HttpResponse<String> onB = send(b, "POST", "/api/tickets", "{}");
        while (onB.statusCode() != 503 && System.nanoTime() < deadline) {
            Thread.sleep(50);
            onB = send(b, "POST", "/api/tickets", "{}");
        }
        assertThat(onB.statusCode()).isEqualTo(503);
        assertThat(onB.body()).contains("Flow buy is disabled by an operator");

        // One bucket for both nodes: a burst of 2 admits 2 requests in all.
        send(a, "PUT", "/api/v1/guard/flows/search/levers", "{\"ratePerSecond\": 0.001, \"burst\": 2}");
        while (b.guard().levers("search").rate() == null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        int ok = 0;
        for (int i = 0; i < 6; i++) {
            if (send(i % 2 == 0 ? a : b, "GET", "/api/search", null).statusCode() == 200) {
                ok++;
            }
        }
        assertThat(ok).isEqualTo(2);
    }
}
