package dev.setlist.bench.engine;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.flywaydb.core.Flyway;

/**
 * The raw baseline: plain JDBC on a HikariCP pool writing, for each execution, the rows the
 * engine writes for one execution of the five-Task machine, in as many transactions as the
 * engine commits steps, and nothing else (no reads, no interpreter, no JSON library).
 *
 * <p>The engine's tables come from the engine's own migration ({@code db/engine/V1__engine.sql},
 * run by Flyway as the engine runs it) in a database of the baseline's own. Per execution:
 * <ol>
 *   <li>the start: INSERT of the {@code sl_execution} row, upsert of the {@code sl_frame} row,
 *       INSERT of the {@code ExecutionStarted} event;
 *   <li>before each of the 5 tasks: the fencing UPDATE of {@code sl_execution}
 *       ({@code WHERE id = ? AND version = ?}, which must change one row), the frame upsert and the
 *       step's events (TaskStateEntered, TaskScheduled, TaskStarted; from the second task on also
 *       the previous task's TaskSucceeded and TaskStateExited) as one JDBC batch;
 *   <li>the end: the fencing UPDATE to SUCCEEDED with the output, the frame upsert and the last
 *       TaskSucceeded, TaskStateExited and ExecutionSucceeded events.
 * </ol>
 * That is 7 transactions, 3 + 5 × 3 + 3 = 21 statements (plus the event batches) and 27 events
 * per execution, with the same SQL text and payloads of the same shape and size as the
 * engine's, statements in the engine's order (insert, fence, rows).
 */
public final class RawJdbcTarget implements AutoCloseable {
    /** Transactions per execution: the start, one before each task, the end. */
    public static final int COMMITS = 1 + SetlistTarget.STEPS + 1;

    private static final String INSERT_EXECUTION = "INSERT INTO sl_execution (id, arn, state_machine_arn, name, type,"
            + " definition_id, status, input, input_hash, started, version, owner, lease_until, wake_at, deadline, events,"
            + " redrive_count, parent_token, map_run_arn, trace_header)"
            + " VALUES (?, ?, ?, ?, 'STANDARD', ?, 'RUNNING', ?, ?, ?, 1, ?, ?, ?, ?, 1, 0, ?, ?, ?)";
    private static final String FENCE = "UPDATE sl_execution SET version = ?, events = ?, status = ?, output = ?, error = ?,"
            + " cause = ?, stopped = ?, owner = ?, wake_at = ?,"
            + " lease_until = CASE WHEN CAST(? AS VARCHAR(64)) IS NULL THEN NULL ELSE lease_until END"
            + " WHERE id = ? AND version = ?";
    private static final String EVENT = "INSERT INTO sl_event (execution_id, id, previous_id, ts, type, details)"
            + " VALUES (?, ?, ?, ?, ?, ?)";
    private static final String H2_FRAME = "MERGE INTO sl_frame (execution_id, frame_id, parent_id, child_index, status,"
            + " body, wake_at, token, outcome) KEY (execution_id, frame_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String PG_FRAME = "INSERT INTO sl_frame (execution_id, frame_id, parent_id, child_index, status,"
            + " body, wake_at, token, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (execution_id, frame_id)"
            + " DO UPDATE SET status = EXCLUDED.status, body = EXCLUDED.body, wake_at = EXCLUDED.wake_at,"
            + " token = EXCLUDED.token, outcome = EXCLUDED.outcome";

    private static final String SM_ARN = "arn:aws:states:us-east-1:000000000000:stateMachine:five";
    private static final String EXEC_PREFIX = "arn:aws:states:us-east-1:000000000000:execution:five:";
    private static final String DEFINITION_ID = "ae491c3f8667a55d4323f572719c2acbf93d3d8ae3e215f66313e853ff722576";
    private static final String INPUT_HASH = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    private static final String NODE = "bench";
    private static final long LEASE_MILLIS = 30_000;
    private static final String STARTED = "{\"executionStartedEventDetails\":{\"input\":\"{}\",\"inputDetails\":"
            + "{\"truncated\":false},\"roleArn\":\"arn:aws:iam::000000000000:role/setlist\",\"stateMachineArn\":\""
            + SM_ARN + "\"}}";
    private static final String SCHEDULED = "{\"taskScheduledEventDetails\":{\"resourceType\":\"setlist\",\"resource\":"
            + "\"noop\",\"region\":\"us-east-1\",\"parameters\":\"{}\",\"parametersDetails\":{\"truncated\":false}}}";
    private static final String TASK_STARTED = "{\"taskStartedEventDetails\":{\"resourceType\":\"setlist\",\"resource\":"
            + "\"noop\"}}";
    private static final String SUCCEEDED = "{\"taskSucceededEventDetails\":{\"resourceType\":\"setlist\",\"resource\":"
            + "\"noop\",\"output\":\"{}\",\"outputDetails\":{\"truncated\":false}}}";
    private static final String EXECUTION_SUCCEEDED = "{\"executionSucceededEventDetails\":{\"output\":\"{}\","
            + "\"outputDetails\":{\"truncated\":false}}}";

    private final HikariDataSource pool;
    private final CountingDataSource counted;
    private final String frameSql;
    private final AtomicLong ids;

    public RawJdbcTarget(BenchDatabase db, String url, int poolSize) {
        this.pool = db.pool(url, poolSize, "raw-jdbc");
        this.counted = new CountingDataSource(pool);
        this.frameSql = url.startsWith("jdbc:postgresql:") ? PG_FRAME : H2_FRAME;
        Flyway.configure().dataSource(pool).locations("classpath:db/engine").table("sl_engine_schema_history")
                .baselineOnMigrate(true).baselineVersion("0").load().migrate();
        try (Connection c = pool.getConnection(); var s = c.createStatement();
             var rs = s.executeQuery("SELECT COALESCE(MAX(id), 0) FROM sl_execution")) {
            rs.next();
            this.ids = new AtomicLong(rs.getLong(1) + 1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The counting pool wrapper (commits and time in commit). */
    public CountingDataSource counter() {
        return counted;
    }

    /** Transactions committed so far. */
    public long commits() {
        return counted.commits();
    }

    /** One execution's rows, in {@link #COMMITS} transactions. */
    public void execution() throws SQLException {
        long id = ids.getAndIncrement();
        String name = UUID.randomUUID().toString();
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString((id + ":0:" + UUID.randomUUID())
                .getBytes(StandardCharsets.UTF_8));
        long now = System.currentTimeMillis();
        long event = 0;
        // The start.
        try (Connection c = counted.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(INSERT_EXECUTION)) {
                bind(ps, id, EXEC_PREFIX + name, SM_ARN, name, DEFINITION_ID, "{}", INPUT_HASH, now, NODE,
                        now + LEASE_MILLIS, now, null, null, null, null);
                ps.executeUpdate();
            }
            frame(c, id, "PENDING", "{\"m\":\"\",\"s\":\"Step1\",\"i\":{},\"l\":0}", null, null);
            try (PreparedStatement ps = c.prepareStatement(EVENT)) {
                bind(ps, id, ++event, 0L, now, "ExecutionStarted", STARTED);
                ps.executeUpdate();
            }
            finish(c);
        }
        long version = 1;
        long last = 0;
        // One transaction before each task.
        for (int step = 1; step <= SetlistTarget.STEPS; step++) {
            String state = "Step" + step;
            try (Connection c = counted.getConnection()) {
                c.setAutoCommit(false);
                now = System.currentTimeMillis();
                long first = event + 1;
                int events = step == 1 ? 3 : 5;
                fence(c, id, version, event + events, "RUNNING", null, null, NODE, now);
                version++;
                long entered = step == 1 ? first : first + 2;
                frame(c, id, "TASK", "{\"m\":\"\",\"s\":\"" + state + "\",\"i\":{},\"e\":true,\"l\":" + (entered + 2)
                        + ",\"via\":\"LOCAL\",\"res\":\"" + SetlistTarget.NOOP + "\"}", token, null);
                try (PreparedStatement ps = c.prepareStatement(EVENT)) {
                    if (step > 1) {
                        bind(ps, id, ++event, last, now, "TaskSucceeded", SUCCEEDED);
                        ps.addBatch();
                        last = event;
                        bind(ps, id, ++event, last, now, "TaskStateExited", exited("Step" + (step - 1)));
                        ps.addBatch();
                        last = event;
                    }
                    bind(ps, id, ++event, last, now, "TaskStateEntered", entered(state));
                    ps.addBatch();
                    last = event;
                    bind(ps, id, ++event, last, now, "TaskScheduled", SCHEDULED);
                    ps.addBatch();
                    last = event;
                    bind(ps, id, ++event, last, now, "TaskStarted", TASK_STARTED);
                    ps.addBatch();
                    last = event;
                    ps.executeBatch();
                }
                finish(c);
            }
            // The task itself does nothing.
        }
        // The end.
        try (Connection c = counted.getConnection()) {
            c.setAutoCommit(false);
            now = System.currentTimeMillis();
            fence(c, id, version, event + 3, "SUCCEEDED", "{}", now, null, null);
            frame(c, id, "DONE", "{\"m\":\"\",\"s\":\"Step5\",\"i\":{},\"e\":true,\"l\":" + (event + 2) + "}", null,
                    "{\"o\":{}}");
            try (PreparedStatement ps = c.prepareStatement(EVENT)) {
                bind(ps, id, ++event, last, now, "TaskSucceeded", SUCCEEDED);
                ps.addBatch();
                last = event;
                bind(ps, id, ++event, last, now, "TaskStateExited", exited("Step5"));
                ps.addBatch();
                bind(ps, id, ++event, event - 1, now, "ExecutionSucceeded", EXECUTION_SUCCEEDED);
                ps.addBatch();
                ps.executeBatch();
            }
            finish(c);
        }
    }

    private static String entered(String state) {
        return "{\"stateEnteredEventDetails\":{\"name\":\"" + state + "\",\"input\":\"{}\",\"inputDetails\":"
                + "{\"truncated\":false}}}";
    }

    private static String exited(String state) {
        return "{\"stateExitedEventDetails\":{\"name\":\"" + state + "\",\"output\":\"{}\",\"outputDetails\":"
                + "{\"truncated\":false}}}";
    }

    private static void fence(Connection c, long id, long version, long events, String status, String output,
                              Long stopped, String owner, Long wakeAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FENCE)) {
            bind(ps, version + 1, events, status, output, null, null, stopped, owner, wakeAt, owner, id, version);
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("fencing update of execution " + id + " at version " + version
                        + " changed no row");
            }
        }
    }

    private void frame(Connection c, long id, String status, String body, String token, String outcome)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(frameSql)) {
            bind(ps, id, 0, null, 0, status, body, null, token, outcome);
            ps.executeUpdate();
        }
    }

    private static void finish(Connection c) throws SQLException {
        try {
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** Binds as the engine binds (setLong, setInt, setString, setObject(null)). */
    private static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            Object p = params[i];
            if (p == null) {
                ps.setObject(i + 1, null);
            } else if (p instanceof Long l) {
                ps.setLong(i + 1, l);
            } else if (p instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else {
                ps.setString(i + 1, (String) p);
            }
        }
    }

    /** Executions and events stored, to check that every execution wrote all its rows. */
    public long[] stored() throws SQLException {
        try (Connection c = pool.getConnection(); var s = c.createStatement();
             var rs = s.executeQuery("SELECT (SELECT COUNT(*) FROM sl_execution WHERE status = 'SUCCEEDED'"
                     + " AND version = " + COMMITS + "), (SELECT COUNT(*) FROM sl_execution), (SELECT COUNT(*) FROM sl_event)")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
