package dev.setlist.flows.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.asl.Clock;
import dev.setlist.flows.Flow;
import dev.setlist.flows.GuardSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class GuardTest {
    private final Clock.Manual clock = Clock.manual(Instant.parse("2026-11-25T23:59:00Z"));
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private Guard guard(LeverStore store) {
        return Guard.builder(Catalogs.shop()).clock(clock).nanos(nanos::get).levers(store).pollEvery(null)
                .shedder(Shedder.fixed(100)).build();
    }

    private Guard guard() {
        return guard(LeverStore.memory());
    }

    private static boolean admitted(Guard.Admission a) {
        if (a instanceof Guard.Admitted ok) {
            ok.permit().release(false);
            return true;
        }
        return false;
    }

    @Test
    void policy_withoutGuardSection_defaultsFromCriticality() {
        Guard g = guard();
        GuardPolicy report = g.policy("report");
        assertThat(report.criticality()).isEqualTo(Flow.Criticality.LOW);
        assertThat(report.cache()).isNull();
        assertThat(report.flowRate()).isEqualTo(new GuardPolicy.Rate(2000, 4000));
        assertThat(report.callerRate()).isEqualTo(new GuardPolicy.Rate(200, 400));
        assertThat(report.outboundAttempts()).isEqualTo(1);

        GuardPolicy browse = g.policy("browse");
        assertThat(browse.cache().ttl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(browse.cache().staleFor()).isEqualTo(Duration.ofHours(1));
        assertThat(browse.cache().maxBytes()).isEqualTo(GuardPolicy.DEFAULT_MAX_BYTES);
        assertThat(browse.callerRate()).isEqualTo(new GuardPolicy.Rate(1, 5));
        assertThat(browse.flowRate()).isEqualTo(new GuardPolicy.Rate(10_000, 20_000));
        assertThat(browse.outboundAttempts()).isEqualTo(3);
        assertThat(g.policy("buy").flowRate()).isEqualTo(new GuardPolicy.Rate(10, 7));
        assertThat(g.policy("buy").quota()).isEqualTo(new GuardSpec.Quota(3, GuardSpec.Period.DAY));
    }

    @Test
    void admit_concurrentCallers_exactlyTheBurstPerCallerIsAdmitted() throws Exception {
        Guard g = guard();
        AtomicInteger alice = new AtomicInteger();
        AtomicInteger bob = new AtomicInteger();
        List<Callable<Void>> calls = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            String caller = i % 2 == 0 ? "alice" : "bob";
            AtomicInteger count = i % 2 == 0 ? alice : bob;
            calls.add(() -> {
                for (int n = 0; n < 10; n++) {
                    if (admitted(g.admit("browse", caller, null))) {
                        count.incrementAndGet();
                    }
                }
                return null;
            });
        }
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<Void> f : pool.invokeAll(calls)) {
                f.get();
            }
        }
        // Time stands still, so no token is refilled: each caller gets exactly its burst.
        assertThat(alice.get()).isEqualTo(5);
        assertThat(bob.get()).isEqualTo(5);
        assertThat(g.stats("browse").throttled.sum()).isEqualTo(630);

        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(admitted(g.admit("browse", "alice", null))).isTrue();
        assertThat(admitted(g.admit("browse", "alice", null))).isTrue();
        Guard.Admission third = g.admit("browse", "alice", null);
        assertThat(third).isInstanceOfSatisfying(Guard.Refused.class, r -> {
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.type()).isEqualTo("TooManyRequests");
            assertThat(r.message()).isEqualTo("Rate limit of flow browse exceeded for caller alice");
            assertThat(r.retryAfterSeconds()).isEqualTo(1);
        });
    }

    @Test
    void admit_flowBucket_sharedByAllCallers() throws Exception {
        Guard g = guard();
        g.setLevers("buy", new Levers(false, false, null, true, null, "ops", clock.now()), "SetGuardQuota", "{}");
        int admitted = 0;
        for (int i = 0; i < 20; i++) {
            if (admitted(g.admit("buy", "caller-" + i, null))) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(7);
    }

    @Test
    void admit_quotaAcrossPeriodBoundary_countsAgainFromZero() throws Exception {
        Guard g = guard();
        for (int i = 0; i < 3; i++) {
            assertThat(admitted(g.admit("buy", "alice", null))).isTrue();
            nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        }
        Guard.Admission fourth = g.admit("buy", "alice", null);
        assertThat(fourth).isInstanceOfSatisfying(Guard.Refused.class, r -> {
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.type()).isEqualTo("LimitExceeded");
            assertThat(r.message()).isEqualTo("Quota of 3 requests per day of flow buy used up for caller alice");
            assertThat(r.retryAfterSeconds()).isEqualTo(60);
        });
        assertThat(admitted(g.admit("buy", "bob", null))).isTrue();
        assertThat(g.quotaUsage("buy")).extracting(Quotas.Usage::caller, Quotas.Usage::used)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", 3L), org.assertj.core.groups.Tuple.tuple("bob", 1L));

        clock.advance(Duration.ofSeconds(60));
        nanos.addAndGet(Duration.ofSeconds(60).toNanos());
        assertThat(admitted(g.admit("buy", "alice", null))).isTrue();
        assertThat(g.quotaUsage("buy")).extracting(Quotas.Usage::used).containsExactly(1L);
    }

    @Test
    void quotaPeriods_startAtUtcDayIsoWeekAndMonth() {
        Instant t = Instant.parse("2026-11-25T13:00:00Z"); // a Wednesday
        assertThat(Quotas.start(t, GuardSpec.Period.DAY)).isEqualTo(Instant.parse("2026-11-25T00:00:00Z"));
        assertThat(Quotas.start(t, GuardSpec.Period.WEEK)).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
        assertThat(Quotas.start(t, GuardSpec.Period.MONTH)).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
        assertThat(Quotas.end(Quotas.start(t, GuardSpec.Period.MONTH), GuardSpec.Period.MONTH))
                .isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
    }

    @Test
    void lookup_afterTtl_isStaleUntilTheAllowanceEnds() {
        Guard g = guard();
        byte[] body = "[1,2]".getBytes(StandardCharsets.UTF_8);
        assertThat(g.lookup("browse", "k")).isNull();
        assertThat(g.store("browse", "k", 200, "application/json", body)).isTrue();

        Guard.Lookup fresh = g.lookup("browse", "k");
        assertThat(fresh.fresh()).isTrue();
        assertThat(fresh.entry().body()).isEqualTo(body);
        assertThat(fresh.entry().contentType()).isEqualTo("application/json");

        clock.advance(Duration.ofSeconds(60));
        Guard.Lookup stale = g.lookup("browse", "k");
        assertThat(stale.fresh()).isFalse();
        assertThat(stale.age()).isEqualTo(Duration.ofSeconds(60));

        clock.advance(Duration.ofHours(1));
        assertThat(g.lookup("browse", "k")).isNull();
        assertThat(g.stats("browse").hits.sum()).isEqualTo(1);
        assertThat(g.stats("browse").misses.sum()).isEqualTo(3);
    }

    @Test
    void store_largerThanMaxBytesOrUncachedFlow_isNotKept() {
        Guard g = guard();
        assertThat(g.store("browse", "big", 200, null, new byte[GuardPolicy.DEFAULT_MAX_BYTES + 1])).isFalse();
        assertThat(g.store("report", "k", 200, null, new byte[1])).isFalse();
        assertThat(g.lookup("report", "k")).isNull();
    }

    @Test
    void cacheKey_onlyTheNamedPartsSplitEntries() {
        GuardPolicy.Cache c = guard().policy("browse").cache();
        String viewer = Guard.cacheKey(c, "GET", "/api/concerts", "page=1", h -> "en", "viewer");
        assertThat(Guard.cacheKey(c, "GET", "/api/concerts", "page=2", h -> "fr", "viewer")).isEqualTo(viewer);
        assertThat(Guard.cacheKey(c, "GET", "/api/concerts", "page=1", h -> "en", "operator")).isNotEqualTo(viewer);
        assertThat(Guard.cacheKey(c, "GET", "/api/concerts/7", "page=1", h -> "en", "viewer")).isNotEqualTo(viewer);
        GuardPolicy.Cache byHeader = new GuardPolicy.Cache(c.ttl(), List.of("path", "query", "header:Accept-Language"),
                c.maxBytes(), c.staleFor(), List.of(), List.of(), GuardSpec.RefreshDenied.FORBID);
        assertThat(Guard.cacheKey(byHeader, "GET", "/a", "x=1", h -> "en", null))
                .isNotEqualTo(Guard.cacheKey(byHeader, "GET", "/a", "x=1", h -> "fr", null))
                .isNotEqualTo(Guard.cacheKey(byHeader, "GET", "/a", "x=2", h -> "en", null));
    }

    @Test
    void ruleMatched_dropsTheEntriesOfFlowsInvalidatedByTheRule() {
        Guard g = guard();
        g.store("browse", "a", 200, null, new byte[] {1});
        g.store("browse", "b", 200, null, new byte[] {2});
        assertThat(g.ruleMatched("some-other-rule")).isEmpty();
        assertThat(g.lookup("browse", "a")).isNotNull();

        assertThat(g.ruleMatched("concert-created")).containsExactly("browse");
        assertThat(g.lookup("browse", "a")).isNull();
        assertThat(g.lookup("browse", "b")).isNull();
        assertThat(g.stats("browse").invalidations.sum()).isEqualTo(1);
    }

    @Test
    void levers_disableDegradeAndRate_holdOnEveryNodeOfTheStore() throws Exception {
        LeverStore shared = LeverStore.memory();
        Guard a = guard(shared);
        Guard b = guard(shared);
        a.setLevers("report", new Levers(true, false, null, false, null, "ops", clock.now()), "SetGuardLevers", "{}");
        b.refreshLevers();
        assertThat(b.admit("report", "x", null)).isInstanceOfSatisfying(Guard.Refused.class, r -> {
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.type()).isEqualTo("FlowDisabled");
            assertThat(r.message()).isEqualTo("Flow report is disabled by an operator");
        });

        a.setLevers("report", new Levers(false, true, new GuardPolicy.Rate(0.001, 1), false, null, "ops", clock.now()),
                "SetGuardLevers", "{}");
        b.refreshLevers();
        assertThat(b.degraded("report")).isTrue();
        assertThat(b.policy("report").flowRate()).isEqualTo(new GuardPolicy.Rate(0.001, 1));
        assertThat(admitted(b.admit("report", "x", null))).isTrue();
        assertThat(b.admit("report", "y", null)).isInstanceOfSatisfying(Guard.Refused.class,
                r -> assertThat(r.message()).isEqualTo("Rate limit of flow report exceeded"));
        assertThat(b.catalogPolicy("report").flowRate()).isEqualTo(new GuardPolicy.Rate(2000, 4000));
    }

    @Test
    void levers_polled_reachAnotherNodeWithoutBeingAsked() throws Exception {
        LeverStore shared = LeverStore.memory();
        Guard a = guard(shared);
        try (Guard b = Guard.builder(Catalogs.shop()).clock(clock).levers(shared).pollEvery(Duration.ofMillis(20)).build()) {
            a.setLevers("browse", new Levers(false, true, null, false, null, "ops", clock.now()), "SetGuardLevers", "{}");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!b.degraded("browse") && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(b.degraded("browse")).isTrue();
        }
    }

    @Test
    void call_usesTheFlowsAttemptsByCriticality() throws Exception {
        Guard g = guard();
        AtomicInteger high = new AtomicInteger();
        AtomicInteger low = new AtomicInteger();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> g.call("browse", "gateway", () -> {
            high.incrementAndGet();
            throw new Outbound.Failure("HTTP 503", true);
        })).isInstanceOf(Outbound.Failure.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> g.call("report", "gateway", () -> {
            low.incrementAndGet();
            throw new Outbound.Failure("HTTP 503", true);
        })).isInstanceOf(Outbound.Failure.class);
        assertThat(high.get()).isEqualTo(3);
        assertThat(low.get()).isEqualTo(1);
        assertThat(g.<String>call("buy", "gateway", () -> "paid")).isEqualTo("paid");
    }
}
