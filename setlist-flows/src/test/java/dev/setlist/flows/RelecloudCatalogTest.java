package dev.setlist.flows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.setlist.flows.Targets.MaintenancePolicy;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The guide's six Relecloud flows, as the test fixture documents them. */
class RelecloudCatalogTest {
    static final Bindings RELECLOUD = Bindings.of(
            Set.of("POST /api/concerts", "GET /api/concerts/search", "GET /api/concerts", "POST /api/tickets",
                    "POST /api/auth/login"),
            Set.of("purchase-ticket"), Set.of("ticket-purchased", "telemetry-ingest"));

    static Catalog relecloud() throws IOException {
        return Catalog.parse(CatalogCorpusTest.read("/relecloud-flows.yaml"), RELECLOUD);
    }

    @Test
    void parse_relecloud_hasTheSixFlowsOfTheGuide() throws IOException {
        Catalog c = relecloud();
        assertThat(c.workload()).isEqualTo("relecloud");
        assertThat(c.flows()).extracting(Flow::id).containsExactly("create-concerts", "search-concerts",
                "list-concerts", "purchase-ticket", "authentication", "collect-telemetry");
        assertThat(c.flows()).extracting(f -> f.criticality().yaml())
                .containsExactly("low", "medium", "high", "high", "high", "medium");
        assertThat(c.flows()).extracting(f -> f.targets().reliability().availability())
                .containsExactly(95.0, 99.0, 99.9, 99.9, 99.9, 99.0);
        assertThat(c.flows()).extracting(f -> f.targets().reliability().hours())
                .containsExactly("business", "business", "extended", "extended", "extended", "24x7");
        assertThat(c.hours()).containsKeys("business", "extended", "24x7");
    }

    @Test
    void parse_purchaseTicket_keepsOwnerEscalationPathAndBindings() throws IOException {
        Flow purchase = relecloud().flow("purchase-ticket");
        assertThat(purchase.owner()).isEqualTo("Director of Sales");
        assertThat(purchase.escalation()).extracting(Flow.Contact::name).containsExactly(
                "Application team on-call engineer", "Platform team on-call engineer", "Data team on-call engineer",
                "Chief Operating Officer");
        assertThat(purchase.escalation().get(0).ackTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(purchase.useCase().dependencies()).containsExactly("list-concerts", "authentication");
        assertThat(purchase.bindings().stateMachines()).containsExactly("purchase-ticket");
        assertThat(purchase.targets().performance().tail()).isEqualTo(java.util.Map.entry(99.0, Duration.ofSeconds(3)));
        assertThat(purchase.targets().security().dataClassification()).isEqualTo(Targets.DataClassification.CONFIDENTIAL);
        assertThat(purchase.alarms()).extracting(AlarmSpec::name)
                .containsExactly("purchase-ticket-errors", "purchase-ticket-latency");
    }

    @Test
    void parse_telemetry_isASystemFlowWithAnnouncedMaintenance() throws IOException {
        Flow telemetry = relecloud().flow("collect-telemetry");
        assertThat(telemetry.kind()).isEqualTo(Flow.Kind.SYSTEM);
        assertThat(telemetry.businessProcess()).isNull();
        Targets.Maintenance m = telemetry.targets().reliability().maintenance();
        assertThat(m.policy()).isEqualTo(MaintenancePolicy.ANNOUNCED);
        assertThat(m.notice()).isEqualTo(Duration.ofHours(48));
        assertThat(m.windows()).hasSize(1);
        assertThat(telemetry.targets().performance().throughputPerSecond()).isEqualTo(500.0);
    }

    @Test
    void hours_business_holdsOnWeekdaysInNewYorkOnly() throws IOException {
        Hours business = relecloud().hours().get("business");
        assertThat(business.contains(Instant.parse("2024-03-04T14:00:00Z"))).isTrue();   // Monday 09:00 EST
        assertThat(business.contains(Instant.parse("2024-03-04T13:59:00Z"))).isFalse();  // 08:59
        assertThat(business.contains(Instant.parse("2024-03-04T22:00:00Z"))).isFalse();  // 17:00
        assertThat(business.contains(Instant.parse("2024-03-02T15:00:00Z"))).isFalse();  // Saturday
        assertThat(business.contains(Instant.parse("2024-03-11T13:00:00Z"))).isTrue();   // Monday 09:00 EDT
        assertThat(business.describe()).isEqualTo("MON-FRI 09:00-17:00 America/New_York");
    }

    @Test
    void parse_unknownBindings_throwsWithEveryProblemLocated() throws IOException {
        String text = CatalogCorpusTest.read("/relecloud-flows.yaml");
        assertThatThrownBy(() -> Catalog.parse(text, CatalogCorpusTest.SERVER))
                .isInstanceOfSatisfying(CatalogException.class, e -> assertThat(e.problems()).map(Problem::toString)
                        .containsExactly(
                                "/flows/0/bindings/routes/0: no route POST /api/concerts in the server",
                                "/flows/1/bindings/routes/0: no route GET /api/concerts/search in the server",
                                "/flows/4/bindings/routes/0: no route POST /api/auth/login in the server",
                                "/flows/5/bindings/eventRules/0: no event rule named \"telemetry-ingest\""));
    }

    @Test
    void hours_overnight_countsTheMorningAfterForThePreviousDay() {
        Hours night = new Hours("night", Set.of(java.time.DayOfWeek.FRIDAY), java.time.LocalTime.of(22, 0),
                java.time.LocalTime.of(6, 0), java.time.ZoneOffset.UTC);
        assertThat(night.contains(Instant.parse("2024-03-08T23:00:00Z"))).isTrue();   // Friday night
        assertThat(night.contains(Instant.parse("2024-03-09T05:59:00Z"))).isTrue();   // Saturday morning
        assertThat(night.contains(Instant.parse("2024-03-09T06:00:00Z"))).isFalse();
        assertThat(night.contains(Instant.parse("2024-03-07T23:00:00Z"))).isFalse();  // Thursday night
    }
}
