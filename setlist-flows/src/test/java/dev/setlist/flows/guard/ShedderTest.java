package dev.setlist.flows.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.flows.Flow.Criticality;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ShedderTest {

    @Test
    void acquire_atThreeTimesCapacity_highKeepsItsShareAndLowIsShedFirst() throws Exception {
        int limit = 12;
        Shedder shedder = Shedder.fixed(limit);
        Map<Criticality, AtomicLong> ok = new EnumMap<>(Criticality.class);
        Map<Criticality, AtomicLong> shed = new EnumMap<>(Criticality.class);
        Map<Criticality, AtomicLong> maxWaitNanos = new EnumMap<>(Criticality.class);
        for (Criticality c : Criticality.values()) {
            ok.put(c, new AtomicLong());
            shed.put(c, new AtomicLong());
            maxWaitNanos.put(c, new AtomicLong());
        }
        // Closed-loop callers: as many of each criticality as the limit, so the offered load is
        // three times the capacity. Each admitted request holds its slot for 2 ms.
        List<Runnable> callers = new ArrayList<>();
        for (Criticality c : Criticality.values()) {
            for (int i = 0; i < limit; i++) {
                callers.add(() -> {
                    for (int n = 0; n < 60; n++) {
                        long start = System.nanoTime();
                        Shedder.Permit p;
                        try {
                            p = shedder.acquire(c, Duration.ofSeconds(5));
                        } catch (InterruptedException e) {
                            return;
                        }
                        maxWaitNanos.get(c).accumulateAndGet(System.nanoTime() - start, Math::max);
                        if (p == null) {
                            shed.get(c).incrementAndGet();
                            Thread.onSpinWait();
                            continue;
                        }
                        try {
                            Thread.sleep(2);
                        } catch (InterruptedException e) {
                            return;
                        } finally {
                            p.release(false);
                        }
                        ok.get(c).incrementAndGet();
                    }
                });
            }
        }
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            callers.forEach(r -> all.add(pool.submit(r)));
            for (Future<?> f : all) {
                f.get();
            }
        }
        long highTotal = ok.get(Criticality.HIGH).get() + shed.get(Criticality.HIGH).get();
        double highSuccess = ok.get(Criticality.HIGH).get() / (double) highTotal;
        double lowShed = shed.get(Criticality.LOW).get()
                / (double) (ok.get(Criticality.LOW).get() + shed.get(Criticality.LOW).get());
        double mediumShed = shed.get(Criticality.MEDIUM).get()
                / (double) (ok.get(Criticality.MEDIUM).get() + shed.get(Criticality.MEDIUM).get());
        System.out.printf("overload 3x: high success %.4f (max wait %d ms), medium shed %.3f, low shed %.3f%n",
                highSuccess, maxWaitNanos.get(Criticality.HIGH).get() / 1_000_000, mediumShed, lowShed);
        assertThat(highTotal).isEqualTo(limit * 60L);
        assertThat(highSuccess).isGreaterThanOrEqualTo(0.999);
        assertThat(lowShed).isGreaterThan(mediumShed);
        assertThat(lowShed).isGreaterThan(0.5);
        assertThat(shedder.inFlight()).isZero();
        assertThat(shedder.shed(Criticality.LOW)).isEqualTo(shed.get(Criticality.LOW).get());
    }

    @Test
    void acquire_lowAtHalfTheLimit_isShedAtOnceWhileHighIsAdmitted() throws Exception {
        Shedder s = Shedder.fixed(4);
        Shedder.Permit a = s.acquire(Criticality.LOW, null);
        Shedder.Permit b = s.acquire(Criticality.LOW, null);
        assertThat(a).isNotNull();
        assertThat(b).isNotNull();
        assertThat(s.acquire(Criticality.LOW, null)).isNull();
        Shedder.Permit c = s.acquire(Criticality.MEDIUM, null);
        assertThat(c).isNotNull();
        assertThat(s.acquire(Criticality.MEDIUM, Duration.ZERO)).isNull();
        Shedder.Permit d = s.acquire(Criticality.HIGH, null);
        assertThat(d).isNotNull();
        assertThat(s.inFlight()).isEqualTo(4);
        a.release(false);
        a.release(false); // a second release is ignored
        assertThat(s.inFlight()).isEqualTo(3);
        b.release(false);
        c.release(false);
        d.release(false);
        assertThat(s.inFlight()).isZero();
    }

    @Test
    void acquire_queuedHigh_getsTheNextFreedSlotBeforeMedium() throws Exception {
        Shedder s = Shedder.fixed(2);
        Shedder.Permit a = s.acquire(Criticality.HIGH, null);
        Shedder.Permit b = s.acquire(Criticality.HIGH, null);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Shedder.Permit> high = pool.submit(() -> s.acquire(Criticality.HIGH, Duration.ofSeconds(30)));
            while (s.queued() != 1) {
                Thread.sleep(1);
            }
            a.release(false);
            Shedder.Permit got = high.get();
            assertThat(got).isNotNull();
            // The caller's timeout bounds the wait: a medium caller who gives 0 ms is shed at once.
            assertThat(s.acquire(Criticality.MEDIUM, Duration.ZERO)).isNull();
            got.release(false);
            b.release(false);
        }
        assertThat(s.inFlight()).isZero();
    }

    @Test
    void acquire_queuedLongerThanTheCallerWaits_isShed() throws Exception {
        Shedder s = Shedder.fixed(1);
        Shedder.Permit held = s.acquire(Criticality.HIGH, null);
        Shedder.Permit late = s.acquire(Criticality.HIGH, Duration.ofMillis(50));
        assertThat(late).isNull();
        assertThat(s.shed(Criticality.HIGH)).isEqualTo(1);
        assertThat(s.queued()).isZero();
        held.release(false);
        assertThat(s.inFlight()).isZero();
    }

    @Test
    void adaptive_slowRequestsCannotPushTheLimitBelowItsFloor_andAnIdleShedderStartsAgain() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        Shedder shedder = Shedder.adaptive(64, 1000, now::get);
        // Many quick requests teach the limit a baseline latency of 1 ms ...
        for (int i = 0; i < 500; i++) {
            Shedder.Permit p = shedder.acquire(Criticality.HIGH, null);
            now.addAndGet(1_000_000L);
            p.release(false);
        }
        // ... then rounds of slow ones filling the limit (clients trickling their bodies would look
        // like this if their slots were taken before the bodies arrived) pull it down, to its floor.
        for (int round = 0; round < 5; round++) {
            List<Shedder.Permit> slow = new ArrayList<>();
            for (int i = 0, n = shedder.limit(); i < n; i++) {
                slow.add(shedder.acquire(Criticality.HIGH, null));
            }
            now.addAndGet(30_000_000_000L);
            slow.forEach(p -> p.release(false));
        }
        assertThat(shedder.limit()).isLessThan(64).isGreaterThanOrEqualTo(32);
        // Low criticality still has its share of the floor: half of 32.
        List<Shedder.Permit> held = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Shedder.Permit p = shedder.acquire(Criticality.LOW, null);
            assertThat(p).as("low request %d", i).isNotNull();
            held.add(p);
        }
        now.addAndGet(30_000_000_000L);
        held.forEach(p -> p.release(false));

        now.addAndGet(Shedder.IDLE_RESET.toNanos() - 1);
        shedder.acquire(Criticality.HIGH, null).release(false);
        assertThat(shedder.limit()).as("not idle long enough yet").isLessThan(64);
        now.addAndGet(Shedder.IDLE_RESET.toNanos());
        Shedder.Permit p = shedder.acquire(Criticality.HIGH, null);
        assertThat(shedder.limit()).isEqualTo(64);
        p.release(false);
    }
}
