package dev.setlist.engine.durability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.engine.Engine;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.engine.HistoryRecord;
import dev.setlist.engine.StateMachineInfo;
import dev.setlist.engine.StateMachineType;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Timers proof (H2): 500 executions wait at once on a Wait state until their own instants, a few
 * seconds ahead; the node holding them is closed while they wait and a new node is started on the
 * same database. Every execution must resume at its instant (never before it, at most a few
 * seconds late) and finish; while they wait the node holds no thread (nor run) per execution.
 */
class TimersTest {
    private static final int EXECUTIONS = 500;
    private static final String STAMP = "arn:aws:states:::setlist:stamp";
    private static final String MACHINE = """
            {"StartAt": "W", "States": {
              "W": {"Type": "Wait", "TimestampPath": "$.at", "Next": "After"},
              "After": {"Type": "Task", "Resource": "%s", "End": true}}}
            """.formatted(STAMP);
    private static final long LATENESS_MILLIS = Long.getLong("setlist.test.timers.lateness", 8_000);

    @Test
    @Timeout(90)
    void waitingExecutionsResumeOnANewNodeAtTheirInstants(@TempDir Path dir) throws Exception {
        Map<String, Long> resumedAt = new ConcurrentHashMap<>();
        TaskInvoker.Registry tasks = new TaskInvoker.Registry().register(STAMP, req -> {
            resumedAt.putIfAbsent(req.executionId(), System.currentTimeMillis());
            return IntNode.valueOf(1);
        });
        String url = "jdbc:h2:file:" + dir.resolve("engine");
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();

        Engine first = node(url, "timers-1", tasks);
        StateMachineInfo sm = first.createStateMachine("timers", MACHINE, StateMachineType.STANDARD, null, null);
        // Whole seconds, 4 instants one second apart, the first one well after all have started.
        Instant base = Instant.ofEpochSecond(System.currentTimeMillis() / 1000 + 9);
        List<ExecutionInfo> started = new ArrayList<>();
        long startingAt = System.currentTimeMillis();
        Map<String, Instant> instants = new ConcurrentHashMap<>();
        try (ExecutorService starters = Executors.newFixedThreadPool(8)) {
            List<Future<ExecutionInfo>> futures = new ArrayList<>();
            for (int i = 0; i < EXECUTIONS; i++) {
                Instant at = base.plusSeconds(i % 4);
                String name = "t-" + i;
                futures.add(starters.submit(() -> first.startExecution(sm.arn(), name, "{\"at\": \"" + at + "\"}", null)));
                instants.put(sm.arn().replace(":stateMachine:", ":execution:") + ":" + name, at);
            }
            for (Future<ExecutionInfo> f : futures) {
                started.add(f.get());
            }
        }
        long startedAll = System.currentTimeMillis();

        // All wait: every execution's frame is a timer in the database, and the node holds none of them.
        long until = base.toEpochMilli() - 1_500;
        while (waiting(first, sm.arn()) < EXECUTIONS || first.liveExecutions() > 0) {
            assertThat(System.currentTimeMillis()).as("all %d executions wait before the first instant (%d waiting,"
                    + " %d live)", EXECUTIONS, waiting(first, sm.arn()), first.liveExecutions()).isLessThan(until);
            Thread.sleep(50);
        }
        int threadsWaiting = ManagementFactory.getThreadMXBean().getThreadCount();
        assertThat(threadsWaiting - threadsBefore).as("platform threads of a node while %d executions wait", EXECUTIONS)
                .isLessThan(40);
        first.close();
        long closedAt = System.currentTimeMillis();
        assertThat(closedAt).as("the first node closed before any instant").isLessThan(base.toEpochMilli());
        assertThat(resumedAt).isEmpty();

        Engine second = node(url, "timers-2", tasks);
        try {
            long deadline = base.toEpochMilli() + 3_000 + LATENESS_MILLIS + 10_000;
            while (resumedAt.size() < EXECUTIONS || succeeded(second, sm.arn()) < EXECUTIONS) {
                assertThat(System.currentTimeMillis()).as("all resumed (%d so far)", resumedAt.size()).isLessThan(deadline);
                Thread.sleep(100);
            }
            long maxLate = 0;
            List<String> problems = new ArrayList<>();
            for (ExecutionInfo e : started) {
                Instant at = instants.get(e.arn());
                long resumed = resumedAt.get(e.arn());
                long late = resumed - at.toEpochMilli();
                maxLate = Math.max(maxLate, late);
                if (late < 0 || late > LATENESS_MILLIS) {
                    problems.add(e.name() + " resumed " + late + " ms after its instant " + at);
                }
                // The history agrees: the Wait was left at or after its instant.
                for (HistoryRecord h : second.getExecutionHistory(e.arn(), 100, false, null, false).items()) {
                    if (h.type().equals("WaitStateExited") && h.timestamp().isBefore(at)) {
                        problems.add(e.name() + " left its Wait at " + h.timestamp() + ", before " + at);
                    }
                }
            }
            List<Long> lates = new ArrayList<>();
            for (ExecutionInfo e : started) {
                lates.add(resumedAt.get(e.arn()) - instants.get(e.arn()).toEpochMilli());
            }
            Collections.sort(lates);
            assertThat(problems).isEmpty();
            System.out.println("[durability] timers: " + EXECUTIONS + " started in " + (startedAll - startingAt)
                    + " ms, platform threads " + threadsBefore + " -> " + threadsWaiting
                    + " while they waited; node closed " + (base.toEpochMilli() - closedAt)
                    + " ms before the first instant; resumed after their instants by (ms) min " + lates.get(0) + ", median "
                    + lates.get(lates.size() / 2) + ", p90 " + lates.get(lates.size() * 9 / 10) + ", max " + maxLate);
        } finally {
            second.close();
        }
    }

    /**
     * A Wait in one Parallel branch ends at its instant while the other branch is still invoking a
     * long task (the execution is never handed back meanwhile, so its node must time the Wait).
     */
    @Test
    @Timeout(30)
    void aWaitInABranchEndsOnTimeWhileAnotherBranchRuns(@TempDir Path dir) throws Exception {
        Map<String, Long> at = new ConcurrentHashMap<>();
        TaskInvoker.Registry tasks = new TaskInvoker.Registry()
                .register(STAMP, req -> {
                    at.put(req.stateName(), System.currentTimeMillis());
                    return IntNode.valueOf(1);
                })
                .register("arn:aws:states:::setlist:slow", req -> {
                    try {
                        Thread.sleep(4_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    at.put(req.stateName(), System.currentTimeMillis());
                    return IntNode.valueOf(2);
                });
        String machine = """
                {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
                  {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "A"},
                                              "A": {"Type": "Task", "Resource": "%s", "End": true}}},
                  {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "arn:aws:states:::setlist:slow",
                                                    "End": true}}}]}}}
                """.formatted(STAMP);
        Engine engine = node("jdbc:h2:file:" + dir.resolve("engine"), "branches", tasks);
        try {
            StateMachineInfo sm = engine.createStateMachine("branches", machine, StateMachineType.STANDARD, null, null);
            long started = System.currentTimeMillis();
            ExecutionInfo e = engine.startExecution(sm.arn(), "b", "{}", null);
            assertThat(engine.awaitExecution(e.arn(), Duration.ofSeconds(20)).status().name()).isEqualTo("SUCCEEDED");
            assertThat(at.get("A") - started).as("the Wait of 1 s ended (ms after the start)").isBetween(1_000L, 2_500L);
            assertThat(at.get("A")).as("before the other branch's task ended").isLessThan(at.get("B"));
        } finally {
            engine.close();
        }
    }

    private static Engine node(String url, String id, TaskInvoker tasks) {
        return Engine.builder().database(url, "sa", "").tasks(tasks).nodeId(id).lease(Duration.ofSeconds(2))
                .poll(Duration.ofMillis(100)).build();
    }

    private static long waiting(Engine engine, String smArn) throws Exception {
        return count(engine, "SELECT COUNT(*) FROM sl_frame f JOIN sl_execution e ON e.id = f.execution_id"
                + " WHERE e.state_machine_arn = ? AND f.status = 'WAIT' AND f.wake_at IS NOT NULL", smArn);
    }

    private static long succeeded(Engine engine, String smArn) throws Exception {
        return count(engine, "SELECT COUNT(*) FROM sl_execution WHERE state_machine_arn = ? AND status = 'SUCCEEDED'",
                smArn);
    }

    private static long count(Engine engine, String sql, String arg) throws Exception {
        try (Connection c = engine.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
