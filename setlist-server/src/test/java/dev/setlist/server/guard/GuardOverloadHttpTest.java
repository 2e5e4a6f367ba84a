package dev.setlist.server.guard;

import dev.setlist.server.http.Access;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.Extension;
import dev.setlist.server.SetlistServer;
import dev.setlist.server.config.ServerConfig;
import dev.setlist.server.http.Json;
import io.javalin.config.RoutesConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Shedding over HTTP: with a concurrency limit of 2, one low-criticality request in flight fills
 * low's half; the next low request is answered 503 with Retry-After and the flow's name, while a
 * high-criticality request still goes through.
 */
class GuardOverloadHttpTest {
    private static final String YAML = GuardServerTest.YAML;

    @Test
    void overload_lowIsShedWith503WhileHighIsServed() throws Exception {
        Path dir = Files.createTempDirectory("setlist-guard-overload");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        ServerConfig d = ServerConfig.defaults();
        ServerConfig config = new ServerConfig("127.0.0.1", 0, dir, null, "sa", "", 4, "us-east-1", "000000000000",
                256 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(2), d.sessionTtl(), true);
        Extension shows = new Extension() {
            @Override
            public String flowsYaml() {
                return YAML;
            }

            @Override
            public void routes(RoutesConfig routes, SetlistServer s) {
                routes.get("/api/search", ctx -> {
                    inside.countDown();
                    leave.await(30, TimeUnit.SECONDS);
                    ctx.result("found");
                }, Access.anyone());
                routes.get("/api/concerts", ctx -> ctx.result("list"), Access.anyone());
            }
        };
        SetlistServer server = SetlistServer.builder(config)
                .env(Map.of("SETLIST_ADMIN_PASSWORD", "admin-password-1", Guards.CONCURRENCY, "2"))
                .out(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .extension(shows).build().start();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            String base = "http://127.0.0.1:" + server.port();
            CompletableFuture<HttpResponse<String>> first = http.sendAsync(
                    HttpRequest.newBuilder(URI.create(base + "/api/search?q=1")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();

            HttpResponse<String> shed = http.send(HttpRequest.newBuilder(URI.create(base + "/api/search?q=2")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(shed.statusCode()).isEqualTo(503);
            assertThat(shed.headers().firstValue("Retry-After")).hasValue("1");
            JsonNode body = Json.MAPPER.readTree(shed.body());
            assertThat(body.get("__type").asText()).isEqualTo("Overloaded");
            assertThat(body.get("message").asText()).isEqualTo("Flow search (low criticality) shed under overload");

            HttpResponse<String> high = http.send(HttpRequest.newBuilder(URI.create(base + "/api/concerts")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(high.statusCode()).isEqualTo(200);

            leave.countDown();
            assertThat(first.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(server.guard().shedder().shed(dev.setlist.flows.Flow.Criticality.LOW)).isEqualTo(1);
            assertThat(server.guard().shedder().inFlight()).isZero();
        } finally {
            leave.countDown();
            server.stop();
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
