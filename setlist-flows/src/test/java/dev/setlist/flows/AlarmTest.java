package dev.setlist.flows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

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

/** Relecloud's metric and composite alarms evaluated over recorded outcomes, minute by minute. */
class AlarmTest {
    Hooks hooks;
    DataSource db;
    Clock.Manual clock;
    Catalog catalog;
    final List<AlarmChange> changes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        hooks = new Hooks();
        db = TestDb.h2();
        clock = Clock.manual(SloTest.MONDAY_10AM);
        catalog = SloTest.relecloud(hooks);
    }

    @AfterEach
    void tearDown() {
        hooks.close();
    }

    FlowMonitor monitor() {
        return FlowMonitor.builder(catalog, db).clock(clock).entropy(Entropy.seeded(3)).nodeId("n")
                .sink(changes::add).build();
    }

    /** One minute of a flow's traffic, then the clock moves to the next minute. */
    void minute(FlowMonitor m, String flow, int good, int bad, Duration latency) {
        SloTest.outcomes(m, flow, clock.now(), good, bad, latency);
        clock.advance(Duration.ofMinutes(1));
    }

    List<AlarmChange> changesOf(String alarm) {
        return changes.stream().filter(c -> c.alarm().equals(alarm)).toList();
    }

    @Test
    void metricAlarm_twoOfThreeMinutesAboveTheErrorRate_goesToAlarmAndBack() {
        FlowMonitor m = monitor();
        m.evaluate();
        assertThat(m.alarm("purchase-ticket-errors").state()).isEqualTo(AlarmState.INSUFFICIENT_DATA);

        minute(m, "purchase-ticket", 90, 10, Duration.ofMillis(500));   // 10% errors
        minute(m, "purchase-ticket", 100, 0, Duration.ofMillis(500));
        m.evaluate();
        // Two of the three datapoints exist, one breaches: too few to alarm, and one that does not
        // breach is enough for OK, as CloudWatch does when missing data is treated as missing.
        assertThat(m.alarm("purchase-ticket-errors").state()).isEqualTo(AlarmState.OK);
        minute(m, "purchase-ticket", 94, 6, Duration.ofMillis(500));    // 6% errors
        m.evaluate();

        Alarm errors = m.alarm("purchase-ticket-errors");
        assertThat(errors.state()).isEqualTo(AlarmState.ALARM);
        assertThat(errors.reason()).isEqualTo("2 of 3 datapoints [0.1, 0, 0.06] breach > 0.05 (2 needed for ALARM)");
        assertThat(changesOf("purchase-ticket-errors")).extracting(AlarmChange::from, AlarmChange::to)
                .containsExactly(tuple(AlarmState.INSUFFICIENT_DATA, AlarmState.OK), tuple(AlarmState.OK, AlarmState.ALARM));

        minute(m, "purchase-ticket", 100, 0, Duration.ofMillis(500));
        minute(m, "purchase-ticket", 100, 0, Duration.ofMillis(500));
        m.evaluate();

        assertThat(m.alarm("purchase-ticket-errors").state()).isEqualTo(AlarmState.OK);
        assertThat(m.alarmHistory("purchase-ticket", "purchase-ticket-errors", SloTest.MONDAY_10AM,
                clock.now().plusSeconds(1))).extracting(AlarmChange::to)
                .containsExactly(AlarmState.OK, AlarmState.ALARM, AlarmState.OK);
    }

    @Test
    void metricAlarm_latencyPercentileOfFiveMinutePeriods_breachesOnTheSlowTail() {
        FlowMonitor m = monitor();
        // Two 5-minute periods: in each, 98 quick purchases and 2 that take 4 seconds (p99 = 4s > 3s).
        for (int period = 0; period < 2; period++) {
            for (int i = 0; i < 5; i++) {
                minute(m, "purchase-ticket", 20, 0, Duration.ofMillis(400));
            }
            m.record(Outcome.good("purchase-ticket", clock.now().minusSeconds(30), Duration.ofSeconds(4)));
            m.record(Outcome.good("purchase-ticket", clock.now().minusSeconds(30), Duration.ofSeconds(4)));
        }
        m.evaluate();

        assertThat(m.alarm("purchase-ticket-latency").state()).isEqualTo(AlarmState.ALARM);
        assertThat(m.alarm("purchase-ticket-latency").reason()).startsWith("2 of 2 datapoints [4000, 4000] breach > 3000");
    }

    @Test
    void compositeAlarm_followsItsRule() {
        FlowMonitor m = monitor();
        // Errors alone: 12 a minute for 3 minutes, quick answers.
        for (int i = 0; i < 3; i++) {
            minute(m, "list-concerts", 988, 12, Duration.ofMillis(50));
        }
        m.evaluate();
        assertThat(m.alarm("list-concerts-errors").state()).isEqualTo(AlarmState.ALARM);
        assertThat(m.alarm("list-concerts-latency").state()).isEqualTo(AlarmState.OK);
        assertThat(m.alarm("list-concerts-degraded").state()).isEqualTo(AlarmState.OK);
        assertThat(m.alarm("list-concerts-degraded").reason())
                .isEqualTo("the rule is false: list-concerts-errors is ALARM, list-concerts-latency is OK");

        // Errors and slow answers.
        for (int i = 0; i < 3; i++) {
            minute(m, "list-concerts", 988, 12, Duration.ofMillis(900));
        }
        m.evaluate();

        assertThat(m.alarm("list-concerts-latency").state()).isEqualTo(AlarmState.ALARM);
        assertThat(m.alarm("list-concerts-degraded").state()).isEqualTo(AlarmState.ALARM);
        assertThat(changesOf("list-concerts-degraded")).extracting(AlarmChange::kind, AlarmChange::to).containsExactly(
                tuple(AlarmChange.Kind.COMPOSITE, AlarmState.OK), tuple(AlarmChange.Kind.COMPOSITE, AlarmState.ALARM));
        // list-concerts pages for the composite alarm (and burn rates), not for its parts.
        assertThat(m.openIncidents()).filteredOn(i -> i.flow().equals("list-concerts")).extracting(Incident::alarm)
                .contains("list-concerts-degraded").doesNotContain("list-concerts-errors", "list-concerts-latency");
    }

    @Test
    void metricAlarm_missingDataTreatedAsBreaching_alarmsWhenTelemetryFallsSilent() {
        FlowMonitor m = monitor();
        for (int i = 0; i < 10; i++) {
            minute(m, "collect-telemetry", 600, 0, Duration.ofMillis(2));
        }
        m.evaluate();
        assertThat(m.alarm("collect-telemetry-silent").state()).isEqualTo(AlarmState.OK);

        // One real datapoint is left in the range: it decides with one missing period filled in.
        clock.advance(Duration.ofMinutes(15));
        m.evaluate();
        assertThat(m.alarm("collect-telemetry-silent").state()).isEqualTo(AlarmState.OK);

        clock.advance(Duration.ofMinutes(5));
        m.evaluate();

        assertThat(m.alarm("collect-telemetry-silent").state()).isEqualTo(AlarmState.ALARM);
        assertThat(m.alarm("collect-telemetry-silent").reason())
                .isEqualTo("no datapoints in the last 4 periods; missing data is treated as breaching");
    }

    @Test
    void metricAlarm_silence_aHeartbeatAMinuteKeepsAnIdleInstanceOk_fromItsFirstMinute_untilItStops() {
        FlowMonitor m = monitor();
        for (int i = 0; i < 30; i++) {
            minute(m, "collect-telemetry", 1, 0, Duration.ofMillis(1)); // the instance's heartbeat, nothing else
            m.evaluate();
            // Until the first whole period since the start it is not known yet; then OK, never ALARM.
            assertThat(m.alarm("collect-telemetry-silent").state()).as("minute " + i)
                    .isEqualTo(i < 4 ? AlarmState.INSUFFICIENT_DATA : AlarmState.OK);
        }
        assertThat(changesOf("collect-telemetry-silent")).extracting(AlarmChange::to).containsExactly(AlarmState.OK);

        // The heartbeat stops: the telemetry really went silent. The last real datapoint keeps the
        // alarm OK while it is in the evaluation range (four 5-minute periods), then it fires.
        AlarmState state = AlarmState.OK;
        int minutes = 0;
        for (; minutes < 30 && state != AlarmState.ALARM; minutes++) {
            clock.advance(Duration.ofMinutes(1));
            m.evaluate();
            state = m.alarm("collect-telemetry-silent").state();
        }
        assertThat(state).isEqualTo(AlarmState.ALARM);
        assertThat(minutes).isEqualTo(20);
    }

    @Test
    void metricAlarm_silence_withoutAHeartbeat_alarmsOnceAWholePeriodWasWatched_notAtTheStart() {
        FlowMonitor m = monitor();
        m.evaluate();
        assertThat(m.alarm("collect-telemetry-silent").state()).isEqualTo(AlarmState.INSUFFICIENT_DATA);
        clock.advance(Duration.ofMinutes(4));
        m.evaluate();
        assertThat(m.alarm("collect-telemetry-silent").state()).isEqualTo(AlarmState.INSUFFICIENT_DATA);
        clock.advance(Duration.ofMinutes(1));
        m.evaluate();
        assertThat(m.alarm("collect-telemetry-silent").state()).isEqualTo(AlarmState.ALARM);
        assertThat(m.alarm("collect-telemetry-silent").reason())
                .isEqualTo("no datapoints in the last 1 periods; missing data is treated as breaching");
    }

    @Test
    void metricAlarm_ignoreMissingData_keepsTheStateWhenTheFlowIsIdle() {
        FlowMonitor m = monitor();
        for (int i = 0; i < 5; i++) {
            minute(m, "list-concerts", 100, 0, Duration.ofMillis(700));
        }
        m.evaluate();
        assertThat(m.alarm("list-concerts-latency").state()).isEqualTo(AlarmState.ALARM);

        clock.advance(Duration.ofMinutes(30));
        m.evaluate();

        assertThat(m.alarm("list-concerts-latency").state()).isEqualTo(AlarmState.ALARM);
        assertThat(m.alarm("list-concerts-errors").state()).isEqualTo(AlarmState.OK);
    }

    @Test
    void metricAlarm_flowFallsIdle_missingGoesToInsufficientData_notBreachingToOk_ignoreStays() {
        FlowMonitor m = monitor();
        for (int i = 0; i < 5; i++) {
            SloTest.outcomes(m, "purchase-ticket", clock.now(), 50, 50, Duration.ofMillis(100));
            SloTest.outcomes(m, "list-concerts", clock.now(), 988, 12, Duration.ofMillis(900));
            clock.advance(Duration.ofMinutes(1));
        }
        m.evaluate();
        assertThat(m.alarm("purchase-ticket-errors").state()).isEqualTo(AlarmState.ALARM);   // missing
        assertThat(m.alarm("list-concerts-errors").state()).isEqualTo(AlarmState.ALARM);     // notBreaching
        assertThat(m.alarm("list-concerts-latency").state()).isEqualTo(AlarmState.ALARM);    // ignore

        clock.advance(Duration.ofMinutes(30));
        m.evaluate();

        assertThat(m.alarm("purchase-ticket-errors").state()).isEqualTo(AlarmState.INSUFFICIENT_DATA);
        assertThat(m.alarm("list-concerts-errors").state()).isEqualTo(AlarmState.OK);
        assertThat(m.alarm("list-concerts-latency").state()).isEqualTo(AlarmState.ALARM);
        assertThat(changesOf("purchase-ticket-errors")).extracting(AlarmChange::to)
                .containsExactly(AlarmState.ALARM, AlarmState.INSUFFICIENT_DATA);
    }

    @Test
    void sink_thatThrows_doesNotStopTheEvaluation() {
        FlowMonitor m = FlowMonitor.builder(catalog, db).clock(clock).nodeId("n").sink(c -> {
            throw new IllegalStateException("bus down");
        }).build();
        minute(m, "purchase-ticket", 0, 100, Duration.ofMillis(100));
        minute(m, "purchase-ticket", 0, 100, Duration.ofMillis(100));
        minute(m, "purchase-ticket", 0, 100, Duration.ofMillis(100));
        m.evaluate();
        assertThat(m.alarm("purchase-ticket-errors").state()).isEqualTo(AlarmState.ALARM);
    }

    @Test
    void alarmHistory_isKeptAcrossRestarts() {
        FlowMonitor first = monitor();
        minute(first, "purchase-ticket", 0, 100, Duration.ofMillis(100));
        minute(first, "purchase-ticket", 0, 100, Duration.ofMillis(100));
        minute(first, "purchase-ticket", 0, 100, Duration.ofMillis(100));
        first.evaluate();
        first.close();
        Instant fired = clock.now();

        FlowMonitor second = monitor();
        assertThat(second.alarm("purchase-ticket-errors").state()).isEqualTo(AlarmState.ALARM);
        assertThat(second.alarm("purchase-ticket-errors").since()).isEqualTo(fired);
        assertThat(second.alarmHistory(null, "purchase-ticket-errors", Instant.EPOCH, fired.plusSeconds(1)))
                .hasSize(1);
    }
}
