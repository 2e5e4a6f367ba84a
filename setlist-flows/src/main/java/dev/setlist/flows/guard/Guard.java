package dev.setlist.flows.guard;

import dev.setlist.asl.Clock;
import dev.setlist.flows.Catalog;
import dev.setlist.flows.Flow;
import dev.setlist.flows.GuardSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The traffic guard of a workload: for each flow of its catalog it decides whether a request may
 * go ahead (levers, token buckets per caller and per flow, quotas, the concurrency limit by
 * criticality), answers reads from the response cache and keeps the last good answer for when the
 * origin fails. It knows nothing of HTTP: the server asks it before and after each request.
 *
 * <p>Levers live in a {@link LeverStore} polled every second, so a lever pulled on one node holds
 * on every node within about a second. Thread safe; {@link #close} stops the polling.
 */
public final class Guard implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Guard.class);

    private final Map<String, Flow> flows = new LinkedHashMap<>();
    private final Map<String, GuardPolicy> catalogPolicies = new LinkedHashMap<>();
    private final Clock clock;
    private final ResponseCache cache;
    private final RateLimits rates;
    private final Quotas quotas;
    private final Shedder shedder;
    private final LeverStore store;
    private final Outbound outbound;
    private final GuardPolicy.Rate actionRate;
    private final Map<String, Stats> stats = new ConcurrentHashMap<>();
    private final ScheduledExecutorService poller;
    private volatile Map<String, Levers> levers = Map.of();
    private volatile long leverVersion = Long.MIN_VALUE;

    /** Counters of one flow. */
    public static final class Stats {
        public final LongAdder hits = new LongAdder();
        public final LongAdder misses = new LongAdder();
        public final LongAdder stale = new LongAdder();
        public final LongAdder evictions = new LongAdder();
        public final LongAdder invalidations = new LongAdder();
        public final LongAdder throttled = new LongAdder();
        public final LongAdder shed = new LongAdder();
    }

    /** What the guard decided for a request. */
    public sealed interface Admission {}

    /** Go ahead; release the permit when the answer is done. */
    public record Admitted(Shedder.Permit permit) implements Admission {}

    /**
     * Refused: the status to answer ({@code 429} or {@code 503}), the error type
     * ({@code FlowDisabled}, {@code TooManyRequests}, {@code LimitExceeded}, {@code Overloaded}), a
     * message naming the flow, and when to retry.
     */
    public record Refused(int status, String type, String message, String flow, long retryAfterSeconds)
            implements Admission {}

    /** A cached answer and how it stands: fresh, or only good enough when the origin fails. */
    public record Lookup(ResponseCache.Entry entry, boolean fresh, Duration age) {}

    private Guard(Builder b) {
        for (Flow f : b.catalog.flows()) {
            flows.put(f.id(), f);
            catalogPolicies.put(f.id(), GuardPolicy.of(f));
        }
        this.clock = b.clock;
        this.rates = b.rates != null ? b.rates : RateLimits.local(b.nanos);
        this.quotas = b.quotas != null ? b.quotas : Quotas.local(b.clock);
        this.shedder = b.shedder != null ? b.shedder : Shedder.adaptive(64, 1000);
        this.store = b.store;
        this.outbound = b.outbound != null ? b.outbound : Outbound.builder().clock(b.clock).build();
        this.actionRate = b.actionRate;
        this.cache = b.cache != null ? b.cache : ResponseCache.local(b.cacheBytes, flow -> stats(flow).evictions.increment());
        refreshLevers();
        if (b.pollEvery != null) {
            poller = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "setlist-guard-levers");
                t.setDaemon(true);
                return t;
            });
            long ms = b.pollEvery.toMillis();
            poller.scheduleWithFixedDelay(this::pollLevers, ms, ms, TimeUnit.MILLISECONDS);
        } else {
            poller = null;
        }
    }

    public static Builder builder(Catalog catalog) {
        return new Builder(catalog);
    }

    // ---- policies and levers -----------------------------------------------------------------

    /** The flows guarded, in catalog order. */
    public List<String> flows() {
        return List.copyOf(flows.keySet());
    }

    public boolean knows(String flow) {
        return flows.containsKey(flow);
    }

    /** The flow's policy with its levers applied (an operator's rate or quota replaces the catalog's); null for an unknown flow. */
    public GuardPolicy policy(String flow) {
        GuardPolicy p = catalogPolicies.get(flow);
        if (p == null) {
            return null;
        }
        Levers l = levers(flow);
        if (l.rate() == null && !l.quotaOverridden()) {
            return p;
        }
        return new GuardPolicy(p.flow(), p.criticality(), p.cache(), l.rate() != null ? l.rate() : p.flowRate(),
                p.callerRate(), l.quotaOverridden() ? l.quota() : p.quota(), p.degradedMode(), p.outboundTimeout(),
                p.outboundAttempts());
    }

    /** The policy the catalog alone gives the flow. */
    public GuardPolicy catalogPolicy(String flow) {
        return catalogPolicies.get(flow);
    }

    public Levers levers(String flow) {
        return levers.getOrDefault(flow, Levers.NONE);
    }

    /**
     * True when the flow should answer in its degraded mode (an operator forced it). Workloads ask
     * this in their handlers, for example to answer a search from the concert list.
     */
    public boolean degraded(String flow) {
        return levers(flow).degraded();
    }

    /** Stores new levers for {@code flow} (audited by the store) and applies them on this node at once. */
    public void setLevers(String flow, Levers l, String action, String details) {
        requireFlow(flow);
        store.save(flow, l, action, details);
        refreshLevers();
    }

    private void requireFlow(String flow) {
        if (!flows.containsKey(flow)) {
            throw new IllegalArgumentException("Flow " + flow + " does not exist");
        }
    }

    private void pollLevers() {
        try {
            if (store.version() != leverVersion) {
                refreshLevers();
            }
        } catch (RuntimeException e) {
            log.warn("could not read the guard's levers: {}", dev.setlist.asl.SafeFailure.summary(e));
        }
    }

    /** Reads the levers from the store now (the poller does this every second). */
    public synchronized void refreshLevers() {
        long v = store.version();
        levers = Map.copyOf(store.load());
        leverVersion = v;
    }

    // ---- admission ---------------------------------------------------------------------------

    /**
     * Decides whether a request of {@code caller} to {@code flow} goes ahead: levers first, then
     * the caller's and the flow's token buckets, the quota, and last the concurrency limit (which
     * may wait briefly, never beyond {@code callerTimeout} when given).
     */
    public Admission admit(String flow, String caller, Duration callerTimeout) throws InterruptedException {
        GuardPolicy p = policy(flow);
        Objects.requireNonNull(p, "unknown flow");
        Levers l = levers(flow);
        if (l.disabled()) {
            return new Refused(503, "FlowDisabled", "Flow " + flow + " is disabled by an operator", flow, 30);
        }
        Stats s = stats(flow);
        RateLimits.Probe probe = rates.tryConsume("caller|" + flow + "|" + caller, p.callerRate());
        if (!probe.consumed()) {
            s.throttled.increment();
            return new Refused(429, "TooManyRequests", "Rate limit of flow " + flow + " exceeded for caller " + caller,
                    flow, seconds(probe.nanosToWait()));
        }
        probe = rates.tryConsume("flow|" + flow, p.flowRate());
        if (!probe.consumed()) {
            s.throttled.increment();
            return new Refused(429, "TooManyRequests", "Rate limit of flow " + flow + " exceeded", flow,
                    seconds(probe.nanosToWait()));
        }
        if (p.quota() != null) {
            Quotas.Outcome q = quotas.take(flow, caller, p.quota());
            if (!q.allowed()) {
                s.throttled.increment();
                long wait = Math.max(1, Duration.between(clock.now(), q.resetsAt()).toSeconds());
                return new Refused(429, "LimitExceeded", "Quota of " + p.quota().limit() + " requests per "
                        + p.quota().period().yaml() + " of flow " + flow + " used up for caller " + caller, flow, wait);
            }
        }
        Shedder.Permit permit = shedder.acquire(p.criticality(), callerTimeout);
        if (permit == null) {
            s.shed.increment();
            return new Refused(503, "Overloaded", "Flow " + flow + " (" + p.criticality().yaml()
                    + " criticality) shed under overload", flow, 1);
        }
        return new Admitted(permit);
    }

    /** The per-action limit of the AWS-compatible APIs: null when allowed, else when to retry (seconds). */
    public Long throttleAction(String action) {
        RateLimits.Probe probe = rates.tryConsume("action|" + action, actionRate);
        return probe.consumed() ? null : seconds(probe.nanosToWait());
    }

    public GuardPolicy.Rate actionRate() {
        return actionRate;
    }

    private static long seconds(long nanos) {
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }

    // ---- cache ---------------------------------------------------------------------------------

    /**
     * The key of a request under the flow's cache policy: the parts it names ({@code path},
     * {@code query}, {@code role}, {@code header:Name}) joined; parts not named do not split entries.
     */
    public static String cacheKey(GuardPolicy.Cache c, String method, String path, String query,
                                  java.util.function.Function<String, String> header, String role) {
        StringBuilder k = new StringBuilder(method);
        for (String part : c.keys()) {
            k.append('\u0001');
            if (part.equals("path")) {
                k.append(path);
            } else if (part.equals("query")) {
                k.append(query == null ? "" : query);
            } else if (part.equals("role")) {
                k.append(role == null ? "" : role);
            } else if (part.startsWith("header:")) {
                String v = header.apply(part.substring(7));
                k.append(v == null ? "" : v);
            }
        }
        return k.toString();
    }

    /**
     * The cached answer of {@code key}, fresh or within its stale allowance; null when there is
     * none. A fresh one counts as a hit, anything else as a miss.
     */
    public Lookup lookup(String flow, String key) {
        GuardPolicy p = policy(flow);
        if (p == null || p.cache() == null) {
            return null;
        }
        Stats s = stats(flow);
        ResponseCache.Entry e = cache.get(flow, key);
        if (e == null) {
            s.misses.increment();
            return null;
        }
        Duration age = Duration.between(e.storedAt(), clock.now());
        if (age.isNegative()) {
            age = Duration.ZERO;
        }
        boolean fresh = age.compareTo(p.cache().ttl()) < 0;
        if (fresh) {
            s.hits.increment();
            return new Lookup(e, true, age);
        }
        s.misses.increment();
        return age.compareTo(p.cache().ttl().plus(p.cache().staleFor())) < 0 ? new Lookup(e, false, age) : null;
    }

    /** Keeps a good answer for its time to live plus the flow's stale allowance; larger answers than allowed are not kept. */
    public boolean store(String flow, String key, int status, String contentType, byte[] body) {
        GuardPolicy p = policy(flow);
        if (p == null || p.cache() == null || body.length > p.cache().maxBytes()) {
            return false;
        }
        cache.put(flow, key, new ResponseCache.Entry(status, contentType, body, clock.now()),
                p.cache().ttl().plus(p.cache().staleFor()));
        return true;
    }

    /** Counts an answer served stale because the origin failed. */
    public void servedStale(String flow) {
        stats(flow).stale.increment();
    }

    /** Drops every cached answer of {@code flow}. */
    public void invalidate(String flow) {
        requireFlow(flow);
        cache.invalidate(flow);
        stats(flow).invalidations.increment();
    }

    /**
     * An event rule matched an event: drops the entries of every flow whose cache names the rule
     * in {@code invalidatedBy}. Returns those flows.
     */
    public List<String> ruleMatched(String rule) {
        List<String> dropped = new ArrayList<>();
        for (GuardPolicy p : catalogPolicies.values()) {
            if (p.cache() != null && p.cache().invalidatedBy().contains(rule)) {
                invalidate(p.flow());
                dropped.add(p.flow());
            }
        }
        return dropped;
    }

    public ResponseCache cache() {
        return cache;
    }

    // ---- figures -------------------------------------------------------------------------------

    public Stats stats(String flow) {
        return stats.computeIfAbsent(flow, f -> new Stats());
    }

    public Shedder shedder() {
        return shedder;
    }

    public Outbound outbound() {
        return outbound;
    }

    /**
     * An outbound call made for {@code flow} (a task handler calling a payment gateway): the
     * flow's timeout and attempts (by criticality unless its guard section says otherwise), under
     * {@code dependency}'s breaker and bulkhead and the shared retry budget.
     */
    public <T> T call(String flow, String dependency, Outbound.Attempt<T> attempt) throws Outbound.Failure {
        GuardPolicy p = policy(flow);
        if (p == null) {
            throw new IllegalArgumentException("Flow " + flow + " does not exist");
        }
        return outbound.call(dependency, Outbound.Policy.of(p), attempt);
    }

    public RateLimits rates() {
        return rates;
    }

    /** Every caller's use of the flow's quota in the current period; empty without a quota. */
    public List<Quotas.Usage> quotaUsage(String flow) {
        GuardPolicy p = policy(flow);
        return p == null || p.quota() == null ? List.of() : quotas.usage(flow, p.quota());
    }

    public Instant now() {
        return clock.now();
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
        outbound.close();
    }

    /** Configures a guard; everything has a single-process default. */
    public static final class Builder {
        private final Catalog catalog;
        private Clock clock = Clock.SYSTEM;
        private LongSupplier nanos = System::nanoTime;
        private ResponseCache cache;
        private long cacheBytes = 64L << 20;
        private RateLimits rates;
        private Quotas quotas;
        private Shedder shedder;
        private LeverStore store = LeverStore.memory();
        private Outbound outbound;
        private Duration pollEvery = Duration.ofSeconds(1);
        private GuardPolicy.Rate actionRate = new GuardPolicy.Rate(1000, 2000);

        private Builder(Catalog catalog) {
            this.catalog = Objects.requireNonNull(catalog, "catalog");
        }

        /** The clock of cache ages and quota periods. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** The monotonic nanosecond count of the local token buckets. */
        public Builder nanos(LongSupplier nanos) {
            this.nanos = nanos;
            return this;
        }

        public Builder cache(ResponseCache cache) {
            this.cache = cache;
            return this;
        }

        /** The byte budget of the local cache (when no cache is given). */
        public Builder cacheBytes(long bytes) {
            this.cacheBytes = bytes;
            return this;
        }

        public Builder rates(RateLimits rates) {
            this.rates = rates;
            return this;
        }

        public Builder quotas(Quotas quotas) {
            this.quotas = quotas;
            return this;
        }

        public Builder shedder(Shedder shedder) {
            this.shedder = shedder;
            return this;
        }

        public Builder levers(LeverStore store) {
            this.store = Objects.requireNonNull(store);
            return this;
        }

        public Builder outbound(Outbound outbound) {
            this.outbound = outbound;
            return this;
        }

        /** How often the lever store's version is polled; null: never (tests refresh by hand). */
        public Builder pollEvery(Duration every) {
            this.pollEvery = every;
            return this;
        }

        /** The limit of each action of the AWS-compatible APIs, all callers together. */
        public Builder actionRate(GuardPolicy.Rate rate) {
            this.actionRate = Objects.requireNonNull(rate);
            return this;
        }

        public Guard build() {
            return new Guard(this);
        }
    }
}
