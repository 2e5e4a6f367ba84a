package dev.setlist.asl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Runs whole executions in memory on the {@link Interpreter}: the Express mode. Tasks go to a
 * {@link TaskInvoker}, Map items and results to an {@link ObjectStore}, time to a {@link Clock}
 * (a manual clock makes Wait states and retry back-offs instantaneous). Parallel branches and Map
 * iterations run one after the other on the calling thread, so the runner starts no threads;
 * a task's {@code TimeoutSeconds} is therefore checked when it returns (its result is discarded
 * and the state fails with {@code States.Timeout}), and the durable engine enforces it
 * preemptively. Thread safe: one runner may run many executions at once.
 */
public final class LocalRunner {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Interpreter interpreter;
    private final TaskInvoker tasks;
    private final Clock clock;
    private final Entropy entropy;
    private final ObjectStore objects;
    private final Consumer<HistoryEvent> history;
    private final String stateMachineArn;
    private final String executionArnPrefix;
    private final String stateMachineName;
    private final int maxTransitions;

    private LocalRunner(Builder b) {
        this.interpreter = new Interpreter(b.machine, b.payloadLimit);
        this.tasks = b.tasks;
        this.clock = b.clock;
        this.entropy = b.entropy;
        this.objects = b.objects;
        this.history = b.history;
        this.stateMachineArn = b.stateMachineArn;
        this.executionArnPrefix = stateMachineArn.replace(":stateMachine:", ":execution:") + ":";
        this.stateMachineName = stateMachineArn.substring(stateMachineArn.lastIndexOf(':') + 1);
        this.maxTransitions = b.maxTransitions;
    }

    public static Builder builder(StateMachine machine) {
        return new Builder(machine);
    }

    /** Runs an execution to its end. Never throws for anything the execution does. */
    public ExecutionResult run(JsonNode input) {
        return run(input, entropy.uuid());
    }

    public ExecutionResult run(JsonNode input, String name) {
        Instant start = clock.now();
        Run run = new Run(input, name, start);
        Integer timeout = interpreter.machine().timeoutSeconds();
        run.deadline = timeout == null ? null : start.plusSeconds(timeout);
        emit("ExecutionStarted", "", null, detail("input", input));
        Outcome outcome;
        try {
            outcome = run.frame(interpreter.start(input, run), null);
        } catch (StatesException e) {
            outcome = Outcome.failure(e.error(), e.cause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = Outcome.failure(ErrorNames.RUNTIME, "The execution was interrupted");
        }
        if (outcome.succeeded()) {
            emit("ExecutionSucceeded", "", null, detail("output", outcome.output()));
            return new ExecutionResult(ExecutionResult.Status.SUCCEEDED, outcome.output(), null, null, run.transitions);
        }
        boolean timedOut = run.timedOut;
        ObjectNode d = NODES.objectNode(); // a Fail state may give neither error nor cause
        if (outcome.error() != null) {
            d.put("error", outcome.error());
        }
        if (outcome.cause() != null) {
            d.put("cause", outcome.cause());
        }
        emit(timedOut ? "ExecutionTimedOut" : "ExecutionFailed", "", null, d);
        return new ExecutionResult(timedOut ? ExecutionResult.Status.TIMED_OUT : ExecutionResult.Status.FAILED,
                null, outcome.error(), outcome.cause(), run.transitions);
    }

    private void emit(String type, String machine, String state, JsonNode details) {
        if (history != null) {
            history.accept(new HistoryEvent(type, machine, state, details));
        }
    }

    private static ObjectNode detail(String field, JsonNode value) {
        ObjectNode d = NODES.objectNode();
        d.set(field, value);
        return d;
    }

    /**
     * Where a frame runs: the chain of Parallel/Map states and child indexes above it (null at
     * the top level). Its text, {@code /State[i]} per level, is only built when a task needs it.
     */
    private record Where(Where parent, String state, int index) {
        static String text(Where w) {
            return w == null ? "" : text(w.parent) + "/" + w.state + "[" + w.index + "]";
        }
    }

    /** The state of one execution while it runs. */
    private final class Run implements ExecutionContext, JsonSize.Memoizing {
        private final JsonSize.Memo sizes = new JsonSize.Memo();
        private final JsonNode input;
        private final Instant start;
        private ObjectNode execution; // the context object's parts, built on first use
        private ObjectNode stateMachine;
        private final String name;
        Instant deadline;
        boolean timedOut;
        int transitions;
        /** The history event ids as Step Functions would number them (ExecutionStarted is 1). */
        long events = 1;
        private final java.util.IdentityHashMap<Frame, Long> entered = new java.util.IdentityHashMap<>();

        Run(JsonNode input, String name, Instant start) {
            this.name = name;
            this.input = input;
            this.start = start;
        }

        @Override
        public JsonSize.Memo sizeMemo() {
            return sizes;
        }

        @Override
        public Instant now() {
            return clock.now();
        }

        @Override
        public JsonNode execution() {
            if (execution == null) {
                ObjectNode e = NODES.objectNode();
                e.put("Id", executionArn());
                e.set("Input", input);
                e.put("Name", name);
                e.put("RoleArn", "arn:aws:iam::000000000000:role/setlist");
                e.put("StartTime", start.toString());
                e.put("RedriveCount", 0);
                execution = e;
            }
            return execution;
        }

        @Override
        public JsonNode stateMachine() {
            if (stateMachine == null) {
                ObjectNode m = NODES.objectNode();
                m.put("Id", stateMachineArn);
                m.put("Name", stateMachineName);
                stateMachine = m;
            }
            return stateMachine;
        }

        private String executionArn() {
            return executionArnPrefix + name;
        }

        @Override
        public Entropy entropy() {
            return entropy;
        }

        @Override
        public long enteredEventId(Frame frame) {
            Long id = entered.get(frame);
            return id == null ? 0 : id;
        }

        @Override
        public String taskToken(Frame frame) {
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                    (executionArn() + "|" + frame.machine() + "|" + frame.state() + "|" + frame.retryCount())
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        /** Runs one frame (the execution, a branch or an iteration) to its end. */
        Outcome frame(Frame frame, Where path) throws InterruptedException {
            String type = history == null ? null : interpreter.machine().stateType(frame.machine(), frame.state());
            if (history != null) {
                emit(HistoryEvent.entered(type), frame.machine(), frame.state(), detail("input", frame.input()));
            }
            entered.put(frame, ++events);
            Action action = interpreter.enter(frame, this);
            while (true) {
                if (deadline != null && !clock.now().isBefore(deadline)) {
                    timedOut = true;
                    return Outcome.failure(ErrorNames.TIMEOUT, "The execution exceeded its TimeoutSeconds");
                }
                switch (action) {
                    case Action.Next next -> {
                        if (++transitions > maxTransitions) {
                            return Outcome.failure(ErrorNames.RUNTIME, "The execution exceeded the limit of "
                                    + maxTransitions + " state transitions");
                        }
                        if (history != null) {
                            emit(HistoryEvent.exited(type), frame.machine(), frame.state(), detail("output", next.frame().input()));
                        }
                        events++; // …StateExited
                        entered.remove(frame);
                        frame = next.frame();
                        entered.put(frame, ++events);
                        if (history != null) type = interpreter.machine().stateType(frame.machine(), frame.state());
                        if (history != null) {
                            emit(HistoryEvent.entered(type), frame.machine(), frame.state(), detail("input", frame.input()));
                        }
                        action = interpreter.enter(frame, this);
                    }
                    case Action.Succeed succeed -> {
                        events++;
                        entered.remove(frame);
                        if (history != null) {
                            emit(HistoryEvent.exited(type), frame.machine(), frame.state(), detail("output", succeed.output()));
                        }
                        return Outcome.success(succeed.output());
                    }
                    case Action.Fail fail -> {
                        entered.remove(frame);
                        return Outcome.failure(fail.error(), fail.cause());
                    }
                    case Action.InvokeTask task -> action = invoke(frame, path, task);
                    case Action.WaitUntil wait -> {
                        sleepUntil(wait.until());
                        action = interpreter.waited(frame, this);
                    }
                    case Action.Retry retry -> {
                        sleepUntil(retry.at());
                        Long id = entered.remove(frame);
                        frame = retry.frame();
                        entered.put(frame, id);
                        action = interpreter.enter(frame, this);
                    }
                    case Action.RunChildren children -> {
                        List<Outcome> outcomes = new ArrayList<>(children.children().size());
                        boolean stopOnFailure = children.kind() == Action.RunChildren.Kind.PARALLEL;
                        boolean map = !stopOnFailure;
                        events++; // ParallelStateStarted / MapStateStarted
                        for (int i = 0; i < children.children().size(); i++) {
                            if (map) {
                                events++; // MapIterationStarted
                            }
                            Outcome o = frame(children.children().get(i), new Where(path, frame.state(), i));
                            if (map) {
                                events++; // MapIterationSucceeded / MapIterationFailed
                            }
                            outcomes.add(o);
                            if (timedOut) {
                                return o;
                            }
                            if (!o.succeeded() && stopOnFailure) {
                                break;
                            }
                        }
                        while (outcomes.size() < children.children().size()) {
                            outcomes.add(Outcome.failure(ErrorNames.BRANCH_FAILED, "Not run: another branch failed"));
                        }
                        events++; // ParallelStateSucceeded / …Failed, MapStateSucceeded / …Failed
                        action = interpreter.childrenDone(frame, outcomes, this);
                    }
                    case Action.ReadItems read -> {
                        JsonNode content;
                        try {
                            content = read.key() != null ? TextNode.valueOf(objects.get(read.bucket(), read.key()))
                                    : objects.list(read.bucket(), read.prefix());
                            action = interpreter.itemsRead(frame, content, this);
                        } catch (StatesException e) {
                            action = interpreter.stateFailed(frame, ErrorNames.ITEM_READER_FAILED, e.cause(), this);
                        }
                    }
                    case Action.WriteResults write -> {
                        try {
                            write.objects().forEach((key, content) -> objects.put(write.bucket(), key, content));
                            action = interpreter.resultsWritten(frame, this);
                        } catch (StatesException e) {
                            action = interpreter.stateFailed(frame, ErrorNames.RESULT_WRITER_FAILED, e.cause(), this);
                        }
                    }
                }
            }
        }

        private Action invoke(Frame frame, Where path, Action.InvokeTask task) {
            int attempt = frame.retryCount();
            String key = executionArn() + Where.text(path) + "/" + frame.state() + "#" + attempt;
            Instant started = clock.now();
            Instant deadlineOfTask = task.timeoutSeconds() == null ? null : started.plusSeconds(task.timeoutSeconds());
            if (history != null) {
                ObjectNode scheduled = NODES.objectNode().put("resource", task.resource());
                scheduled.set("parameters", task.input());
                emit("TaskScheduled", frame.machine(), frame.state(), scheduled);
            }
            events += 2; // TaskScheduled, TaskStarted
            JsonNode result;
            try {
                result = tasks.invoke(new TaskInvoker.Request(task.resource(), task.input(), executionArn(),
                        frame.state(), attempt, key, task.taskToken(), task.timeoutSeconds(), task.heartbeatSeconds(),
                        deadlineOfTask, task.credentials()));
            } catch (StatesException e) {
                emit("TaskFailed", frame.machine(), frame.state(), NODES.objectNode().put("error", e.error()).put("cause", e.cause()));
                events++;
                return interpreter.stateFailed(frame, e.error(), e.cause(), this);
            } catch (RuntimeException e) {
                String cause = e.getClass().getSimpleName() + ": " + Objects.toString(e.getMessage(), "");
                emit("TaskFailed", frame.machine(), frame.state(), NODES.objectNode().put("error", ErrorNames.TASK_FAILED).put("cause", cause));
                events++;
                return interpreter.stateFailed(frame, ErrorNames.TASK_FAILED, cause, this);
            }
            if (deadlineOfTask != null && clock.now().isAfter(deadlineOfTask)) {
                emit("TaskTimedOut", frame.machine(), frame.state(), NODES.objectNode().put("error", ErrorNames.TIMEOUT));
                events++;
                return interpreter.stateFailed(frame, ErrorNames.TIMEOUT, "The task ran longer than its TimeoutSeconds ("
                        + task.timeoutSeconds() + ")", this);
            }
            if (history != null) {
                emit("TaskSucceeded", frame.machine(), frame.state(), detail("output", result));
            }
            events++;
            return interpreter.taskSucceeded(frame, result, this);
        }

        private void sleepUntil(Instant until) throws InterruptedException {
            if (deadline != null && until.isAfter(deadline)) {
                clock.sleepUntil(deadline);
                return;
            }
            clock.sleepUntil(until);
        }
    }

    /** Configures a runner; everything but the machine has a sensible default. */
    public static final class Builder {
        private final StateMachine machine;
        private TaskInvoker tasks = new TaskInvoker.Registry();
        private Clock clock = Clock.SYSTEM;
        private Entropy entropy = Entropy.SYSTEM;
        private ObjectStore objects = ObjectStore.inMemory();
        private Consumer<HistoryEvent> history;
        private String stateMachineArn = "arn:aws:states:us-east-1:000000000000:stateMachine:local";
        private int payloadLimit = Interpreter.DEFAULT_PAYLOAD_LIMIT;
        private int maxTransitions = 25_000;

        private Builder(StateMachine machine) {
            this.machine = Objects.requireNonNull(machine, "machine");
        }

        public Builder tasks(TaskInvoker tasks) {
            this.tasks = Objects.requireNonNull(tasks, "tasks");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder entropy(Entropy entropy) {
            this.entropy = Objects.requireNonNull(entropy, "entropy");
            return this;
        }

        public Builder objects(ObjectStore objects) {
            this.objects = Objects.requireNonNull(objects, "objects");
            return this;
        }

        /** Receives every history event as it happens (on the executing thread). */
        public Builder history(Consumer<HistoryEvent> history) {
            this.history = history;
            return this;
        }

        public Builder stateMachineArn(String arn) {
            this.stateMachineArn = Objects.requireNonNull(arn, "arn");
            return this;
        }

        public Builder payloadLimit(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("payloadLimit must be > 0, was " + bytes);
            }
            this.payloadLimit = bytes;
            return this;
        }

        public Builder maxTransitions(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxTransitions must be > 0, was " + max);
            }
            this.maxTransitions = max;
            return this;
        }

        public LocalRunner build() {
            return new LocalRunner(this);
        }
    }
}
