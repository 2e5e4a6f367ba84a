package dev.setlist.flows.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.asl.Clock;
import dev.setlist.flows.Catalog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;

/**
 * Two guards standing for two nodes, sharing the Redis at 127.0.0.1:6379: cached answers, token
 * buckets and quotas are common to both. Skipped when Redis is not reachable, unless {@code CI}
 * is set (then it fails).
 */
class RedisGuardTest {
    private static final String YAML = Catalogs.YAML.replace("""
                guard:
                  quota: {limit: 3, period: day}
                  rate: 10/s
                  burst: 7
            """, """
                guard:
                  quota: {limit: 3, period: day}
                  rate: 1/h
                  burst: 10
                  callerRate: 1/h
                  callerBurst: 100
            """);

    private final String prefix = "setlist:test:" + UUID.randomUUID() + ":";
    private final Clock.Manual clock = Clock.manual(Instant.parse("2026-11-25T23:59:30Z"));
    private UnifiedJedis a;
    private UnifiedJedis b;

    @BeforeEach
    void connect() {
        try {
            a = new UnifiedJedis("redis://127.0.0.1:6379");
            a.ping();
        } catch (RuntimeException e) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("CI needs Redis at 127.0.0.1:6379", e);
            }
            Assumptions.abort("Redis is not reachable at 127.0.0.1:6379: " + e);
        }
        b = new UnifiedJedis("redis://127.0.0.1:6379");
    }

    @AfterEach
    void clean() {
        if (a != null) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                var page = a.scan(cursor, new ScanParams().match(prefix + "*").count(1000));
                if (!page.getResult().isEmpty()) {
                    a.del(page.getResult().toArray(String[]::new));
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private Guard node(UnifiedJedis jedis) {
        return Guard.builder(Catalog.parse(YAML)).clock(clock).pollEvery(null).shedder(Shedder.fixed(1000))
                .cache(ResponseCache.redis(jedis, prefix + "cache:")).rates(RateLimits.redis(jedis, prefix + "rate:"))
                .quotas(Quotas.redis(clock, jedis, prefix + "quota:")).build();
    }

    @Test
    void cache_sharedBetweenNodes_storeOnOneHitOnTheOtherInvalidateEverywhere() {
        Guard one = node(a);
        Guard two = node(b);
        assertThat(two.lookup("browse", "GET /api/concerts")).isNull();
        one.store("browse", "GET /api/concerts", 200, "application/json", "[\"Nirvana\"]".getBytes());

        Guard.Lookup hit = two.lookup("browse", "GET /api/concerts");
        assertThat(hit.fresh()).isTrue();
        assertThat(new String(hit.entry().body())).isEqualTo("[\"Nirvana\"]");
        assertThat(hit.entry().contentType()).isEqualTo("application/json");
        assertThat(hit.entry().status()).isEqualTo(200);

        clock.advance(Duration.ofSeconds(61));
        assertThat(two.lookup("browse", "GET /api/concerts").fresh()).isFalse();

        two.ruleMatched("concert-created");
        assertThat(one.lookup("browse", "GET /api/concerts")).isNull();
        assertThat(one.cache().backend()).isEqualTo("redis");
    }

    @Test
    void rates_concurrentCallersOnTwoNodes_shareOneBucket() throws Exception {
        Guard one = node(a);
        Guard two = node(b);
        AtomicInteger admitted = new AtomicInteger();
        List<Callable<Void>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Guard g = i % 2 == 0 ? one : two;
            String caller = "caller-" + i;
            calls.add(() -> {
                for (int n = 0; n < 5; n++) {
                    if (g.admit("report", caller, null) instanceof Guard.Admitted ok) {
                        ok.permit().release(false);
                    }
                    // "buy" has a flow bucket of 10 refilled once an hour, shared through Redis.
                    Guard.Admission x = g.admit("buy", caller + "-" + n, null);
                    if (x instanceof Guard.Admitted ok) {
                        ok.permit().release(false);
                        admitted.incrementAndGet();
                    }
                }
                return null;
            });
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (Future<Void> f : pool.invokeAll(calls)) {
                f.get();
            }
        }
        assertThat(admitted.get()).isEqualTo(10);
    }

    @Test
    void quotas_sharedBetweenNodes_andCountedAgainInTheNextPeriod() throws Exception {
        Guard one = node(a);
        Guard two = node(b);
        assertThat(one.admit("buy", "alice", null)).isInstanceOf(Guard.Admitted.class);
        assertThat(two.admit("buy", "alice", null)).isInstanceOf(Guard.Admitted.class);
        assertThat(one.admit("buy", "alice", null)).isInstanceOf(Guard.Admitted.class);
        assertThat(two.admit("buy", "alice", null)).isInstanceOfSatisfying(Guard.Refused.class,
                r -> assertThat(r.type()).isEqualTo("LimitExceeded"));
        assertThat(one.quotaUsage("buy")).extracting(Quotas.Usage::caller, Quotas.Usage::used)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", 3L));

        clock.advance(Duration.ofSeconds(31));
        assertThat(two.admit("buy", "alice", null)).isInstanceOf(Guard.Admitted.class);
    }

    @Test
    void quotas_keyExpiresRelativeToTheInjectedClock_notRedisClock() {
        // A clock years away from Redis's: the key must still live until the period's end by this
        // clock (30 s) plus the minute of grace, and keep counting meanwhile.
        Clock.Manual past = Clock.manual(Instant.parse("2019-03-01T23:59:30Z"));
        Quotas quotas = Quotas.redis(past, a, prefix + "quota:");
        var quota = new dev.setlist.flows.GuardSpec.Quota(2, dev.setlist.flows.GuardSpec.Period.DAY);
        assertThat(quotas.take("buy", "bob", quota).allowed()).isTrue();
        assertThat(quotas.take("buy", "bob", quota).allowed()).isTrue();
        Quotas.Outcome third = quotas.take("buy", "bob", quota);
        assertThat(third.allowed()).isFalse();
        assertThat(third.used()).isEqualTo(2);
        assertThat(third.resetsAt()).isEqualTo(Instant.parse("2019-03-02T00:00:00Z"));

        var keys = List.copyOf(a.keys(prefix + "quota:*"));
        assertThat(keys).hasSize(1);
        assertThat(a.pttl(keys.get(0))).isBetween(80_000L, 90_000L);
        assertThat(a.get(keys.get(0))).isEqualTo("2");
    }
}
