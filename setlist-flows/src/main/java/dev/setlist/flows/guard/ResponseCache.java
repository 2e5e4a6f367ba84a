package dev.setlist.flows.guard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.function.Consumer;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;

/**
 * Where cached answers live: {@link #local} in this process (Caffeine, bounded by bytes), or
 * {@link #redis} so that every node shares them. An entry is kept for its time to live plus the
 * time it may still be served stale; whether it is fresh is decided by the guard from
 * {@link Entry#storedAt()}. Thread safe.
 */
public interface ResponseCache {

    /** One cached answer. */
    record Entry(int status, String contentType, byte[] body, Instant storedAt) {}

    /** The entry of {@code flow} under {@code key}, or null. */
    Entry get(String flow, String key);

    void put(String flow, String key, Entry entry, Duration keepFor);

    /** Drops every entry of {@code flow}. */
    void invalidate(String flow);

    /** Entries held (approximately). */
    long size();

    /** {@code caffeine} or {@code redis}. */
    String backend();

    /** A cache of at most {@code maxBytes} bytes of bodies; {@code evicted} hears the flow of each entry evicted for room. */
    static ResponseCache local(long maxBytes, Consumer<String> evicted) {
        Cache<String, Entry> cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String k, Entry e) -> k.length() + e.body().length + 64)
                .expireAfter(new Expiry<String, Entry>() {
                    @Override
                    public long expireAfterCreate(String key, Entry value, long currentTime) {
                        return Long.MAX_VALUE;
                    }

                    @Override
                    public long expireAfterUpdate(String key, Entry value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }

                    @Override
                    public long expireAfterRead(String key, Entry value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .removalListener((String k, Entry e, RemovalCause cause) -> {
                    if (k != null && cause == RemovalCause.SIZE) {
                        evicted.accept(k.substring(0, k.indexOf('\n')));
                    }
                })
                .build();
        return new ResponseCache() {
            @Override
            public Entry get(String flow, String key) {
                return cache.getIfPresent(flow + '\n' + key);
            }

            @Override
            public void put(String flow, String key, Entry entry, Duration keepFor) {
                String k = flow + '\n' + key;
                cache.put(k, entry);
                cache.policy().expireVariably().ifPresent(p -> p.setExpiresAfter(k, keepFor));
            }

            @Override
            public void invalidate(String flow) {
                String head = flow + '\n';
                cache.asMap().keySet().removeIf(k -> k.startsWith(head));
            }

            @Override
            public long size() {
                return cache.estimatedSize();
            }

            @Override
            public String backend() {
                return "caffeine";
            }
        };
    }

    /** A cache in Redis under {@code prefix}; entries expire there by themselves. */
    static ResponseCache redis(UnifiedJedis jedis, String prefix) {
        return new ResponseCache() {
            private byte[] key(String flow, String key) {
                return (prefix + flow + ':' + sha256(key)).getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public Entry get(String flow, String key) {
                byte[] v = jedis.get(key(flow, key));
                return v == null ? null : decode(v);
            }

            @Override
            public void put(String flow, String key, Entry entry, Duration keepFor) {
                jedis.set(key(flow, key), encode(entry), SetParams.setParams().px(Math.max(1, keepFor.toMillis())));
            }

            @Override
            public void invalidate(String flow) {
                ScanParams params = new ScanParams().match(prefix + flow + ":*").count(1000);
                String cursor = ScanParams.SCAN_POINTER_START;
                do {
                    var page = jedis.scan(cursor, params);
                    if (!page.getResult().isEmpty()) {
                        jedis.del(page.getResult().toArray(String[]::new));
                    }
                    cursor = page.getCursor();
                } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
            }

            @Override
            public long size() {
                return jedis.dbSize();
            }

            @Override
            public String backend() {
                return "redis";
            }
        };
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] encode(Entry e) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(e.body().length + 64);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(e.status());
            out.writeLong(e.storedAt().toEpochMilli());
            out.writeUTF(e.contentType() == null ? "" : e.contentType());
            out.writeInt(e.body().length);
            out.write(e.body());
            return bytes.toByteArray();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    private static Entry decode(byte[] v) {
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(v));
            int status = in.readInt();
            Instant at = Instant.ofEpochMilli(in.readLong());
            String ct = in.readUTF();
            byte[] body = new byte[in.readInt()];
            in.readFully(body);
            return new Entry(status, ct.isEmpty() ? null : ct, body, at);
        } catch (IOException x) {
            return null;
        }
    }
}
