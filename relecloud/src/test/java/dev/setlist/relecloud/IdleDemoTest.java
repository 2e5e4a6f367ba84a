package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.flows.AlarmState;
import org.junit.jupiter.api.Test;

/**
 * A fresh, idle Relecloud: nobody calls it, yet the "telemetry has gone silent" alarm stays quiet,
 * because the instance's heartbeat keeps the collect-telemetry flow's outcomes coming (the alarm's
 * arithmetic over the following minutes is in the flows module's {@code AlarmTest}).
 */
class IdleDemoTest {
    @Test
    void idleDemo_telemetrySilentAlarm_staysOk_thanksToTheHeartbeat() {
        try (Harness h = new Harness()) {
            var monitor = h.server.flowMonitor();
            // The first beat is at the start, before anybody called; then one a minute.
            assertThat(h.server.telemetry().registry().find("setlist.telemetry.heartbeats")
                    .tags("flow", "collect-telemetry", "outcome", "good").counter().count()).isGreaterThanOrEqualTo(1);
            monitor.evaluate();
            assertThat(monitor.alarm("collect-telemetry-silent").state()).isNotEqualTo(AlarmState.ALARM);
            assertThat(h.server.telemetry().heartbeat()).isEqualTo("collect-telemetry");
            monitor.evaluate();
            assertThat(monitor.alarm("collect-telemetry-silent").state()).isNotEqualTo(AlarmState.ALARM);
        }
    }
}
