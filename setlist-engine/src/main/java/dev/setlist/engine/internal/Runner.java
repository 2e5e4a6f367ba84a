package dev.setlist.engine.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Action;
import dev.setlist.asl.Clock;
import dev.setlist.asl.Entropy;
import dev.setlist.asl.ErrorNames;
import dev.setlist.asl.Frame;
import dev.setlist.asl.Interpreter;
import dev.setlist.asl.ObjectStore;
import dev.setlist.asl.Outcome;
import dev.setlist.asl.StateMachine;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.engine.EngineException;
import dev.setlist.engine.EngineException.Code;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.engine.ExecutionListener;
import dev.setlist.engine.ExecutionStatus;
import dev.setlist.engine.internal.Node.Status;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's moving parts on one node: starting executions, claiming and loading the ones that
 * are due (timers, callbacks, executions of dead nodes), renewing leases, timers, callbacks and
 * the end of executions. Thread safe.
 */
public final class Runner implements AutoCloseable {
    final Logger log = LoggerFactory.getLogger(Runner.class);

    /** Settings; see the engine's builder for their meaning. */
    public record Config(String nodeId, long leaseMillis, long pollMillis, int maxHistoryEvents, int payloadLimit,
                         int maxRunningPerStateMachine, int commitGroup) {}

    /** Receives Express history events when configured. */
    @FunctionalInterface
    public interface ExpressHistory {
        void accept(String executionArn, String type, ObjectNode details);
    }

    final Db db;
    final Config config;
    final String nodeId;
    final Arns arns;
    final TaskInvoker tasks;
    final Clock clock;
    final Entropy entropy;
    final ObjectStore objects;
    final ExpressHistory expressHistory;
    final Committer committer;
    final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    final ScheduledExecutorService timers;
    /** Local tasks whose handler runs here (or just returned), by token: their heartbeats are counted in memory. */
    final Map<String, LocalTask> heartbeats = new ConcurrentHashMap<>();

    record LocalTask(Run run, Node node) {}
    final String frameUpsertSql;
    final Distributed distributed;
    private final Map<Long, Run> live = new ConcurrentHashMap<>();
    private final Set<Long> claimAgain = ConcurrentHashMap.newKeySet();
    private final Set<Long> claiming = ConcurrentHashMap.newKeySet();
    private final Map<Long, List<CompletableFuture<ExecutionInfo>>> waiters = new ConcurrentHashMap<>();
    /** Ids of Express executions: negative, so that they never meet a Standard execution's id. */
    private final java.util.concurrent.atomic.AtomicLong expressIds = new java.util.concurrent.atomic.AtomicLong();
    private final Map<String, Interpreter> interpreters = new ConcurrentHashMap<>();
    private final List<ExecutionListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Contributors of rows to the steps' transactions (status changes, tasks' emissions). */
    final List<dev.setlist.engine.ExecutionEffects> effects = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Object activitySignal = new Object();
    private final Thread poller;
    private Thread listener;
    private volatile boolean closing;
    private long idNext;
    private long idLimit;

    public Runner(Db db, Config config, Arns arns, TaskInvoker tasks, Clock clock, Entropy entropy, ObjectStore objects,
                  ExpressHistory expressHistory, List<ExecutionListener> listeners) {
        this.db = db;
        this.config = config;
        this.nodeId = config.nodeId();
        this.arns = arns;
        this.tasks = tasks;
        this.clock = clock;
        this.entropy = entropy;
        this.objects = objects;
        this.expressHistory = expressHistory;
        this.listeners.addAll(listeners);
        this.committer = new Committer(db, config.commitGroup());
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("setlist-timers")
                .daemon(true).unstarted(r));
        this.frameUpsertSql = db.dialect() == Dialect.POSTGRES
                ? "INSERT INTO sl_frame (execution_id, frame_id, parent_id, child_index, status, body, wake_at, token,"
                + " outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (execution_id, frame_id) DO UPDATE SET"
                + " status = EXCLUDED.status, body = EXCLUDED.body, wake_at = EXCLUDED.wake_at, token = EXCLUDED.token,"
                + " outcome = EXCLUDED.outcome"
                : "MERGE INTO sl_frame (execution_id, frame_id, parent_id, child_index, status, body, wake_at, token,"
                + " outcome) KEY (execution_id, frame_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
        this.distributed = new Distributed(this);
        handBackEarlierIncarnation();
        this.poller = Thread.ofPlatform().name("setlist-poller").daemon(true).start(this::pollLoop);
        if (db.dialect() == Dialect.POSTGRES) {
            this.listener = Thread.ofPlatform().name("setlist-listen").daemon(true).start(this::listenLoop);
        }
    }

    /**
     * Executions still owned by this node id belong to an earlier process of this node that died
     * without handing them back; this process holds none yet. Left owned, they would wait for a
     * lease that this node's own renewals keep extending.
     */
    private void handBackEarlierIncarnation() {
        try {
            db.update("UPDATE sl_execution SET owner = NULL, lease_until = NULL, wake_at = ? WHERE owner = ?"
                    + " AND status = 'RUNNING'", clock.now().toEpochMilli(), nodeId);
        } catch (RuntimeException e) {
            log.warn("could not take back the executions of an earlier process of node {}: {}", nodeId, dev.setlist.asl.SafeFailure.summary(e));
        }
    }

    // ---- ids and interpreters ----------------------------------------------------------------

    /** A new unique id (hi-lo over the database sequence: one round trip per thousand ids). */
    synchronized long nextId() {
        if (idNext >= idLimit) {
            Long block = db.queryOne(db.dialect().nextIdBlock(), rs -> rs.getLong(1));
            idNext = block;
            idLimit = block + 1000;
        }
        return idNext++;
    }

    /** As {@link #nextId()}, inside a transaction: a new block comes on its connection, not a second one. */
    synchronized long nextId(Connection c) throws SQLException {
        if (idNext >= idLimit) {
            long block = Db.query(c, db.dialect().nextIdBlock(), rs -> rs.getLong(1)).get(0);
            idNext = block;
            idLimit = block + 1000;
        }
        return idNext++;
    }

    Interpreter interpreter(String definitionId, String definition) {
        return interpreters.computeIfAbsent(definitionId, k -> {
            try {
                return new Interpreter(StateMachine.compile(definition), config.payloadLimit());
            } catch (dev.setlist.asl.InvalidDefinitionException e) {
                throw new IllegalStateException("stored definition " + definitionId + " does not compile: " + e.getMessage());
            }
        });
    }

    /** The top-level TimeoutSeconds of a definition, from its cached compiled machine. */
    public Integer timeoutSeconds(String definitionId, String definition) {
        return interpreter(definitionId, definition).machine().timeoutSeconds();
    }

    Interpreter interpreter(String definitionId) {
        Interpreter i = interpreters.get(definitionId);
        if (i != null) {
            return i;
        }
        String body = db.queryOne("SELECT body FROM sl_definition WHERE id = ?", rs -> rs.getString(1), definitionId);
        if (body == null) {
            throw new IllegalStateException("no definition " + definitionId);
        }
        return interpreter(definitionId, body);
    }

    /**
     * The same, reading the definition on {@code c}: a transaction that holds a connection must not
     * wait for a second one (with every pooled connection held so, none is ever free).
     */
    Interpreter interpreter(Connection c, String definitionId) throws SQLException {
        Interpreter i = interpreters.get(definitionId);
        if (i != null) {
            return i;
        }
        List<String> body = Db.query(c, "SELECT body FROM sl_definition WHERE id = ?", rs -> rs.getString(1), definitionId);
        if (body.isEmpty()) {
            throw new IllegalStateException("no definition " + definitionId);
        }
        return interpreter(definitionId, body.get(0));
    }

    // ---- starting ------------------------------------------------------------------------------

    /** What a new execution is. */
    public record StartSpec(String arn, String stateMachineArn, String stateMachineName, String name, boolean express,
                            String definitionId, String definition, JsonNode input, String inputText,
                            String roleArn, Integer timeoutSeconds, String parentToken, String mapRunArn,
                            String traceHeader) {}

    /**
     * The rows of a new Standard execution, added to {@code write}; returns its run, owned by this
     * node but not yet driving (call {@link #begin} once the write committed).
     */
    Run prepareStandard(StartSpec spec, Write write, boolean owned) {
        Interpreter interpreter = interpreter(spec.definitionId(), spec.definition());
        long id = nextId();
        Instant now = clock.now();
        Instant deadline = spec.timeoutSeconds() == null ? null : now.plusSeconds(spec.timeoutSeconds());
        Run.ExecMeta meta = new Run.ExecMeta(spec.arn(), spec.stateMachineArn(), spec.stateMachineName(), spec.name(),
                false, spec.input(), now, deadline, 0, spec.parentToken(), spec.mapRunArn(), spec.traceHeader(),
                spec.roleArn());
        Run run = new Run(this, id, meta, interpreter, 1, 0);
        Frame frame = interpreter.start(spec.input());
        Node root = new Node(0, null, 0, frame, Status.PENDING);
        root.lastEvent = 1;
        run.add(root);
        // ExecutionStarted (event 1) is written with the start below, not left pending for the first step.
        long nowMillis = now.toEpochMilli();
        write.add(Write.INSERT, "INSERT INTO sl_execution (id, arn, state_machine_arn, name, type, definition_id,"
                        + " status, input, input_hash, started, version, owner, lease_until, wake_at, deadline, events,"
                        + " redrive_count, parent_token, map_run_arn, trace_header)"
                        + " VALUES (?, ?, ?, ?, 'STANDARD', ?, 'RUNNING', ?, ?, ?, 1, ?, ?, ?, ?, 1, 0, ?, ?, ?)",
                id, spec.arn(), spec.stateMachineArn(), spec.name(), spec.definitionId(), spec.inputText(),
                Json.sha256(spec.inputText()), nowMillis, owned ? nodeId : null,
                owned ? nowMillis + config.leaseMillis() : null, nowMillis,
                deadline == null ? null : deadline.toEpochMilli(), spec.parentToken(), spec.mapRunArn(), spec.traceHeader());
        write.add(Write.ROWS, frameUpsertSql, id, 0, null, 0, Status.PENDING.name(), root.body(), null, null, null);
        root.dirty = false;
        write.add(Write.ROWS, Run.EVENT_SQL, id, 1L, 0L, nowMillis, "ExecutionStarted",
                Json.write(Events.details("executionStartedEventDetails", "input", spec.input(), "roleArn", spec.roleArn(),
                        "stateMachineArn", spec.stateMachineArn())));
        run.events = 1;
        return run;
    }

    /** The rows of a new Standard execution that this node will drive; commit with {@link #submit}. */
    public Run prepare(StartSpec spec, Write write) {
        return prepareStandard(spec, write, true);
    }

    public void submit(Write write) {
        committer.submit(write);
    }

    /** Tells listeners of a committed start. */
    public void announce(ExecutionInfo info) {
        started(info);
    }

    /** Starts driving a run whose start committed. */
    public void begin(Run run) {
        if (closing) {
            return;
        }
        live.put(run.id, run);
        Node root = run.nodes.get(0);
        run.lock.lock();
        try {
            run.claimDriver(root);
        } finally {
            run.lock.unlock();
        }
        scheduleDeadline(run);
        run.spawn(root, run.enter());
    }

    /** Starts an Express execution in memory; the future completes when it ends. */
    public CompletableFuture<ExecutionInfo> startExpress(StartSpec spec) {
        Interpreter interpreter = interpreter(spec.definitionId(), spec.definition());
        Instant now = clock.now();
        Instant deadline = spec.timeoutSeconds() == null ? null : now.plusSeconds(spec.timeoutSeconds());
        Run.ExecMeta meta = new Run.ExecMeta(spec.arn(), spec.stateMachineArn(), spec.stateMachineName(), spec.name(),
                true, spec.input(), now, deadline, 0, spec.parentToken(), spec.mapRunArn(), spec.traceHeader(), spec.roleArn());
        long id = expressIds.decrementAndGet();
        Run run = new Run(this, id, meta, interpreter, 1, 0);
        Node root = new Node(0, null, 0, interpreter.start(spec.input()), Status.PENDING);
        run.add(root);
        run.emitStarted();
        root.lastEvent = 1;
        CompletableFuture<ExecutionInfo> done = new CompletableFuture<>();
        addWaiter(id, done);
        live.put(id, run);
        run.lock.lock();
        try {
            run.claimDriver(root);
        } finally {
            run.lock.unlock();
        }
        scheduleDeadline(run);
        run.spawn(root, run.enter());
        return done;
    }

    private void scheduleDeadline(Run run) {
        if (run.meta.deadline() == null) {
            return;
        }
        long delay = run.meta.deadline().toEpochMilli() - clock.now().toEpochMilli();
        timers.schedule(() -> workers.execute(() -> timeOut(run)), Math.max(0, delay), TimeUnit.MILLISECONDS);
    }

    private void timeOut(Run run) {
        if (live.get(run.id) != run) {
            return;
        }
        stopLive(run, ExecutionStatus.TIMED_OUT, ErrorNames.TIMEOUT, "The execution ran longer than its TimeoutSeconds");
    }

    /** Ends a live run from outside; true if it was live here and running. */
    boolean stopLive(Run run, ExecutionStatus how, String error, String cause) {
        return run.stop(how, error, cause);
    }

    // ---- the end of runs -----------------------------------------------------------------------

    /** Called once a run's final write committed. */
    void ended(Run run) {
        live.remove(run.id, run);
        ExecutionInfo info = info(run);
        List<CompletableFuture<ExecutionInfo>> ws = waiters.remove(run.id);
        if (ws != null) {
            ws.forEach(f -> f.complete(info));
        }
        for (ExecutionListener l : listeners) {
            try {
                l.statusChanged(info);
            } catch (RuntimeException e) {
                log.warn("execution listener failed for {}", info.arn(), dev.setlist.asl.SafeFailure.scrubbed(e));
            }
        }
        if (run.meta.parentToken() != null) {
            notifyExecution(Tokens.parse(run.meta.parentToken()).executionId());
        }
    }

    /** Tells listeners that an execution started (after its start committed). */
    void started(ExecutionInfo info) {
        for (ExecutionListener l : listeners) {
            try {
                l.statusChanged(info);
            } catch (RuntimeException e) {
                log.warn("execution listener failed for {}", info.arn(), dev.setlist.asl.SafeFailure.scrubbed(e));
            }
        }
    }

    ExecutionInfo info(Run run) {
        return new ExecutionInfo(run.meta.arn(), run.meta.stateMachineArn(), run.meta.name(),
                run.meta.express() ? dev.setlist.engine.StateMachineType.EXPRESS : dev.setlist.engine.StateMachineType.STANDARD,
                run.status, Json.write(run.meta.input()), run.output, run.error, run.cause, run.meta.started(),
                run.stopped, run.meta.redriveCount(), null, run.meta.mapRunArn(), null, run.meta.traceHeader());
    }

    /** Waits for the end of a Standard execution (the future completes when it ends on any node). */
    public CompletableFuture<ExecutionInfo> whenEnded(long id) {
        CompletableFuture<ExecutionInfo> f = new CompletableFuture<>();
        addWaiter(id, f);
        return f;
    }

    /** Adds a waiter inside the map's lock for the id, so that concurrent adds and removes do not race. */
    private void addWaiter(long id, CompletableFuture<ExecutionInfo> f) {
        waiters.compute(id, (k, list) -> {
            List<CompletableFuture<ExecutionInfo>> l = list == null ? new ArrayList<>() : list;
            l.add(f);
            return l;
        });
    }

    public void forgetWaiter(long id, CompletableFuture<ExecutionInfo> f) {
        waiters.computeIfPresent(id, (k, list) -> {
            list.remove(f);
            return list.isEmpty() ? null : list;
        });
    }

    /** A run let go of its execution (all its frames wait): set a timer for its next wake. */
    void releasedRun(Run run) {
        live.remove(run.id, run);
        Long wake = run.nextWake();
        if (wake != null) {
            long delay = wake - clock.now().toEpochMilli();
            timers.schedule(() -> poke(run.id), Math.max(0, delay), TimeUnit.MILLISECONDS);
        }
        boolean again;
        run.lock.lock();
        try {
            again = run.pokedWhileGoing;
        } finally {
            run.lock.unlock();
        }
        if (again) {
            poke(run.id);
        }
    }

    /** Pokes the execution at {@code wakeAt} (a timer of a frame of a run that stays live). */
    void wakeLater(long id, long wakeAt) {
        long delay = wakeAt - clock.now().toEpochMilli();
        timers.schedule(() -> poke(id), Math.max(0, delay), TimeUnit.MILLISECONDS);
    }

    /** A write was refused: someone else changed the execution. Drop the run and look again. */
    void writeRefused(Run run, Throwable cause) {
        run.lock.lock();
        try {
            run.gone = true;
            for (Node n : run.nodes) {
                if (n.inflight != null) {
                    n.inflight.cancel(true);
                }
            }
        } finally {
            run.lock.unlock();
        }
        boolean removed = live.remove(run.id, run);
        if (cause instanceof Write.FencedException) {
            if (removed) {
                poke(run.id);
            }
        } else {
            log.error("could not commit a step of {}; it resumes from its last committed step", run.meta.arn(), dev.setlist.asl.SafeFailure.scrubbed(cause));
            if (removed) {
                timers.schedule(() -> poke(run.id), config.pollMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    // ---- claiming and loading ------------------------------------------------------------------

    /**
     * Something may have changed for this execution (a callback, a timer, a child's end): if this
     * node holds it, look again; otherwise try to claim it.
     */
    public void poke(long id) {
        if (closing) {
            return;
        }
        Run run = live.get(id);
        if (run != null) {
            run.lock.lock();
            try {
                if (run.gone) {
                    run.pokedWhileGoing = true;
                    return;
                }
            } finally {
                run.lock.unlock();
            }
            // Live and ours: a callback bumps the version, so the run reloads when its next write is refused.
            // A timer of a live run's frame is handled here.
            workers.execute(() -> wakeLive(run));
            return;
        }
        workers.execute(() -> claimAndLoad(id));
    }

    private void wakeLive(Run run) {
        List<Runnable> todo;
        Write write;
        run.lock.lock();
        try {
            if (run.gone) {
                return;
            }
            todo = run.resume(clock.now().toEpochMilli());
            write = run.commit();
        } finally {
            run.lock.unlock();
        }
        if (run.await(write)) {
            run.afterCommit();
            todo.forEach(Runnable::run);
        }
    }

    /** Claims an execution if nobody (alive) holds it, loads it and resumes its frames. */
    void claimAndLoad(long id) {
        // One claim of an execution at a time on this node: the poller sees it due until the claim
        // commits, and a second claim here (its owner already) would only fence the run of the first.
        if (closing || live.containsKey(id)) {
            return;
        }
        if (!claiming.add(id)) {
            // A claim is under way: it may have read the execution before what this poke is about
            // (or its write may be refused by it), so look again once it is done.
            claimAgain.add(id);
            return;
        }
        try {
            claimAndLoadOnce(id);
        } finally {
            claiming.remove(id);
            if (claimAgain.remove(id)) {
                poke(id);
            }
        }
    }

    private void claimAndLoadOnce(long id) {
        long now = clock.now().toEpochMilli();
        Loaded loaded;
        try {
            loaded = db.transaction(c -> {
                int claimed = Db.update(c, "UPDATE sl_execution SET owner = ?, lease_until = ?, version = version + 1,"
                                + " wake_at = ? WHERE id = ? AND status = 'RUNNING'"
                                + " AND (owner IS NULL OR lease_until < ? OR owner = ?)",
                        nodeId, now + config.leaseMillis(), now, id, now, nodeId);
                if (claimed == 0) {
                    return null;
                }
                return load(c, id);
            });
        } catch (RuntimeException e) {
            log.warn("could not load execution {}", id, dev.setlist.asl.SafeFailure.scrubbed(e));
            return;
        }
        if (loaded == null) {
            return;
        }
        Run run = loaded.run;
        List<Runnable> todo;
        Write write = null;
        run.lock.lock();
        try {
            if (live.putIfAbsent(id, run) != null) {
                return;
            }
            if (run.meta.deadline() != null && run.meta.deadline().toEpochMilli() <= now) {
                todo = List.of(() -> run.stop(ExecutionStatus.TIMED_OUT, ErrorNames.TIMEOUT,
                        "The execution ran longer than its TimeoutSeconds"));
            } else {
                applyCallbacks(run, loaded.callbacks);
                todo = run.resume(now);
                write = run.commit();
            }
        } finally {
            run.lock.unlock();
        }
        if (write != null) {
            if (!run.await(write)) {
                return;
            }
            run.afterCommit();
        }
        if (!run.gone) {
            scheduleDeadline(run);
        }
        todo.forEach(Runnable::run);
    }

    private record Loaded(Run run, List<Callback> callbacks) {}

    record Callback(long id, int frameId, String token, String kind, String payload) {}

    private Loaded load(Connection c, long id) throws SQLException {
        record Row(String arn, String smArn, String name, String definitionId, String input, long started, long version,
                   Long deadline, long events, int redrives, String parentToken, String mapRunArn, String trace) {}
        List<Row> rows = Db.query(c, "SELECT arn, state_machine_arn, name, definition_id, input, started, version,"
                + " deadline, events, redrive_count, parent_token, map_run_arn, trace_header FROM sl_execution WHERE id = ?",
                rs -> new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getLong(6), rs.getLong(7), Db.longOrNull(rs, "deadline"), rs.getLong(9), rs.getInt(10),
                        rs.getString(11), rs.getString(12), rs.getString(13)), id);
        Row row = rows.get(0);
        Interpreter interpreter = interpreter(c, row.definitionId);
        String smName = row.smArn.substring(row.smArn.lastIndexOf(':') + 1);
        Run.ExecMeta meta = new Run.ExecMeta(row.arn, row.smArn, smName, row.name, false, Json.read(row.input),
                Instant.ofEpochMilli(row.started), row.deadline == null ? null : Instant.ofEpochMilli(row.deadline),
                row.redrives, row.parentToken, row.mapRunArn, row.trace, null);
        Run run = new Run(this, id, meta, interpreter, row.version, row.events);
        List<Node> nodes = Db.query(c, "SELECT frame_id, parent_id, child_index, status, body, wake_at, token, outcome"
                + " FROM sl_frame WHERE execution_id = ? ORDER BY frame_id", rs -> {
                    int parent = rs.getInt(2);
                    Integer p = rs.wasNull() ? null : parent;
                    return Node.fromRow(rs.getInt(1), p, rs.getInt(3), rs.getString(4), rs.getString(5),
                            Db.longOrNull(rs, "wake_at"), rs.getString(7), rs.getString(8));
                }, id);
        Map<Integer, Node> byId = new HashMap<>();
        for (Node n : nodes) {
            run.add(n);
            byId.put(n.id, n);
        }
        for (Node n : nodes) {
            if (n.parent != null) {
                byId.get(n.parent).kids.add(n);
            }
        }
        List<Callback> callbacks = Db.query(c, "SELECT id, frame_id, token, kind, payload FROM sl_callback"
                + " WHERE execution_id = ? ORDER BY id", rs -> new Callback(rs.getLong(1), rs.getInt(2), rs.getString(3),
                rs.getString(4), rs.getString(5)), id);
        return new Loaded(run, callbacks);
    }

    /** Applies callbacks that arrived while the execution was not loaded. Under the run's lock. */
    private void applyCallbacks(Run run, List<Callback> callbacks) {
        for (Callback cb : callbacks) {
            run.addOp(Write.DELETE, "DELETE FROM sl_callback WHERE id = ?", cb.id());
            Node n;
            try {
                n = run.node(cb.frameId());
            } catch (IllegalStateException e) {
                continue;
            }
            if (cb.kind().equals("CHILD") && n.status == Status.CHILDREN) {
                distributed.childOutcome(run, n, cb);
                continue;
            }
            // TASK: the answer came while the handler that received the token had not returned yet.
            if (n.ended() || (n.status != Status.CALLBACK && n.status != Status.TASK) || !cb.token().equals(n.token)) {
                continue; // a stale answer: the frame moved on (timed out, stopped, redriven)
            }
            JsonNode payload = Json.read(cb.payload());
            Run.Step step = switch (cb.kind()) {
                case "SUCCESS" -> run.taskSucceeded(payload.get("output"));
                case "FAILURE" -> run.taskFailed(payload.path("error").textValue(), payload.path("cause").textValue());
                case "HEARTBEAT" -> {
                    if (n.heartbeatSeconds != null) {
                        n.heartbeatDeadline = clock.now().toEpochMilli() + n.heartbeatSeconds * 1000L;
                        n.wakeAt = n.taskDeadline == null ? n.heartbeatDeadline : Math.min(n.taskDeadline, n.heartbeatDeadline);
                        n.dirty = true;
                    }
                    yield null;
                }
                case "STARTED" -> {
                    run.emitActivityStarted(n, payload.path("workerName").textValue());
                    if (n.heartbeatSeconds != null) {
                        n.heartbeatDeadline = clock.now().toEpochMilli() + n.heartbeatSeconds * 1000L;
                        n.wakeAt = n.taskDeadline == null ? n.heartbeatDeadline : Math.min(n.taskDeadline, n.heartbeatDeadline);
                    }
                    yield null;
                }
                case "CHILD" -> childStep(run, n, payload);
                default -> null;
            };
            if (step != null) {
                run.claimDriver(n);
                n.status = Status.TASK;
                n.wakeAt = null;
                Run.Step s = step;
                workers.execute(() -> run.drive(n, s));
            }
        }
    }

    /** A nested execution (.sync) ended: its description is the task's result or its cause. */
    private Run.Step childStep(Run run, Node n, JsonNode payload) {
        String status = payload.path("Status").asText();
        if ("SYNC2".equals(n.via) && payload.has("Output") && payload.get("Output").isTextual()) {
            ObjectNode p = payload.deepCopy();
            p.set("Output", Json.read(payload.get("Output").textValue()));
            payload = p;
        }
        if (status.equals("SUCCEEDED")) {
            return run.taskSucceeded(payload);
        }
        return run.taskFailed(ErrorNames.TASK_FAILED, Json.write(payload));
    }

    // ---- nested executions ---------------------------------------------------------------------

    /** Supplies the engine's start of nested executions (set by the engine). */
    public interface NestedStarter {
        /** Starts (idempotently by name) and returns {ExecutionArn, StartDate}. */
        JsonNode start(JsonNode parameters, String defaultName, String parentToken);
    }

    volatile NestedStarter nestedStarter;
    volatile dev.setlist.engine.ResourcePolicy resourcePolicy = dev.setlist.engine.ResourcePolicy.OPEN;

    public void resourcePolicy(dev.setlist.engine.ResourcePolicy policy) {
        this.resourcePolicy = policy == null ? dev.setlist.engine.ResourcePolicy.OPEN : policy;
    }

    public void nestedStarter(NestedStarter starter) {
        this.nestedStarter = starter;
    }

    /** Invokes {@code states:startExecution}: starts the child, then waits for it (.sync) or not. */
    Run.Step nested(Run run, Node n, Action.InvokeTask task) {
        String defaultName = Json.sha256(run.idempotencyKey(n)).substring(0, 32);
        JsonNode started;
        try {
            started = nestedStarter.start(task.input(), defaultName, "SYNC".equals(n.via) || "SYNC2".equals(n.via)
                    ? n.token : null);
        } catch (EngineException e) {
            return run.taskFailed("StepFunctions." + e.code().name() + "Exception", e.getMessage());
        } catch (RuntimeException e) {
            return run.taskFailed(ErrorNames.TASK_FAILED, e.toString());
        }
        if ("LOCAL".equals(n.via)) {
            return run.taskSucceeded(started);
        }
        Write w;
        run.lock.lock();
        try {
            if (run.gone || n.ended()) {
                return null;
            }
            n.status = Status.CALLBACK;
            // A callback (.waitForTaskToken) owes heartbeats as well as its answer; a .sync child only its end.
            if (!"TOKEN".equals(n.via)) {
                n.heartbeatDeadline = null;
                n.heartbeatSeconds = null;
            } else if (n.heartbeatSeconds != null && n.heartbeatDeadline != null && n.lastBeatMillis > 0) {
                // A heartbeat that came while the handler was still running counts from when it came.
                n.heartbeatDeadline = Math.max(n.heartbeatDeadline, n.lastBeatMillis + n.heartbeatSeconds * 1000L);
            }
            n.wakeAt = Run.minDeadline(n);
            n.dirty = true;
            run.releaseDriverPublic(n);
            w = run.commit();
        } finally {
            run.lock.unlock();
        }
        if (run.await(w) && run.released) {
            releasedRun(run);
        }
        return null;
    }

    // ---- callbacks from outside ----------------------------------------------------------------

    /**
     * Records an answer for a waiting frame (SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat,
     * an activity worker starting, a child execution ending) and wakes its execution. Returns
     * false for a heartbeat of a local task, which needs no row.
     */
    public void callback(String token, String kind, JsonNode payload) {
        Tokens.Parsed parsed = Tokens.parse(token);
        if (kind.equals("HEARTBEAT")) {
            LocalTask local = heartbeats.get(token);
            if (local != null && local.run().localHeartbeat(local.node(), token)) {
                return;
            }
        }
        long now = clock.now().toEpochMilli();
        String outcome = db.transaction(c -> {
            List<String[]> rows = Db.query(c, "SELECT f.status, f.body, e.status FROM sl_frame f JOIN sl_execution e"
                    + " ON e.id = f.execution_id WHERE f.execution_id = ? AND f.frame_id = ? AND f.token = ?",
                    rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)}, parsed.executionId(),
                    parsed.frameId(), token);
            if (rows.isEmpty()) {
                // The frame moved on (the task ended) unless the execution itself never existed.
                return Db.query(c, "SELECT 1 FROM sl_execution WHERE id = ?", rs -> 1, parsed.executionId()).isEmpty()
                        ? "unknown" : "ended";
            }
            String frameStatus = rows.get(0)[0];
            // A task that runs here answers by returning; only a task that handed its token out waits for a callback.
            boolean waits = frameStatus.equals("CALLBACK")
                    || (frameStatus.equals("TASK") && "TOKEN".equals(Json.read(rows.get(0)[1]).path("via").asText()));
            if (!rows.get(0)[2].equals("RUNNING") || !waits) {
                return frameStatus.equals("TASK") && kind.equals("HEARTBEAT") && rows.get(0)[2].equals("RUNNING")
                        ? "ignored" : "ended";
            }
            insertCallback(c, parsed.executionId(), parsed.frameId(), token, kind, payload, now);
            return "ok";
        });
        switch (outcome) {
            case "unknown" -> throw new EngineException(Code.TaskDoesNotExist, "Task Does Not Exist: no task was"
                    + " scheduled with token '" + abbreviate(token) + "'");
            case "ended" -> throw new EngineException(Code.TaskTimedOut, "Task Timed Out: the task of token '"
                    + abbreviate(token) + "' is not waiting for an answer (it ended, timed out or runs in the engine)");
            case "ignored" -> {
                return; // a heartbeat for a task that runs here and has no HeartbeatSeconds
            }
            default -> notifyExecution(parsed.executionId());
        }
    }

    void insertCallback(Connection c, long executionId, int frameId, String token, String kind, JsonNode payload,
                        long now) throws SQLException {
        Db.update(c, "INSERT INTO sl_callback (id, execution_id, frame_id, token, kind, payload, created)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)", nextId(c), executionId, frameId, token, kind,
                payload == null ? null : Json.write(payload), now);
        Db.update(c, "UPDATE sl_execution SET version = version + 1, wake_at = ? WHERE id = ? AND status = 'RUNNING'",
                now, executionId);
    }

    /** Wakes an execution here and, on PostgreSQL, on whichever node holds it. */
    void notifyExecution(long executionId) {
        db.notify("setlist_engine", Long.toString(executionId));
        poke(executionId);
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    // ---- activities ----------------------------------------------------------------------------

    void activityScheduled(String activityArn) {
        synchronized (activitySignal) {
            activitySignal.notifyAll();
        }
        db.notify("setlist_activity", activityArn);
    }

    /** Long-polls for a task of the activity; null when none came within {@code waitMillis}. */
    public String[] takeActivityTask(String activityArn, String workerName, long waitMillis) {
        long until = System.nanoTime() + waitMillis * 1_000_000L;
        while (!closing) {
            String[] task = tryTakeActivityTask(activityArn, workerName);
            if (task != null) {
                return task;
            }
            long left = (until - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return null;
            }
            synchronized (activitySignal) {
                try {
                    activitySignal.wait(Math.min(left, 250));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
        }
        return null;
    }

    private String[] tryTakeActivityTask(String activityArn, String workerName) {
        long now = clock.now().toEpochMilli();
        String[] task = db.transaction(c -> {
            List<String[]> rows = Db.query(c, db.dialect().nextActivityTask(),
                    rs -> new String[] {rs.getString(1), rs.getString(2)}, activityArn);
            if (rows.isEmpty()) {
                return null;
            }
            String[] row = rows.get(0);
            int n = Db.update(c, "UPDATE sl_activity_task SET claimed = ?, worker = ? WHERE token = ? AND claimed IS NULL",
                    now, workerName, row[0]);
            if (n == 0) {
                return null;
            }
            Tokens.Parsed p = Tokens.parse(row[0]);
            ObjectNode payload = Json.object().put("workerName", workerName);
            insertCallback(c, p.executionId(), p.frameId(), row[0], "STARTED", payload, now);
            return row;
        });
        if (task != null) {
            notifyExecution(Tokens.parse(task[0]).executionId());
        }
        return task;
    }

    // ---- polling, leases, notifications --------------------------------------------------------

    private void pollLoop() {
        long lastRenew = 0;
        while (!closing) {
            try {
                long now = clock.now().toEpochMilli();
                if (System.currentTimeMillis() - lastRenew >= config.leaseMillis() / 3) {
                    renewLeases();
                    lastRenew = System.currentTimeMillis();
                }
                for (long id : dueExecutions(now, 200)) {
                    if (!live.containsKey(id)) {
                        workers.execute(() -> claimAndLoad(id));
                    }
                }
            } catch (RuntimeException e) {
                if (!closing) {
                    log.warn("polling for due executions failed: {}", dev.setlist.asl.SafeFailure.summary(e));
                }
            }
            try {
                Thread.sleep(config.pollMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private List<Long> dueExecutions(long now, int limit) {
        return db.transaction(c -> Db.query(c, db.dialect().dueExecutions(), rs -> rs.getLong(1), now, now, limit));
    }

    /**
     * Extends the leases of the executions this node holds. The rows are locked in id order, the
     * order in which the committer's fencing updates lock them, so that the two cannot deadlock.
     */
    private void renewLeases() {
        long until = clock.now().toEpochMilli() + config.leaseMillis();
        List<Long> ids = new ArrayList<>();
        for (Run r : live.values()) {
            if (!r.meta.express()) {
                ids.add(r.id);
            }
        }
        ids.addAll(claiming);
        ids.sort(null);
        for (int from = 0; from < ids.size(); from += 500) {
            List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + 500));
            String in = String.join(", ", java.util.Collections.nCopies(chunk.size(), "?"));
            Object[] params = new Object[chunk.size() + 2];
            params[0] = until;
            params[1] = nodeId;
            for (int i = 0; i < chunk.size(); i++) {
                params[i + 2] = chunk.get(i);
            }
            Object[] lockParams = java.util.Arrays.copyOfRange(params, 1, params.length);
            db.transaction(c -> {
                Db.query(c, "SELECT id FROM sl_execution WHERE owner = ? AND id IN (" + in + ") ORDER BY id FOR UPDATE",
                        rs -> null, lockParams);
                return Db.update(c, "UPDATE sl_execution SET lease_until = ? WHERE owner = ? AND id IN (" + in + ")",
                        params);
            });
        }
    }

    /** Forces a poll now (tests, and after a restart). */
    public void pollNow() {
        for (long id : dueExecutions(clock.now().toEpochMilli(), 1000)) {
            if (!live.containsKey(id)) {
                claimAndLoad(id);
            }
        }
    }

    private void listenLoop() {
        while (!closing) {
            try (Connection c = db.connection()) {
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN setlist_engine");
                    s.execute("LISTEN setlist_activity");
                }
                org.postgresql.PGConnection pg = c.unwrap(org.postgresql.PGConnection.class);
                while (!closing) {
                    org.postgresql.PGNotification[] notes = pg.getNotifications(500);
                    if (notes == null) {
                        continue;
                    }
                    for (org.postgresql.PGNotification note : notes) {
                        if (note.getName().equals("setlist_activity")) {
                            synchronized (activitySignal) {
                                activitySignal.notifyAll();
                            }
                        } else {
                            try {
                                long id = Long.parseLong(note.getParameter());
                                Run run = live.get(id);
                                if (run == null) {
                                    workers.execute(() -> claimAndLoad(id));
                                }
                            } catch (NumberFormatException ignored) {
                                // Not ours.
                            }
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!closing) {
                    log.warn("listening for notifications failed, retrying: {}", dev.setlist.asl.SafeFailure.summary(e));
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    /**
     * Stops a Standard execution wherever it is: here through its run, otherwise in the database
     * (its owner, if any, finds its next write refused). False if it was not running.
     */
    public boolean stopStored(long id, String error, String cause) {
        Run run = live.get(id);
        if (run != null && run.stop(ExecutionStatus.ABORTED, error, cause)) {
            return true;
        }
        long now = clock.now().toEpochMilli();
        String parentToken = db.transaction(c -> {
            record Row(String status, long events, String parentToken) {}
            List<Row> rows = Db.query(c, "SELECT status, events, parent_token FROM sl_execution WHERE id = ? FOR UPDATE",
                    rs -> new Row(rs.getString(1), rs.getLong(2), rs.getString(3)), id);
            if (rows.isEmpty() || !rows.get(0).status.equals("RUNNING")) {
                return "";
            }
            long event = rows.get(0).events + 1;
            Db.update(c, "UPDATE sl_execution SET status = 'ABORTED', version = version + 1, events = ?, stopped = ?,"
                    + " error = ?, cause = ?, owner = NULL, lease_until = NULL, wake_at = NULL WHERE id = ?",
                    event, now, error, cause, id);
            Db.update(c, Run.EVENT_SQL, id, event, event - 1, now, "ExecutionAborted",
                    Json.write(Events.error("executionAbortedEventDetails", error, cause)));
            Db.update(c, "DELETE FROM sl_activity_task WHERE execution_id = ?", id);
            Db.update(c, "UPDATE sl_frame SET status = 'ABORTED' WHERE execution_id = ? AND status NOT IN ('DONE', 'ABORTED')", id);
            // The stop's effects (its status-change event) commit with it.
            List<Write.Op> effectRows = new ArrayList<>();
            stageStatus(infoFromDb(c, id), effectRows);
            for (Write.Op op : effectRows) {
                Db.update(c, op.sql(), op.params());
            }
            String pt = rows.get(0).parentToken;
            if (pt != null) {
                ExecutionInfo info = infoFromDb(c, id);
                Tokens.Parsed p = Tokens.parse(pt);
                insertCallback(c, p.executionId(), p.frameId(), pt, "CHILD", Distributed.describe(info), now);
            }
            return pt == null ? null : pt;
        });
        if ("".equals(parentToken)) {
            return false;
        }
        db.notify("setlist_engine", Long.toString(id));
        effectsCommitted();
        ExecutionInfo info = db.transaction(c -> infoFromDb(c, id));
        List<CompletableFuture<ExecutionInfo>> ws = waiters.remove(id);
        if (ws != null) {
            ws.forEach(f -> f.complete(info));
        }
        started(info);
        if (parentToken != null) {
            notifyExecution(Tokens.parse(parentToken).executionId());
        }
        return true;
    }

    /** An execution as stored. */
    ExecutionInfo infoFromDb(Connection c, long id) throws SQLException {
        List<ExecutionInfo> rows = Db.query(c, "SELECT " + INFO_COLUMNS + " FROM sl_execution WHERE id = ?",
                Runner::infoRow, id);
        return rows.isEmpty() ? null : rows.get(0);
    }

    public static final String INFO_COLUMNS = "arn, state_machine_arn, name, type, status, input, output, error, cause,"
            + " started, stopped, redrive_count, redriven, map_run_arn, trace_header, parent_token";

    public static ExecutionInfo infoRow(ResultSet rs) throws SQLException {
        Long stopped = Db.longOrNull(rs, "stopped");
        Long redriven = Db.longOrNull(rs, "redriven");
        return new ExecutionInfo(rs.getString(1), rs.getString(2), rs.getString(3),
                dev.setlist.engine.StateMachineType.valueOf(rs.getString(4)), ExecutionStatus.valueOf(rs.getString(5)),
                rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), Instant.ofEpochMilli(rs.getLong(10)),
                stopped == null ? null : Instant.ofEpochMilli(stopped), rs.getInt(12),
                redriven == null ? null : Instant.ofEpochMilli(redriven), rs.getString(14), null, rs.getString(15));
    }

    /**
     * Redrives a failed, timed-out or aborted Standard execution: its failed and aborted frames
     * run again from the state where they stopped (retry counts reset); what succeeded is kept.
     */
    public void redrive(long id) {
        long now = clock.now().toEpochMilli();
        db.transaction(c -> {
            record Row(String status, long events, int redrives, Long deadline, long started, String type) {}
            List<Row> rows = Db.query(c, "SELECT status, events, redrive_count, deadline, started, type FROM sl_execution"
                    + " WHERE id = ? FOR UPDATE", rs -> new Row(rs.getString(1), rs.getLong(2), rs.getInt(3),
                    Db.longOrNull(rs, "deadline"), rs.getLong(5), rs.getString(6)), id);
            Row row = rows.get(0);
            if (!row.type.equals("STANDARD")) {
                throw new EngineException(Code.ExecutionNotRedrivable, "Express executions cannot be redriven");
            }
            if (!(row.status.equals("FAILED") || row.status.equals("TIMED_OUT") || row.status.equals("ABORTED"))) {
                throw new EngineException(Code.ExecutionNotRedrivable, "Execution is " + row.status
                        + "; only FAILED, TIMED_OUT and ABORTED executions can be redriven");
            }
            List<Node> nodes = Db.query(c, "SELECT frame_id, parent_id, child_index, status, body, wake_at, token, outcome"
                    + " FROM sl_frame WHERE execution_id = ? ORDER BY frame_id", rs -> {
                        int parent = rs.getInt(2);
                        Integer p = rs.wasNull() ? null : parent;
                        return Node.fromRow(rs.getInt(1), p, rs.getInt(3), rs.getString(4), rs.getString(5),
                                Db.longOrNull(rs, "wake_at"), rs.getString(7), rs.getString(8));
                    }, id);
            Map<Integer, Node> byId = new HashMap<>();
            nodes.forEach(n -> byId.put(n.id, n));
            for (Node n : nodes) {
                if (n.parent != null) {
                    byId.get(n.parent).kids.add(n);
                }
            }
            reopen(byId.get(0), false);
            for (Node n : nodes) {
                if (n.dirty) {
                    Db.update(c, frameUpsertSql, id, n.id, n.parent, n.index, n.status.name(), n.body(), n.wakeAt,
                            n.token, n.outcomeJson());
                }
            }
            long event = row.events + 1;
            Long deadline = row.deadline == null ? null : now + (row.deadline - row.started);
            Db.update(c, "UPDATE sl_execution SET status = 'RUNNING', version = version + 1, events = ?, stopped = NULL,"
                    + " output = NULL, error = NULL, cause = NULL, owner = NULL, lease_until = NULL, wake_at = ?,"
                    + " redrive_count = redrive_count + 1, redriven = ?, deadline = ? WHERE id = ?",
                    event, now, now, deadline, id);
            Db.update(c, Run.EVENT_SQL, id, event, event - 1, now, "ExecutionRedriven",
                    Json.write(Events.details("executionRedrivenEventDetails", "redriveCount", row.redrives + 1)));
            return null;
        });
        notifyExecution(id);
    }

    /** Makes a failed or aborted frame run again: from its children if it has some, else from its state. */
    private static void reopen(Node n, boolean distributedItem) {
        boolean failed = n.status == Status.ABORTED || (n.status == Status.DONE && n.outcome != null && !n.outcome.succeeded());
        if (!failed) {
            return;
        }
        n.dirty = true;
        n.outcome = null;
        if (distributedItem) {
            n.status = Status.PENDING;
            n.childExecution = null;
            return;
        }
        if (!n.kids.isEmpty()) {
            n.status = Status.CHILDREN;
            for (Node k : n.kids) {
                reopen(k, n.children != null && n.children.distributed());
            }
            return;
        }
        n.status = Status.RUN;
        n.entered = false;
        n.token = null;
        n.via = null;
        n.resource = null;
        n.taskDeadline = null;
        n.heartbeatDeadline = null;
        n.heartbeatSeconds = null;
        n.wakeAt = null;
        n.frame = new Frame(n.frame.machine(), n.frame.state(), n.frame.input(), n.frame.variables(), n.frame.outer(), null);
    }

    public void addListener(ExecutionListener listener) {
        listeners.add(listener);
    }

    public void addEffects(dev.setlist.engine.ExecutionEffects contributor) {
        effects.add(contributor);
    }

    /**
     * Adds the contributors' rows for a status change to {@code ops} (committed with the change). A
     * contributor that throws is logged: it must not fail the execution.
     */
    public void stageStatus(ExecutionInfo info, List<Write.Op> ops) {
        for (dev.setlist.engine.ExecutionEffects e : effects) {
            List<Write.Op> mine = new ArrayList<>();
            try {
                e.statusChanged(info, (sql, params) -> mine.add(new Write.Op(Write.ROWS, sql, params)));
                ops.addAll(mine);
            } catch (RuntimeException ex) {
                log.error("could not stage the status change of {}", info.arn(), dev.setlist.asl.SafeFailure.scrubbed(ex));
            }
        }
    }

    /** Adds the contributors' rows for a status change to a write (the start of an execution). */
    public void stageStatus(ExecutionInfo info, Write write) {
        List<Write.Op> ops = new ArrayList<>();
        stageStatus(info, ops);
        if (!ops.isEmpty()) {
            write.ops.addAll(ops);
            write.done.thenRun(this::effectsCommitted);
        }
    }

    /** Tells the contributors that rows of theirs committed. */
    void effectsCommitted() {
        for (dev.setlist.engine.ExecutionEffects e : effects) {
            try {
                e.committed();
            } catch (RuntimeException ex) {
                log.warn("effects contributor failed after a commit", dev.setlist.asl.SafeFailure.scrubbed(ex));
            }
        }
    }

    public boolean isLive(long id) {
        return live.containsKey(id);
    }

    Run liveRun(long id) {
        return live.get(id);
    }

    public boolean stopIfLive(long id, String error, String cause) {
        Run run = live.get(id);
        return run != null && stopLive(run, ExecutionStatus.ABORTED, error, cause);
    }

    public int liveCount() {
        return live.size();
    }

    /**
     * Stops claiming, lets the steps in flight commit (up to {@code graceMillis}), then hands every
     * execution this node holds back to the database so that any node resumes it at once.
     */
    public void shutdown(long graceMillis) {
        closing = true;
        poller.interrupt();
        long until = System.currentTimeMillis() + graceMillis;
        while (System.currentTimeMillis() < until && anyDriving()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                break;
            }
        }
        committer.close();
        try {
            db.update("UPDATE sl_execution SET owner = NULL, lease_until = NULL, wake_at = ? WHERE owner = ?"
                    + " AND status = 'RUNNING'", clock.now().toEpochMilli(), nodeId);
        } catch (RuntimeException e) {
            log.warn("could not hand back executions: {}", dev.setlist.asl.SafeFailure.summary(e));
        }
        timers.shutdownNow();
        workers.shutdownNow();
        if (listener != null) {
            listener.interrupt();
        }
    }

    private boolean anyDriving() {
        for (Run r : live.values()) {
            if (!r.meta.express() && r.driving > 0 && !r.gone) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        shutdown(5_000);
    }

    boolean closing() {
        return closing;
    }

}
