package dev.setlist.asl;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The interpreter's only source of randomness ({@code States.MathRandom}, {@code States.UUID},
 * {@code $random()}, {@code $uuid()}, full jitter on retries). Injected so that tests and
 * replays can be deterministic. Implementations must be thread safe.
 */
public interface Entropy {
    /** A double uniformly distributed in [0, 1). */
    double nextDouble();

    /** A random (version 4) UUID in its canonical string form. */
    String uuid();

    /** The system's randomness. */
    Entropy SYSTEM = new Entropy() {
        @Override
        public double nextDouble() {
            return ThreadLocalRandom.current().nextDouble();
        }

        @Override
        public String uuid() {
            return UUID.randomUUID().toString();
        }
    };

    /** A seeded, repeatable source: the same seed gives the same sequence. */
    static Entropy seeded(long seed) {
        java.util.Random random = new java.util.Random(seed);
        return new Entropy() {
            @Override
            public synchronized double nextDouble() {
                return random.nextDouble();
            }

            @Override
            public synchronized String uuid() {
                return new UUID((random.nextLong() & ~0xF000L) | 0x4000L,
                        (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L).toString();
            }
        };
    }
}
