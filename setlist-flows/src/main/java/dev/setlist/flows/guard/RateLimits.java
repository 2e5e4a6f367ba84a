package dev.setlist.flows.guard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.LongSupplier;
import redis.clients.jedis.UnifiedJedis;

/**
 * Token buckets by key (Bucket4j): {@link #local} keeps them in this process, {@link #redis} in
 * Redis so that every node draws from the same bucket. A bucket is keyed by its key and its rate,
 * so a changed rate starts a fresh, full bucket. Thread safe.
 */
public interface RateLimits {

    /** One token taken, or not, and how long until one is available. */
    record Probe(boolean consumed, long remaining, long nanosToWait) {}

    Probe tryConsume(String key, GuardPolicy.Rate rate);

    /** Tokens left in the bucket now (a full bucket when it was never used). */
    long available(String key, GuardPolicy.Rate rate);

    /** Buckets of this process, timed by {@code nanos} (a monotonic nanosecond count). */
    static RateLimits local(LongSupplier nanos) {
        TimeMeter meter = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return nanos.getAsLong();
            }

            @Override
            public boolean isWallClockBased() {
                return false;
            }
        };
        Cache<String, Bucket> buckets = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10))
                .maximumSize(1_000_000).build();
        return new RateLimits() {
            private Bucket bucket(String key, GuardPolicy.Rate rate) {
                return buckets.get(key + '|' + rate.perSecond() + '/' + rate.burst(),
                        k -> Bucket.builder().addLimit(bandwidth(rate)).withCustomTimePrecision(meter).build());
            }

            @Override
            public Probe tryConsume(String key, GuardPolicy.Rate rate) {
                return probe(bucket(key, rate).tryConsumeAndReturnRemaining(1));
            }

            @Override
            public long available(String key, GuardPolicy.Rate rate) {
                return bucket(key, rate).getAvailableTokens();
            }
        };
    }

    /** Buckets in Redis, shared by every node that uses the same Redis; {@code prefix} names them. */
    static RateLimits redis(UnifiedJedis jedis, String prefix) {
        ProxyManager<byte[]> manager = Bucket4jJedis.casBasedBuilder(jedis)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                        Duration.ofSeconds(10)))
                .build();
        return new RateLimits() {
            private io.github.bucket4j.distributed.BucketProxy bucket(String key, GuardPolicy.Rate rate) {
                byte[] k = (prefix + key + '|' + rate.perSecond() + '/' + rate.burst()).getBytes(StandardCharsets.UTF_8);
                return manager.builder().build(k, () -> BucketConfiguration.builder().addLimit(bandwidth(rate)).build());
            }

            @Override
            public Probe tryConsume(String key, GuardPolicy.Rate rate) {
                return probe(bucket(key, rate).tryConsumeAndReturnRemaining(1));
            }

            @Override
            public long available(String key, GuardPolicy.Rate rate) {
                return bucket(key, rate).getAvailableTokens();
            }
        };
    }

    private static Probe probe(ConsumptionProbe p) {
        return new Probe(p.isConsumed(), p.getRemainingTokens(), p.getNanosToWaitForRefill());
    }

    /**
     * Greedy refill at the rate, to a thousandth of a token per second: {@code 0.5/s} refills 500
     * tokens per 1000 s, spread evenly.
     */
    private static Bandwidth bandwidth(GuardPolicy.Rate rate) {
        long perKilo = Math.max(1, Math.round(rate.perSecond() * 1000));
        return Bandwidth.builder().capacity(rate.burst()).refillGreedy(perKilo, Duration.ofSeconds(1000))
                .initialTokens(rate.burst()).build();
    }
}
