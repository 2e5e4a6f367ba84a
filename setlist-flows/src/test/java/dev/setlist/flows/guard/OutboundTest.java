package dev.setlist.flows.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.setlist.asl.Clock;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The outbound wrapper against a real, flaky HTTP dependency on the loopback interface. */
class OutboundTest {
    private HttpServer server;
    private final AtomicInteger hits = new AtomicInteger();
    private volatile int status = 200;
    private final CountDownLatch slowRelease = new CountDownLatch(1);
    private final Clock.Manual clock = Clock.manual(Instant.parse("2026-01-01T00:00:00Z"));

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/hook", ex -> {
            hits.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.createContext("/slow", ex -> {
            hits.incrementAndGet();
            try {
                slowRelease.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        slowRelease.countDown();
        server.stop(0);
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private static Outbound.Policy attempts(int n, Duration timeout) {
        return new Outbound.Policy(timeout, n, Duration.ofMillis(100), Duration.ofSeconds(2));
    }

    @Test
    void postJson_failingDependency_retriesStayWithinTheBudget() {
        status = 503;
        try (Outbound out = Outbound.builder().clock(clock).retryBudget(0.1, 2).breaker(100, 100, Duration.ofMinutes(1))
                .build()) {
            int calls = 20;
            for (int i = 0; i < calls; i++) {
                assertThatThrownBy(() -> out.postJson(url("/hook"), "{}", Map.of(), attempts(5, Duration.ofSeconds(5))))
                        .isInstanceOf(Outbound.Failure.class).hasMessageContaining("HTTP 503");
            }
            // Without a budget, 20 calls of 5 attempts would be 100 requests; the budget allows the
            // 2 saved retries plus one for every ten calls.
            assertThat(hits.get()).isLessThanOrEqualTo(calls + 2 + calls / 10).isGreaterThan(calls);
            assertThat(out.budget().denied()).isPositive();
        }
    }

    @Test
    void postJson_clientError_isNotRetried() {
        status = 400;
        try (Outbound out = Outbound.builder().clock(clock).build()) {
            assertThatThrownBy(() -> out.postJson(url("/hook"), "{}", Map.of(), attempts(5, Duration.ofSeconds(5))))
                    .isInstanceOfSatisfying(Outbound.Failure.class, f -> assertThat(f.retriable()).isFalse());
            assertThat(hits.get()).isEqualTo(1);
        }
    }

    @Test
    void postJson_transientFailure_succeedsOnARetry() throws Exception {
        AtomicInteger attempt = new AtomicInteger();
        try (Outbound out = Outbound.builder().clock(clock).build()) {
            String result = out.call("flaky", attempts(3, Duration.ofSeconds(5)), () -> {
                if (attempt.incrementAndGet() < 3) {
                    throw new Outbound.Failure("HTTP 502", true);
                }
                return "ok";
            });
            assertThat(result).isEqualTo("ok");
            assertThat(out.budget().retried()).isEqualTo(2);
        }
    }

    @Test
    void call_breakerOpensOnFailuresFailsFastAndRecovers() throws Exception {
        status = 500;
        try (Outbound out = Outbound.builder().clock(clock).breaker(4, 4, Duration.ofMillis(200)).build()) {
            for (int i = 0; i < 4; i++) {
                assertThatThrownBy(() -> out.postJson(url("/hook"), "{}", Map.of(), attempts(1, Duration.ofSeconds(5))))
                        .hasMessageContaining("HTTP 500");
            }
            String dependency = "127.0.0.1:" + server.getAddress().getPort();
            assertThat(out.state(dependency)).isEqualTo("OPEN");
            int before = hits.get();
            assertThatThrownBy(() -> out.postJson(url("/hook"), "{}", Map.of(), attempts(1, Duration.ofSeconds(5))))
                    .hasMessage("Circuit breaker of " + dependency + " is open");
            assertThat(hits.get()).isEqualTo(before);

            status = 200;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            boolean recovered = false;
            while (!recovered && System.nanoTime() < deadline) {
                try {
                    out.postJson(url("/hook"), "{}", Map.of(), attempts(1, Duration.ofSeconds(5)));
                    recovered = true;
                } catch (Outbound.Failure f) {
                    assertThat(f.getMessage()).contains("is open");
                    Thread.sleep(20);
                }
            }
            assertThat(recovered).isTrue();
            out.postJson(url("/hook"), "{}", Map.of(), attempts(1, Duration.ofSeconds(5)));
            assertThat(out.state(dependency)).isEqualTo("CLOSED");
            assertThat(out.dependencies()).extracting(Outbound.DependencyState::dependency).containsExactly(dependency);
        }
    }

    @Test
    void call_slowDependency_timesOutWithoutWaitingForIt() {
        try (Outbound out = Outbound.builder().clock(clock).build()) {
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                    assertThatThrownBy(() -> out.postJson(url("/slow"), "{}", Map.of(),
                            attempts(1, Duration.ofMillis(300))))
                            .isInstanceOfSatisfying(Outbound.Failure.class, f -> {
                                assertThat(f.retriable()).isTrue();
                                assertThat(f.getMessage()).containsIgnoringCase("timed out");
                            }));
            // The dependency is still holding the request: the caller did not wait for it.
            assertThat(slowRelease.getCount()).isEqualTo(1);
        }
    }

    @Test
    void call_fullBulkhead_failsFast() throws Exception {
        try (Outbound out = Outbound.builder().clock(clock).bulkhead(1).build()) {
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch leave = new CountDownLatch(1);
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    out.call("db", attempts(1, Duration.ofSeconds(30)), () -> {
                        inside.countDown();
                        leave.await();
                        return null;
                    });
                } catch (Outbound.Failure e) {
                    throw new IllegalStateException(e);
                }
            });
            inside.await();
            assertThatThrownBy(() -> out.call("db", attempts(1, Duration.ofSeconds(1)), () -> null))
                    .hasMessage("Bulkhead of db is full");
            leave.countDown();
            t.join();
            assertThat(out.<String>call("db", attempts(1, Duration.ofSeconds(5)), () -> "free")).isEqualTo("free");
        }
    }

    @Test
    void backoff_isFullJitterUnderTheCappedExponential() {
        try (Outbound zero = Outbound.builder().random(() -> 0.0).build();
             Outbound top = Outbound.builder().random(() -> 0.999999).build()) {
            Outbound.Policy p = new Outbound.Policy(Duration.ofSeconds(1), 10, Duration.ofMillis(100), Duration.ofSeconds(1));
            assertThat(zero.backoff(p, 3)).isEqualTo(Duration.ZERO);
            assertThat(top.backoff(p, 1)).isBetween(Duration.ofMillis(99), Duration.ofMillis(100));
            assertThat(top.backoff(p, 3)).isBetween(Duration.ofMillis(399), Duration.ofMillis(400));
            assertThat(top.backoff(p, 9)).isBetween(Duration.ofMillis(999), Duration.ofSeconds(1));
        }
    }
}
