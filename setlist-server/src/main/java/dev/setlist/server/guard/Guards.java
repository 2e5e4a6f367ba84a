package dev.setlist.server.guard;

import dev.setlist.asl.Clock;
import dev.setlist.flows.Catalog;
import dev.setlist.flows.guard.Guard;
import dev.setlist.flows.guard.Outbound;
import dev.setlist.flows.guard.Quotas;
import dev.setlist.flows.guard.RateLimits;
import dev.setlist.flows.guard.ResponseCache;
import dev.setlist.flows.guard.Shedder;
import dev.setlist.server.store.Sql;
import java.util.Map;
import java.util.function.Consumer;
import redis.clients.jedis.UnifiedJedis;

/**
 * Builds the server's guard from its environment: levers in the server's database; cache, rate
 * limits and quotas in this process, or in Redis when {@code SETLIST_REDIS_URL}
 * ({@code redis://127.0.0.1:6379}) is set so that every node shares them; an adaptive concurrency
 * limit, or a fixed one of {@code SETLIST_GUARD_CONCURRENCY} requests; each AWS API action limited to
 * {@code SETLIST_GUARD_ACTION_RATE} requests per second (default 1000).
 */
public final class Guards {
    public static final String REDIS_URL = "SETLIST_REDIS_URL";
    public static final String CONCURRENCY = "SETLIST_GUARD_CONCURRENCY";
    /** Requests per second of each action of the AWS-compatible APIs (all callers), burst twice that. */
    public static final String ACTION_RATE = "SETLIST_GUARD_ACTION_RATE";
    private static final String PREFIX = "setlist:guard:";

    private Guards() {}

    /** {@code redisOpened} is told of the Redis connection the caller must close at the end. */
    public static Guard build(Catalog catalog, Map<String, String> env, Clock clock, Sql sql, Outbound outbound,
                              Consumer<UnifiedJedis> redisOpened) {
        Guard.Builder b = Guard.builder(catalog).clock(clock).levers(new SqlLeverStore(sql, clock)).outbound(outbound);
        String url = env.get(REDIS_URL);
        if (url != null && !url.isBlank()) {
            UnifiedJedis jedis;
            try {
                jedis = new UnifiedJedis(java.net.URI.create(url.trim()));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(REDIS_URL + ": not a Redis URL such as redis://127.0.0.1:6379, was "
                        + url, e);
            }
            redisOpened.accept(jedis);
            String prefix = PREFIX + catalog.workload() + ":";
            b.cache(ResponseCache.redis(jedis, prefix + "cache:")).rates(RateLimits.redis(jedis, prefix + "rate:"))
                    .quotas(Quotas.redis(clock, jedis, prefix + "quota:"));
        }
        String concurrency = env.get(CONCURRENCY);
        if (concurrency != null && !concurrency.isBlank()) {
            int n;
            try {
                n = Integer.parseInt(concurrency.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > 100_000) {
                throw new IllegalArgumentException(CONCURRENCY + ": must be a whole number from 1 to 100000, was "
                        + concurrency);
            }
            b.shedder(Shedder.fixed(n));
        }
        String actionRate = env.get(ACTION_RATE);
        if (actionRate != null && !actionRate.isBlank()) {
            double r;
            try {
                r = Double.parseDouble(actionRate.trim());
            } catch (NumberFormatException e) {
                r = -1;
            }
            if (!(r > 0) || r > 1_000_000) {
                throw new IllegalArgumentException(ACTION_RATE + ": must be a number of requests per second greater than"
                        + " 0 and at most 1000000, was " + actionRate);
            }
            b.actionRate(new dev.setlist.flows.guard.GuardPolicy.Rate(r, Math.max(1, (long) Math.ceil(r * 2))));
        }
        return b.build();
    }
}
