package dev.setlist.flows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.setlist.asl.Clock;
import dev.setlist.asl.Entropy;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SLIs, error budgets and burn-rate alerts of the Relecloud flows, on H2 and a manual clock. */
class SloTest {
    /** Monday 4 March 2024, 10:00 in New York: inside business and extended hours. */
    static final Instant MONDAY_10AM = Instant.parse("2024-03-04T15:00:00Z");

    Hooks hooks;
    DataSource db;
    Clock.Manual clock;
    Catalog catalog;
    final List<AlarmChange> changes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        hooks = new Hooks();
        db = TestDb.h2();
        clock = Clock.manual(MONDAY_10AM);
        catalog = relecloud(hooks);
    }

    @AfterEach
    void tearDown() {
        hooks.close();
    }

    /** Relecloud's catalog with its webhooks pointing at the local endpoint. */
    static Catalog relecloud(Hooks hooks) throws IOException {
        String text = CatalogCorpusTest.read("/relecloud-flows.yaml")
                .replace("https://hooks.relecloud.example", hooks.base());
        return Catalog.parse(text, RelecloudCatalogTest.RELECLOUD);
    }

    FlowMonitor monitor() {
        return FlowMonitor.builder(catalog, db).clock(clock).entropy(Entropy.seeded(7)).nodeId("test")
                .sink(changes::add).build();
    }

    static void outcomes(FlowMonitor m, String flow, Instant at, int good, int bad, Duration latency) {
        for (int i = 0; i < good; i++) {
            m.record(Outcome.good(flow, at, latency));
        }
        for (int i = 0; i < bad; i++) {
            m.record(Outcome.bad(flow, at, latency, "Concerts.Unavailable"));
        }
    }

    @Test
    void slo_outcomesOutsideBusinessHours_doNotCount() {
        FlowMonitor m = monitor();
        outcomes(m, "search-concerts", MONDAY_10AM, 99, 1, Duration.ofMillis(100));
        outcomes(m, "search-concerts", Instant.parse("2024-03-04T23:30:00Z"), 0, 50, Duration.ofMillis(100)); // 18:30
        outcomes(m, "search-concerts", Instant.parse("2024-03-02T15:00:00Z"), 0, 50, Duration.ofMillis(100)); // Saturday
        clock.advance(Duration.ofDays(1));
        m.flush();

        SloStatus s = m.slo("search-concerts");

        assertThat(s.good()).isEqualTo(99);
        assertThat(s.bad()).isEqualTo(1);
        assertThat(s.availability()).isCloseTo(0.99, within(1e-9));
        assertThat(s.budgetRemaining()).isCloseTo(0.0, within(1e-9));
    }

    @Test
    void slo_announcedMaintenanceWindow_doesNotCount() {
        FlowMonitor m = monitor();
        Instant inWindow = Instant.parse("2024-03-10T03:30:00Z");
        clock.sleepUntil(Instant.parse("2024-03-10T05:00:00Z"));
        outcomes(m, "collect-telemetry", inWindow, 0, 500, Duration.ofMillis(5));
        outcomes(m, "collect-telemetry", Instant.parse("2024-03-10T04:30:00Z"), 1000, 5, Duration.ofMillis(5));
        m.flush();

        SloStatus s = m.slo("collect-telemetry");

        assertThat(s.total()).isEqualTo(1005);
        assertThat(s.availability()).isCloseTo(1000 / 1005.0, within(1e-9));
        // 99% leaves 10.05 bad outcomes of 1005; 5 were spent.
        assertThat(s.budgetRemaining()).isCloseTo(1 - 5 / 10.05, within(1e-9));
    }

    @Test
    void slo_latency_isTheShareOfOutcomesWithinTheTailObjective() {
        FlowMonitor m = monitor();
        outcomes(m, "search-concerts", MONDAY_10AM, 90, 0, Duration.ofMillis(200));
        outcomes(m, "search-concerts", MONDAY_10AM, 8, 0, Duration.ofSeconds(1));
        outcomes(m, "search-concerts", MONDAY_10AM, 2, 0, Duration.ofMillis(1001));
        clock.advance(Duration.ofMinutes(1));
        m.flush();

        SloStatus s = m.slo("search-concerts");

        assertThat(s.latencyPercentile()).isEqualTo(99.0);
        assertThat(s.latencyThreshold()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.fast()).isEqualTo(98);
        assertThat(s.latencySli()).isCloseTo(0.98, within(1e-9));
        assertThat(s.budgetRemaining()).isEqualTo(1.0);
    }

    @Test
    void slo_withoutOutcomes_hasNoAvailabilityAndAnUntouchedBudget() {
        SloStatus s = monitor().slo("authentication");
        assertThat(s.availability()).isNull();
        assertThat(s.latencySli()).isNull();
        assertThat(s.budgetRemaining()).isEqualTo(1.0);
        assertThat(s.burnRates()).extracting(SloStatus.BurnRate::name)
                .containsExactly("burn-rate-1h", "burn-rate-6h", "burn-rate-3d");
        assertThat(s.burnRates()).extracting(SloStatus.BurnRate::factor).containsExactly(14.4, 6.0, 1.0);
    }

    /** Records an hour of list-concerts traffic, a minute at a time: 1000 outcomes, {@code bad} of them bad. */
    void hour(FlowMonitor m, int badPerMinute) {
        for (int i = 0; i < 60; i++) {
            outcomes(m, "list-concerts", clock.now(), 1000 - badPerMinute, badPerMinute, Duration.ofMillis(50));
            clock.advance(Duration.ofMinutes(1));
        }
    }

    @Test
    void evaluate_fastBurn_firesWhenBothWindowsBurnAndResolvesWhenTheShortOneStops() {
        FlowMonitor m = monitor();
        hour(m, 0);
        m.evaluate();
        assertThat(m.alarm("list-concerts:burn-rate-1h").state()).isEqualTo(AlarmState.OK);

        // 1.5% errors: 15 times the budgeted 0.1%, above 14.4 over the last hour and the last 5 minutes.
        hour(m, 15);
        m.evaluate();

        assertThat(m.alarm("list-concerts:burn-rate-1h").state()).isEqualTo(AlarmState.ALARM);
        assertThat(m.alarm("list-concerts:burn-rate-1h").reason())
                .isEqualTo("burn rate 15.00 over 1h and 15.00 over 5m, both above 14.40");
        assertThat(m.alarm("list-concerts:burn-rate-6h").state()).isEqualTo(AlarmState.ALARM);
        assertThat(changes).filteredOn(c -> c.flow().equals("list-concerts")).extracting(AlarmChange::alarm)
                .contains("list-concerts:burn-rate-1h", "list-concerts:burn-rate-6h", "list-concerts:burn-rate-3d");
        // The flow pages for burn-rate-1h and burn-rate-6h only.
        assertThat(m.openIncidents()).filteredOn(i -> i.flow().equals("list-concerts")).extracting(Incident::alarm)
                .containsExactly("list-concerts:burn-rate-1h", "list-concerts:burn-rate-6h");

        // Five clean minutes: the 1h window still burns fast, the 5m window no longer.
        for (int i = 0; i < 5; i++) {
            outcomes(m, "list-concerts", clock.now(), 1000, 0, Duration.ofMillis(50));
            clock.advance(Duration.ofMinutes(1));
        }
        m.evaluate();

        assertThat(m.alarm("list-concerts:burn-rate-1h").state()).isEqualTo(AlarmState.OK);
        assertThat(m.alarm("list-concerts:burn-rate-6h").state()).isEqualTo(AlarmState.ALARM);
        assertThat(m.openIncidents()).filteredOn(i -> i.flow().equals("list-concerts")).extracting(Incident::alarm)
                .containsExactly("list-concerts:burn-rate-6h");
        assertThat(m.alarmHistory("list-concerts", "list-concerts:burn-rate-1h", MONDAY_10AM, clock.now().plusSeconds(1)))
                .extracting(AlarmChange::from, AlarmChange::to)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(AlarmState.OK, AlarmState.ALARM),
                        org.assertj.core.groups.Tuple.tuple(AlarmState.ALARM, AlarmState.OK));
    }

    @Test
    void evaluate_slowBurn_firesOnlyTheAlertWhoseFactorIsExceeded() {
        FlowMonitor m = monitor();
        // 0.8% errors for six hours: 8 times the budget, above 6 and 1 but below 14.4.
        for (int h = 0; h < 6; h++) {
            hour(m, 8);
        }
        m.evaluate();

        assertThat(m.alarm("list-concerts:burn-rate-1h").state()).isEqualTo(AlarmState.OK);
        assertThat(m.alarm("list-concerts:burn-rate-6h").state()).isEqualTo(AlarmState.ALARM);
        assertThat(m.alarm("list-concerts:burn-rate-3d").state()).isEqualTo(AlarmState.ALARM);
    }

    @Test
    void evaluate_errorsOutsideExtendedHours_burnNoBudget() {
        clock.sleepUntil(Instant.parse("2024-03-05T04:00:00Z")); // 23:00 in New York
        FlowMonitor m = monitor();
        hour(m, 500);
        m.evaluate();
        assertThat(m.alarm("list-concerts:burn-rate-1h").state()).isEqualTo(AlarmState.OK);
        assertThat(m.slo("list-concerts").total()).isZero();
    }

    @Test
    void alertState_survivesARestart() {
        FlowMonitor first = monitor();
        hour(first, 15);
        first.evaluate();
        first.close();

        FlowMonitor second = monitor();
        assertThat(second.alarm("list-concerts:burn-rate-1h").state()).isEqualTo(AlarmState.ALARM);
        assertThat(second.openIncidents()).extracting(Incident::alarm).contains("list-concerts:burn-rate-1h");
        hour(second, 0);
        second.evaluate();

        assertThat(second.alarm("list-concerts:burn-rate-1h").state()).isEqualTo(AlarmState.OK);
        assertThat(second.alarmHistory("list-concerts", "list-concerts:burn-rate-1h", MONDAY_10AM, clock.now().plusSeconds(1)))
                .extracting(AlarmChange::to).containsExactly(AlarmState.ALARM, AlarmState.OK);
        assertThat(second.incidents(false, MONDAY_10AM, clock.now().plusSeconds(1))).filteredOn(
                i -> i.alarm().equals("list-concerts:burn-rate-1h")).singleElement()
                .extracting(Incident::state).isEqualTo(Incident.State.RESOLVED);
    }

    @Test
    void record_unknownFlow_isRefused() {
        FlowMonitor m = monitor();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> m.record("checkout", true, Duration.ofMillis(1), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("no flow checkout in the catalog of relecloud");
    }

    @Test
    void flush_twoNodes_sumTheirMinutes() {
        FlowMonitor a = FlowMonitor.builder(catalog, db).clock(clock).nodeId("a").build();
        FlowMonitor b = FlowMonitor.builder(catalog, db).clock(clock).nodeId("b").build();
        outcomes(a, "purchase-ticket", MONDAY_10AM, 10, 1, Duration.ofMillis(300));
        outcomes(b, "purchase-ticket", MONDAY_10AM, 20, 2, Duration.ofMillis(300));
        a.flush();
        b.flush();
        outcomes(a, "purchase-ticket", MONDAY_10AM, 5, 0, Duration.ofMillis(300));
        a.flush();
        clock.advance(Duration.ofMinutes(1));

        SloStatus s = a.slo("purchase-ticket");

        assertThat(s.good()).isEqualTo(35);
        assertThat(s.bad()).isEqualTo(3);
    }

    @Test
    void slo_expectedErrors_countAsGood_otherErrorsStillBurnTheBudget() {
        FlowMonitor m = monitor();
        Duration took = Duration.ofMillis(300);
        outcomes(m, "purchase-ticket", MONDAY_10AM, 990, 0, took);
        for (int i = 0; i < 6; i++) {
            m.record(Outcome.bad("purchase-ticket", MONDAY_10AM, took, "Payment.Declined"));
        }
        for (int i = 0; i < 3; i++) {
            m.record(Outcome.bad("purchase-ticket", MONDAY_10AM, took, "Purchase.SoldOut"));
        }
        m.record(Outcome.bad("purchase-ticket", MONDAY_10AM, took, "Payment.GatewayUnavailable"));
        // Expected by purchase-ticket only: for search it is a failure like any other.
        m.record(Outcome.bad("search-concerts", MONDAY_10AM, took, "Payment.Declined"));
        m.flush();
        clock.advance(Duration.ofMinutes(1));

        SloStatus s = m.slo("purchase-ticket");

        assertThat(s.good()).isEqualTo(999);
        assertThat(s.bad()).isEqualTo(1);
        assertThat(s.availability()).isCloseTo(0.999, within(1e-9));
        assertThat(s.budgetRemaining()).isCloseTo(0.0, within(1e-9));
        assertThat(m.slo("search-concerts").bad()).isEqualTo(1);
    }
}
