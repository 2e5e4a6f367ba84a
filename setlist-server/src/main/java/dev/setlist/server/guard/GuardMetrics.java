package dev.setlist.server.guard;

import dev.setlist.flows.Flow;
import dev.setlist.flows.guard.Guard;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The guard's figures as meters, read from the guard when scraped: per flow the cache's hits,
 * misses, stale answers, evictions and invalidations, throttled and shed requests; the
 * concurrency limit, requests in flight and shed per criticality; outbound dependencies whose
 * breaker is not closed, and the retries made and refused by the retry budget.
 */
public final class GuardMetrics {
    private GuardMetrics() {}

    public static void bind(Guard guard, MeterRegistry registry) {
        for (String flow : guard.flows()) {
            Guard.Stats s = guard.stats(flow);
            counter(registry, "setlist.guard.cache.hits", "Answers served fresh from the cache", flow, s, x -> x.hits);
            counter(registry, "setlist.guard.cache.misses", "Cacheable reads the cache could not answer", flow, s,
                    x -> x.misses);
            counter(registry, "setlist.guard.cache.stale", "Failed reads answered from a stale entry", flow, s,
                    x -> x.stale);
            counter(registry, "setlist.guard.cache.evictions", "Entries evicted for room", flow, s, x -> x.evictions);
            counter(registry, "setlist.guard.cache.invalidations", "Times the flow's entries were dropped", flow, s,
                    x -> x.invalidations);
            counter(registry, "setlist.guard.throttled", "Requests refused by a rate limit or quota", flow, s,
                    x -> x.throttled);
            counter(registry, "setlist.guard.shed", "Requests shed under overload", flow, s, x -> x.shed);
        }
        Gauge.builder("setlist.guard.concurrency.limit", guard.shedder(), sh -> sh.limit())
                .description("The concurrency limit").register(registry);
        Gauge.builder("setlist.guard.concurrency.in_flight", guard.shedder(), sh -> sh.inFlight())
                .description("Guarded requests in flight").register(registry);
        for (Flow.Criticality c : Flow.Criticality.values()) {
            FunctionCounter.builder("setlist.guard.concurrency.shed", guard.shedder(), sh -> sh.shed(c))
                    .description("Requests shed by criticality").tag("criticality", c.yaml()).register(registry);
        }
        Gauge.builder("setlist.guard.outbound.open_breakers", guard.outbound(),
                        o -> o.dependencies().stream().filter(d -> !d.state().equals("CLOSED")).count())
                .description("Outbound dependencies whose breaker is not closed").register(registry);
        FunctionCounter.builder("setlist.guard.outbound.retries", guard.outbound(), o -> o.budget().retried())
                .description("Outbound retries made").register(registry);
        FunctionCounter.builder("setlist.guard.outbound.retries.denied", guard.outbound(), o -> o.budget().denied())
                .description("Outbound retries the retry budget refused").register(registry);
    }

    private static void counter(MeterRegistry registry, String name, String description, String flow, Guard.Stats s,
                                Function<Guard.Stats, LongAdder> field) {
        FunctionCounter.builder(name, s, x -> field.apply(x).sum()).description(description).tag("flow", flow)
                .register(registry);
    }
}
