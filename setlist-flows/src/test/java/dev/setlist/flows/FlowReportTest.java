package dev.setlist.flows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.asl.Clock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The periodic review of the Relecloud flows, in Markdown and HTML. */
class FlowReportTest {
    Hooks hooks;
    Clock.Manual clock;
    FlowMonitor monitor;

    @BeforeEach
    void setUp() throws IOException {
        hooks = new Hooks();
        clock = Clock.manual(SloTest.MONDAY_10AM);
        monitor = FlowMonitor.builder(SloTest.relecloud(hooks), TestDb.h2()).clock(clock).nodeId("n").build();
        // An hour of purchases: 0.5% declined payments and timeouts, a slow tail.
        for (int i = 0; i < 60; i++) {
            SloTest.outcomes(monitor, "purchase-ticket", clock.now(), 194, 0, Duration.ofMillis(400));
            monitor.record(Outcome.bad("purchase-ticket", clock.now(), Duration.ofMillis(900), "PaymentDeclined"));
            if (i % 3 == 0) {
                monitor.record(Outcome.bad("purchase-ticket", clock.now(), Duration.ofSeconds(5), "States.Timeout"));
            }
            SloTest.outcomes(monitor, "purchase-ticket", clock.now(), 3, 0, Duration.ofSeconds(4));
            SloTest.outcomes(monitor, "list-concerts", clock.now(), 1000, 0, Duration.ofMillis(40));
            clock.advance(Duration.ofMinutes(1));
            monitor.evaluate();
        }
    }

    @AfterEach
    void tearDown() {
        hooks.close();
    }

    @Test
    void markdown_putsEachTargetBesideWhatWasMeasured() {
        String md = FlowReport.of(monitor, SloTest.MONDAY_10AM, clock.now()).markdown();

        assertThat(md).startsWith("# Flow review: relecloud\n\nPeriod: 2024-03-04T15:00:00Z to 2024-03-04T16:00:00Z.");
        assertThat(md).contains("| Flow | Kind | Criticality | Availability target | Measured | Error budget left | "
                + "Latency target | Measured | Alarms fired | Status |");
        // p99 reads 4.06s for outcomes of 4s: percentiles come from buckets 4% wide, never below the truth.
        assertThat(md).contains("| Purchase ticket (purchase-ticket) | user | high | 99.9% (extended) | 99.33% | "
                + "-572.27% | p99 ≤ 3s | 4.06s | 3 | misses |");
        assertThat(md).contains("| Get a list of the concerts (list-concerts) | user | high | 99.9% (extended) | "
                + "100.00% | 100.00% | p99 ≤ 500ms | 40ms | 0 | meets |");
        assertThat(md).contains("| Collect telemetry (collect-telemetry) | system | medium | 99% (24x7) | — | — | — | — | 1 | no data |");
        assertThat(md).contains("| Availability | 99.9% during extended, over 30d | 99.33% of 11,900 outcomes (80 bad) | misses |");
        assertThat(md).contains("| Error budget | 0.1% of outcomes may fail | -572.27% | misses |");
        assertThat(md).contains("| Latency p50 | at most 800ms | 402ms | meets |");
        assertThat(md).contains("| Latency SLI | 99% within 3s | 98.32% | misses |");
        assertThat(md).contains("| Escalation path | Application team on-call engineer (webhook, 5m) → "
                + "Platform team on-call engineer (webhook, 10m) → Data team on-call engineer (webhook, 10m) → "
                + "Chief Operating Officer (webhook, 30m) |");
        assertThat(md).contains("| Top error | Count |\n|---|---|\n| PaymentDeclined | 60 |\n| States.Timeout | 20 |");
        assertThat(md).contains("| purchase-ticket:burn-rate-1h | 0 |\n| purchase-ticket:burn-rate-6h | 1 |");
        assertThat(md).contains("| Cost | 1.50 USD per 1000 runs, 400.00 USD per month |  |  |");
    }

    @Test
    void review_countsAlarmsFiredAndTopErrors() {
        FlowReview r = monitor.review("purchase-ticket", SloTest.MONDAY_10AM, clock.now());
        assertThat(r.topErrors()).extracting(FlowReview.ErrorCount::error).containsExactly("PaymentDeclined",
                "States.Timeout");
        assertThat(r.alarmsFired()).containsEntry("purchase-ticket-errors", 0).containsEntry("purchase-ticket-latency", 1);
        assertThat(r.latencyMillis()).containsKeys(50.0, 90.0, 95.0, 99.0);
        assertThat(r.latencyMillis().get(50.0)).isBetween(400.0, 400.0 * 1.04);
    }

    @Test
    void html_isAStandalonePageWithEscapedText() {
        String html = FlowReport.of(monitor, SloTest.MONDAY_10AM, clock.now()).html();
        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n");
        assertThat(html).contains("<title>Flow review: relecloud</title>");
        assertThat(html).contains("<h2>Purchase ticket</h2>");
        assertThat(html).contains("<td class=\"misses\">misses</td>");
        assertThat(html).contains("User experience (UX) department");
        assertThat(html).doesNotContain("<script");
    }

    @Test
    void markdown_emptyPeriod_saysNoData() {
        Instant later = clock.now().plus(Duration.ofDays(2));
        String md = FlowReport.of(monitor, later, later.plus(Duration.ofHours(1))).markdown();
        assertThat(md).contains("| Purchase ticket (purchase-ticket) | user | high | 99.9% (extended) | — | — | "
                + "p99 ≤ 3s | — | 0 | no data |");
    }
}
