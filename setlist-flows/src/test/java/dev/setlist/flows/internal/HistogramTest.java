package dev.setlist.flows.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The latency histogram against a plain sorted map of the same buckets, and its stored form. */
class HistogramTest {
    @Test
    void addMergeEncode_agreeWithASortedMapOfBuckets() {
        Random random = new Random(42);
        TreeMap<Integer, Long> expected = new TreeMap<>();
        Histogram merged = new Histogram();
        double[] all = new double[3000];
        for (int part = 0; part < 3; part++) {
            Histogram h = new Histogram();
            for (int i = 0; i < 1000; i++) {
                // From a microsecond to minutes (below 1 µs all is bucket 0), in the order they come.
                double millis = Math.pow(10, random.nextDouble() * 7 - 3);
                all[part * 1000 + i] = millis;
                h.add(millis);
                expected.merge(Histogram.bucket(millis), 1L, Long::sum);
            }
            merged.merge(Histogram.decode(h.encode()));
        }
        StringBuilder text = new StringBuilder();
        expected.forEach((b, n) -> text.append(text.isEmpty() ? "" : ",").append(b).append(':').append(n));
        assertThat(merged.encode()).isEqualTo(text.toString());
        assertThat(merged.count()).isEqualTo(3000);
        Arrays.sort(all);
        for (double p : new double[] {1, 50, 90, 99, 99.9, 100}) {
            double exact = all[(int) Math.ceil(p / 100 * all.length) - 1];
            double read = merged.percentile(p, all[0], all[all.length - 1]);
            assertThat(read).as("p%s", p).isBetween(exact, exact * 1.04 + 1e-9);
        }
    }

    @Test
    void empty_hasNoPercentileAndAnEmptyStoredForm() {
        Histogram h = new Histogram();
        assertThat(h.percentile(99, 0, 0)).isNaN();
        assertThat(h.encode()).isEmpty();
        assertThat(Histogram.decode("").count()).isZero();
        assertThat(Histogram.decode(null).count()).isZero();
    }

    @Test
    void add_descendingBuckets_growsDownwardWithoutLosingCounts() {
        Histogram h = new Histogram();
        h.add(1000);
        h.add(0.0005);
        h.add(0.002);
        h.add(5000);
        assertThat(h.encode()).isEqualTo("0:1," + Histogram.bucket(0.002) + ":1," + Histogram.bucket(1000) + ":1,"
                + Histogram.bucket(5000) + ":1");
    }
}
