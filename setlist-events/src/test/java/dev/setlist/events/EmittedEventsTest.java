package dev.setlist.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.engine.Engine;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.engine.ExecutionStatus;
import dev.setlist.engine.StateMachineType;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Events a task emits ({@link EventBus#emit}) and status changes are staged with their step:
 * published once when the step commits, not at all when the task fails.
 */
class EmittedEventsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Engine engine;
    EventBus bus;
    final TaskInvoker.Registry tasks = new TaskInvoker.Registry();
    final AtomicInteger calls = new AtomicInteger();
    final List<Throwable> refused = new CopyOnWriteArrayList<>();
    final List<TaskInvoker.Request> kept = new CopyOnWriteArrayList<>();
    final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() {
        tasks.register("arn:aws:states:::test:emit", r -> {
            int n = calls.incrementAndGet();
            EventBus.emit(r, PutEntry.of("test.emit", "Emitted", "{\"call\": " + n + "}"));
            try {
                r.emit("nobody:Takes", JSON.createObjectNode());
            } catch (IllegalArgumentException e) {
                refused.add(e);
            }
            try {
                EventBus.emit(r, PutEntry.of("test.emit", "Emitted", "[1]"));
            } catch (IllegalArgumentException e) {
                refused.add(e);
            }
            kept.add(r);
            if (n == 1) {
                throw new StatesException("Flaky", "the first attempt fails after emitting");
            }
            return JSON.createObjectNode().put("call", n);
        });
        tasks.register("arn:aws:states:::test:block", r -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return JSON.createObjectNode();
        });
        engine = Engine.builder().database("jdbc:h2:file:" + dir.resolve("db"), "sa", "").tasks(tasks)
                .poll(Duration.ofMillis(50)).build();
        bus = EventBus.builder(engine).poll(Duration.ofMillis(50)).build();
        engine.addEffects(bus.executionEffects());
        bus.createArchive("all", "arn:aws:events:" + engine.region() + ":" + engine.account() + ":event-bus/default",
                null, null, 0);
    }

    @AfterEach
    void stop() {
        release.countDown();
        bus.close();
        engine.close();
    }

    @Test
    void aTaskThatFailsEmitsNothing_andTheAttemptThatSucceedsEmitsOnce() throws Exception {
        String arn = engine.createStateMachine("emitter", """
                {"StartAt": "Emit", "States": {"Emit": {"Type": "Task", "Resource": "arn:aws:states:::test:emit",
                 "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2}], "End": true}}}""",
                StateMachineType.STANDARD, null, null).arn();
        ExecutionInfo started = engine.startExecution(arn, "one", "{}", null);
        ExecutionInfo done = engine.awaitExecution(started.arn(), Duration.ofSeconds(20));
        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(calls.get()).isEqualTo(2);

        List<String> emitted = eventually(() -> archived("Emitted"), l -> !l.isEmpty());
        Thread.sleep(300);
        emitted = archived("Emitted");
        assertThat(emitted).hasSize(1);
        assertThat(JSON.readTree(emitted.get(0)).path("detail").path("call").asInt()).isEqualTo(2);
        // Each status change of the execution once: RUNNING, then SUCCEEDED.
        List<String> changes = eventually(() -> archived("Step Functions Execution Status Change"), l -> l.size() >= 2);
        assertThat(changes).extracting(b -> JSON.readTree(b).path("detail").path("status").asText())
                .containsExactlyInAnyOrder("RUNNING", "SUCCEEDED");
        assertThat(rows("SELECT id FROM ev_outbox")).isEmpty();
        // Unknown kinds and bad entries are refused on the handler's thread; after the return, all are.
        assertThat(refused).hasSize(4).allSatisfy(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class));
        assertThatThrownBy(() -> EventBus.emit(kept.get(1), PutEntry.of("test.emit", "Late", "{}")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> EventBus.emit(new TaskInvoker.Request("x", null, null, null, 0, null, null, null, null,
                null, null), PutEntry.of("test.emit", "Nowhere", "{}"))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aStopCommitsItsStatusChangeWithIt() throws Exception {
        String arn = engine.createStateMachine("blocked", """
                {"StartAt": "Block", "States": {"Block": {"Type": "Task", "Resource": "arn:aws:states:::test:block",
                 "End": true}}}""", StateMachineType.STANDARD, null, null).arn();
        ExecutionInfo started = engine.startExecution(arn, "stopped", "{}", null);
        engine.stopExecution(started.arn(), "Stop", "a test stops it");
        List<String> changes = eventually(() -> archived("Step Functions Execution Status Change"), l -> l.size() >= 2);
        Thread.sleep(300);
        changes = archived("Step Functions Execution Status Change");
        assertThat(changes).extracting(b -> JSON.readTree(b).path("detail").path("status").asText())
                .containsExactlyInAnyOrder("RUNNING", "ABORTED");
    }

    private List<String> archived(String detailType) {
        List<String> out = new ArrayList<>();
        for (String body : rows("SELECT body FROM ev_archived_event WHERE archive = 'all'")) {
            try {
                if (JSON.readTree(body).path("detail-type").asText().equals(detailType)) {
                    out.add(body);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    private List<String> rows(String sql) {
        try (Connection c = engine.dataSource().getConnection(); var ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T eventually(java.util.function.Supplier<T> get, java.util.function.Predicate<T> done)
            throws InterruptedException {
        for (int i = 0; i < 400; i++) {
            T v = get.get();
            if (done.test(v)) {
                return v;
            }
            Thread.sleep(25);
        }
        return get.get();
    }
}
