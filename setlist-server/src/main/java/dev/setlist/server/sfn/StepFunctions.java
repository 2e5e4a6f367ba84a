package dev.setlist.server.sfn;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Problem;
import dev.setlist.engine.ActivityInfo;
import dev.setlist.engine.ActivityTask;
import dev.setlist.engine.Engine;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.engine.ExecutionStatus;
import dev.setlist.engine.HistoryRecord;
import dev.setlist.engine.MapRunInfo;
import dev.setlist.engine.Page;
import dev.setlist.engine.StateMachineInfo;
import dev.setlist.engine.StateMachineType;
import dev.setlist.server.auth.Ownership;
import dev.setlist.server.auth.Principal;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Json;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The Step Functions API (JSON 1.0 protocol): one handler per action, each reading its request
 * members with {@link Req}, calling the engine (or the server's versions, aliases and tags) and
 * answering the shape AWS documents. Authorization happens here, before the handler runs: the
 * caller's grants must allow {@code states:<Action>} on the state machine (or activity) the call
 * touches. Thread safe.
 */
public final class StepFunctions {
    private static final List<String> STATUSES = List.of("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED",
            "PENDING_REDRIVE");

    /** One action: how to find the resource it touches (null: account-wide) and what it does. */
    private record Action(Function<Req, String> resource, Function<Req, ObjectNode> handler) {}

    private final Engine engine;
    private final Ownership ownership;
    private final MachineConfigurations configurations;
    private static final List<String> INCLUDED_DATA = List.of("ALL_DATA", "METADATA_ONLY");
    private final Versions versions;
    private final Tags tags;
    private final TestStates testStates;
    private final Duration syncTimeout;
    private final Duration activityPoll;
    private final String arnPrefix;
    private final Map<String, Action> actions = new LinkedHashMap<>();
    private final Machines machines;
    private volatile Redactor redactor = Redactor.NONE;

    public StepFunctions(Engine engine, Versions versions, Tags tags, TestStates testStates, Duration syncTimeout,
                         Duration activityPoll, dev.setlist.asl.Clock clock, Ownership ownership,
                         MachineConfigurations configurations) {
        this.engine = engine;
        this.configurations = configurations;
        this.ownership = ownership;
        this.versions = versions;
        this.tags = tags;
        this.testStates = testStates;
        this.syncTimeout = syncTimeout;
        this.activityPoll = activityPoll;
        this.arnPrefix = "arn:aws:states:" + engine.region() + ":" + engine.account() + ":";
        this.machines = new Machines(engine, clock);
        routing();
    }

    /** The actions that only read: open on a workload's own machinery to whoever may read. */
    private static final Set<String> READS = Set.of("DescribeStateMachine", "ListStateMachines", "DescribeExecution",
            "ListExecutions", "GetExecutionHistory", "DescribeStateMachineForExecution", "DescribeActivity",
            "ListActivities", "DescribeMapRun", "ListMapRuns", "ListStateMachineVersions", "DescribeStateMachineAlias",
            "ListStateMachineAliases", "ListTagsForResource", "ValidateStateMachineDefinition");

    private void routing() {
        Function<Req, String> none = r -> null;
        Function<Req, String> sm = r -> machineOf(r.optStr("stateMachineArn"));
        Function<Req, String> exec = r -> machineOf(r.optStr("executionArn"));
        actions.put("CreateStateMachine", new Action(r -> arnPrefix + "stateMachine:" + r.optStr("name"), this::createStateMachine));
        actions.put("UpdateStateMachine", new Action(sm, this::updateStateMachine));
        actions.put("DescribeStateMachine", new Action(sm, this::describeStateMachine));
        actions.put("ListStateMachines", new Action(none, this::listStateMachines));
        actions.put("DeleteStateMachine", new Action(sm, this::deleteStateMachine));
        actions.put("ValidateStateMachineDefinition", new Action(none, this::validate));
        actions.put("StartExecution", new Action(sm, this::startExecution));
        actions.put("StartSyncExecution", new Action(sm, this::startSyncExecution));
        actions.put("StopExecution", new Action(exec, this::stopExecution));
        actions.put("DescribeExecution", new Action(exec, this::describeExecution));
        actions.put("ListExecutions", new Action(r -> r.has("stateMachineArn") ? machineOf(r.optStr("stateMachineArn"))
                : machineOf(r.optStr("mapRunArn")), this::listExecutions));
        actions.put("GetExecutionHistory", new Action(exec, this::getExecutionHistory));
        actions.put("DescribeStateMachineForExecution", new Action(exec, this::describeStateMachineForExecution));
        actions.put("RedriveExecution", new Action(exec, this::redriveExecution));
        actions.put("SendTaskSuccess", new Action(none, this::sendTaskSuccess));
        actions.put("SendTaskFailure", new Action(none, this::sendTaskFailure));
        actions.put("SendTaskHeartbeat", new Action(none, this::sendTaskHeartbeat));
        actions.put("CreateActivity", new Action(r -> arnPrefix + "activity:" + r.optStr("name"), this::createActivity));
        actions.put("DeleteActivity", new Action(r -> r.optStr("activityArn"), this::deleteActivity));
        actions.put("DescribeActivity", new Action(r -> r.optStr("activityArn"), this::describeActivity));
        actions.put("ListActivities", new Action(none, this::listActivities));
        actions.put("GetActivityTask", new Action(r -> r.optStr("activityArn"), this::getActivityTask));
        actions.put("DescribeMapRun", new Action(r -> machineOf(r.optStr("mapRunArn")), this::describeMapRun));
        actions.put("ListMapRuns", new Action(exec, this::listMapRuns));
        actions.put("UpdateMapRun", new Action(r -> machineOf(r.optStr("mapRunArn")), this::updateMapRun));
        actions.put("PublishStateMachineVersion", new Action(sm, this::publishVersion));
        actions.put("ListStateMachineVersions", new Action(sm, this::listVersions));
        actions.put("DeleteStateMachineVersion", new Action(r -> machineOf(r.optStr("stateMachineVersionArn")), this::deleteVersion));
        actions.put("CreateStateMachineAlias", new Action(r -> {
            List<Req> routes = r.optObjects("routingConfiguration");
            return routes == null || routes.isEmpty() ? null : machineOf(routes.get(0).optStr("stateMachineVersionArn"));
        }, this::createAlias));
        Function<Req, String> alias = r -> machineOf(r.optStr("stateMachineAliasArn"));
        actions.put("DescribeStateMachineAlias", new Action(alias, this::describeAlias));
        actions.put("UpdateStateMachineAlias", new Action(alias, this::updateAlias));
        actions.put("DeleteStateMachineAlias", new Action(alias, this::deleteAlias));
        actions.put("ListStateMachineAliases", new Action(sm, this::listAliases));
        Function<Req, String> tagged = r -> machineOf(r.optStr("resourceArn"));
        actions.put("TagResource", new Action(tagged, this::tagResource));
        actions.put("UntagResource", new Action(tagged, this::untagResource));
        actions.put("ListTagsForResource", new Action(tagged, this::listTags));
        actions.put("TestState", new Action(none, testStates::run));
    }

    /** Every action this API answers, in the order of the API reference's groups. */
    public List<String> actions() {
        return List.copyOf(actions.keySet());
    }

    /**
     * Runs one action for a caller.
     *
     * @throws ApiException {@code UnknownOperationException}, {@code AccessDeniedException} or the action's own errors
     */
    public ObjectNode handle(String action, Req request, Principal caller) {
        Action a = actions.get(action);
        if (a == null) {
            throw ApiException.badRequest("UnknownOperationException", "Unknown operation: 'AWSStepFunctions." + action
                    + "' is not a Step Functions action");
        }
        String resource = a.resource.apply(request);
        if (!caller.allows("states:" + action, resource)) {
            throw ApiException.accessDenied("User: " + caller.user() + " is not authorized to perform: states:" + action
                    + (resource == null ? "" : " on resource: " + resource));
        }
        if (action.equals("TestState") && request.bool("revealSecrets", false) && !caller.allows("states:RevealSecrets", null)) {
            // as AWS: revealing a connection's secrets in TestState's answer needs its own permission
            throw ApiException.accessDenied("User: " + caller.user() + " is not authorized to perform: states:RevealSecrets");
        }
        ownership.check(caller, "states:" + action, owned(action, request, resource), READS);
        ObjectNode answer;
        try {
            answer = a.handler.apply(request);
        } catch (RuntimeException e) {
            // as AWS: a member of the wrong type or out of its constraints is told before a malformed ARN
            if (e instanceof ApiException api && (api.type().equals("SerializationException")
                    || api.type().equals("ValidationException"))) {
                throw e;
            }
            request.throwDeferred();
            throw e;
        }
        request.throwDeferred(); // a malformed ARN that found nothing (a listing) is still InvalidArn
        return redactor.answer(action, request, caller, answer);
    }

    /** Redacts sensitive execution data in the answers for callers who may not read it (see {@link Redactor}). */
    public void redactWith(Redactor redactor) {
        this.redactor = redactor == null ? Redactor.NONE : redactor;
    }

    /**
     * The resource whose owner decides {@code action}: the state machine (unqualified, a Map Run's
     * child executions included) or activity it names, or the state machine of the execution a
     * task token belongs to.
     */
    private String owned(String action, Req request, String resource) {
        if (resource == null && action.startsWith("SendTask")) {
            String token = request.optStr("taskToken");
            resource = token == null ? null : engine.stateMachineOfTaskToken(token);
        }
        return resource;
    }

    /** The state machine (unqualified) an ARN belongs to; an activity's ARN itself; null when unknown. */
    public static String machineOf(String arn) {
        if (arn == null) {
            return null;
        }
        String[] p = arn.split(":", -1);
        if (p.length < 7 || !p[0].equals("arn")) {
            return arn;
        }
        String base = String.join(":", p[0], p[1], p[2], p[3], p[4]);
        return switch (p[5]) {
            case "stateMachine", "execution", "express" -> base + ":stateMachine:" + p[6];
            case "mapRun" -> base + ":stateMachine:" + p[6].split("/", 2)[0];
            default -> arn;
        };
    }

    // ---- state machines ------------------------------------------------------------------------

    private ObjectNode createStateMachine(Req r) {
        String name = r.str("name", 1, 80);
        String definition = r.str("definition", 1, 1024 * 1024);
        String roleArn = r.str("roleArn", 1, 256);
        String type = r.optEnum("type", List.of("STANDARD", "EXPRESS"));
        boolean publish = r.bool("publish", false);
        String versionDescription = r.optStr("versionDescription", 0, 256);
        MachineConfigurations.Configuration configuration = MachineConfigurations.read(r, MachineConfigurations.defaults());
        Map<String, String> tagMap = Tags.read(r.optObjects("tags"), "tags");
        if (versionDescription != null && !publish) {
            throw ApiException.validation("versionDescription can only be set when publish is true");
        }
        StateMachineInfo info = engine.createStateMachine(name, definition,
                type == null ? StateMachineType.STANDARD : StateMachineType.valueOf(type), roleArn, null);
        tags.put(info.arn(), tagMap);
        configurations.put(info.arn(), configuration);
        ObjectNode out = Json.object();
        out.put("stateMachineArn", info.arn());
        Json.time(out, "creationDate", info.creationDate());
        if (publish) {
            out.put("stateMachineVersionArn", versions.publish(info, null, versionDescription).arn());
        }
        return out;
    }

    private ObjectNode updateStateMachine(Req r) {
        String arn = unqualified(Arns.require(r, r.str("stateMachineArn", 1, 256), "stateMachine"), "stateMachineArn");
        String definition = r.optStr("definition", 1, 1024 * 1024);
        String roleArn = r.optStr("roleArn", 1, 256);
        boolean publish = r.bool("publish", false);
        String versionDescription = r.optStr("versionDescription", 0, 256);
        if (versionDescription != null && !publish) {
            throw ApiException.validation("versionDescription can only be set when publish is true");
        }
        boolean reconfigured = r.has("loggingConfiguration") || r.has("tracingConfiguration")
                || r.has("encryptionConfiguration");
        if (definition == null && roleArn == null && !reconfigured && !publish) {
            // as AWS documents for UpdateStateMachine
            throw ApiException.badRequest("MissingRequiredParameter", "Request is missing a required parameter: give a"
                    + " definition, a roleArn, or a logging, tracing or encryption configuration to update");
        }
        MachineConfigurations.Configuration configuration = MachineConfigurations.read(r,
                reconfigured ? configurations.of(arn) : MachineConfigurations.defaults());
        machines.forget(arn);
        StateMachineInfo info = definition == null && roleArn == null && (publish || reconfigured)
                ? engine.describeStateMachine(arn) : engine.updateStateMachine(arn, definition, roleArn);
        machines.forget(arn);
        if (reconfigured) {
            configurations.put(arn, configuration);
        }
        ObjectNode out = Json.object();
        Json.time(out, "updateDate", info.updateDate());
        out.put("revisionId", info.revisionId());
        if (publish) {
            out.put("stateMachineVersionArn", versions.publish(info, null, versionDescription).arn());
        }
        return out;
    }

    private ObjectNode describeStateMachine(Req r) {
        String arn = Arns.require(r, r.str("stateMachineArn", 1, 256), "stateMachine");
        boolean metadataOnly = "METADATA_ONLY".equals(r.optEnum("includedData", INCLUDED_DATA));
        Versions.Qualified q = Versions.split(arn);
        ObjectNode out;
        if (q.isVersion()) {
            Versions.Version v = versions.version(arn);
            StateMachineInfo base = engine.describeStateMachine(v.stateMachineArn());
            out = describe(v.asStateMachine(base.name()));
            out.put("stateMachineArn", v.arn());
            Json.time(out, "creationDate", v.created());
            out.remove("updateDate");
            Json.opt(out, "description", v.description());
        } else {
            out = describe(engine.describeStateMachine(unqualified(arn, "stateMachineArn")));
        }
        MachineConfigurations.echo(out, configurations.of(machineOf(arn)));
        if (metadataOnly) {
            out.put("definition", "{}"); // as AWS answers METADATA_ONLY
        }
        return out;
    }

    private static ObjectNode describe(StateMachineInfo info) {
        ObjectNode out = Json.object();
        out.put("stateMachineArn", info.arn());
        out.put("name", info.name());
        out.put("status", "ACTIVE");
        out.put("definition", info.definition());
        Json.opt(out, "roleArn", info.roleArn());
        out.put("type", info.type().name());
        Json.time(out, "creationDate", info.creationDate());
        out.put("revisionId", info.revisionId());
        Json.opt(out, "description", info.description());
        return out;
    }

    private ObjectNode listStateMachines(Req r) {
        Page<StateMachineInfo> page = engine.listStateMachines(r.optInt("maxResults", 0, 1000), token(r));
        ObjectNode out = Json.object();
        ArrayNode items = out.putArray("stateMachines");
        for (StateMachineInfo sm : page.items()) {
            ObjectNode o = items.addObject();
            o.put("stateMachineArn", sm.arn());
            o.put("name", sm.name());
            o.put("type", sm.type().name());
            Json.time(o, "creationDate", sm.creationDate());
        }
        Json.opt(out, "nextToken", page.nextToken());
        return out;
    }

    private ObjectNode deleteStateMachine(Req r) {
        String arn = unqualified(Arns.require(r, r.str("stateMachineArn", 1, 256), "stateMachine"), "stateMachineArn");
        machines.forget(arn);
        engine.deleteStateMachine(arn);
        machines.forget(arn);
        versions.deleteAll(arn);
        tags.removeAll(arn);
        configurations.remove(arn);
        return Json.object();
    }

    private ObjectNode validate(Req r) {
        String definition = r.str("definition", 1, 1024 * 1024);
        r.optEnum("type", List.of("STANDARD", "EXPRESS"));
        r.optEnum("severity", List.of("ERROR", "WARNING"));
        Integer max = r.optInt("maxResults", 0, 100);
        List<Problem> problems = engine.validateDefinition(definition);
        ObjectNode out = Json.object();
        out.put("result", problems.isEmpty() ? "OK" : "FAIL");
        ArrayNode diagnostics = out.putArray("diagnostics");
        int limit = max == null || max == 0 ? 100 : max;
        for (int i = 0; i < problems.size() && i < limit; i++) {
            Problem p = problems.get(i);
            diagnostics.addObject().put("severity", "ERROR").put("code", diagnosticCode(p)).put("message", p.message())
                    .put("location", p.location());
        }
        out.put("truncated", problems.size() > limit);
        return out;
    }

    /**
     * The code AWS's ValidateStateMachineDefinition gives a problem of this kind (its documented
     * list); anything else is {@code SCHEMA_VALIDATION_FAILED}.
     */
    static String diagnosticCode(Problem p) {
        String m = p.message();
        String at = p.location() == null ? "" : p.location();
        if (at.isEmpty() && m.startsWith("is not valid JSON")) {
            return "INVALID_JSON_DESCRIPTION";
        }
        if (m.startsWith("state name \"") && m.contains("is already used")) {
            return "DUPLICATE_STATE_NAME";
        }
        if (m.startsWith("no terminal state is reachable")) {
            return "MISSING_END_STATE";
        }
        if (m.startsWith("state name must") || m.startsWith("state names must")) {
            return "INVALID_STATE_NAME";
        }
        if (at.endsWith("/Resource") && !m.startsWith("missing")) {
            return "INVALID_RESOURCE";
        }
        return "SCHEMA_VALIDATION_FAILED";
    }

    // ---- executions ----------------------------------------------------------------------------

    /** What an execution starts from: the definition to run and the version and alias it came through. */
    private record Target(StateMachineInfo machine, String versionArn, String aliasArn) {}

    private Target resolve(String arn) {
        Versions.Qualified q = Versions.split(arn);
        if (q.qualifier() == null) {
            return new Target(machines.get(arn), null, null);
        }
        String aliasArn = null;
        String versionArn = arn;
        if (q.isAlias()) {
            aliasArn = arn;
            versionArn = versions.route(versions.alias(arn));
        }
        Versions.Version v = versions.version(versionArn);
        StateMachineInfo base = engine.describeStateMachine(v.stateMachineArn());
        return new Target(v.asStateMachine(base.name()), versionArn, aliasArn);
    }

    /** The request's traceHeader, else the trace context of the call that starts the execution. */
    private static String traceHeader(Req r) {
        String trace = r.optStr("traceHeader", 0, 256);
        return trace != null ? trace : dev.setlist.server.telemetry.Traceparent.current();
    }

    private ObjectNode startExecution(Req r) {
        String arn = Arns.require(r, r.str("stateMachineArn", 1, 256), "stateMachine");
        String name = r.optStr("name", 1, 80);
        String input = r.optStr("input", 0, 256 * 1024);
        String trace = traceHeader(r);
        Target t = resolve(arn);
        ExecutionInfo info = engine.startExecution(t.machine, name, input, trace);
        if (t.versionArn != null && info.type() == StateMachineType.STANDARD) {
            versions.recordStart(info.arn(), t.versionArn, t.aliasArn);
        }
        ObjectNode out = Json.object();
        out.put("executionArn", info.arn());
        Json.time(out, "startDate", info.startDate());
        return out;
    }

    private ObjectNode startSyncExecution(Req r) {
        String arn = Arns.require(r, r.str("stateMachineArn", 1, 256), "stateMachine");
        String name = r.optStr("name", 1, 80);
        String input = r.optStr("input", 0, 256 * 1024);
        String trace = traceHeader(r);
        r.optEnum("includedData", List.of("ALL_DATA", "METADATA_ONLY"));
        Target t = resolve(arn);
        ExecutionInfo info = engine.startSyncExecution(t.machine, name, input, trace, syncTimeout);
        ObjectNode out = Json.object();
        out.put("executionArn", info.arn());
        out.put("stateMachineArn", info.stateMachineArn());
        out.put("name", info.name());
        Json.time(out, "startDate", info.startDate());
        Json.time(out, "stopDate", info.stopDate());
        out.put("status", info.status().name());
        Json.opt(out, "error", info.error());
        Json.opt(out, "cause", info.cause());
        Json.opt(out, "input", info.input());
        out.putObject("inputDetails").put("included", true);
        Json.opt(out, "output", info.output());
        out.putObject("outputDetails").put("included", true);
        Json.opt(out, "traceHeader", info.traceHeader());
        long millis = info.stopDate() == null ? 0 : Math.max(0, info.stopDate().toEpochMilli() - info.startDate().toEpochMilli());
        out.putObject("billingDetails").put("billedMemoryUsedInMB", 64).put("billedDurationInMilliseconds",
                Math.max(100, (millis + 99) / 100 * 100));
        return out;
    }

    private ObjectNode stopExecution(Req r) {
        String arn = Arns.require(r, r.str("executionArn", 1, 2048), "execution", "express");
        String error = r.optStr("error", 0, 256);
        String cause = r.optStr("cause", 0, 32768);
        ObjectNode out = Json.object();
        Json.time(out, "stopDate", engine.stopExecution(arn, error, cause));
        return out;
    }

    private ObjectNode describeExecution(Req r) {
        String arn = Arns.require(r, r.str("executionArn", 1, 2048), "execution", "express");
        r.optEnum("includedData", List.of("ALL_DATA", "METADATA_ONLY"));
        ExecutionInfo e = engine.describeExecution(arn);
        ObjectNode out = Json.object();
        out.put("executionArn", e.arn());
        out.put("stateMachineArn", e.stateMachineArn());
        out.put("name", e.name());
        out.put("status", e.status().name());
        Json.time(out, "startDate", e.startDate());
        Json.time(out, "stopDate", e.stopDate());
        Json.opt(out, "input", e.input());
        out.putObject("inputDetails").put("included", true);
        if (e.output() != null) {
            out.put("output", e.output());
            out.putObject("outputDetails").put("included", true);
        }
        Json.opt(out, "error", e.error());
        Json.opt(out, "cause", e.cause());
        Json.opt(out, "traceHeader", e.traceHeader());
        Json.opt(out, "mapRunArn", e.mapRunArn());
        out.put("redriveCount", e.redriveCount());
        Json.time(out, "redriveDate", e.redriveDate());
        redrive(out, e);
        Versions.Ref ref = versions.ref(e.arn());
        if (ref != null) {
            Json.opt(out, "stateMachineVersionArn", ref.versionArn());
            Json.opt(out, "stateMachineAliasArn", ref.aliasArn());
        }
        return out;
    }

    private static void redrive(ObjectNode out, ExecutionInfo e) {
        boolean redrivable = e.status() == ExecutionStatus.FAILED || e.status() == ExecutionStatus.TIMED_OUT
                || e.status() == ExecutionStatus.ABORTED;
        out.put("redriveStatus", redrivable && e.type() == StateMachineType.STANDARD ? "REDRIVABLE" : "NOT_REDRIVABLE");
        if (!redrivable) {
            out.put("redriveStatusReason", e.status() == ExecutionStatus.SUCCEEDED ? "Execution is SUCCEEDED and cannot be redriven"
                    : "Execution is " + e.status() + " and cannot be redriven");
        }
    }

    private ObjectNode listExecutions(Req r) {
        String smArn = r.optStr("stateMachineArn", 1, 256);
        if (smArn != null) {
            Arns.require(r, smArn, "stateMachine");
        }
        String mapRunArn = r.optStr("mapRunArn", 1, 2048);
        String status = r.optEnum("statusFilter", STATUSES);
        String redriveFilter = r.optEnum("redriveFilter", List.of("REDRIVEN", "NOT_REDRIVEN"));
        Integer max = r.optInt("maxResults", 0, 1000);
        String qualifier = null;
        if (smArn != null) {
            Versions.Qualified q = Versions.split(smArn);
            if (q.qualifier() != null) {
                qualifier = smArn;
                smArn = q.base();
            }
        }
        Page<ExecutionInfo> page = engine.listExecutions(smArn, mapRunArn, status == null ? null : ExecutionStatus.valueOf(status),
                max, token(r));
        ObjectNode out = Json.object();
        ArrayNode items = out.putArray("executions");
        // as AWS: each item names the version and alias its execution was started through
        Map<String, Versions.Ref> refs = versions.refs(page.items().stream().map(ExecutionInfo::arn).toList());
        for (ExecutionInfo e : page.items()) {
            if (redriveFilter != null && (e.redriveCount() > 0) != redriveFilter.equals("REDRIVEN")) {
                continue;
            }
            Versions.Ref ref = refs.get(e.arn());
            if (qualifier != null && (ref == null || !(qualifier.equals(ref.versionArn()) || qualifier.equals(ref.aliasArn())))) {
                continue;
            }
            ObjectNode o = items.addObject();
            o.put("executionArn", e.arn());
            o.put("stateMachineArn", e.stateMachineArn());
            o.put("name", e.name());
            o.put("status", e.status().name());
            Json.time(o, "startDate", e.startDate());
            Json.time(o, "stopDate", e.stopDate());
            Json.opt(o, "mapRunArn", e.mapRunArn());
            o.put("redriveCount", e.redriveCount());
            Json.time(o, "redriveDate", e.redriveDate());
            if (ref != null) {
                Json.opt(o, "stateMachineVersionArn", ref.versionArn());
                Json.opt(o, "stateMachineAliasArn", ref.aliasArn());
            }
        }
        Json.opt(out, "nextToken", page.nextToken());
        return out;
    }

    private ObjectNode getExecutionHistory(Req r) {
        String arn = Arns.require(r, r.str("executionArn", 1, 2048), "execution", "express");
        Integer max = r.optInt("maxResults", 0, 1000);
        boolean reverse = r.bool("reverseOrder", false);
        boolean data = r.bool("includeExecutionData", true);
        Page<HistoryRecord> page = engine.getExecutionHistory(arn, max, reverse, token(r), data);
        ObjectNode out = Json.object();
        ArrayNode events = out.putArray("events");
        for (HistoryRecord h : page.items()) {
            events.add(event(h));
        }
        Json.opt(out, "nextToken", page.nextToken());
        return out;
    }

    /** One history event as GetExecutionHistory shows it. */
    public static ObjectNode event(HistoryRecord h) {
        ObjectNode e = Json.object();
        Json.time(e, "timestamp", h.timestamp());
        e.put("type", h.type());
        e.put("id", h.id());
        e.put("previousEventId", h.previousEventId());
        if (h.details() != null) {
            e.setAll(h.details());
        }
        return e;
    }

    private ObjectNode describeStateMachineForExecution(Req r) {
        String arn = Arns.require(r, r.str("executionArn", 1, 2048), "execution", "express");
        boolean metadataOnly = "METADATA_ONLY".equals(r.optEnum("includedData", INCLUDED_DATA));
        ExecutionInfo e = engine.describeExecution(arn);
        StateMachineInfo sm = engine.describeStateMachineForExecution(arn);
        ObjectNode out = Json.object();
        out.put("stateMachineArn", sm.arn());
        out.put("name", sm.name());
        out.put("definition", metadataOnly ? "{}" : sm.definition());
        Json.opt(out, "roleArn", sm.roleArn());
        Json.time(out, "updateDate", sm.updateDate());
        MachineConfigurations.echo(out, configurations.of(machineOf(sm.arn())));
        Json.opt(out, "mapRunArn", e.mapRunArn());
        out.put("revisionId", sm.revisionId());
        return out;
    }

    private ObjectNode redriveExecution(Req r) {
        String arn = Arns.require(r, r.str("executionArn", 1, 2048), "execution", "express");
        r.optStr("clientToken", 1, 64);
        ObjectNode out = Json.object();
        Json.time(out, "redriveDate", engine.redriveExecution(arn));
        return out;
    }

    // ---- callbacks -----------------------------------------------------------------------------

    private ObjectNode sendTaskSuccess(Req r) {
        engine.sendTaskSuccess(r.str("taskToken", 1, 1024), r.str("output", 0, 256 * 1024));
        return Json.object();
    }

    private ObjectNode sendTaskFailure(Req r) {
        engine.sendTaskFailure(r.str("taskToken", 1, 1024), r.optStr("error", 0, 256), r.optStr("cause", 0, 32768));
        return Json.object();
    }

    private ObjectNode sendTaskHeartbeat(Req r) {
        engine.sendTaskHeartbeat(r.str("taskToken", 1, 1024));
        return Json.object();
    }

    // ---- activities ----------------------------------------------------------------------------

    private ObjectNode createActivity(Req r) {
        String name = r.str("name", 1, 80);
        Map<String, String> tagMap = Tags.read(r.optObjects("tags"), "tags");
        r.optObject("encryptionConfiguration");
        ActivityInfo a = engine.createActivity(name);
        tags.put(a.arn(), tagMap);
        ObjectNode out = Json.object();
        out.put("activityArn", a.arn());
        Json.time(out, "creationDate", a.creationDate());
        return out;
    }

    private ObjectNode deleteActivity(Req r) {
        String arn = Arns.require(r, r.str("activityArn", 1, 256), "activity");
        engine.deleteActivity(arn);
        tags.removeAll(arn);
        return Json.object();
    }

    private ObjectNode describeActivity(Req r) {
        ActivityInfo a = engine.describeActivity(Arns.require(r, r.str("activityArn", 1, 256), "activity"));
        ObjectNode out = Json.object();
        out.put("activityArn", a.arn());
        out.put("name", a.name());
        Json.time(out, "creationDate", a.creationDate());
        return out;
    }

    private ObjectNode listActivities(Req r) {
        Page<ActivityInfo> page = engine.listActivities(r.optInt("maxResults", 0, 1000), token(r));
        ObjectNode out = Json.object();
        ArrayNode items = out.putArray("activities");
        for (ActivityInfo a : page.items()) {
            ObjectNode o = items.addObject();
            o.put("activityArn", a.arn());
            o.put("name", a.name());
            Json.time(o, "creationDate", a.creationDate());
        }
        Json.opt(out, "nextToken", page.nextToken());
        return out;
    }

    private ObjectNode getActivityTask(Req r) {
        String arn = Arns.require(r, r.str("activityArn", 1, 256), "activity");
        String worker = r.optStr("workerName", 1, 80);
        ActivityTask task = engine.getActivityTask(arn, worker, activityPoll);
        ObjectNode out = Json.object();
        if (task != null) {
            out.put("taskToken", task.taskToken());
            out.put("input", task.input());
        }
        return out;
    }

    // ---- map runs ------------------------------------------------------------------------------

    private ObjectNode describeMapRun(Req r) {
        MapRunInfo m = engine.describeMapRun(r.str("mapRunArn", 1, 2000));
        ObjectNode out = Json.object();
        out.put("mapRunArn", m.mapRunArn());
        out.put("executionArn", m.executionArn());
        out.put("status", m.status());
        Json.time(out, "startDate", m.startDate());
        Json.time(out, "stopDate", m.stopDate());
        out.put("maxConcurrency", m.maxConcurrency());
        out.put("toleratedFailurePercentage", m.toleratedFailurePercentage());
        out.put("toleratedFailureCount", m.toleratedFailureCount());
        counts(out.putObject("itemCounts"), m.itemCounts());
        counts(out.putObject("executionCounts"), m.executionCounts());
        out.put("redriveCount", 0);
        return out;
    }

    private static void counts(ObjectNode o, MapRunInfo.Counts c) {
        o.put("pending", c.pending()).put("running", c.running()).put("succeeded", c.succeeded()).put("failed", c.failed())
                .put("timedOut", c.timedOut()).put("aborted", c.aborted()).put("total", c.total())
                .put("resultsWritten", c.resultsWritten()).put("failuresNotRedrivable", 0).put("pendingRedrive", 0);
    }

    private ObjectNode listMapRuns(Req r) {
        Page<MapRunInfo> page = engine.listMapRuns(Arns.require(r, r.str("executionArn", 1, 2048), "execution", "express"), r.optInt("maxResults", 0, 1000), token(r));
        ObjectNode out = Json.object();
        ArrayNode items = out.putArray("mapRuns");
        for (MapRunInfo m : page.items()) {
            ObjectNode o = items.addObject();
            o.put("executionArn", m.executionArn());
            o.put("mapRunArn", m.mapRunArn());
            o.put("stateMachineArn", machineOf(m.mapRunArn()));
            Json.time(o, "startDate", m.startDate());
            Json.time(o, "stopDate", m.stopDate());
        }
        Json.opt(out, "nextToken", page.nextToken());
        return out;
    }

    private ObjectNode updateMapRun(Req r) {
        String arn = r.str("mapRunArn", 1, 2000);
        Integer max = r.optInt("maxConcurrency", 0, Integer.MAX_VALUE);
        Double pct = r.optDouble("toleratedFailurePercentage", 0, 100);
        Long count = r.optLong("toleratedFailureCount", 0, Long.MAX_VALUE);
        if (max == null && pct == null && count == null) {
            throw ApiException.validation("Give at least one of maxConcurrency, toleratedFailurePercentage and"
                    + " toleratedFailureCount");
        }
        engine.updateMapRun(arn, max, pct, count);
        return Json.object();
    }

    // ---- versions and aliases ------------------------------------------------------------------

    private ObjectNode publishVersion(Req r) {
        String arn = unqualified(Arns.require(r, r.str("stateMachineArn", 1, 256), "stateMachine"), "stateMachineArn");
        String revision = r.optStr("revisionId", 1, 64);
        String description = r.optStr("description", 0, 256);
        Versions.Version v = versions.publish(engine.describeStateMachine(arn), revision, description);
        ObjectNode out = Json.object();
        Json.time(out, "creationDate", v.created());
        out.put("stateMachineVersionArn", v.arn());
        return out;
    }

    private ObjectNode listVersions(Req r) {
        String arn = unqualified(Arns.require(r, r.str("stateMachineArn", 1, 256), "stateMachine"), "stateMachineArn");
        Integer max = r.optInt("maxResults", 0, 1000);
        engine.describeStateMachine(arn);
        Page<Versions.Version> page = versions.listVersions(arn, max == null || max == 0 ? 100 : max, token(r));
        ObjectNode out = Json.object();
        ArrayNode items = out.putArray("stateMachineVersions");
        for (Versions.Version v : page.items()) {
            ObjectNode o = items.addObject();
            o.put("stateMachineVersionArn", v.arn());
            Json.time(o, "creationDate", v.created());
        }
        Json.opt(out, "nextToken", page.nextToken());
        return out;
    }

    private ObjectNode deleteVersion(Req r) {
        versions.deleteVersion(r.str("stateMachineVersionArn", 1, 2048));
        return Json.object();
    }

    private ObjectNode createAlias(Req r) {
        String name = r.str("name", 1, 80);
        String description = r.optStr("description", 0, 256);
        List<Req> routing = r.optObjects("routingConfiguration");
        if (routing == null) {
            throw ApiException.missing("routingConfiguration");
        }
        Versions.Alias a = versions.createAlias(name, description, versions.routing(routing, "routingConfiguration"));
        ObjectNode out = Json.object();
        out.put("stateMachineAliasArn", a.arn());
        Json.time(out, "creationDate", a.created());
        return out;
    }

    private ObjectNode describeAlias(Req r) {
        Versions.Alias a = versions.alias(r.str("stateMachineAliasArn", 1, 256));
        ObjectNode out = Json.object();
        out.put("stateMachineAliasArn", a.arn());
        out.put("name", a.name());
        Json.opt(out, "description", a.description());
        out.set("routingConfiguration", Versions.routingJson(a.routing()));
        Json.time(out, "creationDate", a.created());
        Json.time(out, "updateDate", a.updated());
        return out;
    }

    private ObjectNode updateAlias(Req r) {
        String arn = r.str("stateMachineAliasArn", 1, 256);
        String description = r.optStr("description", 0, 256);
        List<Req> routing = r.optObjects("routingConfiguration");
        if (description == null && routing == null) {
            throw ApiException.validation("Give a description or a routingConfiguration to update");
        }
        Versions.Alias a = versions.updateAlias(arn, description, routing == null ? null
                : versions.routing(routing, "routingConfiguration"));
        ObjectNode out = Json.object();
        Json.time(out, "updateDate", a.updated());
        return out;
    }

    private ObjectNode deleteAlias(Req r) {
        versions.deleteAlias(r.str("stateMachineAliasArn", 1, 256));
        return Json.object();
    }

    private ObjectNode listAliases(Req r) {
        String arn = unqualified(Arns.require(r, r.str("stateMachineArn", 1, 256), "stateMachine"), "stateMachineArn");
        Integer max = r.optInt("maxResults", 0, 1000);
        engine.describeStateMachine(arn);
        Page<Versions.Alias> page = versions.listAliases(arn, max == null || max == 0 ? 100 : max, token(r));
        ObjectNode out = Json.object();
        ArrayNode items = out.putArray("stateMachineAliases");
        for (Versions.Alias a : page.items()) {
            ObjectNode o = items.addObject();
            o.put("stateMachineAliasArn", a.arn());
            Json.time(o, "creationDate", a.created());
        }
        Json.opt(out, "nextToken", page.nextToken());
        return out;
    }

    // ---- tags ----------------------------------------------------------------------------------

    private String taggable(String arn) {
        String[] p = arn.split(":", -1);
        if (p.length == 7 && p[5].equals("stateMachine")) {
            engine.describeStateMachine(arn);
        } else if (p.length == 7 && p[5].equals("activity")) {
            engine.describeActivity(arn);
        } else if (p.length == 8 && p[5].equals("stateMachine")) {
            if (Versions.split(arn).isVersion()) {
                versions.version(arn);
            } else {
                versions.alias(arn);
            }
        } else {
            throw ApiException.badRequest("InvalidArn", "Invalid Arn: '" + arn + "' is not a state machine or activity ARN");
        }
        return arn;
    }

    private ObjectNode tagResource(Req r) {
        String arn = taggable(r.str("resourceArn", 1, 256));
        List<Req> list = r.optObjects("tags");
        if (list == null) {
            throw ApiException.missing("tags");
        }
        tags.put(arn, Tags.read(list, "tags"));
        return Json.object();
    }

    private ObjectNode untagResource(Req r) {
        String arn = taggable(r.str("resourceArn", 1, 256));
        List<String> keys = r.optStrings("tagKeys");
        if (keys == null) {
            throw ApiException.missing("tagKeys");
        }
        tags.remove(arn, keys);
        return Json.object();
    }

    private ObjectNode listTags(Req r) {
        String arn = taggable(r.str("resourceArn", 1, 256));
        ObjectNode out = Json.object();
        ArrayNode items = out.putArray("tags");
        tags.of(arn).forEach((k, v) -> items.addObject().put("key", k).put("value", v));
        return out;
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static String token(Req r) {
        return r.optStr("nextToken", 1, 1024);
    }

    private static String unqualified(String arn, String member) {
        if (Versions.split(arn).qualifier() != null) {
            throw ApiException.validation("'" + member + "' must be a state machine ARN without a version or alias, was '"
                    + arn + "'");
        }
        return arn;
    }
}
