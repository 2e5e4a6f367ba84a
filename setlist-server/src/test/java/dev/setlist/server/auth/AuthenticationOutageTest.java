package dev.setlist.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.server.Extension;
import dev.setlist.server.SetlistServer;
import dev.setlist.server.TestServer;
import dev.setlist.server.http.Access;
import dev.setlist.server.http.Gate;
import dev.setlist.server.http.Json;
import io.javalin.config.RoutesConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Authentication while the database is really gone (its own PostgreSQL database refuses every
 * connection): a 503 with {@code Retry-After} instead of a 500, and a session verified lately is
 * still recognized for reads only, unless it was signed out or a grant changed on this node.
 */
class AuthenticationOutageTest {
    private static final String DB = "setlist_auth_outage_test_" + ProcessHandle.current().pid(); // other builds share the server
    private static final String PASSWORD = "outage-password-1";

    private static void admin(String... statements) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
             Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL must run on 127.0.0.1:5432 for this test: " + e.getMessage(), e);
        }
    }

    private static void databaseDown() {
        admin("ALTER DATABASE " + DB + " ALLOW_CONNECTIONS false",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + DB + "'");
    }

    private static void databaseUp() {
        admin("ALTER DATABASE " + DB + " ALLOW_CONNECTIONS true");
    }

    /** A route that only authenticates: what the caller is, with no table of its own. */
    private static final class Probe implements Extension {
        @Override
        public void routes(RoutesConfig routes, SetlistServer server) {
            routes.get("/probe", ctx -> ctx.json(Json.object().put("user", Gate.principal(ctx).user())),
                    Access.signedIn());
            routes.post("/probe", ctx -> ctx.json(Json.object().put("user", Gate.principal(ctx).user())),
                    Access.signedIn());
        }
    }

    private record Session(String cookie, String csrf) {}

    private static Session login(TestServer t, String user) {
        TestServer.Response r = t.post("/api/v1/session", Map.of("Content-Type", "application/json"),
                ("{\"user\":\"" + user + "\",\"password\":\"" + PASSWORD + "\"}").getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        String cookie = r.headers().get("set-cookie").get(0);
        return new Session(cookie.substring(0, cookie.indexOf(';')), r.body().path("csrfToken").asText());
    }

    private static TestServer.Response get(TestServer t, Session s) {
        return t.get("/probe", Map.of("Cookie", s.cookie()));
    }

    private static TestServer.Response post(TestServer t, Session s) {
        return t.post("/probe", Map.of("Cookie", s.cookie(), "X-CSRF-Token", s.csrf(), "Content-Type",
                "application/json"), "{}".getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads once the database is back (up to 30 s): {@code /readyz} answers 200 when the health
     * breaker has closed (a remembered session's read is a 200 even while it is open).
     */
    private static TestServer.Response readOnceBack(TestServer t, Session s) throws InterruptedException {
        long end = System.nanoTime() + 30_000_000_000L;
        while (t.get("/readyz", Map.of()).status() != 200 && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        TestServer.Response r = get(t, s);
        while (r.status() == 503 && System.nanoTime() < end) {
            Thread.sleep(100);
            r = get(t, s);
        }
        return r;
    }

    private static void assertUnavailable(TestServer.Response r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.errorType()).isEqualTo("ServiceUnavailable");
        assertThat(r.headers().get("retry-after")).containsExactly("1");
    }

    @Test
    void databaseOutage_recentSessionsRead_everythingElseGets503() throws Exception {
        admin("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)", "CREATE DATABASE " + DB);
        try (TestServer t = new TestServer("jdbc:postgresql://127.0.0.1:5432/" + DB, "postgres",
                b -> b.extension(new Probe()))) {
            AuthStore store = t.server.authStore();
            for (String u : new String[] {"ana", "bo", "cy", "dee"}) {
                store.createUser("admin", u, PASSWORD);
                store.grant("admin", u, "viewer", "*");
            }
            Session ana = login(t, "ana");
            Session bo = login(t, "bo");
            Session cy = login(t, "cy");
            assertThat(get(t, ana).body().path("user").asText()).isEqualTo("ana");
            assertThat(get(t, cy).status()).isEqualTo(200);
            HttpRequest signOut = HttpRequest.newBuilder(URI.create(t.endpoint() + "/api/v1/session"))
                    .header("Cookie", cy.cookie()).header("X-CSRF-Token", cy.csrf()).DELETE().build();
            assertThat(t.send(signOut).status()).isEqualTo(200);

            databaseDown();
            try {
                TestServer.Response read = get(t, ana);
                assertThat(read.status()).as(read.toString()).isEqualTo(200);
                assertThat(read.body().path("user").asText()).isEqualTo("ana");
                assertUnavailable(post(t, ana));    // a write is never let through without the database
                assertUnavailable(get(t, bo));      // signed in, but never verified since
                assertUnavailable(get(t, cy));      // signed out
                assertUnavailable(t.post("/api/v1/session", Map.of("Content-Type", "application/json"),
                        ("{\"user\":\"dee\",\"password\":\"" + PASSWORD + "\"}").getBytes(StandardCharsets.UTF_8)));
                assertUnavailable(t.get("/probe", Map.of("Cookie", "setlist_session=never-issued-session-id")));
            } finally {
                databaseUp();
            }

            // A grant changed on this node forgets every remembered session.
            assertThat(readOnceBack(t, ana).status()).isEqualTo(200);
            store.revoke("admin", "dee", "viewer", "*");
            databaseDown();
            try {
                assertUnavailable(get(t, ana));
            } finally {
                databaseUp();
            }
            assertThat(readOnceBack(t, ana).status()).isEqualTo(200);
        } finally {
            admin("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
        }
    }
}
