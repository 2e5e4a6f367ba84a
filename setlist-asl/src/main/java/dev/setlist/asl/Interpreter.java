package dev.setlist.asl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.internal.expr.Scope;
import dev.setlist.asl.internal.model.Expr;
import dev.setlist.asl.internal.model.QueryLanguage;
import dev.setlist.asl.internal.model.State;
import dev.setlist.asl.internal.model.State.Catcher;
import dev.setlist.asl.internal.model.State.Io;
import dev.setlist.asl.internal.model.State.MapState;
import dev.setlist.asl.internal.model.State.Retrier;
import dev.setlist.asl.internal.path.Paths;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The States language as a step function. Given a compiled machine, a {@link Frame} and the
 * answer to the previous {@link Action}, each method computes the next action. It does no I/O,
 * starts no threads and reads no clock: time and randomness come from the
 * {@link ExecutionContext}, so a durable engine can persist the frame between any two calls and
 * resume after a crash. Thread safe: one interpreter serves any number of executions.
 */
public final class Interpreter {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The payload limit of Step Functions: 256 KiB of UTF-8 JSON. */
    public static final int DEFAULT_PAYLOAD_LIMIT = 256 * 1024;

    private final StateMachine machine;
    private final int payloadLimit;
    /** The machine paths of each Parallel state's branches, built once. */
    private final IdentityHashMap<State.Parallel, String[]> branchPaths = new IdentityHashMap<>();

    public Interpreter(StateMachine machine) {
        this(machine, DEFAULT_PAYLOAD_LIMIT);
    }

    public Interpreter(StateMachine machine, int payloadLimit) {
        this.machine = machine;
        this.payloadLimit = payloadLimit;
        for (Map.Entry<String, State.Machine> m : machine.machines().entrySet()) {
            String prefix = m.getKey().isEmpty() ? "" : m.getKey() + "/";
            for (State s : m.getValue().states().values()) {
                if (s instanceof State.Parallel p) {
                    String[] paths = new String[p.branches().size()];
                    for (int i = 0; i < paths.length; i++) {
                        paths[i] = prefix + p.name() + "#" + i;
                    }
                    branchPaths.put(p, paths);
                }
            }
        }
    }

    public StateMachine machine() {
        return machine;
    }

    /** The first frame of an execution with this input. */
    public Frame start(JsonNode input) {
        return start(input, null);
    }

    /** As {@link #start(JsonNode)}, measuring the input with the context's size memo, if any. */
    Frame start(JsonNode input, ExecutionContext ctx) {
        if (JsonSize.exceeds(input, payloadLimit, memo(ctx))) {
            throw new StatesException(ErrorNames.DATA_LIMIT_EXCEEDED,
                    "The execution input exceeds the maximum of " + payloadLimit + " bytes");
        }
        return new Frame("", machine.startAt(), input, NODES.objectNode(), NODES.objectNode(), null);
    }

    /** Runs the frame's state as far as it can go without the outside world. */
    public Action enter(Frame frame, ExecutionContext ctx) {
        State state = state(frame);
        Step step = new Step(frame, state, ctx);
        try {
            // An instanceof chain rather than a pattern switch: cheaper on this hot path.
            if (state instanceof State.Pass pass) {
                return enterPass(step, pass);
            } else if (state instanceof State.Choice choice) {
                return enterChoice(step, choice);
            } else if (state instanceof State.Task task) {
                return enterTask(step, task);
            } else if (state instanceof State.Succeed) {
                return new Action.Succeed(checkSize(step, plainOutput(step, step.frame.input())));
            } else if (state instanceof State.MapState map) {
                return enterMap(step, map, null);
            } else if (state instanceof State.Parallel parallel) {
                return enterParallel(step, parallel);
            } else if (state instanceof State.Wait wait) {
                return enterWait(step, wait);
            } else {
                return enterFail(step, (State.Fail) state);
            }
        } catch (StatesException e) {
            return raised(step, e);
        }
    }

    /** A task finished with {@code result}. */
    public Action taskSucceeded(Frame frame, JsonNode result, ExecutionContext ctx) {
        Step step = new Step(frame, state(frame), ctx);
        try {
            return finish(step, result == null ? NODES.nullNode() : result);
        } catch (StatesException e) {
            return raised(step, e);
        }
    }

    /** The frame's state failed (a task error, a timeout, a failed branch): apply Retry, then Catch. */
    public Action stateFailed(Frame frame, String error, String cause, ExecutionContext ctx) {
        return failed(new Step(frame, state(frame), ctx), error, cause);
    }

    /** A Wait state's time has come. */
    public Action waited(Frame frame, ExecutionContext ctx) {
        Step step = new Step(frame, state(frame), ctx);
        try {
            State.Wait wait = (State.Wait) step.state;
            JsonNode output = plainOutput(step, frame.input());
            return transition(step, wait.next(), output, step.state.io().assign(), effectiveInput(step));
        } catch (StatesException e) {
            return raised(step, e);
        }
    }

    /** The children of a Parallel or Map state ended, with these outcomes in order. */
    public Action childrenDone(Frame frame, List<Outcome> outcomes, ExecutionContext ctx) {
        Step step = new Step(frame, state(frame), ctx);
        try {
            if (step.state instanceof State.Parallel) {
                ArrayNode results = NODES.arrayNode(outcomes.size());
                for (Outcome o : outcomes) {
                    if (!o.succeeded()) {
                        return failed(step, o.error(), o.cause());
                    }
                    results.add(o.output());
                }
                return finish(step, results);
            }
            MapState map = (MapState) step.state;
            return mapDone(step, map, outcomes);
        } catch (StatesException e) {
            return raised(step, e);
        }
    }

    /** A Map's ItemReader answered: {@code content} is the object's text or the listing array. */
    public Action itemsRead(Frame frame, JsonNode content, ExecutionContext ctx) {
        Step step = new Step(frame, state(frame), ctx);
        try {
            MapState map = (MapState) step.state;
            return enterMap(step, map, ItemReaders.parse(map.reader(), content, step.scope(effectiveInput(step)), step.states(null)));
        } catch (StatesException e) {
            return raised(step, e);
        }
    }

    /** A Map's ResultWriter stored its objects. */
    public Action resultsWritten(Frame frame, ExecutionContext ctx) {
        Step step = new Step(frame, state(frame), ctx);
        try {
            MapState map = (MapState) step.state;
            return finish(step, ResultWriters.details(map.writer(), step.scope(effectiveInput(step)), step.states(null),
                    ResultWriters.basePath(map.writer(), step.scope(effectiveInput(step)), step.states(null), ctx, frame)));
        } catch (StatesException e) {
            return raised(step, e);
        }
    }

    // ---- states ---------------------------------------------------------------------------

    private Action enterPass(Step step, State.Pass pass) {
        if (pass.language() == QueryLanguage.JSONATA) {
            JsonNode states = step.states(null);
            JsonNode output = pass.io().output() == null ? step.frame.input() : eval(pass.io().output(), step, step.frame.input(), states);
            return transitionJsonata(step, pass.next(), output, pass.io().assign(), states);
        }
        JsonNode effective = effectiveInput(step);
        JsonNode result = pass.result() != null ? pass.result() : effective;
        step.ctx.inspect("result", result);
        return finishJsonPath(step, pass.next(), result);
    }

    private Action enterTask(Step step, State.Task task) {
        JsonNode input;
        JsonNode states = null;
        String token = null;
        if (task.resource().endsWith(".waitForTaskToken")) {
            token = step.ctx.taskToken(step.frame);
            step.taskToken = token;
        }
        if (task.language() == QueryLanguage.JSONATA) {
            states = step.states(null);
            input = task.io().arguments() == null ? step.frame.input() : eval(task.io().arguments(), step, null, states);
            step.ctx.inspect("afterArguments", input);
        } else {
            input = effectiveInput(step);
        }
        JsonNode raw = task.language() == QueryLanguage.JSONATA ? step.frame.input() : preParameters(step);
        Integer timeout = seconds(task.timeoutSeconds(), step, raw, states, "TimeoutSeconds");
        Integer heartbeat = seconds(task.heartbeatSeconds(), step, raw, states, "HeartbeatSeconds");
        JsonNode credentials = task.credentials() == null ? null : eval(task.credentials(), step, raw, states);
        checkSize(step, input);
        return new Action.InvokeTask(task.resource(), input, timeout, heartbeat, credentials, token);
    }

    private Action enterChoice(Step step, State.Choice choice) {
        if (choice.language() == QueryLanguage.JSONATA) {
            JsonNode states = step.states(null);
            Scope scope = step.scope(step.frame.input());
            for (State.Choice.Branch branch : choice.choices()) {
                if (branch.rule().test(scope, states)) {
                    Expr out = branch.output() != null ? branch.output() : choice.io().output();
                    JsonNode output = out == null ? step.frame.input() : eval(out, step, null, states);
                    return transitionJsonata(step, branch.next(), output,
                            branch.assign() != null ? branch.assign() : choice.io().assign(), states);
                }
            }
            if (choice.defaultNext() == null) {
                throw new StatesException(ErrorNames.NO_CHOICE_MATCHED, "No Matches!");
            }
            JsonNode output = choice.io().output() == null ? step.frame.input() : eval(choice.io().output(), step, null, states);
            return transitionJsonata(step, choice.defaultNext(), output, choice.io().assign(), states);
        }
        JsonNode effective = effectiveInput(step);
        Scope scope = step.scope(effective);
        for (State.Choice.Branch branch : choice.choices()) {
            if (branch.rule().test(scope, null)) {
                return transition(step, branch.next(), applyOutputPath(step, effective),
                        branch.assign() != null ? branch.assign() : choice.io().assign(), effective);
            }
        }
        if (choice.defaultNext() == null) {
            throw new StatesException(ErrorNames.NO_CHOICE_MATCHED, "No Matches!");
        }
        return transition(step, choice.defaultNext(), applyOutputPath(step, effective), choice.io().assign(), effective);
    }

    private Action enterWait(Step step, State.Wait wait) {
        boolean jsonata = wait.language() == QueryLanguage.JSONATA;
        JsonNode states = jsonata ? step.states(null) : null;
        JsonNode effective = jsonata ? step.frame.input() : effectiveInput(step);
        Instant until;
        if (wait.seconds() != null) {
            Expr expr = wait.seconds();
            JsonNode v = eval(expr, step, effective, states);
            if (jsonata) {
                if (v == null || !v.isIntegralNumber() || v.longValue() < 0) {
                    throw unexpected(expr, "Seconds", "non-negative integer", v);
                }
            } else if (expr instanceof Expr.PathExpr p) {
                if (v == null) {
                    throw noResults(p);
                }
                String assignment = p.path().text() + " == " + (v.isTextual() ? v.textValue() : v.toString());
                if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                    throw StatesException.runtime("The SecondsPath parameter cannot be parsed as a long value: " + assignment);
                }
                if (v.longValue() < 0) {
                    throw StatesException.runtime("The SecondsPath parameter references a negative value: " + assignment);
                }
            } else if (v == null || !v.isIntegralNumber() || v.longValue() < 0) {
                throw StatesException.runtime("The Seconds of Wait state '" + wait.name()
                        + "' must be a non-negative integer, was " + v);
            }
            until = step.ctx.now().plusSeconds(v.longValue());
        } else {
            Expr expr = wait.timestamp();
            JsonNode v = eval(expr, step, effective, states);
            if (v == null && expr instanceof Expr.PathExpr p) {
                throw noResults(p);
            }
            if (jsonata && (v == null || !v.isTextual())) {
                throw unexpected(expr, "Timestamp", "string", v);
            }
            Instant parsed = v != null && v.isTextual() ? timestamp(v.textValue()) : null;
            if (parsed == null) {
                String shown = v == null ? "null" : v.isTextual() ? v.textValue() : v.toString();
                if (jsonata) {
                    throw new StatesException(ErrorNames.QUERY_EVALUATION_ERROR, "The JSONata expression '" + exprText(expr)
                            + "' specified for the field 'Timestamp' returned an unexpected result type. Expected an ISO-8601"
                            + " extended offset date-time format string, but was: " + shown);
                }
                String parameter = expr instanceof Expr.PathExpr ? "TimestampPath" : "Timestamp";
                throw StatesException.runtime("The " + parameter + " parameter does not reference a valid ISO-8601 extended"
                        + " offset date-time format string: " + exprText(expr) + " == " + shown);
            }
            until = parsed;
        }
        return new Action.WaitUntil(until);
    }

    /** An ISO-8601 date-time with an offset ({@code 2016-03-14T01:59:00Z}), or null. */
    private static Instant timestamp(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** A JSONata expression produced a value of the wrong kind for its field. */
    static StatesException unexpected(Expr expr, String field, String expected, JsonNode v) {
        return new StatesException(ErrorNames.QUERY_EVALUATION_ERROR, "The JSONata expression '" + exprText(expr)
                + "' specified for the field '" + field + "' returned an unexpected result type. Expected '" + expected
                + "', but was '" + jsonType(v) + "' for value: " + v);
    }

    /** A path that selects nothing, in the words of Step Functions. */
    static StatesException noResults(Expr.PathExpr p) {
        return StatesException.runtime("Invalid path '" + p.path().text() + "' : No results for path: " + Paths.normalized(p.path()));
    }

    static String exprText(Expr e) {
        if (e instanceof Expr.PathExpr p) {
            return p.path().text();
        }
        if (e instanceof Expr.JsonataExpr j && j.template().source() != null) {
            return j.template().source();
        }
        if (e instanceof Expr.Literal l) {
            return l.value().isTextual() ? l.value().textValue() : l.value().toString();
        }
        return String.valueOf(e);
    }

    private Action enterFail(Step step, State.Fail fail) {
        JsonNode states = fail.language() == QueryLanguage.JSONATA ? step.states(null) : null;
        JsonNode input = step.frame.input();
        String error = text(fail.error(), step, input, states, "ErrorPath", "Error", fail);
        String cause = text(fail.cause(), step, input, states, "CausePath", "Cause", fail);
        return new Action.Fail(error, cause);
    }

    private String text(Expr expr, Step step, JsonNode input, JsonNode states, String pathField, String field, State state) {
        if (expr == null) {
            return null;
        }
        JsonNode v = eval(expr, step, input, states);
        if (v == null && expr instanceof Expr.PathExpr p) {
            throw StatesException.runtime("The JSONPath '" + p.path().text() + "' specified for the field '" + pathField
                    + "' could not be found in the input '" + input + "'");
        }
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            if (state.language() == QueryLanguage.JSONATA) {
                throw new StatesException(ErrorNames.QUERY_EVALUATION_ERROR, "The JSONata expression specified for the field '"
                        + field + "' returned an unexpected result type. Expected 'string', but was '" + jsonType(v)
                        + "' for value: " + v);
            }
            throw StatesException.runtime("The value of the field '" + pathField + "' must be a string, was " + v);
        }
        return v.textValue();
    }

    static String jsonType(JsonNode v) {
        if (v == null || v.isNull()) {
            return "null";
        }
        return switch (v.getNodeType()) {
            case ARRAY -> "array";
            case OBJECT -> "object";
            case NUMBER -> "number";
            case BOOLEAN -> "boolean";
            case STRING -> "string";
            default -> "null";
        };
    }

    private Action enterParallel(Step step, State.Parallel parallel) {
        JsonNode input = parallel.language() == QueryLanguage.JSONATA
                ? (parallel.io().arguments() == null ? step.frame.input() : eval(parallel.io().arguments(), step, null, step.states(null)))
                : effectiveInput(step);
        ObjectNode outer = merged(step.frame);
        List<Frame> children = new ArrayList<>(parallel.branches().size());
        // Each state belongs to exactly one (sub-)machine, so its branch paths never change.
        String[] paths = branchPaths.get(parallel);
        String prefix = paths != null ? null : step.frame.machine().isEmpty() ? "" : step.frame.machine() + "/";
        for (int i = 0; i < parallel.branches().size(); i++) {
            State.Machine branch = parallel.branches().get(i);
            String path = paths != null ? paths[i] : prefix + parallel.name() + "#" + i;
            children.add(new Frame(path, branch.startAt(), input, NODES.objectNode(), outer, null));
        }
        return new Action.RunChildren(Action.RunChildren.Kind.PARALLEL, children, 0, false, null, null);
    }

    private Action enterMap(Step step, MapState map, JsonNode readItems) {
        boolean jsonata = map.language() == QueryLanguage.JSONATA;
        JsonNode states = jsonata ? step.states(null) : null;
        JsonNode effective = jsonata ? step.frame.input() : effectiveInput(step);
        Scope scope = step.scope(effective);
        if (map.reader() != null && readItems == null) {
            return ItemReaders.request(map.reader(), scope, states, map.name());
        }
        JsonNode items;
        if (readItems != null) {
            items = readItems;
        } else if (map.items() != null) {
            items = eval(map.items(), step, effective, states);
        } else {
            items = effective;
        }
        if (jsonata && readItems == null && map.items() != null && (items == null || !items.isArray())) {
            throw unexpected(map.items(), "Items", "array", items);
        }
        if (items == null && !jsonata && map.items() instanceof Expr.PathExpr p) {
            throw noResults(p);
        }
        if (items == null || !items.isArray()) {
            throw StatesException.runtime("The items of Map state '" + map.name() + "' must be a JSON array, was "
                    + Paths.abbreviate(items));
        }
        List<JsonNode> inputs = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            if (map.itemSelector() == null) {
                inputs.add(item);
            } else {
                JsonNode itemContext = mapItemContext(step, i, item);
                Scope itemScope = new Scope(effective, () -> itemContext, scope.variables(), step.ctx.entropy());
                JsonNode itemStates = jsonata ? statesObject(effective, null, null, itemContext) : null;
                inputs.add(map.itemSelector().eval(itemScope, itemStates));
            }
        }
        if (map.batcher() != null) {
            inputs = Batches.group(map.batcher(), inputs, step, effective, states);
        }
        int maxConcurrency = maxConcurrency(map.maxConcurrency(), step, effective, states);
        ObjectNode outer = merged(step.frame);
        String path = (step.frame.machine().isEmpty() ? "" : step.frame.machine() + "/") + map.name();
        String startAt = map.processor().startAt();
        List<Frame> children = new ArrayList<>(inputs.size());
        JsonSize.Memo memo = memo(step.ctx);
        for (JsonNode input : inputs) {
            if (JsonSize.exceeds(input, payloadLimit, memo)) {
                throw new StatesException(ErrorNames.DATA_LIMIT_EXCEEDED, "An item of Map state '" + map.name()
                        + "' exceeds the maximum of " + payloadLimit + " bytes");
            }
            children.add(new Frame(path, startAt, input, NODES.objectNode(), map.distributed() ? NODES.objectNode() : outer, null));
        }
        Double toleratedPercentage = map.toleratedFailurePercentage() == null ? null
                : percentValue(map.toleratedFailurePercentage(), step, effective, states);
        Long toleratedCount = map.toleratedFailureCount() == null ? null
                : (long) intValue(map.toleratedFailureCount(), step, effective, states, "ToleratedFailureCount", 0);
        return new Action.RunChildren(Action.RunChildren.Kind.MAP, children, maxConcurrency, map.distributed(),
                map.executionType(), map.label(), toleratedPercentage, toleratedCount);
    }

    private Action mapDone(Step step, MapState map, List<Outcome> outcomes) {
        JsonNode states = map.language() == QueryLanguage.JSONATA ? step.states(null) : null;
        JsonNode effective = map.language() == QueryLanguage.JSONATA ? step.frame.input() : effectiveInput(step);
        int failures = 0;
        Outcome firstFailure = null;
        for (Outcome o : outcomes) {
            if (!o.succeeded()) {
                failures++;
                if (firstFailure == null) {
                    firstFailure = o;
                }
            }
        }
        if (failures > 0) {
            boolean tolerant = map.toleratedFailureCount() != null || map.toleratedFailurePercentage() != null;
            if (!tolerant) {
                return failed(step, firstFailure.error(), firstFailure.cause());
            }
            int count = intValue(map.toleratedFailureCount(), step, effective, states, "ToleratedFailureCount", 0);
            double percent = map.toleratedFailurePercentage() == null ? 0
                    : percentValue(map.toleratedFailurePercentage(), step, effective, states);
            boolean withinCount = map.toleratedFailureCount() != null && failures <= count;
            boolean withinPercent = map.toleratedFailurePercentage() != null
                    && failures * 100.0 / Math.max(1, outcomes.size()) <= percent;
            if (!withinCount && !withinPercent) {
                return failed(step, ErrorNames.EXCEED_TOLERATED_FAILURE_THRESHOLD, "The specified tolerated failure threshold was exceeded: "
                        + failures + " of " + outcomes.size() + " iterations failed");
            }
        }
        if (map.writer() != null) {
            Scope scope = step.scope(effective);
            return ResultWriters.request(map.writer(), scope, states, step.ctx, step.frame, outcomes);
        }
        ArrayNode results = NODES.arrayNode(outcomes.size());
        for (Outcome o : outcomes) {
            if (o.succeeded()) {
                results.add(o.output());
            } else {
                ObjectNode error = results.addObject();
                error.put("Error", o.error());
                error.put("Cause", o.cause());
            }
        }
        return finish(step, results);
    }

    // ---- data flow ------------------------------------------------------------------------

    /** A Task, Parallel or Map (or Pass via finishJsonPath) produced its raw result. */
    private Action finish(Step step, JsonNode result) {
        State state = step.state;
        checkSize(step, result);
        step.ctx.inspect("result", result);
        if (state.language() == QueryLanguage.JSONATA) {
            JsonNode states = step.states(result);
            JsonNode output = state.io().output() == null ? result : eval(state.io().output(), step, null, states);
            return transitionJsonata(step, state.next(), output, state.io().assign(), states);
        }
        JsonNode selected = state.io().resultSelector() == null ? result
                : eval(state.io().resultSelector(), step, result, null);
        step.ctx.inspect("afterResultSelector", selected);
        return finishJsonPath(step, state.next(), selected);
    }

    /** JSONPath mode: ResultPath, OutputPath, Assign ($ = the selected result), then go on. */
    private Action finishJsonPath(Step step, String next, JsonNode selected) {
        State.ResultPath rp = step.state.io().resultPath();
        JsonNode merged;
        if (rp.discard()) {
            merged = step.frame.input();
        } else if (rp.path() == null) {
            merged = selected;
        } else {
            merged = Paths.put(rp.path(), step.frame.input(), selected);
        }
        step.ctx.inspect("afterResultPath", merged);
        return transition(step, next, applyOutputPath(step, merged), step.state.io().assign(), selected);
    }

    /** JSONPath Assign ($ = assignInput) and the move to {@code next} (or the end). */
    private Action transition(Step step, String next, JsonNode output, Expr assign, JsonNode assignInput) {
        ObjectNode variables = step.frame.variables();
        if (assign != null) {
            variables = assign(step, variables, eval(assign, step, assignInput, null));
        }
        return go(step, next, output, variables);
    }

    private Action transitionJsonata(Step step, String next, JsonNode output, Expr assign, JsonNode states) {
        ObjectNode variables = step.frame.variables();
        if (assign != null) {
            variables = assign(step, variables, eval(assign, step, null, states));
        }
        return go(step, next, output, variables);
    }

    private Action go(Step step, String next, JsonNode output, ObjectNode variables) {
        // Outputs are built from the state input, results and literals, each already within the
        // limit; a state can at most combine them, so only those that grow data are measured.
        if (step.state instanceof State.Pass || step.state instanceof State.Recoverable) {
            checkSize(step, output);
        }
        if (!variables.isEmpty()) {
            step.ctx.inspect("variables", variables);
        }
        if (next == null) {
            return new Action.Succeed(output);
        }
        Frame f = step.frame;
        return new Action.Next(new Frame(f.machine(), next, output, variables, f.outer(), null));
    }

    private ObjectNode assign(Step step, ObjectNode current, JsonNode values) {
        if (values == null || !values.isObject()) {
            throw StatesException.runtime("The Assign of state '" + step.state.name() + "' must evaluate to an object");
        }
        ObjectNode next = current.deepCopy();
        Iterator<Map.Entry<String, JsonNode>> it = values.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            next.set(e.getKey(), e.getValue());
        }
        if (JsonSize.exceeds(next, payloadLimit, memo(step.ctx))) {
            throw new StatesException(ErrorNames.DATA_LIMIT_EXCEEDED, "The variables assigned by state '"
                    + step.state.name() + "' exceed the maximum of " + payloadLimit + " bytes");
        }
        return next;
    }

    /** JSONPath: InputPath, then Parameters. */
    private JsonNode effectiveInput(Step step) {
        JsonNode selected = preParameters(step);
        Expr parameters = step.state.io().parameters();
        JsonNode effective = parameters == null ? selected : eval(parameters, step, selected, null);
        step.ctx.inspect("afterParameters", effective);
        return effective;
    }

    private JsonNode preParameters(Step step) {
        Expr inputPath = step.state.io().inputPath();
        if (inputPath == null) {
            step.ctx.inspect("afterInputPath", step.frame.input());
            return step.frame.input();
        }
        JsonNode selected = eval(inputPath, step, step.frame.input(), null);
        if (selected == null) {
            throw inputPath instanceof Expr.PathExpr p ? noResults(p)
                    : StatesException.runtime("The InputPath of state '" + step.state.name() + "' selects nothing");
        }
        step.ctx.inspect("afterInputPath", selected);
        return selected;
    }

    private JsonNode applyOutputPath(Step step, JsonNode value) {
        Expr outputPath = step.state.io().outputPath();
        if (outputPath == null) {
            return value;
        }
        JsonNode selected = eval(outputPath, step, value, null);
        if (selected == null) {
            throw outputPath instanceof Expr.PathExpr p ? noResults(p)
                    : StatesException.runtime("The OutputPath of state '" + step.state.name() + "' selects nothing");
        }
        return selected;
    }

    /** Succeed (and Wait's output): InputPath then OutputPath in JSONPath; Output in JSONata. */
    private JsonNode plainOutput(Step step, JsonNode raw) {
        if (step.state.language() == QueryLanguage.JSONATA) {
            Expr output = step.state.io().output();
            return output == null ? raw : eval(output, step, null, step.states(null));
        }
        return applyOutputPath(step, preParameters(step));
    }

    private static String pathText(Expr e) {
        return e instanceof Expr.PathExpr p ? p.path().text() : String.valueOf(e);
    }

    // ---- errors ---------------------------------------------------------------------------

    /**
     * The state itself raised an error (not a task, not a child): Step Functions reports a
     * {@code States.Runtime} error with the state and the id of its entered event in front.
     */
    private Action raised(Step step, StatesException e) {
        return failed(step, e.error(), decorate(step, e.error(), e.cause()));
    }

    private static String decorate(Step step, String error, String cause) {
        if (!ErrorNames.RUNTIME.equals(error)) {
            return cause;
        }
        long id = step.ctx.enteredEventId(step.frame);
        String where = id > 0 ? " (entered at the event id #" + id + ")" : "";
        return "An error occurred while executing the state '" + step.state.name() + "'" + where + ". "
                + (cause == null ? "" : cause);
    }

    private Action failed(Step step, String error, String cause) {
        if (step.state instanceof State.Recoverable recoverable && !ErrorNames.RUNTIME.equals(error)) {
            List<Retrier> retriers = recoverable.retry();
            for (int i = 0; i < retriers.size(); i++) {
                Retrier r = retriers.get(i);
                if (!matches(r.errorEquals(), error)) {
                    continue;
                }
                int done = i < step.frame.retries().length ? step.frame.retries()[i] : 0;
                if (done < r.maxAttempts()) {
                    double delay = r.intervalSeconds() * Math.pow(r.backoffRate(), done);
                    if (r.maxDelaySeconds() != null) {
                        delay = Math.min(delay, r.maxDelaySeconds());
                    }
                    if (r.fullJitter()) {
                        delay = delay * step.ctx.entropy().nextDouble();
                    }
                    int[] counts = new int[retriers.size()];
                    System.arraycopy(step.frame.retries(), 0, counts, 0, Math.min(counts.length, step.frame.retries().length));
                    counts[i] = done + 1;
                    Frame f = step.frame;
                    Frame again = new Frame(f.machine(), f.state(), f.input(), f.variables(), f.outer(), counts);
                    long millis = Math.round(delay * 1000);
                    step.ctx.handled(error, cause, i, millis, -1);
                    return new Action.Retry(step.ctx.now().plus(Duration.ofMillis(millis)), again, error, cause);
                }
                break; // the first matching retrier is exhausted: no other retrier is consulted
            }
            List<Catcher> catchers = recoverable.catchers();
            for (int i = 0; i < catchers.size(); i++) {
                if (matches(catchers.get(i).errorEquals(), error)) {
                    step.ctx.handled(error, cause, -1, 0, i);
                    return caught(step, catchers.get(i), error, cause);
                }
            }
        }
        return new Action.Fail(error, cause);
    }

    private Action caught(Step step, Catcher catcher, String error, String cause) {
        ObjectNode errorOutput = NODES.objectNode();
        errorOutput.put("Error", error);
        errorOutput.put("Cause", cause);
        try {
            if (step.state.language() == QueryLanguage.JSONATA) {
                ObjectNode states = statesObject(step.frame.input(), null, errorOutput, step.context());
                JsonNode output = catcher.output() == null ? errorOutput : eval(catcher.output(), step, null, states);
                return transitionJsonata(step, catcher.next(), output, catcher.assign(), states);
            }
            JsonNode output;
            State.ResultPath rp = catcher.resultPath();
            if (rp.discard()) {
                output = step.frame.input();
            } else if (rp.path() == null) {
                output = errorOutput;
            } else {
                output = Paths.put(rp.path(), step.frame.input(), errorOutput);
            }
            return transition(step, catcher.next(), output, catcher.assign(), errorOutput);
        } catch (StatesException e) {
            return new Action.Fail(e.error(), decorate(step, e.error(), e.cause()));
        }
    }

    /** Whether an ErrorEquals list matches an error name, with the spec's wildcards. */
    static boolean matches(List<String> errorEquals, String error) {
        for (String name : errorEquals) {
            if (name.equals(error)) {
                return true;
            }
            if (ErrorNames.ALL.equals(name) && !ErrorNames.RUNTIME.equals(error)
                    && !ErrorNames.DATA_LIMIT_EXCEEDED.equals(error)) {
                return true;
            }
            if (ErrorNames.TASK_FAILED.equals(name) && !ErrorNames.TIMEOUT.equals(error)
                    && !ErrorNames.RUNTIME.equals(error) && !ErrorNames.DATA_LIMIT_EXCEEDED.equals(error)
                    && !ErrorNames.HEARTBEAT_TIMEOUT.equals(error)) {
                return true;
            }
        }
        return false;
    }

    // ---- helpers --------------------------------------------------------------------------

    private JsonNode checkSize(Step step, JsonNode value) {
        if (JsonSize.exceeds(value, payloadLimit, memo(step.ctx))) {
            throw new StatesException(ErrorNames.DATA_LIMIT_EXCEEDED, "The state/task '" + step.state.name()
                    + "' returned a result with a size exceeding the maximum number of bytes service limit.");
        }
        return value;
    }

    private static JsonSize.Memo memo(ExecutionContext ctx) {
        return ctx instanceof JsonSize.Memoizing m ? m.sizeMemo() : null;
    }

    private Integer seconds(Expr expr, Step step, JsonNode input, JsonNode states, String field) {
        if (expr == null) {
            return null;
        }
        int v = intValue(expr, step, input, states, field, 0);
        if (v <= 0) {
            throw StatesException.runtime("The " + field + " of state '" + step.state.name() + "' must be a positive integer, was " + v);
        }
        return v;
    }

    /** MaxConcurrency, MaxConcurrencyPath (a number, or a string holding one) or its JSONata expression. */
    private int maxConcurrency(Expr expr, Step step, JsonNode input, JsonNode states) {
        if (!(expr instanceof Expr.PathExpr p)) {
            if (expr instanceof Expr.JsonataExpr) {
                JsonNode v = eval(expr, step, input, states);
                if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
                    throw unexpected(expr, "MaxConcurrency", "non-negative integer", v);
                }
                return v.intValue();
            }
            return intValue(expr, step, input, states, "MaxConcurrency", 0);
        }
        JsonNode v = eval(expr, step, input, states);
        if (v == null) {
            throw noResults(p);
        }
        Long n = null;
        if (v.isNumber() && v.canConvertToLong()) {
            n = v.longValue();
        } else if (v.isTextual()) {
            try {
                n = Long.parseLong(v.textValue().strip());
            } catch (NumberFormatException e) {
                n = null;
            }
        }
        if (n == null || n > Integer.MAX_VALUE) {
            throw StatesException.runtime("The MaxConcurrencyPath field refers to value \"" + (v.isTextual() ? v.textValue() : v.toString())
                    + "\" which is not a valid integer: " + p.path().text());
        }
        if (n < 0) {
            throw StatesException.runtime("Expected non-negative integer for MaxConcurrency, got '" + n + "' instead.");
        }
        return n.intValue();
    }

    int intValue(Expr expr, Step step, JsonNode input, JsonNode states, String field, int fallback) {
        if (expr == null) {
            return fallback;
        }
        JsonNode v = eval(expr, step, input, states);
        if (v == null || !v.isNumber() || !v.canConvertToInt() || v.doubleValue() != Math.rint(v.doubleValue()) || v.intValue() < 0) {
            throw StatesException.runtime("The " + field + " of state '" + step.state.name()
                    + "' must be a non-negative integer, was " + Paths.abbreviate(v));
        }
        return v.intValue();
    }

    /** A ToleratedFailurePercentage: a number from 0 to 100 (fractions allowed). */
    private double percentValue(Expr expr, Step step, JsonNode input, JsonNode states) {
        JsonNode v = eval(expr, step, input, states);
        if (v == null || !v.isNumber() || v.doubleValue() < 0 || v.doubleValue() > 100) {
            throw StatesException.runtime("The ToleratedFailurePercentage of state '" + step.state.name()
                    + "' must be a number from 0 to 100, was " + Paths.abbreviate(v));
        }
        return v.doubleValue();
    }

    JsonNode eval(Expr expr, Step step, JsonNode input, JsonNode states) {
        return expr.eval(step.scope(input), states);
    }

    private State state(Frame frame) {
        State s = machine.state(frame.machine(), frame.state());
        if (s == null) {
            throw new IllegalArgumentException("no state \"" + frame.state() + "\" in machine \"" + frame.machine() + "\"");
        }
        return s;
    }

    /** The variables a child scope sees: the enclosing scopes' merged with this frame's own. */
    private static ObjectNode merged(Frame frame) {
        if (frame.variables().isEmpty()) {
            return frame.outer();
        }
        ObjectNode all = frame.outer().deepCopy();
        all.setAll(frame.variables());
        return all;
    }

    static ObjectNode statesObject(JsonNode input, JsonNode result, JsonNode errorOutput, JsonNode context) {
        ObjectNode states = NODES.objectNode();
        states.set("input", input);
        if (result != null) {
            states.set("result", result);
        }
        if (errorOutput != null) {
            states.set("errorOutput", errorOutput);
        }
        states.set("context", context);
        return states;
    }

    private JsonNode mapItemContext(Step step, int index, JsonNode value) {
        // A shallow copy: the Execution, StateMachine and State parts are shared, never copied.
        ObjectNode base = (ObjectNode) step.context();
        ObjectNode context = new ObjectNode(NODES, java.util.LinkedHashMap.newLinkedHashMap(base.size() + 1));
        context.setAll(base);
        ObjectNode item = new ObjectNode(NODES, java.util.LinkedHashMap.newLinkedHashMap(2));
        item.put("Index", index);
        item.set("Value", value);
        ObjectNode map = new ObjectNode(NODES, java.util.LinkedHashMap.newLinkedHashMap(1));
        map.set("Item", item);
        context.set("Map", map);
        return context;
    }


    /** One call's working set: the frame, its state, the world, and lazily built context objects. */
    final class Step {
        Interpreter interpreter() {
            return Interpreter.this;
        }

        final Frame frame;
        final State state;
        final ExecutionContext ctx;
        String taskToken;
        private JsonNode context;
        private final Supplier<JsonNode> contextSupplier = this::context;
        private final Scope.Variables variables;

        Step(Frame frame, State state, ExecutionContext ctx) {
            this.frame = frame;
            this.state = state;
            this.ctx = ctx;
            ObjectNode own = frame.variables();
            ObjectNode outer = frame.outer();
            this.variables = own.isEmpty() && outer.isEmpty() ? Scope.Variables.NONE : name -> {
                JsonNode v = own.get(name);
                return v != null ? v : outer.get(name);
            };
        }

        JsonNode context() {
            if (context == null) {
                ObjectNode c = NODES.objectNode();
                c.set("Execution", ctx.execution());
                c.set("StateMachine", ctx.stateMachine());
                ObjectNode s = c.putObject("State");
                s.put("EnteredTime", ctx.now().toString());
                s.put("Name", frame.state());
                if (state instanceof State.Recoverable) {
                    // Only the states that can retry (Task, Parallel, Map) have a RetryCount.
                    s.put("RetryCount", frame.retryCount());
                }
                if (taskToken != null) {
                    c.putObject("Task").put("Token", taskToken);
                }
                context = c;
            }
            return context;
        }

        Scope scope(JsonNode input) {
            return new Scope(input, contextSupplier, variables, ctx.entropy());
        }

        JsonNode states(JsonNode result) {
            return statesObject(frame.input(), result, null, context());
        }
    }

}
