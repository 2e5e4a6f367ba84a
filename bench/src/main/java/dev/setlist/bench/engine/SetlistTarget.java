package dev.setlist.bench.engine;

import com.zaxxer.hikari.HikariDataSource;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.engine.Engine;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.engine.ExecutionStatus;
import dev.setlist.engine.StateMachineInfo;
import dev.setlist.engine.StateMachineType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * The Setlist engine on its own database, with the five-Task machine created twice: as a
 * STANDARD machine (every step committed) and as an EXPRESS one (in memory). The engine uses a
 * pool of the engine's default size (10) that counts commits.
 */
public final class SetlistTarget implements AutoCloseable {
    /** The Task states' resource; its handler returns its input. */
    public static final String NOOP = "arn:aws:states:::setlist:noop";
    /** Steps (Task states) per execution. */
    public static final int STEPS = 5;
    public static final int POOL_SIZE = 10;

    private final HikariDataSource pool;
    private final CountingDataSource counted;
    private final Engine engine;
    private final String standardArn;
    private final String expressArn;
    private final Duration timeout;

    public SetlistTarget(BenchDatabase db, String url, Duration timeout) {
        this.timeout = timeout;
        this.pool = db.pool(url, POOL_SIZE, "setlist-engine");
        this.counted = new CountingDataSource(pool);
        TaskInvoker.Registry tasks = new TaskInvoker.Registry().register(NOOP, TaskInvoker.Request::input);
        this.engine = Engine.builder().dataSource(counted, url).tasks(tasks).nodeId("bench").build();
        String definition = definition();
        StateMachineInfo standard = engine.createStateMachine("five", definition, StateMachineType.STANDARD, null, null);
        StateMachineInfo express = engine.createStateMachine("five-express", definition, StateMachineType.EXPRESS, null, null);
        this.standardArn = standard.arn();
        this.expressArn = express.arn();
    }

    /** The five-Task machine. */
    public static String definition() {
        try (InputStream in = SetlistTarget.class.getResourceAsStream("/engine/five.asl.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One Standard execution: StartExecution, then AwaitExecution until it ended. */
    public void standard() {
        ExecutionInfo started = engine.startExecution(standardArn, null, "{}", null);
        ExecutionInfo done = engine.awaitExecution(started.arn(), timeout);
        if (done.status() != ExecutionStatus.SUCCEEDED) {
            throw new IllegalStateException("execution " + done.arn() + " is " + done.status()
                    + (done.error() == null ? "" : " (" + done.error() + ": " + done.cause() + ")"));
        }
    }

    /** One Express execution: StartSyncExecution. */
    public void express() {
        ExecutionInfo done = engine.startSyncExecution(expressArn, null, "{}", null, timeout);
        if (done.status() != ExecutionStatus.SUCCEEDED) {
            throw new IllegalStateException("express execution " + done.arn() + " is " + done.status()
                    + (done.error() == null ? "" : " (" + done.error() + ": " + done.cause() + ")"));
        }
    }

    /** The counting pool wrapper (commits and time in commit). */
    public CountingDataSource counter() {
        return counted;
    }

    /** Transactions committed on the engine's pool so far. */
    public long commits() {
        return counted.commits();
    }

    /**
     * What the stored Standard executions look like: how many there are, how many succeeded, and
     * per execution the average version (the start's insert sets 1 and each later step's fenced
     * update adds 1, so it is the number of step commits) and number of history events.
     */
    public Stored stored() {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*), SUM(CASE WHEN status = 'SUCCEEDED' THEN 1 ELSE 0 END),"
                     + " AVG(CAST(version AS DOUBLE PRECISION)), (SELECT COUNT(*) FROM sl_event) FROM sl_execution")) {
            rs.next();
            long n = rs.getLong(1);
            return new Stored(n, rs.getLong(2), rs.getDouble(3), n == 0 ? 0 : rs.getLong(4) / (double) n);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** See {@link #stored()}. */
    public record Stored(long executions, long succeeded, double commitsPerExecution, double eventsPerExecution) {}

    @Override
    public void close() {
        engine.close();
        pool.close();
    }
}
