package dev.setlist.flows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.setlist.asl.Clock;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The same schema and behaviour on PostgreSQL (skipped when no PostgreSQL runs on 127.0.0.1:5432). */
class PostgresMonitorTest {
    Hooks hooks;
    DataSource db;
    Clock.Manual clock;
    Catalog catalog;

    @BeforeEach
    void setUp() throws IOException, SQLException {
        assumeTrue(TestDb.postgresRuns(), "PostgreSQL on 127.0.0.1:5432");
        hooks = new Hooks();
        db = TestDb.postgres();
        clock = Clock.manual(SloTest.MONDAY_10AM);
        catalog = SloTest.relecloud(hooks);
    }

    @AfterEach
    void tearDown() throws SQLException {
        if (hooks != null) {
            hooks.close();
        }
        if (db != null) {
            TestDb.drop(db);
        }
    }

    @Test
    void monitor_onPostgres_recordsEvaluatesEscalatesAndRestarts() {
        FlowMonitor a = FlowMonitor.builder(catalog, db).clock(clock).nodeId("a").build();
        FlowMonitor b = FlowMonitor.builder(catalog, db).clock(clock).nodeId("b").build();
        for (int i = 0; i < 3; i++) {
            SloTest.outcomes(a, "purchase-ticket", clock.now(), 50, 5, Duration.ofMillis(300));
            SloTest.outcomes(b, "purchase-ticket", clock.now(), 40, 5, Duration.ofMillis(300));
            b.flush();
            clock.advance(Duration.ofMinutes(1));
        }
        a.evaluate();

        assertThat(a.slo("purchase-ticket").total()).isEqualTo(300);
        assertThat(a.slo("purchase-ticket").bad()).isEqualTo(30);
        assertThat(a.alarm("purchase-ticket-errors").state()).isEqualTo(AlarmState.ALARM);
        assertThat(a.openIncidents()).extracting(Incident::alarm).contains("purchase-ticket-errors");
        assertThat(hooks.paths("purchase-ticket-errors")).containsExactly("/application-on-call");
        a.close();

        FlowMonitor again = FlowMonitor.builder(catalog, db).clock(clock).nodeId("a").build();
        assertThat(again.alarm("purchase-ticket-errors").state()).isEqualTo(AlarmState.ALARM);
        assertThat(again.review("purchase-ticket", SloTest.MONDAY_10AM, clock.now()).topErrors())
                .extracting(FlowReview.ErrorCount::count).containsExactly(30L);
    }
}
