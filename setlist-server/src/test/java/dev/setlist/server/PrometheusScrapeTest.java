package dev.setlist.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.http.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus (Debian's package) scrapes the server's {@code /metrics} every second and answers
 * PromQL queries about it over its HTTP API; {@code promtool} checks the same text with Prometheus's
 * own parser and linter. Skipped without them on a developer's machine, failed on CI.
 */
class PrometheusScrapeTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static TestServer server;
    private static Process prometheus;
    private static Path dir;
    private static String api;

    @BeforeAll
    static void start() throws Exception {
        String binary = Clients.prometheus();
        Path flows = Path.of(PrometheusScrapeTest.class.getResource("/telemetry-flows.yaml").toURI());
        server = new TestServer(c -> c.withFlows(flows));
        dir = Files.createTempDirectory("prometheus-test");
        Files.writeString(dir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: setlist
                    metrics_path: /metrics
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """.formatted(server.port()));
        int port = freePort();
        api = "http://127.0.0.1:" + port;
        prometheus = new ProcessBuilder(binary, "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        if (server != null) {
            server.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The result vector of an instant query, or null while Prometheus does not answer yet. */
    private static JsonNode query(String promql) throws InterruptedException {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/query?query="
                    + URLEncoder.encode(promql, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return null;
            }
            JsonNode body = Json.MAPPER.readTree(r.body());
            assertThat(body.get("status").asText()).isEqualTo("success");
            return body.at("/data/result");
        } catch (IOException e) {
            return null;
        }
    }

    /** Polls {@code promql} until its single sample has {@code value}, for at most 60 seconds. */
    private static JsonNode awaitValue(String promql, double value) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            if (!prometheus.isAlive()) {
                throw new AssertionError("prometheus exited with " + prometheus.exitValue() + ":\n"
                        + Files.readString(dir.resolve("prometheus.log")));
            }
            last = query(promql);
            if (last != null && last.size() == 1 && last.get(0).at("/value/1").asDouble() == value) {
                return last.get(0);
            }
            Thread.sleep(250);
        }
        throw new AssertionError(promql + " never became " + value + "; last answer " + last + "\n"
                + Files.readString(dir.resolve("prometheus.log")));
    }

    @Test
    void prometheus_scrapesTheFlowTaggedRequestCounter() throws Exception {
        for (int i = 0; i < 7; i++) {
            assertThat(server.get("/healthz", Map.of()).status()).isEqualTo(200);
        }
        awaitValue("up{job=\"setlist\"}", 1);
        JsonNode sample = awaitValue("setlist_http_server_requests_seconds_count{flow=\"status\",route=\"/healthz\","
                + "status=\"200\"}", 7);
        assertThat(sample.at("/metric/method").asText()).isEqualTo("GET");
        assertThat(sample.at("/metric/outcome").asText()).isEqualTo("SUCCESS");
        assertThat(sample.at("/metric/instance").asText()).isEqualTo("127.0.0.1:" + server.port());

        // The histogram's buckets arrive too: a quantile over them is a latency, not NaN.
        JsonNode p99 = awaitNonEmpty("histogram_quantile(0.99, sum by (le) (setlist_http_server_requests_seconds_bucket"
                + "{flow=\"status\"}))");
        double seconds = Double.parseDouble(p99.get(0).at("/value/1").asText());
        assertThat(seconds).isPositive().isLessThan(30);

        for (int i = 0; i < 3; i++) {
            assertThat(server.get("/healthz", Map.of()).status()).isEqualTo(200);
        }
        awaitValue("setlist_http_server_requests_seconds_count{flow=\"status\",route=\"/healthz\",status=\"200\"}", 10);
    }

    private static JsonNode awaitNonEmpty(String promql) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            JsonNode r = query(promql);
            if (r != null && r.size() > 0 && !r.get(0).at("/value/1").asText().equals("NaN")) {
                return r;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(promql + " gave no sample");
    }

    @Test
    void promtool_parsesAndLintsTheExposition() throws Exception {
        String promtool = Clients.promtool();
        server.get("/healthz", Map.of());
        server.post("/api/v1/telemetry", Map.of(), new byte[0]); // a 401: an outcome other than SUCCESS
        TestServer.Response metrics = server.get("/metrics", Map.of());
        assertThat(metrics.status()).isEqualTo(200);
        Path text = dir.resolve("metrics.txt");
        Files.writeString(text, metrics.raw());
        Process p = new ProcessBuilder(promtool, "check", "metrics").redirectInput(text.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as("promtool check metrics").isEmpty();
        assertThat(p.exitValue()).isZero();
        assertThat(List.of(metrics.raw().split("\n"))).anyMatch(l -> l.startsWith(
                "setlist_http_server_requests_seconds_count{") && l.contains("flow=\"status\""));
    }
}
