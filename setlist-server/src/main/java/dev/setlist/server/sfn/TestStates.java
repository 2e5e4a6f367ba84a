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
 * CAUGHT_ERROR (a Catch matched) or RETRIABLE (a Retry would run it again). Tasks use the mock
 * when one is given, else the chain executions use (the service integrations, local resources,
 * then the server's task handlers). Waits do not wait. Thread safe.
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

    public ObjectNode run(Req r) {
        String definition = r.str("definition", 1, 1024 * 1024);
        r.optStr("roleArn", 1, 256);
        String input = r.optStr("input", 0, 256 * 1024);
        String level = r.optEnum("inspectionLevel", List.of("INFO", "DEBUG", "TRACE"));
        String stateName = r.optStr("stateName", 1, 80);
        String variables = r.optStr("variables", 0, 256 * 1024);
        ObjectNode mock = r.optObject("mock");
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
            machine = ((ObjectNode) state).deepCopy();
            machine.put("StartAt", stateName);
            name = stateName;
        } else {
            machine = Json.object();
            machine.put("StartAt", NAME);
            if (state.has("QueryLanguage")) {
                machine.set("QueryLanguage", state.get("QueryLanguage"));
            }
            ObjectNode states = machine.putObject("States");
            states.set(NAME, state);
            for (String target : targets(state)) {
                if (!target.equals(NAME)) {
                    states.putObject(target).put("Type", "Succeed");
                }
            }
            name = NAME;
        }
        StateMachine compiled;
        try {
            compiled = StateMachine.compile(machine);
        } catch (InvalidDefinitionException e) {
            throw ApiException.badRequest("InvalidDefinition", "Invalid State Definition: " + e.getMessage());
        }
        JsonNode in = parse(input == null ? "{}" : input, "input");
        JsonNode vars = variables == null ? Json.object() : parse(variables, "variables");
        if (!vars.isObject()) {
            throw ApiException.validation("variables must be a JSON object, was " + Req.kind(vars));
        }
        Interpreter interpreter = new Interpreter(compiled);
        Ctx ctx = new Ctx(in);
        Frame frame = new Frame("", name, in, (ObjectNode) vars, Json.object(), null);
        ObjectNode out = Json.object();
        ObjectNode inspection = Json.object();
        inspection.put("input", Json.text(in));
        Action action;
        boolean failedBefore = false;
        String error = null;
        String cause = null;
        try {
            action = interpreter.enter(frame, ctx);
            while (true) {
                if (action instanceof Action.InvokeTask task) {
                    inspection.put("afterParameters", Json.text(task.input()));
                    JsonNode result;
                    try {
                        result = invoke(task, mock, ctx);
                    } catch (StatesException e) {
                        failedBefore = true;
                        error = e.error();
                        cause = e.cause();
                        action = interpreter.stateFailed(frame, e.error(), e.cause(), ctx);
                        continue;
                    }
                    inspection.put("result", Json.text(result));
                    action = interpreter.taskSucceeded(frame, result, ctx);
                } else if (action instanceof Action.WaitUntil) {
                    action = interpreter.waited(frame, ctx);
                } else if (action instanceof Action.RunChildren children) {
                    List<Outcome> outcomes = new ArrayList<>();
                    for (Frame child : children.children()) {
                        outcomes.add(runChild(interpreter, child, mock, ctx));
                    }
                    action = interpreter.childrenDone(frame, outcomes, ctx);
                } else if (action instanceof Action.ReadItems || action instanceof Action.WriteResults) {
                    throw ApiException.validation("TestState does not run a Map state's ItemReader or ResultWriter");
                } else {
                    break;
                }
            }
        } catch (StatesException e) {
            action = new Action.Fail(e.error(), e.cause());
        }
        switch (action) {
            case Action.Next next -> {
                out.put("status", failedBefore ? "CAUGHT_ERROR" : "SUCCEEDED");
                out.put("nextState", next.frame().state());
                out.put("output", Json.text(next.frame().input()));
                if (failedBefore) {
                    out.put("error", error);
                    out.put("cause", cause);
                }
                if (!next.frame().variables().isEmpty()) {
                    inspection.put("variables", Json.text(next.frame().variables()));
                }
            }
            case Action.Succeed succeed -> {
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
            }
            default -> throw new IllegalStateException("Unexpected action " + action);
        }
        if (level != null && !level.equals("INFO")) {
            out.set("inspectionData", inspection);
        }
        return out;
    }

    private Outcome runChild(Interpreter interpreter, Frame frame, ObjectNode mock, Ctx ctx) {
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

    private JsonNode invoke(Action.InvokeTask task, ObjectNode mock, Ctx ctx) {
        if (mock != null) {
            JsonNode err = mock.get("errorOutput");
            if (err != null && err.isObject()) {
                throw new StatesException(err.path("error").asText("States.TaskFailed"), err.path("cause").asText(""));
            }
            JsonNode result = mock.get("result");
            if (result == null || !result.isTextual()) {
                throw ApiException.validation("mock must have a 'result' string (JSON) or an 'errorOutput' object");
            }
            return parse(result.textValue(), "mock.result");
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

        Ctx(JsonNode input) {
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
            return "TestState-" + arn;
        }
    }
}
