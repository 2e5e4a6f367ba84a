package dev.setlist.flows;

import java.time.Duration;
import java.util.List;

/**
 * What a flow's optional {@code guard} section of the catalog says about caching, throttling,
 * quotas, degraded mode and outbound calls. Every field is {@code null} when the catalog leaves
 * it out; the traffic guard fills the gaps from the flow's criticality.
 */
public record GuardSpec(Cache cache, Double ratePerSecond, Integer burst, Double callerRatePerSecond,
                        Integer callerBurst, Quota quota, String degradedMode, Outbound outbound) {
    public static final GuardSpec NONE = new GuardSpec(null, null, null, null, null, null, null, null);

    /**
     * Response caching of the flow's GET routes: how long an entry is fresh, what it is keyed by
     * ({@code path}, {@code query}, {@code role}, {@code header:Name}), the largest answer cached,
     * how long past its freshness it may answer when the handler fails, the event rules whose
     * matches drop it, and who may force a refresh.
     */
    public record Cache(Duration ttl, List<String> keys, Integer maxBytes, Duration staleFor,
                        List<String> invalidatedBy, List<String> refreshRoles, RefreshDenied refreshDenied) {
        public Cache {
            keys = keys == null ? null : List.copyOf(keys);
            invalidatedBy = invalidatedBy == null ? List.of() : List.copyOf(invalidatedBy);
            refreshRoles = refreshRoles == null ? List.of() : List.copyOf(refreshRoles);
        }
    }

    /** What a caller who may not refresh gets for {@code Cache-Control: max-age=0}. */
    public enum RefreshDenied {
        FORBID, IGNORE;

        public String yaml() {
            return name().toLowerCase();
        }
    }

    /** How many requests one caller may make per period. */
    public record Quota(long limit, Period period) {}

    /** A quota period, in UTC: a day from midnight, an ISO week from Monday, a calendar month. */
    public enum Period {
        DAY, WEEK, MONTH;

        public String yaml() {
            return name().toLowerCase();
        }
    }

    /** Outbound calls made for the flow: the timeout of one attempt and how many attempts in all. */
    public record Outbound(Duration timeout, Integer maxAttempts) {}
}
