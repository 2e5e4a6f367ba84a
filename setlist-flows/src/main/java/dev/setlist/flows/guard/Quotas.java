package dev.setlist.flows.guard;

import dev.setlist.asl.Clock;
import dev.setlist.flows.GuardSpec;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;

/**
 * Usage plans: how many requests each caller made to a flow in the current quota period (a UTC
 * day, ISO week or calendar month, by the injected clock), counted in this process or in Redis.
 * A count is kept per period, so a new period starts from zero without any reset job. Thread safe.
 */
public final class Quotas {
    private final Clock clock;
    private final UnifiedJedis redis;
    private final String prefix;
    private final Map<String, AtomicLong> local = new ConcurrentHashMap<>();

    /** One caller's use of a flow's quota in the current period. */
    public record Usage(String flow, String caller, long limit, GuardSpec.Period period, long used, Instant resetsAt) {}

    /** What a request against a quota got: allowed or not, the count after it, and when the period ends. */
    public record Outcome(boolean allowed, long used, Instant resetsAt) {}

    /** Counts one; sets the relative expiry on a new key; past the limit gives it back; answers {allowed, count}. */
    private static final String TAKE = """
            local n = redis.call('INCR', KEYS[1])
            if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
            if n > tonumber(ARGV[2]) then
              redis.call('DECR', KEYS[1])
              return {0, n - 1}
            end
            return {1, n}
            """;

    private Quotas(Clock clock, UnifiedJedis redis, String prefix) {
        this.clock = clock;
        this.redis = redis;
        this.prefix = prefix;
    }

    public static Quotas local(Clock clock) {
        return new Quotas(clock, null, null);
    }

    public static Quotas redis(Clock clock, UnifiedJedis jedis, String prefix) {
        return new Quotas(clock, jedis, prefix);
    }

    /** Counts one request of {@code caller} to {@code flow}; not allowed (and not counted) past the limit. */
    public Outcome take(String flow, String caller, GuardSpec.Quota quota) {
        Instant now = clock.now();
        Instant start = start(now, quota.period());
        Instant end = end(start, quota.period());
        String key = key(flow, caller, quota.period(), start);
        if (redis != null) {
            // The period's end comes from the injected clock, which need not agree with Redis's own
            // clock (a test's clock, a skewed node): the key is given a time to live relative to
            // now, never an absolute instant that Redis would compare with its clock. The count, its
            // expiry and the refusal past the limit happen in one script, so a crash between them
            // cannot leave a key that never expires or a count that was never given back.
            long ttl = Math.max(1, java.time.Duration.between(now, end).toMillis()) + 60_000;
            Object n = redis.eval(TAKE, List.of(prefix + key), List.of(Long.toString(ttl), Long.toString(quota.limit())));
            List<?> r = (List<?>) n;
            return new Outcome(((Number) r.get(0)).longValue() == 1, ((Number) r.get(1)).longValue(), end);
        }
        AtomicLong n = local.computeIfAbsent(key, k -> new AtomicLong());
        while (true) {
            long cur = n.get();
            if (cur >= quota.limit()) {
                return new Outcome(false, cur, end);
            }
            if (n.compareAndSet(cur, cur + 1)) {
                return new Outcome(true, cur + 1, end);
            }
        }
    }

    /** Every caller's use of {@code flow}'s quota in the current period (this process's callers, or Redis's). */
    public List<Usage> usage(String flow, GuardSpec.Quota quota) {
        Instant start = start(clock.now(), quota.period());
        Instant end = end(start, quota.period());
        String head = flow + '|' + quota.period() + '|' + start.getEpochSecond() + '|';
        List<Usage> out = new ArrayList<>();
        if (redis != null) {
            var params = new ScanParams().match(prefix + head + "*").count(1000);
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                var page = redis.scan(cursor, params);
                for (String k : page.getResult()) {
                    String v = redis.get(k);
                    if (v != null) {
                        out.add(new Usage(flow, k.substring(prefix.length() + head.length()), quota.limit(),
                                quota.period(), Long.parseLong(v), end));
                    }
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        } else {
            local.forEach((k, v) -> {
                if (k.startsWith(head)) {
                    out.add(new Usage(flow, k.substring(head.length()), quota.limit(), quota.period(), v.get(), end));
                }
            });
        }
        out.sort(java.util.Comparator.comparing(Usage::caller));
        return out;
    }

    private static String key(String flow, String caller, GuardSpec.Period period, Instant start) {
        return flow + '|' + period + '|' + start.getEpochSecond() + '|' + caller;
    }

    static Instant start(Instant now, GuardSpec.Period period) {
        LocalDate d = now.atZone(ZoneOffset.UTC).toLocalDate();
        LocalDate s = switch (period) {
            case DAY -> d;
            case WEEK -> d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> d.withDayOfMonth(1);
        };
        return s.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    static Instant end(Instant start, GuardSpec.Period period) {
        LocalDate s = start.atZone(ZoneOffset.UTC).toLocalDate();
        LocalDate e = switch (period) {
            case DAY -> s.plusDays(1);
            case WEEK -> s.plusWeeks(1);
            case MONTH -> s.plusMonths(1);
        };
        return e.atStartOfDay(ZoneOffset.UTC).toInstant();
    }
}
