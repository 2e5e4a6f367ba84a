package dev.setlist.relecloud;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.relecloud.gateway.PaymentGateway;
import dev.setlist.server.SetlistServer;
import dev.setlist.server.config.ServerConfig;
import dev.setlist.server.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Relecloud on a real server (port 0, temporary H2 database or the given PostgreSQL URL) with a
 * real payment gateway simulator, users of every role, and an HTTP client per user.
 */
final class Harness implements AutoCloseable {
    static final String PASSWORD = "test-password-1";
    final PaymentGateway gateway;
    final Relecloud relecloud;
    final SetlistServer server;
    final Path dir;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    Harness() {
        this(null);
    }

    Harness(String databaseUrl) {
        try {
            dir = Files.createTempDirectory("relecloud-test");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        gateway = PaymentGateway.start(0, 42);
        relecloud = new Relecloud(new Relecloud.Settings(gateway.uri(), Duration.ofMinutes(5), 2));
        ServerConfig cfg = new ServerConfig("127.0.0.1", 0, dir, databaseUrl, databaseUrl == null ? "sa" : "postgres", "",
                16, "us-east-1", "000000000000", 2 * 1024 * 1024, Duration.ofMinutes(1), Duration.ofSeconds(5),
                Duration.ofSeconds(2), Duration.ofHours(1), true);
        server = SetlistServer.builder(cfg).env(Map.of("SETLIST_ADMIN_PASSWORD", PASSWORD))
                .out(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
                .tasks(relecloud.tasks()).extension(relecloud)
                // The gateway's breaker opens for a second only, so that one test's outage ends with it.
                .outbound(o -> o.breaker(20, 10, Duration.ofSeconds(1))).build().start();
        for (String[] u : new String[][] {{"pat", "planner"}, {"ana", "agent"}, {"olu", "operator"}, {"vic", "viewer"}}) {
            server.authStore().createUser("test", u[0], PASSWORD);
            server.authStore().grant("test", u[0], u[1], "*");
        }
    }

    String base() {
        return "http://127.0.0.1:" + server.port();
    }

    /** A signed-in user's client. */
    User login(String user) {
        return new User(user);
    }

    /** A client without credentials. */
    User anonymous() {
        return new User(null);
    }

    record Response(int status, JsonNode json, byte[] bytes, HttpResponse<byte[]> raw) {
        String error() {
            String t = json.path("__type").asText();
            return t.substring(t.indexOf('#') + 1);
        }
    }

    final class User {
        private final String cookie;
        private final String csrf;

        User(String name) {
            if (name == null) {
                cookie = null;
                csrf = null;
                return;
            }
            Response r = request("POST", "/api/v1/session", "{\"user\":\"" + name + "\",\"password\":\"" + PASSWORD
                    + "\"}", Map.of(), null, null);
            if (r.status() != 200) {
                throw new IllegalStateException("login failed: " + r.status());
            }
            String setCookie = r.raw().headers().firstValue("Set-Cookie").orElseThrow();
            cookie = setCookie.substring(0, setCookie.indexOf(';'));
            csrf = r.json().path("csrfToken").asText();
        }

        Response get(String path) {
            return request("GET", path, null, Map.of(), cookie, csrf);
        }

        Response post(String path, String body) {
            return request("POST", path, body, Map.of(), cookie, csrf);
        }

        Response post(String path, String body, Map<String, String> headers) {
            return request("POST", path, body, headers, cookie, csrf);
        }

        Response put(String path, String body) {
            return request("PUT", path, body, Map.of(), cookie, csrf);
        }

        Response send(String method, String path, String body, Map<String, String> headers) {
            return request(method, path, body, headers, cookie, csrf);
        }
    }

    Response request(String method, String path, String body, Map<String, String> headers, String cookie, String csrf) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        Map<String, String> all = new HashMap<>(headers);
        if (cookie != null) {
            all.put("Cookie", cookie);
            all.put("X-CSRF-Token", csrf);
        }
        all.forEach(b::header);
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json;
            try {
                json = r.body().length == 0 ? Json.object() : Json.MAPPER.readTree(r.body());
            } catch (IOException e) {
                json = Json.object();
            }
            return new Response(r.statusCode(), json == null ? Json.object() : json, r.body(), r);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Polls until the check passes (up to 30 s); returns the last value. */
    static <T> T eventually(java.util.function.Supplier<T> get, java.util.function.Predicate<T> done) {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        T v = get.get();
        while (!done.test(v) && System.nanoTime() < end) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            v = get.get();
        }
        return v;
    }

    /** Adds a concert straight to the database (the create-concert flow has its own tests). */
    long concert(String title, String genre, int capacity, long priceCents, int daysAhead) {
        return relecloud.store().addConcert(new Concert.Draft(title, "Artist of " + title, genre, "Test Hall",
                "Springfield, IL", server.clock().now().plus(Duration.ofDays(daysAhead)), priceCents, capacity, null), null);
    }

    @Override
    public void close() {
        server.close();
        gateway.close();
    }
}
