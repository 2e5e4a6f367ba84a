package dev.setlist.flows.guard;

import dev.setlist.flows.Flow;
import dev.setlist.flows.GuardSpec;
import java.time.Duration;
import java.util.List;

/**
 * What the guard does for one flow: its catalog's {@code guard} section with every gap filled from
 * the flow's criticality. Caching is on only when the catalog asks for it (a read served from a
 * cache must be something the flow's owner chose); rates, shedding, staleness and outbound retries
 * always have a policy. Immutable.
 */
public record GuardPolicy(String flow, Flow.Criticality criticality, Cache cache, Rate flowRate, Rate callerRate,
                          GuardSpec.Quota quota, String degradedMode, Duration outboundTimeout,
                          int outboundAttempts) {
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(300);
    public static final int DEFAULT_MAX_BYTES = 1 << 20;

    /** A token bucket: refilled at {@code perSecond}, holding at most {@code burst} tokens. */
    public record Rate(double perSecond, long burst) {
        public Rate {
            if (!(perSecond > 0) || burst < 1) {
                throw new IllegalArgumentException("A rate needs perSecond > 0 and burst >= 1, was " + perSecond + "/"
                        + burst);
            }
        }
    }

    /** A flow's response cache; {@code staleFor} zero when stale answers are not allowed. */
    public record Cache(Duration ttl, List<String> keys, int maxBytes, Duration staleFor, List<String> invalidatedBy,
                        List<String> refreshRoles, GuardSpec.RefreshDenied refreshDenied) {
        public Cache {
            keys = List.copyOf(keys);
            invalidatedBy = List.copyOf(invalidatedBy);
            refreshRoles = List.copyOf(refreshRoles);
        }
    }

    /** The policy of {@code flow}: its guard section over the defaults of its criticality. */
    public static GuardPolicy of(Flow flow) {
        GuardSpec g = flow.guard();
        Flow.Criticality c = flow.criticality();
        Rate flowDefault = switch (c) {
            case HIGH -> new Rate(10_000, 20_000);
            case MEDIUM -> new Rate(5_000, 10_000);
            case LOW -> new Rate(2_000, 4_000);
        };
        // Generous per caller: the defaults stop a runaway client, not a busy one; a flow that
        // needs tighter limits says so in its guard section.
        Rate callerDefault = switch (c) {
            case HIGH -> new Rate(1_000, 2_000);
            case MEDIUM -> new Rate(500, 1_000);
            case LOW -> new Rate(200, 400);
        };
        Rate flowRate = rate(g.ratePerSecond(), g.burst(), flowDefault);
        Rate callerRate = rate(g.callerRatePerSecond(), g.callerBurst(), callerDefault);
        Cache cache = null;
        if (g.cache() != null) {
            GuardSpec.Cache s = g.cache();
            Duration staleDefault = switch (c) {
                case HIGH -> Duration.ofHours(1);
                case MEDIUM -> Duration.ofMinutes(5);
                case LOW -> Duration.ZERO;
            };
            cache = new Cache(s.ttl() != null ? s.ttl() : DEFAULT_TTL, s.keys() != null ? s.keys() : List.of("path", "query"),
                    s.maxBytes() != null ? s.maxBytes() : DEFAULT_MAX_BYTES,
                    s.staleFor() != null ? s.staleFor() : staleDefault, s.invalidatedBy(), s.refreshRoles(),
                    s.refreshDenied() != null ? s.refreshDenied() : GuardSpec.RefreshDenied.FORBID);
        }
        int attempts = switch (c) {
            case HIGH -> 3;
            case MEDIUM -> 2;
            case LOW -> 1;
        };
        Duration timeout = Duration.ofSeconds(5);
        if (g.outbound() != null) {
            attempts = g.outbound().maxAttempts() != null ? g.outbound().maxAttempts() : attempts;
            timeout = g.outbound().timeout() != null ? g.outbound().timeout() : timeout;
        }
        return new GuardPolicy(flow.id(), c, cache, flowRate, callerRate, g.quota(), g.degradedMode(), timeout, attempts);
    }

    private static Rate rate(Double perSecond, Integer burst, Rate fallback) {
        double r = perSecond != null ? perSecond : fallback.perSecond();
        long b = burst != null ? burst : perSecond != null ? Math.max(1, (long) Math.ceil(r * 2)) : fallback.burst();
        return new Rate(r, b);
    }
}
