package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The upcoming list during a real database outage (its own PostgreSQL database refuses every
 * connection): the traffic guard serves the last good answer ({@code X-Cache: STALE}) to agents
 * whose session was verified lately; signing in and writing answer 503; fresh again once it is
 * back. And the guard's cache of the list is dropped when a concert is created.
 */
class DatabaseOutageTest {
    private static final String DB = "relecloud_outage_test_" + ProcessHandle.current().pid(); // other builds share the server

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

    private static String header(Harness.Response r, String name) {
        return r.raw().headers().firstValue(name).orElse(null);
    }

    @Test
    void upcomingList_isServedStaleByTheGuard_whileTheDatabaseIsDown() {
        admin("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)", "CREATE DATABASE " + DB);
        try (Harness h = new Harness("jdbc:postgresql://127.0.0.1:5432/" + DB)) {
            h.concert("Still Listed", "Rock", 10, 1000, 3);
            Harness.User agent = h.login("ana");
            Harness.User planner = h.login("pat");
            Harness.Response fresh = agent.get("/api/relecloud/concerts");
            assertThat(fresh.status()).isEqualTo(200);
            assertThat(header(fresh, "X-Cache")).isEqualTo("MISS");
            assertThat(header(agent.get("/api/relecloud/concerts"), "X-Cache")).isEqualTo("HIT");
            admin("ALTER DATABASE " + DB + " ALLOW_CONNECTIONS false",
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + DB + "'");
            try {
                Harness.Response during = Harness.eventually(() -> agent.get("/api/relecloud/concerts"),
                        r -> "STALE".equals(header(r, "X-Cache")));
                assertThat(during.status()).isEqualTo(200);
                assertThat(header(during, "X-Cache")).isEqualTo("STALE");
                assertThat(header(during, "Warning")).contains("Response is Stale");
                assertThat(header(during, "X-Cache-Age")).isNotEmpty();
                assertThat(during.json().path("items").findValuesAsText("title")).contains("Still Listed");
                // Never verified as a reader (its sign-in was its last use): no stale page, a clean 503.
                Harness.Response unknown = planner.get("/api/relecloud/concerts");
                assertThat(unknown.status()).isEqualTo(503);
                assertThat(header(unknown, "Retry-After")).isNotNull();
                // Signing in and writing need the database: 503, never a 500.
                Harness.Response signIn = h.request("POST", "/api/v1/session", "{\"user\":\"vic\",\"password\":\""
                        + Harness.PASSWORD + "\"}", java.util.Map.of(), null, null);
                assertThat(signIn.status()).isEqualTo(503);
                assertThat(header(signIn, "Retry-After")).isNotNull();
                Harness.Response write = agent.post("/api/relecloud/customers", "{\"email\":\"kim@example.com\","
                        + "\"name\":\"Kim\"}");
                assertThat(write.status()).isEqualTo(503);
                assertThat(write.error()).isEqualTo("ServiceUnavailable");
            } finally {
                admin("ALTER DATABASE " + DB + " ALLOW_CONNECTIONS true");
            }
            Harness.Response after = Harness.eventually(() -> agent.get("/api/relecloud/concerts"),
                    r -> r.status() == 200 && !"STALE".equals(header(r, "X-Cache")));
            assertThat(after.status()).isEqualTo(200);
            assertThat(header(after, "X-Cache")).isIn("MISS", "HIT");
        } finally {
            admin("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
        }
    }

    @Test
    void aCreatedConcert_dropsTheCachedList() {
        try (Harness h = new Harness()) {
            h.concert("First Listed", "Rock", 10, 1000, 3);
            Harness.User agent = h.login("ana");
            agent.get("/api/relecloud/concerts");
            assertThat(header(agent.get("/api/relecloud/concerts"), "X-Cache")).isEqualTo("HIT");
            h.server.eventBus().putEvents(java.util.List.of(dev.setlist.events.PutEntry.of(Relecloud.PLANNING,
                    "ConcertCreated", "{\"id\": 99}")));
            Harness.Response after = Harness.eventually(() -> agent.get("/api/relecloud/concerts"),
                    r -> "MISS".equals(header(r, "X-Cache")));
            assertThat(header(after, "X-Cache")).isEqualTo("MISS");
            // A concert's own page (seats left) is never kept.
            long id = h.concert("Second Listed", "Rock", 10, 1000, 4);
            agent.get("/api/relecloud/concerts/" + id);
            assertThat(header(agent.get("/api/relecloud/concerts/" + id), "X-Cache")).isEqualTo("BYPASS");
        }
    }
}
