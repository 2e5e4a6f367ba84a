package dev.setlist.bench.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A closed-loop load: {@code concurrency} starter threads each run one execution start to end,
 * then the next, for a warm-up and then a measurement window. Executions that end inside the
 * measurement window are counted (throughput = count ÷ window) and their latencies (start call
 * to end seen by the caller) kept for percentiles. When the window closes the starters stop
 * starting and the executions in flight run to their end before {@link #run} returns.
 */
public final class Load {
    private Load() {}

    /** One execution, start to end; throws if it did not end as it should. */
    @FunctionalInterface
    public interface Op {
        void run() throws Exception;
    }

    /** What one load measured. */
    public record Result(int concurrency, long completed, double seconds, long errors, Throwable firstError,
                         long[] latenciesNanos, long total) {
        public double perSecond() {
            return completed / seconds;
        }

        /** Executions that ended during the whole load (warm-up and drain included). */
        public long totalCompleted() {
            return total;
        }

        /** The latency at quantile {@code q} (0..1) in milliseconds; NaN without samples. */
        public double latencyMillis(double q) {
            if (latenciesNanos.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.ceil(q * latenciesNanos.length) - 1;
            return latenciesNanos[Math.max(0, Math.min(latenciesNanos.length - 1, i))] / 1e6;
        }
    }

    public static Result run(int concurrency, Duration warmup, Duration measure, Op op) throws InterruptedException {
        long start = System.nanoTime();
        long windowStart = start + warmup.toNanos();
        long windowEnd = windowStart + measure.toNanos();
        AtomicLong errors = new AtomicLong();
        AtomicLong all = new AtomicLong();
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        List<long[]> perThread = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            long[][] lat = {new long[1024]};
            int[] n = {0};
            Thread thread = Thread.ofPlatform().name("starter-" + t).daemon(true).unstarted(() -> {
                while (true) {
                    long s = System.nanoTime();
                    if (s >= windowEnd) {
                        break;
                    }
                    try {
                        op.run();
                    } catch (Exception | AssertionError e) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, e);
                        continue;
                    }
                    long e = System.nanoTime();
                    all.incrementAndGet();
                    if (e >= windowStart && e < windowEnd) {
                        if (n[0] == lat[0].length) {
                            lat[0] = Arrays.copyOf(lat[0], n[0] * 2);
                        }
                        lat[0][n[0]++] = e - s;
                    }
                }
                synchronized (perThread) {
                    perThread.add(Arrays.copyOf(lat[0], n[0]));
                }
            });
            threads.add(thread);
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        long total = 0;
        for (long[] l : perThread) {
            total += l.length;
        }
        long[] latencies = new long[(int) total];
        int at = 0;
        for (long[] l : perThread) {
            System.arraycopy(l, 0, latencies, at, l.length);
            at += l.length;
        }
        Arrays.sort(latencies);
        return new Result(concurrency, total, measure.toNanos() / 1e9, errors.get(), firstError.get(), latencies,
                all.get());
    }
}
