package dev.setlist.engine.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.setlist.asl.Action;
import dev.setlist.asl.Entropy;
import dev.setlist.asl.ErrorNames;
import dev.setlist.asl.ExecutionContext;
import dev.setlist.asl.Frame;
import dev.setlist.asl.Interpreter;
import dev.setlist.asl.Outcome;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.engine.ExecutionStatus;
import dev.setlist.engine.internal.Node.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * One execution while this node owns it: its frames in memory, the history events and frame
 * changes not yet committed, and the drivers that move its frames forward.
 *
 * <p>Computation happens under the run's lock and is pure: the interpreter's steps, history
 * events, frame changes. Before anything leaves the process (a task invocation, a timer, a
 * child execution, the final status) the pending changes are committed as one {@link Write},
 * fenced by the execution's version so that a node that lost the execution cannot write to it.
 * A crash therefore resumes every frame from its last committed step, and a task invoked again
 * after a crash gets the same idempotency key.
 */
public final class Run implements ExecutionContext {
    static final String FENCE_SQL = "UPDATE sl_execution SET version = ?, events = ?, status = ?, output = ?, error = ?,"
            + " cause = ?, stopped = ?, owner = ?, wake_at = ?,"
            + " lease_until = CASE WHEN CAST(? AS VARCHAR(64)) IS NULL THEN NULL ELSE lease_until END"
            + " WHERE id = ? AND version = ?";
    static final String EVENT_SQL = "INSERT INTO sl_event (execution_id, id, previous_id, ts, type, details)"
            + " VALUES (?, ?, ?, ?, ?, ?)";

    final Runner runner;
    final long id;
    final ExecMeta meta;
    final Interpreter interpreter;
    final ReentrantLock lock = new ReentrantLock();
    final List<Node> nodes = new ArrayList<>();

    long version;
    long events;
    ExecutionStatus status = ExecutionStatus.RUNNING;
    String output;
    String error;
    String cause;
    Instant stopped;
    int driving;
    int lastNodeId;
    /** Set when the run stops being this node's: ended, released, fenced or closed. */
    boolean gone;
    /** Set by the committer when one of this run's writes was refused: its later writes are refused too. */
    volatile boolean refused;
    boolean released;
    boolean pokedWhileGoing;
    /** The definitions of Distributed Map processors, by Map frame. */
    final java.util.Map<Integer, String[]> distributedDefinitions = new java.util.HashMap<>();
    /** What to do once the next write committed. */
    final List<Runnable> afterRelease = new ArrayList<>();
    private final List<Object[]> pendingEvents = new ArrayList<>();
    private final List<Write.Op> pendingOps = new ArrayList<>();
    /** Rows of effects (status changes, tasks' emissions) for the next commit. */
    private final List<Write.Op> pendingEffects = new ArrayList<>();
    private ObjectNode executionObject;
    private ObjectNode stateMachineObject;

    /** What an execution is, besides its frames. */
    record ExecMeta(String arn, String stateMachineArn, String stateMachineName, String name, boolean express,
                    JsonNode input, Instant started, Instant deadline, int redriveCount, String parentToken,
                    String mapRunArn, String traceHeader, String roleArn) {}

    Run(Runner runner, long id, ExecMeta meta, Interpreter interpreter, long version, long events) {
        this.runner = runner;
        this.id = id;
        this.meta = meta;
        this.interpreter = interpreter;
        this.version = version;
        this.events = events;
    }

    // ---- ExecutionContext -------------------------------------------------------------------

    @Override
    public Instant now() {
        return runner.clock.now();
    }

    @Override
    public JsonNode execution() {
        if (executionObject == null) {
            ObjectNode e = Json.object();
            e.put("Id", meta.arn());
            e.set("Input", meta.input());
            e.put("Name", meta.name());
            e.put("RoleArn", meta.roleArn());
            e.put("StartTime", meta.started().toString());
            e.put("RedriveCount", meta.redriveCount());
            executionObject = e;
        }
        return executionObject;
    }

    @Override
    public JsonNode stateMachine() {
        if (stateMachineObject == null) {
            ObjectNode m = Json.object();
            m.put("Id", meta.stateMachineArn());
            m.put("Name", meta.stateMachineName());
            stateMachineObject = m;
        }
        return stateMachineObject;
    }

    @Override
    public Entropy entropy() {
        return runner.entropy;
    }

    @Override
    public long enteredEventId(Frame frame) {
        for (Node n : nodes) {
            if (n.frame == frame) {
                return n.enteredEvent;
            }
        }
        return 0;
    }

    @Override
    public String taskToken(Frame frame) {
        for (Node n : nodes) {
            if (n.frame == frame) {
                if (n.token == null) {
                    n.token = Tokens.make(id, n.id, runner.entropy.uuid());
                }
                return n.token;
            }
        }
        return Tokens.make(id, -1, runner.entropy.uuid());
    }

    // ---- history ------------------------------------------------------------------------------

    private void emit(Node node, String type, ObjectNode details) {
        long eventId = ++events;
        long previous = node == null ? eventId - 1 : node.lastEvent;
        if (node != null) {
            node.lastEvent = eventId;
            node.dirty = true;
        }
        if (!meta.express()) {
            pendingEvents.add(new Object[] {id, eventId, previous, runner.clock.now().toEpochMilli(), type,
                    details == null ? null : Json.write(details)});
        } else if (runner.expressHistory != null) {
            runner.expressHistory.accept(meta.arn(), type, details);
        }
    }

    void emitStarted() {
        emit(null, "ExecutionStarted", Events.details("executionStartedEventDetails", "input", meta.input(),
                "roleArn", meta.roleArn(), "stateMachineArn", meta.stateMachineArn()));
    }

    private String stateType(Node n) {
        String t = interpreter.machine().stateType(n.frame.machine(), n.frame.state());
        return t == null ? "Task" : t;
    }

    private void emitEntered(Node n) {
        emit(n, stateType(n) + "StateEntered", Events.stateEntered(n.frame.state(), n.frame.input()));
        n.enteredEvent = n.lastEvent;
        n.entered = true;
    }

    // ---- driving -------------------------------------------------------------------------------

    /** What to compute next for a node, under the lock. */
    @FunctionalInterface
    interface Step extends Function<Node, Action> {}

    /** Enter the node's state (emitting its entered event unless that was already committed). */
    Step enter() {
        return n -> {
            if (!n.entered) {
                emitEntered(n);
            }
            n.status = Status.RUN;
            n.dirty = true;
            return interpreter.enter(n.frame, this);
        };
    }

    /** Starts a driver for the node on a virtual thread; the caller has counted it in {@link #driving}. */
    void spawn(Node n, Step step) {
        runner.workers.execute(() -> drive(n, step));
    }

    /** Marks a node driven (under the lock) so that the run is not released meanwhile. */
    void claimDriver(Node n) {
        if (!n.driving) {
            n.driving = true;
            driving++;
        }
    }

    private void releaseDriver(Node n) {
        if (n.driving) {
            n.driving = false;
            driving--;
        }
    }

    /** Moves one node forward until it has to wait; then returns. */
    void drive(Node node, Step first) {
        Node n = node;
        Step step = first;
        while (n != null && step != null) {
            Effect effect;
            lock.lock();
            try {
                if (gone || n.ended()) {
                    releaseDriver(n);
                    return;
                }
                effect = compute(n, step);
            } catch (RuntimeException e) {
                runner.log.error("execution {} failed in the engine", meta.arn(), dev.setlist.asl.SafeFailure.scrubbed(e));
                effect = failExecutionLocked(ErrorNames.RUNTIME, "Internal engine error: " + dev.setlist.asl.SafeFailure.summary(e));
            } finally {
                lock.unlock();
            }
            Next next = perform(effect);
            n = next == null ? null : next.node;
            step = next == null ? null : next.step;
        }
    }

    private record Next(Node node, Step step) {}

    /** What must happen outside the lock after a computation. */
    private sealed interface Effect {}

    /** Commit, then invoke the node's task here. */
    private record Invoke(Write write, Node node, Action.InvokeTask task, TaskInvoker.Request request) implements Effect {}

    /** Commit, then start drivers for these nodes (none: this driver just stops). */
    private record Spawn(Write write, List<Node> start, Runnable after) implements Effect {}

    /** Read or write Map items, then continue with the node. */
    private record Io(Node node, Action action) implements Effect {}

    /** Commit, start a child execution for a nested task, then continue. */
    private record Nested(Write write, Node node, Action.InvokeTask task) implements Effect {}

    private Effect compute(Node n, Step step) {
        Action action;
        try {
            action = step.apply(n);
        } catch (StatesException e) {
            action = interpreter.stateFailed(n.frame, e.error(), e.cause(), this);
        }
        while (true) {
            if (events >= runner.config.maxHistoryEvents()) {
                return failExecutionLocked(ErrorNames.RUNTIME, "The execution reached the maximum number of "
                        + runner.config.maxHistoryEvents() + " history events");
            }
            switch (action) {
                case Action.Next next -> {
                    emit(n, stateType(n) + "StateExited", Events.stateExited(n.frame.state(), next.frame().input()));
                    dropKids(n);
                    n.frame = next.frame();
                    n.status = Status.RUN;
                    n.entered = false;
                    n.token = null;
                    n.dirty = true;
                    emitEntered(n);
                    action = interpreter.enter(n.frame, this);
                }
                case Action.Succeed s -> {
                    emit(n, stateType(n) + "StateExited", Events.stateExited(n.frame.state(), s.output()));
                    dropKids(n);
                    Continuation c = finish(n, Outcome.success(s.output()));
                    if (c.effect != null) {
                        return c.effect;
                    }
                    n = c.parent;
                    action = c.action;
                }
                case Action.Fail f -> {
                    if ("Fail".equals(stateType(n)) && n.entered) {
                        // A Fail state has no exited event; the failure ends the frame.
                    }
                    Continuation c = finish(n, Outcome.failure(f.error(), f.cause()));
                    if (c.effect != null) {
                        return c.effect;
                    }
                    n = c.parent;
                    action = c.action;
                }
                case Action.InvokeTask task -> {
                    return invoke(n, task);
                }
                case Action.WaitUntil w -> {
                    n.status = Status.WAIT;
                    n.wakeAt = w.until().toEpochMilli();
                    n.dirty = true;
                    releaseDriver(n);
                    return new Spawn(commit(), List.of(), null);
                }
                case Action.Retry r -> {
                    dropKids(n);
                    n.status = Status.RETRY;
                    n.frame = r.frame();
                    n.wakeAt = r.at().toEpochMilli();
                    n.token = null;
                    n.dirty = true;
                    releaseDriver(n);
                    return new Spawn(commit(), List.of(), null);
                }
                case Action.RunChildren rc -> {
                    return runChildren(n, rc);
                }
                case Action.ReadItems r -> {
                    return new Io(n, r);
                }
                case Action.WriteResults w -> {
                    return new Io(n, w);
                }
            }
        }
    }

    // ---- tasks ----------------------------------------------------------------------------------

    private Effect invoke(Node n, Action.InvokeTask task) {
        String resource = task.resource();
        long now = runner.clock.now().toEpochMilli();
        n.resource = resource;
        n.taskDeadline = task.timeoutSeconds() == null ? null : now + task.timeoutSeconds() * 1000L;
        n.heartbeatSeconds = task.heartbeatSeconds();
        n.heartbeatDeadline = task.heartbeatSeconds() == null ? null : now + task.heartbeatSeconds() * 1000L;
        boolean activity = runner.arns.isActivity(resource);
        // What the task reaches: a child state machine, else the resource itself (an activity, a
        // workload's own task handler, an integration).
        String reached = !activity && resource.startsWith(NESTED) ? childMachine(task.input()) : resource;
        String refused = reached == null ? null : runner.resourcePolicy.refusal(meta.stateMachineArn(), reached);
        if (refused != null) {
            emit(n, "TaskScheduled", Events.task("taskScheduledEventDetails", resource, "region", runner.arns.region(),
                    "parameters", task.input(), "timeoutInSeconds", task.timeoutSeconds(),
                    "heartbeatInSeconds", task.heartbeatSeconds()));
            return taskError(n, dev.setlist.engine.ResourcePolicy.ERROR, refused);
        }
        if (activity && n.token != null) {
            // A token left from an earlier scheduling of this frame's task whose queue entry may still
            // be there: replace the entry, so the insert below cannot collide with it and a worker
            // holding the old token is told the task no longer exists.
            pendingOps.add(new Write.Op(Write.DELETE, "DELETE FROM sl_activity_task WHERE token = ?",
                    new Object[] {n.token}));
            n.token = null;
        }
        if (n.token == null) {
            n.token = task.taskToken() != null ? task.taskToken() : Tokens.make(id, n.id, runner.entropy.uuid());
        }
        n.dirty = true;
        if (activity) {
            if (meta.express()) {
                return taskError(n, ErrorNames.RUNTIME, "Activities are not supported by Express state machines");
            }
            n.via = "ACTIVITY";
            n.status = Status.CALLBACK;
            emit(n, "ActivityScheduled", Events.details("activityScheduledEventDetails", "resource", resource,
                    "input", task.input(), "timeoutInSeconds", task.timeoutSeconds(),
                    "heartbeatInSeconds", task.heartbeatSeconds()));
            pendingOps.add(new Write.Op(Write.ROWS, "INSERT INTO sl_activity_task (token, activity_arn, execution_id,"
                    + " input, created) VALUES (?, ?, ?, ?, ?)", new Object[] {n.token, resource, id,
                    Json.write(task.input()), now}));
            n.wakeAt = minDeadline(n);
            releaseDriver(n);
            String activityArn = resource;
            return new Spawn(commit(), List.of(), () -> runner.activityScheduled(activityArn));
        }
        emit(n, "TaskScheduled", Events.task("taskScheduledEventDetails", resource, "region", runner.arns.region(),
                "parameters", task.input(), "timeoutInSeconds", task.timeoutSeconds(),
                "heartbeatInSeconds", task.heartbeatSeconds()));
        emit(n, "TaskStarted", Events.task("taskStartedEventDetails", resource));
        if (resource.startsWith(NESTED)) {
            if (meta.express() && !resource.equals(NESTED)) {
                return taskError(n, ErrorNames.RUNTIME, "Express state machines cannot wait for child executions ("
                        + resource + ")");
            }
            n.via = resource.endsWith(".sync:2") ? "SYNC2" : resource.endsWith(".sync") ? "SYNC"
                    : resource.endsWith(".waitForTaskToken") ? "TOKEN" : "LOCAL";
            n.status = Status.TASK;
            return new Nested(commit(), n, task);
        }
        if (resource.endsWith(".waitForTaskToken")) {
            if (meta.express()) {
                return taskError(n, ErrorNames.RUNTIME, "Express state machines do not support .waitForTaskToken");
            }
            n.via = "TOKEN";
        } else {
            n.via = "LOCAL";
        }
        n.status = Status.TASK;
        TaskInvoker.Request request = new TaskInvoker.Request(resource, task.input(), meta.arn(), n.frame.state(),
                n.frame.retryCount(), idempotencyKey(n), n.token, task.timeoutSeconds(), task.heartbeatSeconds(),
                n.taskDeadline == null ? null : Instant.ofEpochMilli(n.taskDeadline), task.credentials(),
                new Emissions(runner, meta.arn()));
        return new Invoke(commit(), n, task, request);
    }

    static final String NESTED = "arn:aws:states:::states:startExecution";

    /** The state machine a {@code states:startExecution} Task names (the engine refuses other shapes itself). */
    private static String childMachine(JsonNode parameters) {
        JsonNode arn = parameters == null ? null : parameters.get("StateMachineArn");
        return arn != null && arn.isTextual() ? arn.textValue() : null;
    }

    String idempotencyKey(Node n) {
        return meta.arn() + "#" + n.id + "/" + n.frame.state() + "/" + n.frame.retryCount()
                + (meta.redriveCount() > 0 ? "/r" + meta.redriveCount() : "");
    }

    static Long minDeadline(Node n) {
        Long a = n.taskDeadline;
        Long b = n.heartbeatDeadline;
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return Math.min(a, b);
    }

    /** A task failed before it was invoked: the state fails (Retry and Catch apply). */
    private Effect taskError(Node n, String error, String cause) {
        emit(n, "TaskFailed", Events.task("taskFailedEventDetails", n.resource, "error", error, "cause", cause));
        n.status = Status.RUN;
        Action a = interpreter.stateFailed(n.frame, error, cause, this);
        return compute(n, x -> a);
    }

    /** Invokes a local handler on a virtual thread, enforcing TimeoutSeconds and HeartbeatSeconds. */
    private Next runTask(Node n, TaskInvoker.Request request) {
        // Registered before the handler starts: a heartbeat it sends at once (before it returns, or
        // before this driver gets here) counts, and does not reach the stored frame (still TASK).
        Runner.LocalTask local = new Runner.LocalTask(this, n);
        lock.lock();
        try {
            n.lastBeat = System.nanoTime();
            n.lastBeatMillis = 0;
            n.parked = null;
            if (n.heartbeatSeconds != null || "TOKEN".equals(n.via)) {
                runner.heartbeats.put(n.token, local);
            }
        } finally {
            lock.unlock();
        }
        Future<JsonNode> future = runner.workers.submit(() -> runner.tasks.invoke(request));
        lock.lock();
        try {
            n.inflight = future;
        } finally {
            lock.unlock();
        }
        try {
            while (true) {
                long waitMillis = Long.MAX_VALUE;
                long now = runner.clock.now().toEpochMilli();
                if (n.taskDeadline != null) {
                    waitMillis = n.taskDeadline - now;
                }
                if (n.heartbeatSeconds != null) {
                    long sinceBeat = (System.nanoTime() - n.lastBeat) / 1_000_000;
                    waitMillis = Math.min(waitMillis, n.heartbeatSeconds * 1000L - sinceBeat);
                }
                try {
                    JsonNode result = waitMillis == Long.MAX_VALUE ? future.get()
                            : future.get(Math.max(0, waitMillis), TimeUnit.MILLISECONDS);
                    // What the task emitted commits with its result (or with the wait for its token).
                    List<Write.Op> emitted = request.effects() instanceof Emissions em ? em.seal() : List.of();
                    if ("TOKEN".equals(n.via)) {
                        return parkForCallback(n, emitted);
                    }
                    return new Next(n, taskSucceeded(result, emitted));
                } catch (TimeoutException e) {
                    long nowAfter = runner.clock.now().toEpochMilli();
                    if (n.taskDeadline != null && nowAfter >= n.taskDeadline) {
                        future.cancel(true);
                        return new Next(n, timedOut(ErrorNames.TIMEOUT, "The task ran longer than its TimeoutSeconds ("
                                + request.timeoutSeconds() + ")"));
                    }
                    if (n.heartbeatSeconds != null
                            && (System.nanoTime() - n.lastBeat) / 1_000_000 >= n.heartbeatSeconds * 1000L) {
                        future.cancel(true);
                        return new Next(n, timedOut(ErrorNames.HEARTBEAT_TIMEOUT, "The task sent no heartbeat for "
                                + n.heartbeatSeconds + " seconds"));
                    }
                }
            }
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            return null;
        } catch (CancellationException e) {
            return null; // the execution was stopped or ended meanwhile
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            if (t instanceof StatesException se) {
                return new Next(n, taskFailed(se.error(), se.cause()));
            }
            return new Next(n, taskFailed(ErrorNames.TASK_FAILED, t.getClass().getSimpleName() + ": "
                    + Objects.toString(t.getMessage(), "")));
        } finally {
            if (request.effects() instanceof Emissions em) {
                em.seal(); // a failed, timed-out or cancelled task emits nothing
            }
            runner.heartbeats.remove(n.token, local);
            lock.lock();
            try {
                n.inflight = null;
            } finally {
                lock.unlock();
            }
        }
    }

    Step taskSucceeded(JsonNode result) {
        return taskSucceeded(result, List.of());
    }

    /** The task succeeded; {@code emitted} are the rows of its effects, committed with its result. */
    Step taskSucceeded(JsonNode result, List<Write.Op> emitted) {
        return n -> {
            pendingEffects.addAll(emitted);
            JsonNode r = result == null ? Json.NODES.nullNode() : result;
            if ("ACTIVITY".equals(n.via)) {
                emit(n, "ActivitySucceeded", Events.details("activitySucceededEventDetails", "output", r));
            } else {
                emit(n, "TaskSucceeded", Events.task("taskSucceededEventDetails", n.resource, "output", r));
            }
            clearTask(n);
            return interpreter.taskSucceeded(n.frame, r, this);
        };
    }

    Step taskFailed(String error, String cause) {
        return n -> {
            if ("ACTIVITY".equals(n.via)) {
                emit(n, "ActivityFailed", Events.error("activityFailedEventDetails", error, cause));
            } else {
                emit(n, "TaskFailed", Events.task("taskFailedEventDetails", n.resource, "error", error, "cause", cause));
            }
            clearTask(n);
            return interpreter.stateFailed(n.frame, error, cause, this);
        };
    }

    Step timedOut(String error, String cause) {
        return n -> {
            if ("ACTIVITY".equals(n.via)) {
                emit(n, "ActivityTimedOut", Events.error("activityTimedOutEventDetails", error, cause));
                pendingOps.add(new Write.Op(Write.DELETE, "DELETE FROM sl_activity_task WHERE token = ?",
                        new Object[] {n.token}));
            } else {
                emit(n, "TaskTimedOut", Events.task("taskTimedOutEventDetails", n.resource, "error", error, "cause", cause));
            }
            clearTask(n);
            return interpreter.stateFailed(n.frame, error, cause, this);
        };
    }

    private void clearTask(Node n) {
        if ("ACTIVITY".equals(n.via)) {
            pendingOps.add(new Write.Op(Write.DELETE, "DELETE FROM sl_activity_task WHERE token = ?",
                    new Object[] {n.token}));
        }
        n.status = Status.RUN;
        n.via = null;
        n.resource = null;
        n.taskDeadline = null;
        n.heartbeatDeadline = null;
        n.heartbeatSeconds = null;
        n.wakeAt = null;
        n.token = null;
        n.dirty = true;
    }

    /** The handler took the task token; the node now waits for SendTaskSuccess or SendTaskFailure. */
    private Next parkForCallback(Node n, List<Write.Op> emitted) {
        Write w;
        lock.lock();
        try {
            if (gone || n.ended()) {
                return null;
            }
            pendingEffects.addAll(emitted);
            n.status = Status.CALLBACK;
            if (n.heartbeatSeconds != null && n.lastBeatMillis > 0) {
                // A heartbeat that came while the handler ran counts from when it came.
                n.heartbeatDeadline = Math.max(n.heartbeatDeadline, n.lastBeatMillis + n.heartbeatSeconds * 1000L);
            }
            n.wakeAt = minDeadline(n);
            n.dirty = true;
            releaseDriver(n);
            w = commit();
            n.parked = w;
        } finally {
            lock.unlock();
        }
        perform(new Spawn(w, List.of(), null));
        return null;
    }

    /**
     * A heartbeat for a local task of this run, sent while its handler runs or before its wait is
     * stored: counted here, on the engine's clock. False when the run no longer holds the task
     * (the caller then records the heartbeat in the database, once the stored wait is written).
     */
    boolean localHeartbeat(Node n, String token) {
        Write w = null;
        Write parked;
        boolean counted = false;
        lock.lock();
        try {
            parked = n.parked;
            if (!gone && !n.ended() && token.equals(n.token)) {
                counted = true;
                long now = runner.clock.now().toEpochMilli();
                n.lastBeat = System.nanoTime();
                n.lastBeatMillis = now;
                if (n.status == Status.CALLBACK && n.heartbeatSeconds != null) {
                    // Parked already (its write may still be on the way): the deadline moves now.
                    n.heartbeatDeadline = now + n.heartbeatSeconds * 1000L;
                    n.wakeAt = minDeadline(n);
                    n.dirty = true;
                    w = commit();
                }
            }
        } finally {
            lock.unlock();
        }
        if (w != null) {
            return await(w);
        }
        if (counted) {
            return true;
        }
        if (parked != null) {
            try {
                parked.done.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                // refused: the run reloads from what is stored
            }
        }
        return false;
    }

    // ---- children ------------------------------------------------------------------------------

    private Effect runChildren(Node n, Action.RunChildren rc) {
        boolean map = rc.kind() == Action.RunChildren.Kind.MAP;
        if (map) {
            emit(n, "MapStateStarted", Events.details("mapStateStartedEventDetails", "length", rc.children().size()));
        } else {
            emit(n, "ParallelStateStarted", null);
        }
        String mapRunArn = null;
        if (rc.distributed()) {
            if (meta.express()) {
                // Express parents run a Distributed Map's iterations inline.
            } else {
                mapRunArn = runner.arns.mapRun(meta.stateMachineName(), rc.label() != null ? rc.label() : n.frame.state(),
                        runner.entropy.uuid());
                emit(n, "MapRunStarted", Events.details("mapRunStartedEventDetails", "mapRunArn", mapRunArn));
            }
        }
        int max = rc.maxConcurrency() <= 0 ? Integer.MAX_VALUE : rc.maxConcurrency();
        n.children = new Node.Children(map ? "MAP" : "PARALLEL", max, rc.children().size(), mapRunArn != null, mapRunArn,
                rc.executionType(), rc.label());
        n.status = Status.CHILDREN;
        n.kids.clear();
        n.dirty = true;
        for (int i = 0; i < rc.children().size(); i++) {
            Node kid = new Node(++lastNodeId, n.id, i, rc.children().get(i), Status.PENDING);
            kid.lastEvent = n.lastEvent;
            add(kid);
            n.kids.add(kid);
        }
        releaseDriver(n);
        if (mapRunArn != null) {
            Runnable after = runner.distributed.start(this, n, rc);
            if (rc.children().isEmpty()) {
                // No items: the Map Run (recorded above) and the state end now, in the same write.
                claimDriver(n);
                return compute(n, afterChildren());
            }
            return new Spawn(commit(), List.of(), after);
        }
        if (rc.children().isEmpty()) {
            claimDriver(n);
            return compute(n, afterChildren());
        }
        List<Node> start = startKids(n);
        return new Spawn(commit(), start, null);
    }

    /** Adds a loaded or new frame. */
    void add(Node n) {
        nodes.add(n);
        lastNodeId = Math.max(lastNodeId, n.id);
    }

    /** Marks as many pending children driven as the concurrency limit allows and returns them. */
    List<Node> startKids(Node parent) {
        int running = 0;
        for (Node k : parent.kids) {
            if (!k.ended() && k.status != Status.PENDING) {
                running++;
            }
        }
        List<Node> start = new ArrayList<>();
        for (Node k : parent.kids) {
            if (running >= parent.children.max()) {
                break;
            }
            if (k.status == Status.PENDING) {
                k.status = Status.RUN;
                k.dirty = true;
                if ("MAP".equals(parent.children.kind())) {
                    emit(k, "MapIterationStarted", Events.details("mapIterationStartedEventDetails",
                            "name", parent.frame.state(), "index", k.index));
                }
                claimDriver(k);
                start.add(k);
                running++;
            }
        }
        return start;
    }

    /** How a frame that ended goes on: an effect to perform, or its parent continuing with an action. */
    private record Continuation(Effect effect, Node parent, Action action) {}

    private Continuation finish(Node n, Outcome outcome) {
        n.status = Status.DONE;
        n.outcome = outcome;
        n.dirty = true;
        releaseDriver(n);
        if (n.parent == null) {
            return new Continuation(endExecution(outcome), null, null);
        }
        Node parent = node(n.parent);
        if ("MAP".equals(parent.children.kind())) {
            emit(n, outcome.succeeded() ? "MapIterationSucceeded" : "MapIterationFailed",
                    Events.details(outcome.succeeded() ? "mapIterationSucceededEventDetails" : "mapIterationFailedEventDetails",
                            "name", parent.frame.state(), "index", n.index));
        }
        if (!outcome.succeeded() && interpreter.machine().failsFast(parent.frame.machine(), parent.frame.state())) {
            abortKids(parent);
            return childrenDone(parent);
        }
        for (Node k : parent.kids) {
            if (!k.ended()) {
                List<Node> start = startKids(parent);
                return new Continuation(new Spawn(commit(), start, null), null, null);
            }
        }
        return childrenDone(parent);
    }

    private void abortKids(Node parent) {
        for (Node k : parent.kids) {
            if (!k.ended()) {
                abortNode(k);
                if ("MAP".equals(parent.children.kind()) && k.status != Status.PENDING) {
                    emit(k, "MapIterationAborted", Events.details("mapIterationAbortedEventDetails",
                            "name", parent.frame.state(), "index", k.index));
                }
                k.status = Status.ABORTED;
            }
        }
    }

    private void abortNode(Node k) {
        for (Node kk : k.kids) {
            if (!kk.ended()) {
                abortNode(kk);
                kk.status = Status.ABORTED;
                kk.dirty = true;
            }
        }
        if (k.inflight != null) {
            k.inflight.cancel(true);
        }
        if ("ACTIVITY".equals(k.via) && k.token != null) {
            pendingOps.add(new Write.Op(Write.DELETE, "DELETE FROM sl_activity_task WHERE token = ?",
                    new Object[] {k.token}));
        }
        releaseDriver(k);
        k.status = Status.ABORTED;
        k.dirty = true;
    }

    /** All children of a parent ended (or one failed fast): the parent goes on. */
    Continuation childrenDone(Node parent) {
        List<Outcome> outcomes = new ArrayList<>(parent.kids.size());
        boolean anyFailed = false;
        // Children aborted because another failed report that failure, so it is the one the state sees.
        Outcome firstFailure = Outcome.failure(ErrorNames.BRANCH_FAILED, "Not run: another branch failed");
        for (Node k : parent.kids) {
            if (k.status == Status.DONE && k.outcome != null && !k.outcome.succeeded()) {
                firstFailure = k.outcome;
                break;
            }
        }
        for (Node k : parent.kids) {
            Outcome o = k.outcome != null && k.status == Status.DONE ? k.outcome : firstFailure;
            anyFailed |= !o.succeeded();
            outcomes.add(o);
        }
        boolean map = "MAP".equals(parent.children.kind());
        if (parent.children.distributed()) {
            runner.distributed.finish(this, parent, anyFailed);
        }
        // The frame stays CHILDREN, its children kept, until the action below moves it on in the same
        // write: after a crash the same outcomes give the same continuation again.
        claimDriver(parent);
        Action a;
        try {
            a = interpreter.childrenDone(parent.frame, outcomes, this);
        } catch (StatesException e) {
            a = interpreter.stateFailed(parent.frame, e.error(), e.cause(), this);
        }
        boolean failed = anyFailed && (a instanceof Action.Fail || a instanceof Action.Retry
                || (a instanceof Action.Next && interpreter.machine().failsFast(parent.frame.machine(), parent.frame.state())));
        emit(parent, (map ? "MapState" : "ParallelState") + (failed ? "Failed" : "Succeeded"), null);
        return new Continuation(null, parent, a);
    }

    Node node(int nodeId) {
        for (Node x : nodes) {
            if (x.id == nodeId) {
                return x;
            }
        }
        throw new IllegalStateException("no frame " + nodeId + " in " + meta.arn());
    }

    // ---- the end -------------------------------------------------------------------------------

    private Effect endExecution(Outcome outcome) {
        if (outcome.succeeded()) {
            emit(null, "ExecutionSucceeded", Events.details("executionSucceededEventDetails", "output", outcome.output()));
            return end(ExecutionStatus.SUCCEEDED, Json.write(outcome.output()), null, null);
        }
        emit(null, "ExecutionFailed", Events.error("executionFailedEventDetails", outcome.error(), outcome.cause()));
        return end(ExecutionStatus.FAILED, null, outcome.error(), outcome.cause());
    }

    /** Fails the whole execution at once (an engine limit or fault); under the lock. */
    Effect failExecutionLocked(String error, String cause) {
        if (gone || status.terminal()) {
            return new Spawn(null, List.of(), null);
        }
        for (Node k : nodes) {
            if (!k.ended()) {
                abortNode(k);
            }
        }
        emit(null, "ExecutionFailed", Events.error("executionFailedEventDetails", error, cause));
        return end(ExecutionStatus.FAILED, null, error, cause);
    }

    /** Ends the execution from outside (StopExecution, its TimeoutSeconds); under the lock. */
    Effect stopLocked(ExecutionStatus how, String error, String cause) {
        if (gone || status.terminal()) {
            return null;
        }
        for (Node k : nodes) {
            if (!k.ended()) {
                abortNode(k);
            }
        }
        if (how == ExecutionStatus.TIMED_OUT) {
            emit(null, "ExecutionTimedOut", Events.error("executionTimedOutEventDetails", error, cause));
        } else {
            emit(null, "ExecutionAborted", Events.error("executionAbortedEventDetails", error, cause));
        }
        return end(how, null, error, cause);
    }

    private Effect end(ExecutionStatus how, String out, String err, String why) {
        status = how;
        output = out;
        error = err;
        cause = why;
        stopped = runner.clock.now();
        if (meta.parentToken() != null) {
            runner.distributed.childEnded(this, pendingOps);
        }
        // The end's effects (its status-change event) commit with the end, or not at all.
        runner.stageStatus(runner.info(this), pendingEffects);
        Write w = commit();
        gone = true;
        return new Spawn(w, List.of(), () -> runner.ended(this));
    }

    // ---- commits -------------------------------------------------------------------------------

    /**
     * Builds and queues the write of everything pending (under the lock, so that writes queue in
     * version order). Releases the execution when no frame is being driven any more.
     */
    Write commit() {
        if (meta.express()) {
            pendingEvents.clear();
            pendingOps.clear();
            for (Node n : nodes) {
                n.dirty = false;
            }
            if (!pendingEffects.isEmpty()) {
                // An Express execution has no transaction of its own (it lives in memory): its effects
                // commit by themselves, without holding the execution up.
                Write effects = new Write();
                effects.ops.addAll(pendingEffects);
                pendingEffects.clear();
                effects.done.whenComplete((ok, failure) -> {
                    if (failure != null) {
                        runner.log.warn("could not commit the effects of {}", meta.arn(),
                                dev.setlist.asl.SafeFailure.scrubbed(failure));
                    } else {
                        runner.effectsCommitted();
                    }
                });
                runner.committer.submit(effects);
            }
            Write w = new Write();
            w.done.complete(null);
            return w;
        }
        Write w = new Write();
        w.run = this;
        long newVersion = version + 1;
        boolean release = !status.terminal() && driving == 0;
        Long wake = null;
        if (release) {
            wake = nextWake();
            released = true;
            gone = true;
        }
        String owner = status.terminal() || release ? null : runner.nodeId;
        Long wakeAt = status.terminal() ? null : release ? wake : Long.valueOf(runner.clock.now().toEpochMilli());
        w.add(Write.FENCE, FENCE_SQL, newVersion, events, status.name(), output, abbreviate(error, 256), cause,
                stopped == null ? null : stopped.toEpochMilli(), owner, wakeAt, owner, id, version);
        version = newVersion;
        for (Node n : nodes) {
            if (n.dirty) {
                w.add(Write.ROWS, runner.frameUpsertSql, id, n.id, n.parent, n.index, n.status.name(), n.body(),
                        n.wakeAt, n.token, n.outcomeJson());
                n.dirty = false;
                if (!release && !status.terminal() && n.wakeAt != null && (n.status == Status.WAIT
                        || n.status == Status.RETRY || n.status == Status.CALLBACK)) {
                    // The run stays here (other frames are driven): nobody else times this frame.
                    runner.wakeLater(id, n.wakeAt);
                }
            }
        }
        for (Object[] e : pendingEvents) {
            w.add(Write.ROWS, EVENT_SQL, e);
        }
        pendingEvents.clear();
        for (Write.Op op : pendingOps) {
            w.ops.add(op);
        }
        pendingOps.clear();
        if (!pendingEffects.isEmpty()) {
            w.ops.addAll(pendingEffects);
            pendingEffects.clear();
            w.done.thenRun(runner::effectsCommitted);
        }
        runner.committer.submit(w);
        return w;
    }

    /** The earliest instant any waiting frame (or the execution's timeout) needs attention. */
    Long nextWake() {
        Long wake = meta.deadline() == null ? null : meta.deadline().toEpochMilli();
        for (Node n : nodes) {
            if (!n.ended() && n.wakeAt != null && (n.status == Status.WAIT || n.status == Status.RETRY
                    || n.status == Status.CALLBACK)) {
                wake = wake == null ? n.wakeAt : Math.min(wake, n.wakeAt);
            }
        }
        return wake;
    }

    void addOp(int rank, String sql, Object... params) {
        pendingOps.add(new Write.Op(rank, sql, params));
    }

    private static String abbreviate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    // ---- effects -------------------------------------------------------------------------------

    private Next perform(Effect effect) {
        switch (effect) {
            case Invoke inv -> {
                if (!await(inv.write)) {
                    return null;
                }
                return runTask(inv.node, inv.request);
            }
            case Spawn s -> {
                if (s.write != null && !await(s.write)) {
                    return null;
                }
                afterCommit();
                for (Node k : s.start) {
                    spawn(k, enter());
                }
                if (s.after != null) {
                    s.after.run();
                }
                return null;
            }
            case Io io -> {
                return new Next(io.node, io(io.node, io.action));
            }
            case Nested nested -> {
                if (!await(nested.write)) {
                    return null;
                }
                Step next = runner.nested(this, nested.node, nested.task);
                return next == null ? null : new Next(nested.node, next);
            }
        }
    }

    /** Runs what a commit owes: the released run's timers, and deferred work. */
    void afterCommit() {
        List<Runnable> deferred;
        lock.lock();
        try {
            deferred = new ArrayList<>(afterRelease);
            afterRelease.clear();
        } finally {
            lock.unlock();
        }
        if (released) {
            runner.releasedRun(this);
        }
        deferred.forEach(Runnable::run);
    }

    /** Waits for a write; false if it was refused (the run is then dropped and reloaded). */
    boolean await(Write w) {
        try {
            w.done.get();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            runner.writeRefused(this, e.getCause());
            return false;
        }
    }

    /**
     * Reads a Map's items or writes its results. Whatever the store throws fails the state (Retry
     * and Catch apply) with {@code States.ItemReaderFailed} or {@code States.ResultWriterFailed};
     * nothing escapes the driver, which would leave the frame waiting for ever.
     */
    private Step io(Node node, Action action) {
        if (action instanceof Action.ReadItems read) {
            JsonNode content;
            try {
                content = read.key() != null ? TextNode.valueOf(runner.objects.get(read.bucket(), read.key()))
                        : runner.objects.list(read.bucket(), read.prefix());
            } catch (RuntimeException e) {
                String cause = storeFailure(node, e);
                return n -> interpreter.stateFailed(n.frame, ErrorNames.ITEM_READER_FAILED, cause, this);
            }
            return n -> interpreter.itemsRead(n.frame, content, this);
        }
        Action.WriteResults write = (Action.WriteResults) action;
        try {
            write.objects().forEach((key, content) -> runner.objects.put(write.bucket(), key, content));
        } catch (RuntimeException e) {
            String cause = storeFailure(node, e);
            return n -> interpreter.stateFailed(n.frame, ErrorNames.RESULT_WRITER_FAILED, cause, this);
        }
        return n -> interpreter.resultsWritten(n.frame, this);
    }

    /**
     * The cause of a failed read or write of a Map's objects, as Step Functions words it: the state
     * and the event that entered it, then what the store said.
     */
    private String storeFailure(Node n, RuntimeException e) {
        String said = e instanceof StatesException se ? se.cause()
                : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        if (!(e instanceof StatesException)) {
            runner.log.warn("the object store failed for {}: {}", meta.arn(), dev.setlist.asl.SafeFailure.summary(e));
        }
        long entered;
        lock.lock();
        try {
            entered = n.lastEvent;
        } finally {
            lock.unlock();
        }
        return "An error occurred while executing the state '" + n.frame.state() + "' (entered at the event id #"
                + entered + "). " + said;
    }

    /**
     * Works out what a freshly loaded or woken run has to do. Under the lock; the caller commits
     * (the work may have added rows) before it runs what this returns. A node that already has a
     * driver (a live run woken by a timer or a callback) is left to it.
     */
    List<Runnable> resume(long nowMillis) {
        List<Runnable> todo = new ArrayList<>();
        nodes.sort(Comparator.comparingInt(x -> x.id));
        for (Node n : nodes) {
            if (n.ended() || n.driving) {
                continue;
            }
            switch (n.status) {
                case PENDING -> {
                    // The root frame of an execution whose start committed but not its first step.
                    if (n.parent == null) {
                        claimDriver(n);
                        todo.add(() -> spawn(n, enter()));
                    }
                }
                case RUN, TASK -> {
                    // A Distributed Map's items are child executions, not frames driven here.
                    Node parent = n.parent == null ? null : node(n.parent);
                    if (parent == null || (parent.status == Status.CHILDREN && !parent.children.distributed())) {
                        claimDriver(n);
                        todo.add(() -> spawn(n, enter()));
                    }
                }
                case WAIT, RETRY -> {
                    if (n.wakeAt != null && n.wakeAt <= nowMillis) {
                        claimDriver(n);
                        Step step = n.status == Status.WAIT ? x -> interpreter.waited(x.frame, this) : x -> {
                            x.status = Status.RUN;
                            return interpreter.enter(x.frame, this);
                        };
                        n.wakeAt = null;
                        todo.add(() -> spawn(n, step));
                    }
                }
                case CALLBACK -> {
                    Long deadline = minDeadline(n);
                    if (deadline != null && deadline <= nowMillis) {
                        claimDriver(n);
                        boolean heartbeat = n.heartbeatDeadline != null && n.heartbeatDeadline <= nowMillis
                                && (n.taskDeadline == null || n.heartbeatDeadline < n.taskDeadline);
                        Step step = heartbeat
                                ? timedOut(ErrorNames.HEARTBEAT_TIMEOUT, "The task sent no heartbeat for "
                                + n.heartbeatSeconds + " seconds")
                                : timedOut(ErrorNames.TIMEOUT, "The task ran longer than its TimeoutSeconds");
                        todo.add(() -> spawn(n, step));
                    }
                }
                case CHILDREN -> {
                    // A frame over no children is done (a Map over zero items): nothing will end to wake it.
                    boolean allDone = !n.kids.isEmpty() || (n.children != null && n.children.total() == 0);
                    for (Node k : n.kids) {
                        allDone &= k.ended();
                    }
                    if (allDone) {
                        claimDriver(n);
                        todo.add(() -> spawn(n, afterChildren()));
                    } else if (n.children != null && n.children.distributed()) {
                        todo.add(runner.distributed.startMore(this, n)); // after the caller's commit
                    } else {
                        for (Node k : startKids(n)) {
                            todo.add(() -> spawn(k, enter()));
                        }
                    }
                }
                default -> {
                }
            }
        }
        return todo;
    }

    /** Ends the execution from outside (StopExecution, TimeoutSeconds); false if it already ended. */
    boolean stop(ExecutionStatus how, String error, String cause) {
        Effect effect;
        lock.lock();
        try {
            effect = stopLocked(how, error, cause);
        } finally {
            lock.unlock();
        }
        if (effect == null) {
            return false;
        }
        perform(effect);
        return true;
    }

    /** Commits what is pending, then runs {@code after} (unless the write was refused). */
    void commitThen(Runnable after) {
        Write w;
        lock.lock();
        try {
            if (gone) {
                return;
            }
            w = commit();
        } finally {
            lock.unlock();
        }
        if (await(w)) {
            afterCommit();
            after.run();
        }
    }

    void emitMapRunEnded(Node parent, boolean failed) {
        emit(parent, failed ? "MapRunFailed" : "MapRunSucceeded", null);
    }

    /** The step of a frame whose children all ended. */
    Step afterChildren() {
        return n -> childrenDone(n).action;
    }

    /**
     * Forgets the children of a frame that moves on (their rows are deleted in the same write). A
     * frame that fails keeps them, so that a redrive runs the failed ones again.
     */
    private void dropKids(Node parent) {
        for (Node k : parent.kids) {
            dropKids(k);
            addOp(Write.DELETE, "DELETE FROM sl_frame WHERE execution_id = ? AND frame_id = ?", id, k.id);
            nodes.remove(k);
        }
        parent.kids.clear();
    }

    void emitActivityStarted(Node n, String worker) {
        emit(n, "ActivityStarted", Events.details("activityStartedEventDetails", "workerName", worker));
    }

    void releaseDriverPublic(Node n) {
        releaseDriver(n);
    }

    /** Heartbeat from a worker of a local task or a callback. */
    void heartbeat(Node n) {
        n.lastBeat = System.nanoTime();
    }

    ExecutionStatus status() {
        return status;
    }

    /** When the execution started. */
    public Instant startedAt() {
        return meta.started();
    }
}
