package dev.setlist.bench.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each side of the engine benchmark, run a few times on H2 in a temporary directory: every
 * execution must end as it should and write what the report says it writes. Behaviour only,
 * no timing.
 */
class EngineHarnessTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void setlistStandardExecutionsSucceedWithSevenStepCommitsAndTwentySevenEvents() {
        BenchDatabase db = new BenchDatabase.H2(dir, false);
        try (SetlistTarget setlist = new SetlistTarget(db, db.fresh("engine"), TIMEOUT)) {
            for (int i = 0; i < 20; i++) {
                setlist.standard();
            }
            SetlistTarget.Stored stored = setlist.stored();
            assertEquals(20, stored.executions());
            assertEquals(20, stored.succeeded());
            assertEquals(RawJdbcTarget.COMMITS, stored.commitsPerExecution(), 1e-9);
            assertEquals(27.0, stored.eventsPerExecution(), 1e-9);
        }
    }

    @Test
    void setlistExpressExecutionsSucceed() {
        BenchDatabase db = new BenchDatabase.H2(dir, false);
        try (SetlistTarget setlist = new SetlistTarget(db, db.fresh("engine"), TIMEOUT)) {
            for (int i = 0; i < 20; i++) {
                setlist.express();
            }
            assertEquals(0, setlist.stored().executions(), "Express executions are not stored");
        }
    }

    @Test
    void rawBaselineWritesTheEngineRowsInSevenTransactionsPerExecution() throws Exception {
        BenchDatabase db = new BenchDatabase.H2(dir, false);
        String url = db.fresh("raw");
        try (RawJdbcTarget raw = new RawJdbcTarget(db, url, 2)) {
            long before = raw.commits();
            for (int i = 0; i < 20; i++) {
                raw.execution();
            }
            assertEquals(20L * RawJdbcTarget.COMMITS, raw.commits() - before);
            assertArrayEquals(new long[] {20, 20, 20 * 27}, raw.stored());
        }
        // A second baseline on the same tables goes on with new ids.
        try (RawJdbcTarget raw = new RawJdbcTarget(db, url, 2)) {
            raw.execution();
            assertArrayEquals(new long[] {21, 21, 21 * 27}, raw.stored());
        }
    }

    @Test
    void flowableSynchronousAndAsyncInstancesFinish() throws Exception {
        BenchDatabase db = new BenchDatabase.H2(dir, false);
        try (FlowableTarget flowable = new FlowableTarget(db, db.fresh("flowable"), 4, 0, false, TIMEOUT)) {
            flowable.prepareFor(2);
            for (int i = 0; i < 3; i++) {
                flowable.sync();
            }
            long before = flowable.commits();
            for (int i = 0; i < 3; i++) {
                flowable.async();
            }
            assertEquals(3, flowable.finished("fiveSync"));
            assertEquals(3, flowable.finished("fiveAsync"));
            assertTrue(flowable.commits() - before >= 3 * 6, "each async step commits on its own");
            Load.Result r = Load.run(2, Duration.ZERO, Duration.ofMillis(300), flowable::async);
            assertEquals(0, r.errors(), () -> "errors, first: " + r.firstError());
            assertEquals(3 + r.totalCompleted(), flowable.finished("fiveAsync"));
        }
    }

    @Test
    void loadCountsWhatEndsInsideTheWindow() throws Exception {
        Load.Result r = Load.run(2, Duration.ofMillis(100), Duration.ofMillis(300), () -> Thread.sleep(5));
        assertEquals(0, r.errors());
        assertTrue(r.completed() > 20 && r.completed() <= 2 * 300 / 5 + 2, "completed " + r.completed());
        assertTrue(r.totalCompleted() > r.completed());
        assertEquals(r.completed(), r.latenciesNanos().length);
        assertTrue(r.latencyMillis(0.5) >= 5 && r.latencyMillis(0.99) >= r.latencyMillis(0.5));
    }
}
