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
 * connection): served from the last good answer, marked stale; fresh again once it is back.
 */
class DatabaseOutageTest {
    private static final String DB = "relecloud_outage_test";

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

    @Test
    void upcomingList_isServedStale_whileTheDatabaseIsDown() {
        admin("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)", "CREATE DATABASE " + DB);
        try (Harness h = new Harness("jdbc:postgresql://127.0.0.1:5432/" + DB)) {
            h.concert("Still Listed", "Rock", 10, 1000, 3);
            Harness.User agent = h.login("ana");
            JsonNode fresh = agent.get("/api/relecloud/concerts").json();
            assertThat(fresh.path("stale").asBoolean()).isFalse();
            admin("ALTER DATABASE " + DB + " ALLOW_CONNECTIONS false",
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + DB + "'");
            try {
                Harness.Response during = Harness.eventually(() -> agent.get("/api/relecloud/concerts"),
                        r -> r.json().path("stale").asBoolean());
                assertThat(during.status()).isEqualTo(200);
                assertThat(during.json().path("stale").asBoolean()).isTrue();
                assertThat(during.json().path("asOf").asText()).isNotEmpty();
                assertThat(during.json().path("items").findValuesAsText("title")).contains("Still Listed");
            } finally {
                admin("ALTER DATABASE " + DB + " ALLOW_CONNECTIONS true");
            }
            JsonNode after = Harness.eventually(() -> agent.get("/api/relecloud/concerts").json(),
                    j -> j.has("stale") && !j.path("stale").asBoolean());
            assertThat(after.path("stale").asBoolean()).isFalse();
        } finally {
            admin("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
        }
    }
}
