package dev.setlist.server.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.events.ArchiveInfo;
import dev.setlist.events.BusInfo;
import dev.setlist.events.EventBus;
import dev.setlist.events.EventsException;
import dev.setlist.events.PutEntry;
import dev.setlist.events.PutResult;
import dev.setlist.events.ReplayInfo;
import dev.setlist.events.RuleInfo;
import dev.setlist.events.Target;
import dev.setlist.server.auth.Ownership;
import dev.setlist.server.auth.Principal;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Json;
import dev.setlist.server.sfn.Req;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The EventBridge API (JSON 1.1, {@code X-Amz-Target: AWSEvents.<Action>}) on an {@link EventBus}:
 * buses, rules, targets, PutEvents, TestEventPattern, archives and replays, with EventBridge's
 * request and response members and error names.
 */
public final class EventBridge {
    private record Action(Function<Req, String> resource, Function<Req, ObjectNode> handler) {}

    /** The actions that only read: open on a workload's own rules to whoever may read. */
    private static final Set<String> READS = Set.of("DescribeRule", "ListRules", "ListTargetsByRule", "TestEventPattern",
            "DescribeEventBus", "ListEventBuses", "DescribeArchive", "ListArchives", "DescribeReplay", "ListReplays",
            "ListTagsForResource", "ListRuleNamesByTarget", "DescribeConnection", "ListConnections",
            "DescribeApiDestination", "ListApiDestinations");

    /** The greatest and the default page of a {@code List*} action, as EventBridge's {@code Limit}. */
    static final int MAX_LIMIT = 100;

    private final EventBus bus;
    private final String region;
    private final String account;
    private final Ownership ownership;
    private final String arnPrefix;
    private final Map<String, Action> actions = new LinkedHashMap<>();
    private final Connections connections;

    public EventBridge(EventBus bus, String region, String account, Ownership ownership, Connections connections) {
        this.bus = bus;
        this.connections = connections;
        this.region = region;
        this.account = account;
        this.ownership = ownership;
        this.arnPrefix = "arn:aws:events:" + region + ":" + account + ":";
        Function<Req, String> none = r -> null;
        Function<Req, String> rule = r -> ruleArn(r.optStr("EventBusName"), r.optStr("Name"));
        Function<Req, String> targets = r -> ruleArn(r.optStr("EventBusName"), r.optStr("Rule"));
        Function<Req, String> busOf = busOf(r -> r.optStr("Name"));
        actions.put("PutEvents", new Action(none, this::putEvents));
        actions.put("PutRule", new Action(rule, this::putRule));
        actions.put("DescribeRule", new Action(rule, this::describeRule));
        actions.put("ListRules", new Action(none, this::listRules));
        actions.put("DeleteRule", new Action(rule, this::deleteRule));
        actions.put("EnableRule", new Action(rule, r -> {
            bus.enableRule(r.str("Name"), r.optStr("EventBusName"));
            return Json.object();
        }));
        actions.put("DisableRule", new Action(rule, r -> {
            bus.disableRule(r.str("Name"), r.optStr("EventBusName"));
            return Json.object();
        }));
        actions.put("PutTargets", new Action(targets, this::putTargets));
        actions.put("RemoveTargets", new Action(targets, this::removeTargets));
        actions.put("ListTargetsByRule", new Action(targets, this::listTargets));
        actions.put("TestEventPattern", new Action(none, r -> Json.object().put("Result",
                bus.testEventPattern(r.str("EventPattern"), r.str("Event")))));
        actions.put("CreateEventBus", new Action(busOf, this::createEventBus));
        actions.put("DescribeEventBus", new Action(busOf, r -> busJson(bus.describeEventBus(r.optStr("Name")))));
        actions.put("DeleteEventBus", new Action(busOf, r -> {
            bus.deleteEventBus(r.str("Name"));
            return Json.object();
        }));
        actions.put("ListEventBuses", new Action(none, r -> page(r, "EventBuses",
                bus.listEventBuses(r.optStr("NamePrefix", 1, 256)), BusInfo::name, EventBridge::busJson)));
        actions.put("UpdateEventBus", new Action(busOf, this::updateEventBus));
        actions.put("PutPermission", new Action(busOf(r -> r.optStr("EventBusName")), this::putPermission));
        actions.put("RemovePermission", new Action(busOf(r -> r.optStr("EventBusName")), this::removePermission));
        actions.put("TagResource", new Action(r -> r.optStr("ResourceARN"), this::tagResource));
        actions.put("UntagResource", new Action(r -> r.optStr("ResourceARN"), r -> {
            List<String> keys = r.optStrings("TagKeys");
            if (keys == null) {
                throw ApiException.missing("tagKeys");
            }
            bus.untagResource(r.str("ResourceARN", 1, 1600), keys);
            return Json.object();
        }));
        actions.put("ListTagsForResource", new Action(r -> r.optStr("ResourceARN"), r -> {
            ObjectNode out = Json.object();
            ArrayNode tags = out.putArray("Tags");
            bus.listTagsForResource(r.str("ResourceARN", 1, 1600)).forEach((k, v) -> tags.addObject().put("Key", k)
                    .put("Value", v));
            return out;
        }));
        actions.put("ListRuleNamesByTarget", new Action(none, r -> page(r, "RuleNames",
                bus.listRuleNamesByTarget(r.str("TargetArn", 1, 1600), r.optStr("EventBusName")), name -> name,
                Json.MAPPER.getNodeFactory()::textNode)));
        actions.put("CreateArchive", new Action(r -> arnPrefix + "archive/" + r.optStr("ArchiveName"), this::createArchive));
        actions.put("DescribeArchive", new Action(r -> arnPrefix + "archive/" + r.optStr("ArchiveName"),
                r -> archiveJson(bus.describeArchive(r.str("ArchiveName")))));
        actions.put("ListArchives", new Action(none, r -> {
            String prefix = r.optStr("NamePrefix", 1, 48);
            String source = r.optStr("EventSourceArn", 1, 1600);
            String state = r.optEnum("State", List.of("ENABLED", "DISABLED", "CREATING", "UPDATING", "CREATE_FAILED",
                    "UPDATE_FAILED"));
            if (prefix != null && source != null) {
                throw ApiException.validation("Specify at most one of NamePrefix and EventSourceArn.");
            }
            return page(r, "Archives", bus.listArchives().stream()
                    .filter(a -> prefix == null || a.name().startsWith(prefix))
                    .filter(a -> source == null || a.eventSourceArn().equals(source))
                    .filter(a -> state == null || a.state().equals(state)).toList(), ArchiveInfo::name,
                    EventBridge::archiveJson);
        }));
        actions.put("UpdateArchive", new Action(r -> arnPrefix + "archive/" + r.optStr("ArchiveName"), r -> {
            ArchiveInfo a = bus.updateArchive(r.str("ArchiveName", 1, 48), r.optStr("Description", 0, 512),
                    r.optStr("EventPattern", 0, 4096), r.optInt("RetentionDays", 0, Integer.MAX_VALUE));
            return Json.object().put("ArchiveArn", a.arn()).put("State", a.state())
                    .put("CreationTime", a.creationTime().toEpochMilli() / 1000.0);
        }));
        actions.put("DeleteArchive", new Action(r -> arnPrefix + "archive/" + r.optStr("ArchiveName"), r -> {
            bus.deleteArchive(r.str("ArchiveName"));
            return Json.object();
        }));
        actions.put("StartReplay", new Action(r -> arnPrefix + "replay/" + r.optStr("ReplayName"), this::startReplay));
        actions.put("DescribeReplay", new Action(r -> arnPrefix + "replay/" + r.optStr("ReplayName"),
                r -> replayJson(bus.describeReplay(r.str("ReplayName")))));
        actions.put("ListReplays", new Action(none, r -> {
            String prefix = r.optStr("NamePrefix", 1, 64);
            String source = r.optStr("EventSourceArn", 1, 1600);
            String state = r.optEnum("State", List.of("STARTING", "RUNNING", "CANCELLING", "COMPLETED", "CANCELLED",
                    "FAILED"));
            if (prefix != null && source != null) {
                throw ApiException.validation("Specify at most one of NamePrefix and EventSourceArn.");
            }
            return page(r, "Replays", bus.listReplays().stream()
                    .filter(x -> prefix == null || x.name().startsWith(prefix))
                    .filter(x -> source == null || x.archiveArn().equals(source))
                    .filter(x -> state == null || x.state().equals(state))
                    .sorted(java.util.Comparator.comparing(ReplayInfo::name)).toList(), ReplayInfo::name,
                    EventBridge::replayJson);
        }));
        actions.put("CancelReplay", new Action(r -> arnPrefix + "replay/" + r.optStr("ReplayName"), r -> {
            ReplayInfo x = bus.cancelReplay(r.str("ReplayName"));
            return Json.object().put("ReplayArn", x.arn()).put("State", x.state());
        }));
        Function<Req, String> connection = r -> connections.connectionResource(r.optStr("Name"));
        actions.put("CreateConnection", new Action(connection, connections::create));
        actions.put("DescribeConnection", new Action(connection, connections::describe));
        actions.put("ListConnections", new Action(none, connections::list));
        actions.put("UpdateConnection", new Action(connection, connections::update));
        actions.put("DeleteConnection", new Action(connection, connections::delete));
        actions.put("DeauthorizeConnection", new Action(connection, connections::deauthorize));
        Function<Req, String> destination = r -> connections.destinationResource(r.optStr("Name"));
        actions.put("CreateApiDestination", new Action(destination, connections::createDestination));
        actions.put("DescribeApiDestination", new Action(destination, connections::describeDestination));
        actions.put("ListApiDestinations", new Action(none, connections::listDestinations));
        actions.put("UpdateApiDestination", new Action(destination, connections::updateDestination));
        actions.put("DeleteApiDestination", new Action(destination, connections::deleteDestination));
    }

    public List<String> actions() {
        return List.copyOf(actions.keySet());
    }

    private Function<Req, String> busOf(Function<Req, String> member) {
        return r -> arnPrefix + "event-bus/" + nameOf(member.apply(r));
    }

    /**
     * One page of a {@code List*} answer: the items after {@code NextToken}'s key (items are in
     * order of {@code key}), at most {@code Limit} (1-100, 100 by default), and a {@code NextToken}
     * when more follow. The token names the last key given, so pages stay right while resources
     * come and go.
     */
    static <T> ObjectNode page(Req r, String member, List<T> items, Function<T, String> key,
                               Function<T, ? extends com.fasterxml.jackson.databind.JsonNode> json) {
        Integer limit = r.optInt("Limit", 1, MAX_LIMIT);
        String token = r.optStr("NextToken", 1, 2048);
        String after = token == null ? null : tokenKey(token);
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray(member);
        int max = limit == null ? MAX_LIMIT : limit;
        String last = null;
        boolean more = false;
        for (T item : items) {
            String k = key.apply(item);
            if (after != null && k.compareTo(after) <= 0) {
                continue;
            }
            if (list.size() == max) {
                more = true;
                break;
            }
            list.add(json.apply(item));
            last = k;
        }
        if (more) {
            out.put("NextToken", java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                    ("v1\n" + last).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static String tokenKey(String token) {
        try {
            String s = new String(java.util.Base64.getUrlDecoder().decode(token), java.nio.charset.StandardCharsets.UTF_8);
            if (s.startsWith("v1\n")) {
                return s.substring(3);
            }
        } catch (IllegalArgumentException e) {
            // not base64: refused below
        }
        throw ApiException.validation("The NextToken is not valid: give back the NextToken of the previous page.");
    }

    /** {@code Tags} of a request, in order: [{Key, Value}], keys unique. */
    private static Map<String, String> tags(Req r) {
        List<Req> list = r.optObjects("Tags");
        Map<String, String> tags = new LinkedHashMap<>();
        if (list == null) {
            return tags;
        }
        for (Req t : list) {
            String key = t.str("Key", 1, 128);
            if (tags.put(key, t.str("Value", 0, 256)) != null) {
                throw ApiException.validation("Tag keys must be unique: '" + key + "' is given twice.");
            }
        }
        return tags;
    }

    /** {@code DeadLetterConfig.Arn} of a request, or null. */
    private static String deadLetterArn(Req r) {
        ObjectNode config = r.optObject("DeadLetterConfig");
        return config == null ? null : Req.of(config).optStr("Arn", 1, 1600);
    }

    private static void refuseKms(Req r) {
        if (r.has("KmsKeyIdentifier")) {
            throw ApiException.validation("KmsKeyIdentifier is not supported: Setlist keeps events in its own database"
                    + " and does not encrypt them with AWS KMS keys.");
        }
    }

    /** Runs one action for a caller; EventBridge errors come back as {@link ApiException}s. */
    public ObjectNode handle(String action, Req request, Principal caller) {
        Action a = actions.get(action);
        if (a == null) {
            throw ApiException.badRequest("UnknownOperationException", "Unknown operation: 'AWSEvents." + action
                    + "' is not an EventBridge action");
        }
        String resource = a.resource.apply(request);
        if (!caller.allows("events:" + action, resource)) {
            throw ApiException.accessDenied("User: " + caller.user() + " is not authorized to perform: events:" + action
                    + (resource == null ? "" : " on resource: " + resource));
        }
        ownership.check(caller, "events:" + action, resource, READS);
        checkOwnedReferences(action, request, caller);
        try {
            return a.handler.apply(request);
        } catch (EventsException e) {
            throw ApiException.badRequest(e.code().name(), e.getMessage());
        }
    }

    /**
     * A workload's machinery reached through another resource: an event in its source's name, a
     * target that starts its state machine, a replay into its rules. Each needs a grant naming it.
     */
    private void checkOwnedReferences(String action, Req r, Principal caller) {
        switch (action) {
            case "PutEvents" -> {
                List<Req> entries = r.optObjects("Entries");
                if (entries != null) {
                    for (Req e : entries) {
                        String source = e.optStr("Source");
                        if (source != null) {
                            ownership.check(caller, "events:PutEvents", Ownership.eventSource(region, account, source),
                                    Set.of());
                        }
                    }
                }
            }
            case "PutRule" -> {
                // A rule that could match a workload's events would copy them to whatever it targets.
                for (String source : ownership.sourcesReachedBy(r.optStr("EventPattern"))) {
                    ownership.check(caller, "events:PutRule", Ownership.eventSource(region, account, source), Set.of());
                }
            }
            case "PutTargets" -> {
                List<Req> targets = r.optObjects("Targets");
                if (targets != null) {
                    for (Req t : targets) {
                        ownership.check(caller, "events:PutTargets", t.optStr("Arn"), Set.of());
                    }
                }
            }
            case "StartReplay" -> {
                ObjectNode destination = r.optObject("Destination");
                if (destination == null) {
                    return;
                }
                Req d = Req.of(destination);
                List<String> filters = d.optStrings("FilterArns");
                if (filters != null && !filters.isEmpty()) {
                    filters.forEach(arn -> ownership.check(caller, "events:StartReplay", arn, Set.of()));
                } else if (d.optStr("Arn") != null) {
                    // Every rule of the destination bus receives the replay.
                    try {
                        bus.listRules(nameOf(d.optStr("Arn")), null)
                                .forEach(rule -> ownership.check(caller, "events:StartReplay", rule.arn(), Set.of()));
                    } catch (EventsException e) {
                        // no such bus: the handler answers
                    }
                }
            }
            default -> { }
        }
    }

    private static String nameOf(String nameOrArn) {
        if (nameOrArn == null) {
            return EventBus.DEFAULT_BUS;
        }
        int slash = nameOrArn.indexOf(":event-bus/");
        return slash >= 0 ? nameOrArn.substring(slash + ":event-bus/".length()) : nameOrArn;
    }

    private String ruleArn(String busName, String rule) {
        String b = nameOf(busName);
        return arnPrefix + "rule/" + (b.equals(EventBus.DEFAULT_BUS) ? "" : b + "/") + rule;
    }

    // ---- events and rules ----------------------------------------------------------------------

    private ObjectNode putEvents(Req r) {
        List<Req> entries = r.optObjects("Entries");
        if (entries == null) {
            throw ApiException.missing("entries");
        }
        if (entries.isEmpty() || entries.size() > 10) {
            throw ApiException.validation("1 validation error detected: Value at 'entries' failed to satisfy constraint:"
                    + " Member must have length between 1 and 10, was " + entries.size());
        }
        List<PutEntry> put = new ArrayList<>();
        for (Req e : entries) {
            Double time = e.optDouble("Time", 0, 1e12);
            put.add(new PutEntry(e.optStr("Source"), e.optStr("DetailType"), e.optStr("Detail"), e.optStrings("Resources"),
                    time == null ? null : Instant.ofEpochMilli((long) (time * 1000)), e.optStr("EventBusName"),
                    e.has("TraceHeader") ? e.optStr("TraceHeader") : dev.setlist.server.telemetry.Traceparent.current()));
        }
        List<PutResult> results = bus.putEvents(put);
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray("Entries");
        int failed = 0;
        for (PutResult result : results) {
            ObjectNode o = list.addObject();
            if (result.failed()) {
                failed++;
                o.put("ErrorCode", result.errorCode());
                o.put("ErrorMessage", result.errorMessage());
            } else {
                o.put("EventId", result.eventId());
            }
        }
        out.put("FailedEntryCount", failed);
        return out;
    }

    private ObjectNode putRule(Req r) {
        String arn = bus.putRule(r.str("Name", 1, 64), r.optStr("EventBusName"), r.optStr("EventPattern"),
                r.optStr("ScheduleExpression"), r.optEnum("State", List.of("ENABLED", "DISABLED")),
                r.optStr("Description", 0, 512), tags(r));
        return Json.object().put("RuleArn", arn);
    }

    private ObjectNode describeRule(Req r) {
        return ruleJson(bus.describeRule(r.str("Name"), r.optStr("EventBusName")));
    }

    private static ObjectNode ruleJson(RuleInfo rule) {
        ObjectNode o = Json.object();
        o.put("Name", rule.name());
        o.put("Arn", rule.arn());
        if (rule.eventPattern() != null) {
            o.put("EventPattern", rule.eventPattern());
        }
        if (rule.scheduleExpression() != null) {
            o.put("ScheduleExpression", rule.scheduleExpression());
        }
        o.put("State", rule.state());
        if (rule.description() != null) {
            o.put("Description", rule.description());
        }
        o.put("EventBusName", rule.eventBusName());
        return o;
    }

    private ObjectNode listRules(Req r) {
        return page(r, "Rules", bus.listRules(r.optStr("EventBusName"), r.optStr("NamePrefix", 1, 64)), RuleInfo::name,
                EventBridge::ruleJson);
    }

    private ObjectNode deleteRule(Req r) {
        bus.deleteRule(r.str("Name"), r.optStr("EventBusName"), r.bool("Force", false));
        return Json.object();
    }

    // ---- targets -------------------------------------------------------------------------------

    private ObjectNode putTargets(Req r) {
        List<Req> targets = r.optObjects("Targets");
        if (targets == null) {
            throw ApiException.missing("targets");
        }
        List<Target> list = new ArrayList<>();
        for (Req t : targets) {
            Target.InputTransformer transformer = null;
            if (t.has("InputTransformer")) {
                Req it = Req.of(t.optObject("InputTransformer"));
                Map<String, String> paths = new LinkedHashMap<>();
                ObjectNode map = it.optObject("InputPathsMap");
                if (map != null) {
                    map.fields().forEachRemaining(e -> {
                        if (!e.getValue().isTextual()) {
                            throw ApiException.serialization("InputPathsMap." + e.getKey() + " must be a string");
                        }
                        paths.put(e.getKey(), e.getValue().textValue());
                    });
                }
                transformer = new Target.InputTransformer(paths, it.str("InputTemplate"));
            }
            Target.RetryPolicy policy = null;
            if (t.has("RetryPolicy")) {
                Req p = Req.of(t.optObject("RetryPolicy"));
                Integer age = p.optInt("MaximumEventAgeInSeconds", Integer.MIN_VALUE, Integer.MAX_VALUE);
                Integer attempts = p.optInt("MaximumRetryAttempts", Integer.MIN_VALUE, Integer.MAX_VALUE);
                policy = new Target.RetryPolicy(age == null ? 86_400 : age, attempts == null ? 185 : attempts);
            }
            list.add(new Target(t.str("Id", 1, 64), t.str("Arn", 1, 1600), t.optStr("Input", 0, 8192),
                    t.optStr("InputPath", 0, 256), transformer, policy, t.optStr("RoleArn", 1, 1600), deadLetterArn(t),
                    httpParameters(t)));
        }
        // An API destination must exist when it becomes a target (EventBridge checks the ARN too).
        Map<String, String> unknown = new LinkedHashMap<>();
        List<Target> known = new ArrayList<>();
        for (Target t : list) {
            if (connections.isDestinationArn(t.arn()) && connections.destinationByArn(t.arn()) == null) {
                unknown.put(t.id(), "Target " + t.id() + ": the api-destination '" + t.arn() + "' does not exist");
            } else {
                known.add(t);
            }
        }
        if (known.isEmpty() && !unknown.isEmpty()) {
            bus.describeRule(r.str("Rule"), r.optStr("EventBusName"));
            return failed(unknown);
        }
        Map<String, String> failures = new LinkedHashMap<>(bus.putTargets(r.str("Rule"), r.optStr("EventBusName"), known));
        failures.putAll(unknown);
        return failed(failures);
    }

    /** A target's {@code HttpParameters}, or null. */
    private static Target.HttpParameters httpParameters(Req t) {
        ObjectNode h = t.optObject("HttpParameters");
        if (h == null) {
            return null;
        }
        List<String> path = new ArrayList<>();
        JsonNode values = h.get("PathParameterValues");
        if (values != null && !values.isNull()) {
            if (!values.isArray()) {
                throw ApiException.serialization("HttpParameters.PathParameterValues must be a list of strings");
            }
            for (JsonNode v : values) {
                if (!v.isTextual()) {
                    throw ApiException.serialization("HttpParameters.PathParameterValues must be a list of strings");
                }
                path.add(v.textValue());
            }
        }
        return new Target.HttpParameters(path, stringMap(h, "HeaderParameters"), stringMap(h, "QueryStringParameters"));
    }

    private static Map<String, String> stringMap(ObjectNode parent, String member) {
        JsonNode m = parent.get(member);
        Map<String, String> out = new LinkedHashMap<>();
        if (m == null || m.isNull()) {
            return out;
        }
        if (!m.isObject()) {
            throw ApiException.serialization("HttpParameters." + member + " must be a map of strings");
        }
        m.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw ApiException.serialization("HttpParameters." + member + "." + e.getKey() + " must be a string");
            }
            out.put(e.getKey(), e.getValue().textValue());
        });
        return out;
    }

    private ObjectNode removeTargets(Req r) {
        List<String> ids = r.optStrings("Ids");
        if (ids == null) {
            throw ApiException.missing("ids");
        }
        return failed(bus.removeTargets(r.str("Rule"), r.optStr("EventBusName"), ids));
    }

    private static ObjectNode failed(Map<String, String> failures) {
        ObjectNode out = Json.object();
        out.put("FailedEntryCount", failures.size());
        ArrayNode list = out.putArray("FailedEntries");
        failures.forEach((id, message) -> list.addObject().put("TargetId", id).put("ErrorCode", "ValidationException")
                .put("ErrorMessage", message));
        return out;
    }

    private ObjectNode listTargets(Req r) {
        return page(r, "Targets", bus.listTargetsByRule(r.str("Rule", 1, 64), r.optStr("EventBusName")), Target::id,
                EventBridge::targetJson);
    }

    private static ObjectNode targetJson(Target t) {
        {
            ObjectNode o = Json.object();
            o.put("Id", t.id());
            o.put("Arn", t.arn());
            if (t.input() != null) {
                o.put("Input", t.input());
            }
            if (t.inputPath() != null) {
                o.put("InputPath", t.inputPath());
            }
            if (t.inputTransformer() != null) {
                ObjectNode it = o.putObject("InputTransformer");
                ObjectNode paths = it.putObject("InputPathsMap");
                t.inputTransformer().inputPathsMap().forEach(paths::put);
                it.put("InputTemplate", t.inputTransformer().inputTemplate());
            }
            if (t.retryPolicy() != null) {
                o.putObject("RetryPolicy").put("MaximumRetryAttempts", t.retryPolicy().maximumRetryAttempts())
                        .put("MaximumEventAgeInSeconds", t.retryPolicy().maximumEventAgeInSeconds());
            }
            if (t.roleArn() != null) {
                o.put("RoleArn", t.roleArn());
            }
            if (t.deadLetterArn() != null) {
                o.putObject("DeadLetterConfig").put("Arn", t.deadLetterArn());
            }
            if (t.httpParameters() != null && !t.httpParameters().none()) {
                ObjectNode h = o.putObject("HttpParameters");
                if (!t.httpParameters().pathParameterValues().isEmpty()) {
                    ArrayNode values = h.putArray("PathParameterValues");
                    t.httpParameters().pathParameterValues().forEach(values::add);
                }
                if (!t.httpParameters().headerParameters().isEmpty()) {
                    ObjectNode headers = h.putObject("HeaderParameters");
                    t.httpParameters().headerParameters().forEach(headers::put);
                }
                if (!t.httpParameters().queryStringParameters().isEmpty()) {
                    ObjectNode query = h.putObject("QueryStringParameters");
                    t.httpParameters().queryStringParameters().forEach(query::put);
                }
            }
            return o;
        }
    }

    // ---- buses, archives, replays --------------------------------------------------------------

    private static ObjectNode busJson(BusInfo b) {
        ObjectNode o = Json.object().put("Name", b.name()).put("Arn", b.arn());
        if (b.description() != null) {
            o.put("Description", b.description());
        }
        if (b.deadLetterArn() != null) {
            o.putObject("DeadLetterConfig").put("Arn", b.deadLetterArn());
        }
        o.put("CreationTime", b.creationTime().toEpochMilli() / 1000.0);
        o.put("LastModifiedTime", b.lastModifiedTime().toEpochMilli() / 1000.0);
        return o;
    }

    private ObjectNode createEventBus(Req r) {
        refuseKms(r);
        if (r.has("EventSourceName")) {
            throw ApiException.validation("EventSourceName is not supported: Setlist has no partner event sources.");
        }
        BusInfo b = bus.createEventBus(r.str("Name", 1, 256), r.optStr("Description", 0, 512), deadLetterArn(r), tags(r));
        ObjectNode out = Json.object().put("EventBusArn", b.arn());
        if (b.description() != null) {
            out.put("Description", b.description());
        }
        if (b.deadLetterArn() != null) {
            out.putObject("DeadLetterConfig").put("Arn", b.deadLetterArn());
        }
        return out;
    }

    private ObjectNode updateEventBus(Req r) {
        refuseKms(r);
        BusInfo b = bus.updateEventBus(r.optStr("Name", 1, 256), r.optStr("Description", 0, 512), deadLetterArn(r));
        ObjectNode out = Json.object().put("Arn", b.arn()).put("Name", b.name());
        if (b.description() != null) {
            out.put("Description", b.description());
        }
        if (b.deadLetterArn() != null) {
            out.putObject("DeadLetterConfig").put("Arn", b.deadLetterArn());
        }
        return out;
    }

    /**
     * Setlist authorizes every caller by its own grants (one account): a bus's resource policy
     * could not be honoured, so none is kept and PutPermission is refused.
     */
    private ObjectNode putPermission(Req r) {
        bus.describeEventBus(r.optStr("EventBusName"));
        throw ApiException.badRequest("OperationDisabledException", "PutPermission is not available: Setlist has one"
                + " account and authorizes every caller by the grants of its users and keys, not by event bus policies;"
                + " grant events:PutEvents on the bus instead.");
    }

    /** No bus has a policy (see {@link #putPermission}): removing all is nothing to do, a statement is never found. */
    private ObjectNode removePermission(Req r) {
        bus.describeEventBus(r.optStr("EventBusName"));
        if (r.bool("RemoveAllPermissions", false)) {
            return Json.object();
        }
        String statement = r.str("StatementId", 1, 64);
        throw ApiException.badRequest("ResourceNotFoundException", "Statement with the provided id " + statement
                + " does not exist: event buses have no policy in Setlist.");
    }

    private ObjectNode tagResource(Req r) {
        String arn = r.str("ResourceARN", 1, 1600);
        if (!r.has("Tags")) {
            throw ApiException.missing("tags");
        }
        bus.tagResource(arn, tags(r));
        return Json.object();
    }

    private ObjectNode createArchive(Req r) {
        ArchiveInfo a = bus.createArchive(r.str("ArchiveName", 1, 48), r.str("EventSourceArn"), r.optStr("EventPattern"),
                r.optStr("Description", 0, 512), r.optInt("RetentionDays", 0, Integer.MAX_VALUE));
        return Json.object().put("ArchiveArn", a.arn()).put("State", a.state())
                .put("CreationTime", a.creationTime().toEpochMilli() / 1000.0);
    }

    private static ObjectNode archiveJson(ArchiveInfo a) {
        ObjectNode o = Json.object();
        o.put("ArchiveArn", a.arn());
        o.put("ArchiveName", a.name());
        o.put("EventSourceArn", a.eventSourceArn());
        if (a.description() != null) {
            o.put("Description", a.description());
        }
        if (a.eventPattern() != null) {
            o.put("EventPattern", a.eventPattern());
        }
        o.put("State", a.state());
        o.put("RetentionDays", a.retentionDays());
        o.put("SizeBytes", a.sizeBytes());
        o.put("EventCount", a.eventCount());
        o.put("CreationTime", a.creationTime().toEpochMilli() / 1000.0);
        return o;
    }

    private ObjectNode startReplay(Req r) {
        Double start = r.optDouble("EventStartTime", 0, 1e12);
        Double end = r.optDouble("EventEndTime", 0, 1e12);
        if (start == null) {
            throw ApiException.missing("eventStartTime");
        }
        if (end == null) {
            throw ApiException.missing("eventEndTime");
        }
        ObjectNode destination = r.optObject("Destination");
        if (destination == null) {
            throw ApiException.missing("destination");
        }
        Req d = Req.of(destination);
        ReplayInfo x = bus.startReplay(r.str("ReplayName", 1, 64), r.str("EventSourceArn"),
                Instant.ofEpochMilli((long) (start * 1000)), Instant.ofEpochMilli((long) (end * 1000)), d.str("Arn"),
                d.optStrings("FilterArns"), r.optStr("Description", 0, 512));
        return Json.object().put("ReplayArn", x.arn()).put("State", x.state())
                .put("ReplayStartTime", x.replayStartTime().toEpochMilli() / 1000.0);
    }

    private static ObjectNode replayJson(ReplayInfo x) {
        ObjectNode o = Json.object();
        o.put("ReplayName", x.name());
        o.put("ReplayArn", x.arn());
        if (x.description() != null) {
            o.put("Description", x.description());
        }
        o.put("State", x.state());
        if (x.stateReason() != null) {
            o.put("StateReason", x.stateReason());
        }
        o.put("EventSourceArn", x.archiveArn());
        ObjectNode dest = o.putObject("Destination");
        dest.put("Arn", x.destinationArn());
        if (!x.filterArns().isEmpty()) {
            ArrayNode f = dest.putArray("FilterArns");
            x.filterArns().forEach(f::add);
        }
        o.put("EventStartTime", x.eventStartTime().toEpochMilli() / 1000.0);
        o.put("EventEndTime", x.eventEndTime().toEpochMilli() / 1000.0);
        o.put("ReplayStartTime", x.replayStartTime().toEpochMilli() / 1000.0);
        if (x.replayEndTime() != null) {
            o.put("ReplayEndTime", x.replayEndTime().toEpochMilli() / 1000.0);
        }
        if (x.eventLastReplayedTime() != null) {
            o.put("EventLastReplayedTime", x.eventLastReplayedTime().toEpochMilli() / 1000.0);
        }
        return o;
    }
}
