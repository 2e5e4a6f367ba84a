package dev.setlist.flows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.Clock;
import dev.setlist.asl.Entropy;
import dev.setlist.flows.internal.IncidentLifecycle;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Incidents escalating along a flow's path to a real local webhook endpoint, on a manual clock:
 * the order of the contacts, their acknowledgement timeouts, acknowledgement, resolution, failed
 * deliveries and restarts. The alarm ignores missing data, so it stays in ALARM while the flow is
 * idle and the clock moves on.
 */
class EscalationTest {
    static final Instant T0 = Instant.parse("2024-03-04T15:00:00Z");

    Hooks hooks;
    DataSource db;
    Clock.Manual clock;
    Catalog catalog;

    @BeforeEach
    void setUp() {
        hooks = new Hooks();
        db = TestDb.h2();
        clock = Clock.manual(T0);
        catalog = Catalog.parse("""
                workload: shop
                flows:
                  - id: checkout
                    name: Checkout
                    kind: user
                    description: Customers pay for their basket.
                    owner: Head of Sales
                    stakeholders: [Sales]
                    escalation:
                      - {name: Application on-call, channel: webhook, address: "%1$s/app", ackTimeout: 5m}
                      - {name: Platform on-call, channel: webhook, address: "%1$s/platform", ackTimeout: 10m}
                      - {name: Operations log, channel: log, ackTimeout: 15m}
                      - {name: COO, channel: webhook, address: "%1$s/coo", ackTimeout: 30m}
                    businessImpact: No checkout, no revenue.
                    criticality: high
                    targets:
                      reliability: {availability: 99.5}
                      operations: {page: [checkout-errors]}
                    alarms:
                      - name: checkout-errors
                        metric: errors
                        statistic: Sum
                        period: 1m
                        evaluationPeriods: 1
                        threshold: 1
                        comparison: GreaterThanOrEqualToThreshold
                        treatMissingData: ignore
                """.formatted(hooks.base()));
    }

    @AfterEach
    void tearDown() {
        hooks.close();
    }

    @AfterAll
    static void everyIncidentTransitionWasExercised() {
        assertThat(IncidentLifecycle.taken()).containsExactlyInAnyOrderElementsOf(IncidentLifecycle.TABLE.keySet());
    }

    FlowMonitor monitor() {
        return FlowMonitor.builder(catalog, db).clock(clock).entropy(Entropy.seeded(11)).nodeId("n").build();
    }

    /** A failed checkout now, then one minute later an evaluation: the alarm fires. */
    Incident fire(FlowMonitor m) {
        m.record(Outcome.bad("checkout", clock.now(), Duration.ofMillis(80), "PaymentDeclined"));
        clock.advance(Duration.ofMinutes(1));
        m.evaluate();
        assertThat(m.alarm("checkout-errors").state()).isEqualTo(AlarmState.ALARM);
        return m.openIncidents().getFirst();
    }

    void after(FlowMonitor m, Duration d) {
        clock.advance(d);
        m.evaluate();
    }

    static List<String> kinds(Incident i) {
        return i.events().stream().map(e -> e.kind() + (e.contact() == null ? "" : " " + e.contact())).toList();
    }

    @Test
    void escalate_unacknowledged_callsEachContactInOrderAfterTheirTimeout() {
        FlowMonitor m = monitor();
        Incident opened = fire(m);
        assertThat(hooks.paths("checkout-errors")).containsExactly("/app");
        JsonNode first = hooks.calls("checkout-errors").getFirst().body();
        assertThat(first.path("event").asText()).isEqualTo("opened");
        assertThat(first.path("incidentId").asText()).isEqualTo(opened.id());
        assertThat(first.path("flow").path("id").asText()).isEqualTo("checkout");
        assertThat(first.path("flow").path("criticality").asText()).isEqualTo("high");
        assertThat(first.path("contact").path("position").asInt()).isEqualTo(1);
        assertThat(first.path("contact").path("of").asInt()).isEqualTo(4);
        assertThat(first.path("acknowledgeBy").asText()).isEqualTo("2024-03-04T15:06:00Z");

        after(m, Duration.ofMinutes(4));                       // 15:05, within the first 5 minutes
        assertThat(hooks.paths("checkout-errors")).containsExactly("/app");
        after(m, Duration.ofMinutes(1));                       // 15:06: the first contact's time is up
        assertThat(hooks.paths("checkout-errors")).containsExactly("/app", "/platform");
        assertThat(hooks.calls("checkout-errors").get(1).body().path("event").asText()).isEqualTo("escalated");
        after(m, Duration.ofMinutes(10));                      // 15:16: the platform's too; the log, then
        after(m, Duration.ofMinutes(14));                      // 15:30: not yet the log's 15 minutes
        assertThat(hooks.paths("checkout-errors")).containsExactly("/app", "/platform");
        after(m, Duration.ofMinutes(1));                       // 15:31: the COO
        assertThat(hooks.paths("checkout-errors")).containsExactly("/app", "/platform", "/coo");
        after(m, Duration.ofMinutes(30));                      // 16:01: nobody is left

        Incident i = m.incident(opened.id());
        assertThat(i.state()).isEqualTo(Incident.State.OPEN);
        assertThat(i.step()).isEqualTo(3);
        assertThat(kinds(i)).containsExactly("OPENED", "NOTIFIED Application on-call",
                "ESCALATED Application on-call", "NOTIFIED Platform on-call", "ESCALATED Platform on-call",
                "NOTIFIED Operations log", "ESCALATED Operations log", "NOTIFIED COO", "EXHAUSTED");
        assertThat(hooks.paths("checkout-errors")).hasSize(3);
    }

    @Test
    void escalate_clockJumpsPastSeveralTimeouts_callsEveryContactThatIsDue() {
        FlowMonitor m = monitor();
        fire(m);
        after(m, Duration.ofMinutes(16));                      // 15:17: 5m and 10m have both passed
        assertThat(hooks.paths("checkout-errors")).containsExactly("/app", "/platform");
        // The log contact was called at 15:16, when the platform's 10 minutes ran out.
        assertThat(m.openIncidents().getFirst().step()).isEqualTo(2);
        assertThat(m.openIncidents().getFirst().notifiedAt()).isEqualTo(Instant.parse("2024-03-04T15:16:00Z"));
    }

    @Test
    void acknowledge_stopsTheEscalation_andResolutionStillTellsWhoWasCalled() {
        FlowMonitor m = monitor();
        Incident opened = fire(m);
        after(m, Duration.ofMinutes(6));                       // the platform is called
        Incident acked = m.acknowledge(opened.id(), "alice");

        assertThat(acked.state()).isEqualTo(Incident.State.ACKNOWLEDGED);
        assertThat(acked.acknowledgedBy()).isEqualTo("alice");
        assertThat(acked.acknowledgedAt()).isEqualTo(clock.now());
        after(m, Duration.ofHours(2));
        assertThat(hooks.paths("checkout-errors")).containsExactly("/app", "/platform");
        assertThatThrownBy(() -> m.acknowledge(opened.id(), "bob")).isInstanceOf(IllegalStateException.class)
                .hasMessage("incident " + opened.id() + " is acknowledged (acknowledged by alice) and cannot be acknowledged");
        assertThatThrownBy(() -> m.acknowledge("nope", "bob")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no incident nope");

        m.record(Outcome.good("checkout", clock.now(), Duration.ofMillis(80)));
        after(m, Duration.ofMinutes(1));

        Incident resolved = m.incident(opened.id());
        assertThat(resolved.state()).isEqualTo(Incident.State.RESOLVED);
        assertThat(resolved.resolvedAt()).isEqualTo(clock.now());
        assertThat(hooks.paths("checkout-errors")).containsExactly("/app", "/platform", "/app", "/platform");
        assertThat(hooks.calls("checkout-errors").get(2).body().path("event").asText()).isEqualTo("resolved");
        assertThatThrownBy(() -> m.acknowledge(opened.id(), "bob")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void resolve_unacknowledged_whenTheAlarmReturnsToOk() {
        FlowMonitor m = monitor();
        Incident opened = fire(m);
        m.record(Outcome.good("checkout", clock.now(), Duration.ofMillis(80)));
        after(m, Duration.ofMinutes(1));

        assertThat(m.incident(opened.id()).state()).isEqualTo(Incident.State.RESOLVED);
        assertThat(m.openIncidents()).isEmpty();
        assertThat(kinds(m.incident(opened.id()))).containsExactly("OPENED", "NOTIFIED Application on-call", "RESOLVED",
                "TOLD_RESOLVED Application on-call");

        // The next failure opens a new incident.
        Incident again = fire(m);
        assertThat(again.id()).isNotEqualTo(opened.id());
    }

    @Test
    void deliveryFailure_isLogged_andTheEscalationGoesOn() {
        hooks.statusByPath.put("/app", 500);
        FlowMonitor m = monitor();
        Incident opened = fire(m);
        after(m, Duration.ofMinutes(5));

        assertThat(kinds(m.incident(opened.id()))).containsExactly("OPENED", "DELIVERY_FAILED Application on-call",
                "ESCALATED Application on-call", "NOTIFIED Platform on-call");
        assertThat(m.incident(opened.id()).events().get(1).detail()).isEqualTo("HTTP 500");
    }

    @Test
    void escalation_survivesARestart() {
        FlowMonitor first = monitor();
        Incident opened = fire(first);
        first.close();

        FlowMonitor second = monitor();
        after(second, Duration.ofMinutes(5));

        assertThat(second.incident(opened.id()).step()).isEqualTo(1);
        assertThat(hooks.paths("checkout-errors")).containsExactly("/app", "/platform");
        // The alarm is still firing after the restart: no second incident.
        assertThat(second.openIncidents()).hasSize(1);
    }
}
