package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.flows.AlarmState;
import org.junit.jupiter.api.Test;

/**
 * A fresh, idle Relecloud: nobody calls it, yet the "telemetry has gone silent" alarm stays quiet,
 * because the instance's heartbeat keeps the collect-telemetry flow's outcomes coming.
 */
class IdleDemoTest {
    @Test
    void idleDemo_telemetrySilentAlarm_staysOk_thanksToTheHeartbeat() {
        try (Harness h = new Harness()) {
            var monitor = h.server.flowMonitor();
            monitor.evaluate();
            assertThat(monitor.alarm("collect-telemetry-silent").state()).isEqualTo(AlarmState.OK);
            assertThat(h.server.telemetry().heartbeat()).isEqualTo("collect-telemetry");
            monitor.evaluate();
            assertThat(monitor.alarm("collect-telemetry-silent").state()).isEqualTo(AlarmState.OK);
        }
    }
}
