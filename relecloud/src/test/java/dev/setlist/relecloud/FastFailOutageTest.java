package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.engine.HealthBreaker;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A real database outage (its own PostgreSQL database refuses every connection) with the health
 * breaker: once it has opened, writes and {@code /readyz} answer 503 with {@code Retry-After}
 * without waiting for the pool, the cached list is served STALE, and the breaker closes again once
 * the database is back; what was acknowledged before is still there, and writing works again.
 * The times are printed, never asserted.
 */
class FastFailOutageTest {
    private static final String DB = "relecloud_fastfail_test";
    private static final int SAMPLES = 15;

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

    private record Timed(Harness.Response response, long millis) {}

    private static Timed timed(Supplier<Harness.Response> call) {
        long t0 = System.nanoTime();
        Harness.Response r = call.get();
        return new Timed(r, (System.nanoTime() - t0) / 1_000_000);
    }

    private static String figures(List<Long> millis) {
        List<Long> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        return "median " + sorted.get(sorted.size() / 2) + " ms, max " + sorted.get(sorted.size() - 1) + " ms over "
                + sorted.size();
    }

    /** The value of {@code setlist_database_breaker_open} on {@code /metrics}. */
    private static String breakerGauge(Harness h) {
        String scrape = new String(h.anonymous().get("/metrics").bytes(), java.nio.charset.StandardCharsets.UTF_8);
        return scrape.lines().filter(l -> l.startsWith("setlist_database_breaker_open")).map(l -> l.substring(
                l.lastIndexOf(' ') + 1)).findFirst().orElse("absent");
    }

    private static String customer(String email) {
        return "{\"email\":\"" + email + "\",\"name\":\"Kim\"}";
    }

    @Test
    void duringAnOutage_theBreakerAnswersAtOnce_andClosesWhenTheDatabaseIsBack() {
        admin("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)", "CREATE DATABASE " + DB);
        try (Harness h = new Harness("jdbc:postgresql://127.0.0.1:5432/" + DB)) {
            HealthBreaker breaker = h.server.engine().databaseHealth();
            assertThat(breaker).isNotNull();
            assertThat(breaker.isOpen()).isFalse();
            h.concert("Still Listed", "Rock", 10, 1000, 3);
            Harness.User agent = h.login("ana");
            Harness.Response before = agent.post("/api/relecloud/customers", customer("before@example.com"));
            assertThat(before.status()).as(before.json().toString()).isEqualTo(201);
            assertThat(agent.get("/api/relecloud/concerts").status()).isEqualTo(200);
            assertThat(header(agent.get("/api/relecloud/concerts"), "X-Cache")).isEqualTo("HIT");
            assertThat(h.anonymous().get("/readyz").status()).isEqualTo(200);

            admin("ALTER DATABASE " + DB + " ALLOW_CONNECTIONS false",
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + DB + "'");
            long downAt = System.nanoTime();
            try {
                // The first write finds the database gone (within the pool's connection timeout).
                Timed first = timed(() -> agent.post("/api/relecloud/customers", customer("during@example.com")));
                assertThat(first.response().status()).isEqualTo(503);
                assertThat(header(first.response(), "Retry-After")).isNotNull();
                Harness.eventually(() -> breaker.isOpen(), open -> open);
                assertThat(breaker.isOpen()).isTrue();
                long openedAfter = (System.nanoTime() - downAt) / 1_000_000;
                long opened = breaker.timesOpened();

                List<Long> writes = new ArrayList<>();
                List<Long> ready = new ArrayList<>();
                List<Long> stale = new ArrayList<>();
                for (int i = 0; i < SAMPLES; i++) {
                    Timed w = timed(() -> agent.post("/api/relecloud/customers", customer("during@example.com")));
                    assertThat(w.response().status()).isEqualTo(503);
                    assertThat(w.response().error()).isEqualTo("ServiceUnavailable");
                    assertThat(header(w.response(), "Retry-After")).isNotNull();
                    writes.add(w.millis());
                    Timed r = timed(() -> h.anonymous().get("/readyz"));
                    assertThat(r.response().status()).isEqualTo(503);
                    assertThat(header(r.response(), "Retry-After")).isNotNull();
                    assertThat(r.response().json().path("status").asText()).isEqualTo("DATABASE_UNREACHABLE");
                    ready.add(r.millis());
                }
                // The list stays a fresh HIT for its TTL (5 s); past it, the last good page, at once.
                Harness.Response firstStale = Harness.eventually(() -> agent.get("/api/relecloud/concerts"),
                        r -> "STALE".equals(header(r, "X-Cache")));
                assertThat(header(firstStale, "X-Cache")).isEqualTo("STALE");
                for (int i = 0; i < SAMPLES; i++) {
                    Timed s = timed(() -> agent.get("/api/relecloud/concerts"));
                    assertThat(s.response().status()).isEqualTo(200);
                    assertThat(header(s.response(), "X-Cache")).isEqualTo("STALE");
                    assertThat(header(s.response(), "Retry-After")).isNull();
                    assertThat(s.response().json().path("items").findValuesAsText("title")).contains("Still Listed");
                    stale.add(s.millis());
                }
                assertThat(breakerGauge(h)).isEqualTo("1.0");
                // Still one opening: the probe keeps it open, calls do not reopen it.
                assertThat(breaker.timesOpened()).isEqualTo(opened);
                assertThat(breaker.rejected()).isGreaterThan(0);
                System.out.println("[fast-fail] first 503 after " + first.millis() + " ms; breaker open "
                        + openedAfter + " ms after the outage began");
                System.out.println("[fast-fail] write 503s: " + figures(writes));
                System.out.println("[fast-fail] /readyz 503s: " + figures(ready));
                System.out.println("[fast-fail] STALE list: " + figures(stale));
            } finally {
                admin("ALTER DATABASE " + DB + " ALLOW_CONNECTIONS true");
            }
            long upAt = System.nanoTime();
            Harness.Response readyAgain = Harness.eventually(() -> h.anonymous().get("/readyz"), r -> r.status() == 200);
            assertThat(readyAgain.status()).isEqualTo(200);
            assertThat(breaker.isOpen()).isFalse();
            System.out.println("[fast-fail] breaker closed, /readyz 200, " + (System.nanoTime() - upAt) / 1_000_000
                    + " ms after the database came back");

            assertThat(breakerGauge(h)).isEqualTo("0.0");
            Harness.Response after = agent.post("/api/relecloud/customers", customer("after@example.com"));
            assertThat(after.status()).as(after.json().toString()).isEqualTo(201);
            Harness.Response found = agent.get("/api/relecloud/customers?email=before@example.com");
            assertThat(found.status()).isEqualTo(200);
            assertThat(found.json().path("items").findValuesAsText("email")).containsExactly("before@example.com");
            assertThat(agent.get("/api/relecloud/customers?email=after@example.com").json().path("items")
                    .findValuesAsText("email")).containsExactly("after@example.com");
            // Refused while down: never written.
            assertThat(agent.get("/api/relecloud/customers?email=during@example.com").json().path("items")).isEmpty();
            Harness.Response list = Harness.eventually(() -> agent.get("/api/relecloud/concerts"),
                    r -> r.status() == 200 && !"STALE".equals(header(r, "X-Cache")));
            assertThat(list.json().path("items").findValuesAsText("title")).contains("Still Listed");
        } finally {
            admin("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
        }
    }
}
