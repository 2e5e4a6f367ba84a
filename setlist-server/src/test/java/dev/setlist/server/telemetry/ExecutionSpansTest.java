package dev.setlist.server.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.engine.ExecutionInfo;
import dev.setlist.engine.ExecutionStatus;
import dev.setlist.engine.StateMachineType;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Execution spans and the per-caller rate limit, without a server. */
class ExecutionSpansTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String HEADER = "00-" + TRACE + "-00f067aa0ba902b7-01";

    private static ExecutionInfo info(ExecutionStatus status, int redrives) {
        Instant start = Instant.parse("2026-11-25T10:00:00Z");
        return new ExecutionInfo("arn:aws:states:us-east-1:000000000000:execution:m:e1",
                "arn:aws:states:us-east-1:000000000000:stateMachine:m", "e1", StateMachineType.STANDARD, status, "{}",
                null, null, null, start, status == ExecutionStatus.RUNNING ? null : start.plusMillis(5), redrives, null,
                null, null, HEADER);
    }

    @Test
    void executions_startAnnouncedAfterTheEnd_noSpanLeftOpen() {
        try (Telemetry t = Telemetry.create(true, null)) {
            var listener = t.executions();
            listener.statusChanged(info(ExecutionStatus.SUCCEEDED, 0));
            listener.statusChanged(info(ExecutionStatus.RUNNING, 0));
            assertThat(t.openExecutionSpans()).isZero();
            listener.statusChanged(info(ExecutionStatus.RUNNING, 1));
            assertThat(t.openExecutionSpans()).isEqualTo(1);
            listener.statusChanged(info(ExecutionStatus.FAILED, 1));
            assertThat(t.openExecutionSpans()).isZero();
            assertThat(t.trace(TRACE)).extracting(RecentSpan::name).containsExactly("execution m", "execution m");
        }
    }

    @Test
    void executions_disabled_recordNothing() {
        try (Telemetry t = Telemetry.create(false, null)) {
            t.executions().statusChanged(info(ExecutionStatus.RUNNING, 0));
            assertThat(t.openExecutionSpans()).isZero();
            assertThat(t.trace(TRACE)).isEmpty();
        }
    }

    @Test
    void rateLimiter_burstThenRefill_retryAfterInSeconds() {
        AtomicLong now = new AtomicLong();
        RateLimiter limiter = new RateLimiter(2, 0.5, now::get);
        assertThat(limiter.tryTake("a")).isZero();
        assertThat(limiter.tryTake("a")).isZero();
        assertThat(limiter.tryTake("a")).isEqualTo(2);
        assertThat(limiter.tryTake("b")).isZero();
        now.addAndGet(2_000_000_000L);
        assertThat(limiter.tryTake("a")).isZero();
        assertThat(limiter.tryTake("a")).isEqualTo(2);
    }

    @Test
    void traceparent_roundTripAndGarbage() {
        assertThat(Traceparent.traceId(HEADER)).isEqualTo(TRACE);
        assertThat(Traceparent.traceId("Root=1-5759e988-bd862e3fe1be46a994272793")).isNull();
        assertThat(Traceparent.traceId(null)).isNull();
        assertThat(Traceparent.current()).isNull();
    }
}
