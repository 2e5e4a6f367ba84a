package dev.setlist.server.sfn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Action;
import dev.setlist.asl.Clock;
import dev.setlist.asl.Entropy;
import dev.setlist.asl.ExecutionContext;
import dev.setlist.asl.Frame;
import dev.setlist.asl.Interpreter;
import dev.setlist.asl.InvalidDefinitionException;
import dev.setlist.asl.Outcome;
import dev.setlist.asl.StateMachine;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * TestState: runs one state's definition on an input with the ASL interpreter, without a state
 * machine or an execution. The state's transitions are resolved against stand-in states, so it
 * ends in one step: SUCCEEDED (with {@code nextState} unless it ends the machine), FAILED,
 * CAUGHT_ERROR (a Catch matched; {@code errorDetails.catchIndex}) or RETRIABLE (a Retry would run
 * it again; {@code errorDetails.retryIndex} and the backoff). Tasks, Map and Parallel states use the
 * mock when one is given, else the chain executions use (the service integrations, local
 * resources, then the server's task handlers) and the states of their branches;
 * {@code stateConfiguration.retrierRetryCount} says how many retries already happened. At DEBUG
 * and TRACE the answer has each stage of the state's data flow as the interpreter reports it
 * ({@link dev.setlist.asl.ExecutionContext#inspect}). Waits do not wait. Thread safe.
 */
public final class TestStates {
    private static final String NAME = "TestState";
    private final TaskInvoker tasks;
    private final Clock clock;
    private final Entropy entropy;
    private final String region;
    private final String account;

    public TestStates(TaskInvoker tasks, Clock clock, Entropy entropy, String region, String account) {
        this.tasks = tasks;
        this.clock = clock;
        this.entropy = entropy;
        this.region = region;
        this.account = account;
    }

    /** The request's mock: a result (JSON text) or an error, never both. */
    private record Mock(JsonNode result, String error, String cause) {
        static Mock read(Req r) {
            Req mock = r.optNested("mock");
            if (mock == null) {
                return null;
            }
            String result = mock.optStr("result", 0, 256 * 1024);
            Req err = mock.optNested("errorOutput");
            mock.optEnum("fieldValidationMode", List.of("STRICT", "PRESENT", "NONE"));
            if ((result == null) == (err == null)) {
                throw ApiException.validation("A mock must have either a result or an errorOutput, not "
                        + (result == null ? "neither" : "both"));
            }
            if (err != null) {
                String error = err.optStr("error", 0, 256);
                String cause = err.optStr("cause", 0, 32768);
                return new Mock(null, error == null ? "" : error, cause == null ? "" : cause);
            }
            return new Mock(parse(result, "mock.result"), null, null);
        }
    }

    public ObjectNode run(Req r) {
        String definition = r.str("definition", 1, 1024 * 1024);
        r.optStr("roleArn", 1, 256);
        String input = r.optStr("input", 0, 256 * 1024);
        String level = r.optEnum("inspectionLevel", List.of("INFO", "DEBUG", "TRACE"));
        r.bool("revealSecrets", false); // the caller's permission is checked before (states:RevealSecrets)
        String stateName = r.optStr("stateName", 1, 80);
        String variables = r.optStr("variables", 0, 256 * 1024);
        String context = r.optStr("context", 0, 256 * 1024);
        Mock mock = Mock.read(r);
        Req c = r.optNested("stateConfiguration");
        Integer retried = null;
        String itemReaderData = null;
        if (c != null) {
            retried = c.optInt("retrierRetryCount", 0, Integer.MAX_VALUE);
            c.optStr("errorCausedByState", 1, 80);
            c.optInt("mapIterationFailureCount", 0, Integer.MAX_VALUE);
            itemReaderData = c.optStr("mapItemReaderData", 0, 256 * 1024);
        }
        if (context != null && mock == null) {
            throw ApiException.validation("context can only be given with a mock");
        }
        JsonNode state = parse(definition, "definition");
        if (!state.isObject()) {
            throw ApiException.badRequest("InvalidDefinition", "Invalid State Definition: the definition must be a JSON object");
        }
        ObjectNode machine;
        String name;
        if (state.has("States")) {
            if (stateName == null) {
                throw ApiException.validation("stateName must name the state to test when the definition is a whole state machine");
            }
            if (!state.path("States").has(stateName)) {
                throw ApiException.badRequest("InvalidDefinition", "Invalid State Machine Definition: no state named '"
                        + stateName + "'");
            }
            try {
                StateMachine.compile(state); // the whole machine must be valid
            } catch (InvalidDefinitionException e) {
                throw ApiException.badRequest("InvalidDefinition", "Invalid State Machine Definition: " + e.getMessage());
            }
            // then the tested state alone, its transitions going to stand-ins, as for a single state
            JsonNode tested = state.path("States").get(stateName);
            machine = single(stateName, tested, state.get("QueryLanguage"));
            name = stateName;
        } else {
            if (stateName != null) {
                throw ApiException.badRequest("InvalidDefinition", "Invalid State Machine Definition: stateName '"
                        + stateName + "' is given, so the definition must be a whole state machine (StartAt, States)");
            }
            machine = single(NAME, state, state.get("QueryLanguage"));
            name = NAME;
        }
        StateMachine compiled;
        try {
            compiled = StateMachine.compile(machine);
        } catch (InvalidDefinitionException e) {
            throw ApiException.badRequest("InvalidDefinition", "Invalid State Definition: " + e.getMessage());
        }
        JsonNode tested = machine.path("States").path(name);
        checkSupported(tested, mock);
        JsonNode in = parse(input == null ? "{}" : input, "input");
        JsonNode vars = variables == null ? Json.object() : parse(variables, "variables");
        if (!vars.isObject()) {
            throw ApiException.validation("variables must be a JSON object, was " + Req.kind(vars));
        }
        JsonNode ctxJson = context == null ? null : parse(context, "context");
        if (ctxJson != null && !ctxJson.isObject()) {
            throw ApiException.validation("context must be a JSON object, was " + Req.kind(ctxJson));
        }
        Interpreter interpreter = new Interpreter(compiled);
        Ctx ctx = new Ctx(in, ctxJson);
        int[] retries = null;
        if (retried != null && retried > 0) {
            retries = new int[Math.max(1, tested.path("Retry").size())];
            java.util.Arrays.fill(retries, retried);
        }
        Frame frame = new Frame("", name, in, (ObjectNode) vars, Json.object(), retries);
        ObjectNode out = Json.object();
        ObjectNode inspection = ctx.inspection;
        inspection.put("input", Json.text(in));
        if (!vars.isEmpty()) {
            inspection.put("variables", Json.text(vars));
        }
        Action action;
        try {
            action = interpreter.enter(frame, ctx);
            while (true) {
                if (action instanceof Action.InvokeTask task) {
                    JsonNode result;
                    try {
                        result = invoke(task, mock, ctx);
                    } catch (StatesException e) {
                        action = interpreter.stateFailed(frame, e.error(), e.cause(), ctx);
                        continue;
                    }
                    action = interpreter.taskSucceeded(frame, result, ctx);
                } else if (action instanceof Action.WaitUntil) {
                    action = interpreter.waited(frame, ctx);
                } else if (action instanceof Action.RunChildren children) {
                    if (children.kind() == Action.RunChildren.Kind.MAP) {
                        inspection.put("maxConcurrency", children.maxConcurrency());
                        if (children.toleratedFailureCount() != null) {
                            inspection.put("toleratedFailureCount", children.toleratedFailureCount());
                        }
                        if (children.toleratedFailurePercentage() != null) {
                            inspection.put("toleratedFailurePercentage", children.toleratedFailurePercentage());
                        }
                    }
                    if (mock != null) { // a mocked Map or Parallel state: the mock is the state's result
                        if (mock.error != null) {
                            action = interpreter.stateFailed(frame, mock.error, mock.cause, ctx);
                        } else {
                            action = interpreter.taskSucceeded(frame, mock.result, ctx);
                        }
                        continue;
                    }
                    List<Outcome> outcomes = new ArrayList<>();
                    ctx.recording = false;
                    try {
                        for (Frame child : children.children()) {
                            outcomes.add(runChild(interpreter, child, null, ctx));
                        }
                    } finally {
                        ctx.recording = true;
                    }
                    action = interpreter.childrenDone(frame, outcomes, ctx);
                } else if (action instanceof Action.ReadItems read && itemReaderData != null) {
                    // the object's text, or for a listing (listObjectsV2) the listing as a JSON array
                    action = interpreter.itemsRead(frame, read.resource().endsWith("listObjectsV2")
                            ? parse(itemReaderData, "stateConfiguration.mapItemReaderData")
                            : com.fasterxml.jackson.databind.node.TextNode.valueOf(itemReaderData), ctx);
                } else if (action instanceof Action.ReadItems) {
                    throw ApiException.validation("TestState reads a Map state's ItemReader only from"
                            + " stateConfiguration.mapItemReaderData");
                } else if (action instanceof Action.WriteResults) {
                    throw ApiException.validation("TestState does not run a Map state's ResultWriter");
                } else {
                    break;
                }
            }
        } catch (StatesException e) {
            action = new Action.Fail(e.error(), e.cause());
        }
        ObjectNode errorDetails = Json.object();
        switch (action) {
            case Action.Next next -> {
                if (ctx.caughtIndex >= 0) {
                    out.put("status", "CAUGHT_ERROR");
                    errorDetails.put("catchIndex", ctx.caughtIndex);
                } else {
                    out.put("status", "SUCCEEDED");
                }
                out.put("nextState", next.frame().state());
                out.put("output", Json.text(next.frame().input()));
                if (ctx.caughtIndex >= 0) {
                    Json.opt(out, "error", ctx.error);
                    Json.opt(out, "cause", ctx.cause);
                }
            }
            case Action.Succeed succeed -> {
                if (ctx.caughtIndex >= 0) { // a Catch that ends the machine cannot be: a Catch has a Next
                    errorDetails.put("catchIndex", ctx.caughtIndex);
                }
                out.put("status", "SUCCEEDED");
                out.put("output", Json.text(succeed.output()));
            }
            case Action.Fail fail -> {
                out.put("status", "FAILED");
                Json.opt(out, "error", fail.error());
                Json.opt(out, "cause", fail.cause());
            }
            case Action.Retry retry -> {
                out.put("status", "RETRIABLE");
                Json.opt(out, "error", retry.error());
                Json.opt(out, "cause", retry.cause());
                errorDetails.put("retryIndex", ctx.retryIndex);
                errorDetails.put("retryBackoffIntervalSeconds", Math.max(0, Math.round(ctx.backoffMillis / 1000.0)));
            }
            default -> throw new IllegalStateException("Unexpected action " + action);
        }
        if (!errorDetails.isEmpty()) {
            inspection.set("errorDetails", errorDetails);
        }
        if (level != null && !level.equals("INFO")) {
            out.set("inspectionData", inspection);
        }
        return out;
    }

    /**
     * What TestState runs only with a mock, as AWS documents: Activity tasks and the {@code .sync}
     * and {@code .waitForTaskToken} patterns (Map and Parallel states run their states when not mocked).
     */
    private static void checkSupported(JsonNode state, Mock mock) {
        if (mock != null || !"Task".equals(state.path("Type").asText())) {
            return;
        }
        String resource = state.path("Resource").asText("");
        if (resource.contains(":activity:") || resource.endsWith(".sync") || resource.contains(".sync:")
                || resource.endsWith(".waitForTaskToken")) {
            throw ApiException.validation("TestState runs Activity tasks and the .sync and .waitForTaskToken"
                    + " integration patterns only with a mock; give one for '" + resource + "'");
        }
    }

    private Outcome runChild(Interpreter interpreter, Frame frame, Mock mock, Ctx ctx) {
        Action action = interpreter.enter(frame, ctx);
        for (int steps = 0; steps < 10_000; steps++) {
            switch (action) {
                case Action.Next next -> {
                    frame = next.frame();
                    action = interpreter.enter(frame, ctx);
                }
                case Action.Succeed s -> {
                    return Outcome.success(s.output());
                }
                case Action.Fail f -> {
                    return Outcome.failure(f.error(), f.cause());
                }
                case Action.InvokeTask task -> {
                    try {
                        action = interpreter.taskSucceeded(frame, invoke(task, mock, ctx), ctx);
                    } catch (StatesException e) {
                        action = interpreter.stateFailed(frame, e.error(), e.cause(), ctx);
                    }
                }
                case Action.WaitUntil w -> action = interpreter.waited(frame, ctx);
                case Action.Retry retry -> {
                    frame = retry.frame();
                    action = interpreter.enter(frame, ctx);
                }
                case Action.RunChildren children -> {
                    List<Outcome> outcomes = new ArrayList<>();
                    for (Frame child : children.children()) {
                        outcomes.add(runChild(interpreter, child, mock, ctx));
                    }
                    action = interpreter.childrenDone(frame, outcomes, ctx);
                }
                case Action.ReadItems x -> throw ApiException.validation("TestState does not run a Map state's ItemReader");
                case Action.WriteResults x -> throw ApiException.validation("TestState does not run a Map state's ResultWriter");
            }
        }
        return Outcome.failure("States.Runtime", "TestState stopped a branch after 10000 steps");
    }

    private JsonNode invoke(Action.InvokeTask task, Mock mock, Ctx ctx) {
        if (mock != null) {
            if (mock.error != null) {
                throw new StatesException(mock.error, mock.cause);
            }
            return mock.result;
        }
        return tasks.invoke(new TaskInvoker.Request(task.resource(), task.input(), ctx.executionArn(), NAME, 0,
                ctx.executionArn() + "/" + NAME + "#0", task.taskToken(), task.timeoutSeconds(), task.heartbeatSeconds(),
                null, task.credentials()));
    }

    private static JsonNode parse(String text, String member) {
        try {
            JsonNode n = Json.MAPPER.readTree(text);
            if (n == null || n.isMissingNode()) {
                throw ApiException.validation(member + " is empty");
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            String type = member.equals("definition") ? "InvalidDefinition" : member.equals("input") ? "InvalidExecutionInput"
                    : "ValidationException";
            throw ApiException.badRequest(type, member + " is not valid JSON: " + dev.setlist.asl.JsonLimits.describe(e));
        }
    }

    /** A machine of one state, every state it may go to a stand-in Succeed state. */
    private static ObjectNode single(String name, JsonNode state, JsonNode queryLanguage) {
        ObjectNode machine = Json.object();
        machine.put("StartAt", name);
        if (queryLanguage != null) {
            machine.set("QueryLanguage", queryLanguage);
        }
        ObjectNode states = machine.putObject("States");
        states.set(name, state);
        for (String target : targets(state)) {
            if (!target.equals(name)) {
                states.putObject(target).put("Type", "Succeed");
            }
        }
        return machine;
    }

    /** Every state name the state may go to (Next, Default, Choices, Catch). */
    private static Set<String> targets(JsonNode state) {
        Set<String> out = new LinkedHashSet<>();
        add(out, state.get("Next"));
        add(out, state.get("Default"));
        for (String list : List.of("Choices", "Catch")) {
            JsonNode a = state.get(list);
            if (a != null && a.isArray()) {
                for (Iterator<JsonNode> it = a.elements(); it.hasNext(); ) {
                    add(out, it.next().get("Next"));
                }
            }
        }
        return out;
    }

    private static void add(Set<String> out, JsonNode name) {
        if (name != null && name.isTextual()) {
            out.add(name.textValue());
        }
    }

    private final class Ctx implements ExecutionContext {
        private final ObjectNode execution = Json.object();
        private final ObjectNode machine = Json.object();
        private final String arn;
        private String token;
        /** The top-level state's inspection (not its branches' or iterations'). */
        final ObjectNode inspection = Json.object();
        boolean recording = true;
        int caughtIndex = -1;
        int retryIndex = -1;
        long backoffMillis;
        String error;
        String cause;

        Ctx(JsonNode input, JsonNode context) {
            String id = entropy.uuid();
            arn = "arn:aws:states:" + region + ":" + account + ":execution:TestState:" + id;
            execution.put("Id", arn);
            execution.set("Input", input);
            execution.put("Name", id);
            execution.put("RoleArn", "arn:aws:iam::" + account + ":role/setlist");
            execution.put("StartTime", clock.now().toString());
            execution.put("RedriveCount", 0);
            machine.put("Id", "arn:aws:states:" + region + ":" + account + ":stateMachine:TestState");
            machine.put("Name", "TestState");
            if (context != null) { // the caller's context object, over these defaults
                if (context.path("Execution").isObject()) {
                    execution.setAll((ObjectNode) context.get("Execution"));
                }
                if (context.path("StateMachine").isObject()) {
                    machine.setAll((ObjectNode) context.get("StateMachine"));
                }
                if (context.path("Task").path("Token").isTextual()) {
                    token = context.path("Task").path("Token").textValue();
                }
            }
        }

        @Override
        public void inspect(String member, JsonNode value) {
            if (recording && value != null) {
                inspection.put(member, Json.text(value));
            }
        }

        @Override
        public void handled(String error, String cause, int retryIndex, long backoffMillis, int catchIndex) {
            if (recording) {
                this.error = error;
                this.cause = cause;
                this.retryIndex = retryIndex;
                this.backoffMillis = backoffMillis;
                this.caughtIndex = catchIndex;
            }
        }

        String executionArn() {
            return arn;
        }

        @Override
        public java.time.Instant now() {
            return clock.now();
        }

        @Override
        public JsonNode execution() {
            return execution;
        }

        @Override
        public JsonNode stateMachine() {
            return machine;
        }

        @Override
        public Entropy entropy() {
            return entropy;
        }

        @Override
        public String taskToken(Frame frame) {
            return token != null ? token : "TestState-" + arn;
        }
    }
}
