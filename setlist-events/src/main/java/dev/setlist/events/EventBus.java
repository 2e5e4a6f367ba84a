package dev.setlist.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Clock;
import dev.setlist.asl.Entropy;
import dev.setlist.engine.Engine;
import dev.setlist.engine.EngineException;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.engine.ExecutionEffects;
import dev.setlist.engine.internal.Committer;
import dev.setlist.engine.internal.Db;
import dev.setlist.engine.internal.Write;
import dev.setlist.events.EventsException.Code;
import dev.setlist.events.internal.Deliveries;
import dev.setlist.events.internal.HttpTargetSender;
import dev.setlist.events.internal.Schedules;
import dev.setlist.events.internal.Transform;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.event.ruler.GenericMachine;
import software.amazon.event.ruler.JsonRuleCompiler;

/**
 * EventBridge-style event buses: rules with event patterns (matched by event-ruler) or schedules
 * route events to targets. A published event and its deliveries are committed in one transaction
 * before {@link #putEvents} answers; each delivery then goes through a durable outbox with its
 * target's retry policy and ends delivered or as a dead letter. Archives keep a bus's events;
 * replays send an archived time window again. Several nodes on one PostgreSQL share the outbox and
 * the schedules. Thread safe.
 */
public final class EventBus implements AutoCloseable {
    public static final String DEFAULT_BUS = "default";
    private static final Logger log = LoggerFactory.getLogger(EventBus.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern BUS_NAME = Pattern.compile("[A-Za-z0-9/._\\-]{1,256}");
    private static final Pattern RULE_NAME = Pattern.compile("[A-Za-z0-9._\\-]{1,64}");
    private static final Pattern TARGET_ID = Pattern.compile("[A-Za-z0-9._\\-]{1,64}");
    private static final Pattern ARCHIVE_NAME = Pattern.compile("[A-Za-z0-9._\\-]{1,48}");
    private static final int MAX_ENTRY_BYTES = 256 * 1024;
    private static final Pattern QUEUE_NAME = Pattern.compile("[A-Za-z0-9_\\-]{1,80}");
    private static final Pattern TAG_KEY = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]{1,128}");
    private static final Pattern TAG_VALUE = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]{0,256}");
    /** EventBridge's quotas: rules per bus, targets per rule, buses per account, tags per resource. */
    public static final int MAX_RULES_PER_BUS = 300;
    public static final int MAX_TARGETS_PER_RULE = 5;
    public static final int MAX_BUSES = 100;
    public static final int MAX_TAGS = 50;

    private final Engine engine;
    private final Db db;
    private final Clock clock;
    private final Entropy entropy;
    private final String region;
    private final String account;
    private final TargetSender sender;
    private final DeliveryListener deliveryListener;
    private final Deliveries deliveries;
    /** Group commit: concurrent PutEvents calls (and delivered rows' deletes) share transactions. */
    private final Committer committer;
    private final Thread scheduler;
    /** Routes the staged events of {@code ev_outbox} into deliveries. */
    private final Thread drainer;
    private final java.util.concurrent.BlockingQueue<Boolean> outboxWake = new java.util.concurrent.LinkedBlockingQueue<>();
    private final long pollMillis;
    private final ExecutionEffects effects = new StagedEffects();
    private volatile boolean closed;
    private volatile ForwardPolicy forwardPolicy = ForwardPolicy.OPEN;
    /** Matchers by bus, rebuilt when the rules' generation changes. */
    private volatile Matchers matchers;
    private final Object rebuild = new Object();

    private record CompiledRule(RuleInfo rule, List<Target> targets) {}

    private record Matchers(long generation, Map<String, GenericMachine<String>> byBus,
                            Map<String, CompiledRule> rules, Map<String, List<ArchiveRule>> archives) {}

    private record ArchiveRule(String name, GenericMachine<String> pattern) {}

    private EventBus(Builder b) {
        this.engine = b.engine;
        this.db = Db.wrap(engine.dataSource(), engine.databaseUrl(), "db/events", "sl_events_schema_history");
        this.clock = b.clock;
        this.entropy = b.entropy;
        this.region = engine.region();
        this.account = engine.account();
        this.sender = b.sender != null ? b.sender : new HttpTargetSender(Duration.ofSeconds(5));
        this.deliveryListener = b.deliveryListener;
        ensureDefaultBus();
        this.committer = new Committer(db, 256);
        this.deliveries = new Deliveries(db, committer, clock, entropy, b.nodeId, this::observedSend, b.poll.toMillis(),
                b.lease.toMillis(), b.baseBackoff.toMillis(), b.maxBackoff.toMillis(), b.concurrency);
        this.scheduler = Thread.ofPlatform().name("setlist-schedules").daemon(true).start(this::scheduleLoop);
        this.pollMillis = b.poll.toMillis();
        this.drainer = Thread.ofPlatform().name("setlist-outbox").daemon(true).start(this::drainLoop);
    }

    public static Builder builder(Engine engine) {
        return new Builder(engine);
    }

    /** The kind of a task's emission that publishes an event (see {@link #emit}). */
    public static final String PUT_EVENTS = "events:PutEvents";

    private static final String INSERT_OUTBOX = "INSERT INTO ev_outbox (id, created, entry) VALUES (?, ?, ?)";

    /**
     * The bus's part in the engine's steps (register it with the engine's {@code addEffects}): it
     * stages a "Step Functions Execution Status Change" event for the default bus in the
     * transaction of every start and end of an execution, and the events tasks emit
     * ({@link #emit}) in the transaction of the task's result. Staged events are routed to
     * their rules' targets after the commit, once each.
     */
    public ExecutionEffects executionEffects() {
        return effects;
    }

    /**
     * Publishes {@code entry} as an effect of the task that {@code request} invoked: the event is
     * staged, committed with the task's result and routed after the commit, so a task run again
     * after a crash does not publish it twice, and a task that fails publishes nothing. Throws
     * {@link IllegalArgumentException} for an entry PutEvents would refuse.
     */
    public static void emit(dev.setlist.asl.TaskInvoker.Request request, PutEntry entry) {
        request.emit(PUT_EVENTS, entryJson(entry));
    }

    /**
     * Publishes up to 10 entries as effects of the task {@code request} invoked (see
     * {@link #emit}), checked as {@link #putEvents} checks them: each valid entry is staged under
     * the event id its result gives, to be routed once the task's result commits; the invalid ones
     * get their error. A task that then fails (on a failed entry, say) publishes none of them.
     */
    public List<PutResult> emitAll(dev.setlist.asl.TaskInvoker.Request request, List<PutEntry> entries) {
        if (entries == null || entries.isEmpty() || entries.size() > 10) {
            throw new EventsException(Code.ValidationException, "Entries must have 1 to 10 entries, had "
                    + (entries == null ? 0 : entries.size()));
        }
        if (request.effects() == dev.setlist.asl.TaskInvoker.Effects.NONE) {
            return putEvents(entries); // a task run outside an execution (TestState) has no step to commit with
        }
        Matchers m = matchers();
        List<PutResult> results = new ArrayList<>();
        for (PutEntry e : entries) {
            String problem = problem(e, m);
            if (problem != null) {
                results.add(refused(problem));
                continue;
            }
            String id = entropy.uuid();
            request.emit(PUT_EVENTS, entryJson(e).put("Id", id));
            results.add(new PutResult(id, null, null));
        }
        return results;
    }

    private static ObjectNode entryJson(PutEntry e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("Source", e.source());
        o.put("DetailType", e.detailType());
        o.put("Detail", e.detail());
        ArrayNode resources = o.putArray("Resources");
        if (e.resources() != null) {
            e.resources().forEach(resources::add);
        }
        if (e.time() != null) {
            o.put("Time", e.time().toEpochMilli());
        }
        o.put("EventBusName", e.eventBusName());
        o.put("TraceHeader", e.traceHeader());
        return o;
    }

    private static PutEntry entryOf(JsonNode o) {
        List<String> resources = new ArrayList<>();
        o.path("Resources").forEach(r -> resources.add(r.asText()));
        JsonNode detail = o.path("Detail");
        return new PutEntry(o.path("Source").asText(null), o.path("DetailType").asText(null),
                detail.isTextual() ? detail.textValue() : detail.isObject() ? detail.toString() : null, resources,
                o.hasNonNull("Time") ? Instant.ofEpochMilli(o.get("Time").asLong()) : null,
                o.path("EventBusName").asText(null), o.path("TraceHeader").asText(null));
    }

    /** Stages events as {@code ev_outbox} rows in the engine's transactions. */
    private final class StagedEffects implements ExecutionEffects {
        @Override
        public void statusChanged(ExecutionInfo execution, Rows rows) {
            rows.add(INSERT_OUTBOX, entropy.uuid(), clock.now().toEpochMilli(), entryJson(statusChange(execution))
                    .toString());
        }

        @Override
        public boolean emitted(String executionArn, String kind, JsonNode payload, Rows rows) {
            if (!PUT_EVENTS.equals(kind)) {
                return false;
            }
            if (payload == null || !payload.isObject()) {
                throw new IllegalArgumentException("An emitted event must be an object");
            }
            PutEntry e = entryOf(payload);
            String problem = shapeProblem(e);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            JsonNode given = payload.get("Id"); // the event id, when the emitter chose it (emitAll)
            String id = given != null && given.isTextual() && !given.textValue().isBlank() && given.textValue().length() <= 64
                    ? given.textValue() : entropy.uuid();
            rows.add(INSERT_OUTBOX, id, clock.now().toEpochMilli(), entryJson(e).toString());
            return true;
        }

        @Override
        public void committed() {
            outboxWake.offer(Boolean.TRUE);
        }
    }

    private void drainLoop() {
        while (!closed) {
            try {
                if (drainOutbox() == 0) {
                    outboxWake.poll(pollMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
                    outboxWake.clear();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!closed) {
                    log.warn("outbox: {}", dev.setlist.asl.SafeFailure.summary(e));
                    try {
                        Thread.sleep(pollMillis);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    /**
     * Routes staged events: each outbox row becomes its deliveries and archive rows in the
     * transaction that deletes it (on several nodes, only the one whose delete finds the row routes
     * it). The staged row's id is the event's id. Returns how many rows were taken.
     */
    int drainOutbox() throws InterruptedException {
        List<Object[]> staged = db.query("SELECT id, created, entry FROM ev_outbox ORDER BY created, id"
                + " FETCH FIRST 100 ROWS ONLY", rs -> new Object[] {rs.getString(1), rs.getLong(2), rs.getString(3)});
        if (staged.isEmpty()) {
            return 0;
        }
        Matchers m = matchers();
        long now = clock.now().toEpochMilli();
        List<Write> writes = new ArrayList<>();
        boolean anyDelivery = false;
        for (Object[] row : staged) {
            String id = (String) row[0];
            long created = (Long) row[1];
            Write w = new Write();
            // Fencing: the delete must find the row, or another node routed it (the order of the
            // parameters, the creation time second-to-last, is what the committer sorts fences by).
            w.add(Write.FENCE, "DELETE FROM ev_outbox WHERE created = ? AND id = ?", created, id);
            try {
                PutEntry e = entryOf(JSON.readTree((String) row[2]));
                String problem = problem(e, m);
                if (problem != null) {
                    log.warn("dropping staged event {}: {}", id, problem);
                } else {
                    List<Object[]> deliveryRows = new ArrayList<>();
                    List<Object[]> archiveRows = new ArrayList<>();
                    route(m, busName(e.eventBusName()), envelope(e, id, created, null), now, null, null, deliveryRows,
                            archiveRows, e.traceHeader());
                    deliveryRows.forEach(r -> w.add(Write.ROWS, INSERT_DELIVERY, r));
                    archiveRows.forEach(r -> w.add(Write.ROWS, "INSERT INTO ev_archived_event (archive, event_id, time,"
                            + " body) VALUES (?, ?, ?, ?)", r));
                    anyDelivery |= !deliveryRows.isEmpty();
                }
            } catch (JsonProcessingException ex) {
                log.warn("dropping staged event {} that cannot be read: {}", id, dev.setlist.asl.SafeFailure.summary(ex));
            } catch (RuntimeException ex) {
                // Left staged: the next drain tries again (nothing staged is dropped for a passing failure).
                log.warn("could not route staged event {}: {}", id, dev.setlist.asl.SafeFailure.summary(ex));
                continue;
            }
            writes.add(committer.submit(w));
        }
        int taken = 0;
        for (Write w : writes) {
            try {
                w.done().get();
                taken++;
            } catch (java.util.concurrent.ExecutionException ex) {
                if (!(ex.getCause() instanceof Write.FencedException)) {
                    log.debug("could not route a staged event: {}", dev.setlist.asl.SafeFailure.summary(ex.getCause()));
                }
            }
        }
        if (anyDelivery) {
            deliveries.poke();
        }
        return taken;
    }

    /** The problems of an entry that need no lookup (the bus's existence is checked when routed). */
    private static String shapeProblem(PutEntry e) {
        if (e.source() == null || e.source().isBlank()) {
            return "Parameter Source is not valid. Reason: Source is a required argument.";
        }
        if (e.detailType() == null || e.detailType().isBlank()) {
            return "Parameter DetailType is not valid. Reason: DetailType is a required argument.";
        }
        if (e.detail() == null) {
            return "Parameter Detail is not valid. Reason: Detail is a required argument.";
        }
        try {
            JsonNode detail = dev.setlist.asl.JsonLimits.reader().readTree(e.detail());
            if (detail == null || !detail.isObject()) {
                return "Parameter Detail is not valid. Reason: Detail must be a JSON object.";
            }
        } catch (JsonProcessingException ex) {
            return "Parameter Detail is not valid. Reason: " + dev.setlist.asl.JsonLimits.describe(ex);
        }
        int size = e.detail().getBytes(StandardCharsets.UTF_8).length + e.source().length() + e.detailType().length();
        if (size > MAX_ENTRY_BYTES) {
            return "Parameter Entries is not valid. Reason: the entry is larger than 256 KB";
        }
        if (e.eventBusName() != null && !BUS_NAME.matcher(e.eventBusName()).matches()
                && !e.eventBusName().startsWith("arn:aws:events:")) {
            return "Parameter EventBusName is not valid.";
        }
        return null;
    }

    private PutEntry statusChange(ExecutionInfo info) {
        ObjectNode d = JSON.createObjectNode();
        d.put("executionArn", info.arn());
        d.put("stateMachineArn", info.stateMachineArn());
        d.put("name", info.name());
        d.put("status", info.status().name());
        d.put("startDate", info.startDate().toEpochMilli());
        if (info.stopDate() != null) {
            d.put("stopDate", info.stopDate().toEpochMilli());
        } else {
            d.putNull("stopDate");
        }
        d.put("input", info.input());
        d.put("output", info.output());
        d.put("error", info.error());
        d.put("cause", info.cause());
        return new PutEntry("aws.states", "Step Functions Execution Status Change", d.toString(), List.of(info.arn()),
                null, DEFAULT_BUS, info.traceHeader());
    }

    // ---- buses ---------------------------------------------------------------------------------

    private String busArn(String name) {
        return "arn:aws:events:" + region + ":" + account + ":event-bus/" + name;
    }

    private void ensureDefaultBus() {
        if (db.queryOne("SELECT name FROM ev_bus WHERE name = ?", rs -> rs.getString(1), DEFAULT_BUS) == null) {
            try {
                db.update("INSERT INTO ev_bus (name, arn, created) VALUES (?, ?, ?)", DEFAULT_BUS, busArn(DEFAULT_BUS),
                        clock.now().toEpochMilli());
            } catch (RuntimeException e) {
                // Another node created it meanwhile.
            }
        }
    }

    public BusInfo createEventBus(String name) {
        return createEventBus(name, null, null, Map.of());
    }

    /** Creates a bus with a description, a dead-letter queue ARN and tags (each may be null or empty). */
    public BusInfo createEventBus(String name, String description, String deadLetterArn, Map<String, String> tags) {
        if (name == null || !BUS_NAME.matcher(name).matches() || name.equals(DEFAULT_BUS)) {
            throw new EventsException(Code.ValidationException, "Invalid event bus name '" + name
                    + "': 1-256 characters of letters, digits, / . _ - (and not 'default')");
        }
        if (busOrNull(name) != null) {
            throw new EventsException(Code.ResourceAlreadyExistsException, "Event bus " + name + " already exists.");
        }
        checkDeadLetterArn("DeadLetterConfig.Arn", deadLetterArn);
        checkTags(tags);
        long now = clock.now().toEpochMilli();
        db.transaction(c -> {
            long buses = Db.query(c, "SELECT COUNT(*) FROM ev_bus", rs -> rs.getLong(1)).get(0);
            if (buses >= MAX_BUSES) {
                throw new EventsException(Code.LimitExceededException, "The requested resource exceeds the maximum number"
                        + " allowed: at most " + MAX_BUSES + " event buses.");
            }
            Db.update(c, "INSERT INTO ev_bus (name, arn, created, description, dead_letter_arn, updated)"
                    + " VALUES (?, ?, ?, ?, ?, ?)", name, busArn(name), now, description, deadLetterArn, now);
            putTags(c, busArn(name), tags);
            return null;
        });
        return describeEventBus(name);
    }

    /** Changes a bus's description and dead-letter queue (null clears them, as EventBridge's UpdateEventBus). */
    public BusInfo updateEventBus(String name, String description, String deadLetterArn) {
        BusInfo bus = describeEventBus(name);
        checkDeadLetterArn("DeadLetterConfig.Arn", deadLetterArn);
        db.update("UPDATE ev_bus SET description = ?, dead_letter_arn = ?, updated = ? WHERE name = ?", description,
                deadLetterArn, clock.now().toEpochMilli(), bus.name());
        return describeEventBus(bus.name());
    }

    public BusInfo describeEventBus(String name) {
        BusInfo bus = busOrNull(name == null ? DEFAULT_BUS : busName(name));
        if (bus == null) {
            throw new EventsException(Code.ResourceNotFoundException, "Event bus " + name + " does not exist.");
        }
        return bus;
    }

    private static final String BUS_COLUMNS = "name, arn, created, description, dead_letter_arn, updated";

    private static BusInfo busRow(java.sql.ResultSet rs) throws SQLException {
        Long updated = Db.longOrNull(rs, "updated");
        Instant created = Instant.ofEpochMilli(rs.getLong(3));
        return new BusInfo(rs.getString(1), rs.getString(2), created, rs.getString(4), rs.getString(5),
                updated == null ? created : Instant.ofEpochMilli(updated));
    }

    private BusInfo busOrNull(String name) {
        return db.queryOne("SELECT " + BUS_COLUMNS + " FROM ev_bus WHERE name = ?", EventBus::busRow, name);
    }

    /** A bus given by name or ARN. */
    private String busName(String nameOrArn) {
        if (nameOrArn == null || nameOrArn.isEmpty()) {
            return DEFAULT_BUS;
        }
        if (nameOrArn.startsWith("arn:")) {
            String prefix = "arn:aws:events:" + region + ":" + account + ":event-bus/";
            if (!nameOrArn.startsWith(prefix)) {
                throw new EventsException(Code.ValidationException, "Invalid event bus ARN '" + nameOrArn + "'");
            }
            return nameOrArn.substring(prefix.length());
        }
        return nameOrArn;
    }

    public void deleteEventBus(String name) {
        String bus = busName(name);
        if (bus.equals(DEFAULT_BUS)) {
            throw new EventsException(Code.ValidationException, "Cannot delete event bus default.");
        }
        db.transaction(c -> {
            for (String ruleArn : Db.query(c, "SELECT arn FROM ev_rule WHERE bus = ?", rs -> rs.getString(1), bus)) {
                Db.update(c, "DELETE FROM ev_tag WHERE arn = ?", ruleArn);
            }
            Db.update(c, "DELETE FROM ev_tag WHERE arn = ?", busArn(bus));
            Db.update(c, "DELETE FROM ev_target WHERE bus = ?", bus);
            Db.update(c, "DELETE FROM ev_rule WHERE bus = ?", bus);
            Db.update(c, "DELETE FROM ev_bus WHERE name = ?", bus);
            bumpGeneration(c);
            return null;
        });
        invalidate();
    }

    public List<BusInfo> listEventBuses(String namePrefix) {
        return db.query("SELECT " + BUS_COLUMNS + " FROM ev_bus WHERE name LIKE ? ORDER BY name", EventBus::busRow,
                (namePrefix == null ? "" : namePrefix.replace("%", "\\%").replace("_", "\\_")) + "%");
    }

    // ---- rules ---------------------------------------------------------------------------------

    /**
     * Creates or updates a rule; needs an event pattern, a schedule expression (default bus only),
     * or both. Returns its ARN.
     */
    public String putRule(String name, String eventBusName, String eventPattern, String scheduleExpression, String state,
                          String description) {
        return putRule(name, eventBusName, eventPattern, scheduleExpression, state, description, Map.of());
    }

    /** {@link #putRule} with tags, set on the rule with those it has (null or empty: none). */
    public String putRule(String name, String eventBusName, String eventPattern, String scheduleExpression, String state,
                          String description, Map<String, String> tags) {
        checkTags(tags);
        if (name == null || !RULE_NAME.matcher(name).matches()) {
            throw new EventsException(Code.ValidationException, "Invalid rule name '" + name
                    + "': 1-64 characters of letters, digits, . _ -");
        }
        String bus = describeEventBus(eventBusName).name();
        if (eventPattern == null && scheduleExpression == null) {
            throw new EventsException(Code.ValidationException, "Parameter(s) EventPattern or ScheduleExpression must be"
                    + " specified.");
        }
        if (eventPattern != null) {
            checkPattern(eventPattern);
        }
        Long nextFire = null;
        if (scheduleExpression != null) {
            if (!bus.equals(DEFAULT_BUS)) {
                throw new EventsException(Code.ValidationException, "ScheduleExpression is supported only on the default"
                        + " event bus.");
            }
            Instant next = Schedules.parse(scheduleExpression).next(clock.now());
            nextFire = next == null ? null : next.toEpochMilli();
        }
        String st = state == null ? "ENABLED" : state;
        if (!st.equals("ENABLED") && !st.equals("DISABLED")) {
            throw new EventsException(Code.ValidationException, "State must be ENABLED or DISABLED, was '" + state + "'");
        }
        String arn = ruleArn(bus, name);
        long now = clock.now().toEpochMilli();
        Long fire = nextFire;
        db.transaction(c -> {
            int n = Db.update(c, "UPDATE ev_rule SET pattern = ?, schedule = ?, state = ?, description = ?, next_fire = ?,"
                    + " updated = ? WHERE bus = ? AND name = ?", eventPattern, scheduleExpression, st, description, fire,
                    now, bus, name);
            if (n == 0) {
                long rules = Db.query(c, "SELECT COUNT(*) FROM ev_rule WHERE bus = ?", rs -> rs.getLong(1), bus).get(0);
                if (rules >= MAX_RULES_PER_BUS) {
                    throw new EventsException(Code.LimitExceededException, "The requested resource exceeds the maximum"
                            + " number allowed: at most " + MAX_RULES_PER_BUS + " rules on event bus " + bus + ".");
                }
                Db.update(c, "INSERT INTO ev_rule (bus, name, arn, pattern, schedule, state, description, next_fire,"
                        + " updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", bus, name, arn, eventPattern, scheduleExpression,
                        st, description, fire, now);
            }
            putTags(c, arn, tags);
            bumpGeneration(c);
            return null;
        });
        invalidate();
        return arn;
    }

    /** Decides which events rules may forward onto buses (see {@link ForwardPolicy}); every event, until set. */
    public void forwardPolicy(ForwardPolicy policy) {
        this.forwardPolicy = policy == null ? ForwardPolicy.OPEN : policy;
    }

    private String ruleArn(String bus, String name) {
        return "arn:aws:events:" + region + ":" + account + ":rule/" + (bus.equals(DEFAULT_BUS) ? "" : bus + "/") + name;
    }

    /** Throws InvalidEventPatternException naming what is wrong with the pattern. */
    public static void checkPattern(String pattern) {
        if (pattern.length() > 4096) {
            throw new EventsException(Code.InvalidEventPatternException, "Event pattern is longer than 4096 characters");
        }
        JsonNode parsed;
        try {
            parsed = dev.setlist.asl.JsonLimits.reader().readTree(pattern);
        } catch (JsonProcessingException e) {
            throw new EventsException(Code.InvalidEventPatternException, "Event pattern is not valid JSON: "
                    + dev.setlist.asl.JsonLimits.describe(e));
        }
        if (parsed == null || !parsed.isObject() || parsed.isEmpty()) {
            throw new EventsException(Code.InvalidEventPatternException, "Event pattern must be a non-empty JSON object");
        }
        String problem = JsonRuleCompiler.check(pattern);
        if (problem != null) {
            throw new EventsException(Code.InvalidEventPatternException, "Event pattern is not valid: " + problem);
        }
    }

    public RuleInfo describeRule(String name, String eventBusName) {
        String bus = busName(eventBusName);
        RuleInfo rule = db.queryOne("SELECT name, arn, bus, pattern, schedule, state, description FROM ev_rule"
                + " WHERE bus = ? AND name = ?", EventBus::ruleRow, bus, name);
        if (rule == null) {
            throw new EventsException(Code.ResourceNotFoundException, "Rule " + name + " does not exist on EventBus " + bus + ".");
        }
        return rule;
    }

    private static RuleInfo ruleRow(java.sql.ResultSet rs) throws SQLException {
        return new RuleInfo(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7));
    }

    public List<RuleInfo> listRules(String eventBusName, String namePrefix) {
        String bus = describeEventBus(eventBusName).name();
        return db.query("SELECT name, arn, bus, pattern, schedule, state, description FROM ev_rule WHERE bus = ?"
                + " AND name LIKE ? ORDER BY name", EventBus::ruleRow, bus, (namePrefix == null ? "" : namePrefix) + "%");
    }

    public void deleteRule(String name, String eventBusName, boolean force) {
        RuleInfo rule = describeRule(name, eventBusName);
        db.transaction(c -> {
            List<String> targets = Db.query(c, "SELECT id FROM ev_target WHERE bus = ? AND rule = ?", rs -> rs.getString(1),
                    rule.eventBusName(), name);
            if (!targets.isEmpty() && !force) {
                throw new EventsException(Code.ValidationException, "Rule can't be deleted since it has targets.");
            }
            Db.update(c, "DELETE FROM ev_target WHERE bus = ? AND rule = ?", rule.eventBusName(), name);
            Db.update(c, "DELETE FROM ev_rule WHERE bus = ? AND name = ?", rule.eventBusName(), name);
            Db.update(c, "DELETE FROM ev_tag WHERE arn = ?", rule.arn());
            bumpGeneration(c);
            return null;
        });
        invalidate();
    }

    public void enableRule(String name, String eventBusName) {
        setState(name, eventBusName, "ENABLED");
    }

    public void disableRule(String name, String eventBusName) {
        setState(name, eventBusName, "DISABLED");
    }

    private void setState(String name, String eventBusName, String state) {
        RuleInfo rule = describeRule(name, eventBusName);
        Long nextFire = null;
        if (rule.scheduleExpression() != null) {
            Instant next = Schedules.parse(rule.scheduleExpression()).next(clock.now());
            nextFire = next == null ? null : next.toEpochMilli();
        }
        Long fire = nextFire;
        db.transaction(c -> {
            Db.update(c, "UPDATE ev_rule SET state = ?, next_fire = ?, updated = ? WHERE bus = ? AND name = ?", state, fire,
                    clock.now().toEpochMilli(), rule.eventBusName(), name);
            bumpGeneration(c);
            return null;
        });
        invalidate();
    }

    // ---- targets -------------------------------------------------------------------------------

    /** Adds or replaces targets of a rule; returns the entries that failed (id → message). */
    public Map<String, String> putTargets(String rule, String eventBusName, List<Target> targets) {
        RuleInfo r = describeRule(rule, eventBusName);
        if (targets == null || targets.isEmpty() || targets.size() > 10) {
            throw new EventsException(Code.ValidationException, "Targets must have 1 to 10 entries");
        }
        Map<String, String> failed = new LinkedHashMap<>();
        List<Target> ok = new ArrayList<>();
        for (Target t : targets) {
            try {
                checkTarget(t);
                ok.add(t);
            } catch (EventsException e) {
                failed.put(t.id() == null ? "" : t.id(), e.getMessage());
            }
        }
        db.transaction(c -> {
            java.util.Set<String> ids = new java.util.HashSet<>(Db.query(c, "SELECT id FROM ev_target WHERE bus = ? AND rule = ?",
                    rs -> rs.getString(1), r.eventBusName(), rule));
            ok.forEach(t -> ids.add(t.id()));
            if (ids.size() > MAX_TARGETS_PER_RULE) {
                throw new EventsException(Code.LimitExceededException, "The requested resource exceeds the maximum number"
                        + " allowed: a rule can have at most " + MAX_TARGETS_PER_RULE + " targets.");
            }
            for (Target t : ok) {
                Target.RetryPolicy p = t.retryPolicy() == null ? Target.RetryPolicy.DEFAULT : t.retryPolicy();
                Db.update(c, "DELETE FROM ev_target WHERE bus = ? AND rule = ? AND id = ?", r.eventBusName(), rule, t.id());
                Db.update(c, "INSERT INTO ev_target (bus, rule, id, arn, input, input_path, input_transformer,"
                        + " max_age_seconds, max_attempts, role_arn, dead_letter_arn, http_parameters)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        r.eventBusName(), rule, t.id(), t.arn(), t.input(), t.inputPath(), t.inputTransformer() == null ? null
                                : JSON.valueToTree(t.inputTransformer()).toString(),
                        p.maximumEventAgeInSeconds(), p.maximumRetryAttempts(), t.roleArn(), t.deadLetterArn(),
                        httpParametersJson(t.httpParameters()));
            }
            bumpGeneration(c);
            return null;
        });
        invalidate();
        return failed;
    }

    private void checkTarget(Target t) {
        if (t.id() == null || !TARGET_ID.matcher(t.id()).matches()) {
            throw new EventsException(Code.ValidationException, "Invalid target id '" + t.id() + "'");
        }
        String arn = t.arn();
        if (arn == null) {
            throw new EventsException(Code.ValidationException, "Target " + t.id() + ": Arn is missing");
        }
        boolean known = arn.startsWith("arn:aws:states:" + region + ":" + account + ":stateMachine:")
                || arn.startsWith("arn:aws:events:" + region + ":" + account + ":event-bus/")
                || isApiDestination(arn)
                || arn.startsWith("arn:aws:logs:" + region + ":" + account + ":log-group:")
                || arn.startsWith("http://") || arn.startsWith("https://");
        if (!known) {
            throw new EventsException(Code.ValidationException, "Target " + t.id() + ": unsupported Arn '" + arn
                    + "' (a state machine, an event bus, an API destination, a log group or an http(s) URL)");
        }
        if (t.retryPolicy() != null) {
            int age = t.retryPolicy().maximumEventAgeInSeconds();
            int attempts = t.retryPolicy().maximumRetryAttempts();
            if (age < 60 || age > 86_400) {
                throw new EventsException(Code.ValidationException, "Target " + t.id()
                        + ": MaximumEventAgeInSeconds must be between 60 and 86400, was " + age);
            }
            if (attempts < 0 || attempts > 185) {
                throw new EventsException(Code.ValidationException, "Target " + t.id()
                        + ": MaximumRetryAttempts must be between 0 and 185, was " + attempts);
            }
        }
        if (t.roleArn() != null && !t.roleArn().matches("arn:aws[a-z\\-]*:iam::\\d{12}:role/[\\w+=,.@/\\-]{1,512}")) {
            throw new EventsException(Code.ValidationException, "Target " + t.id() + ": RoleArn is not an IAM role ARN: '"
                    + t.roleArn() + "'");
        }
        checkDeadLetterArn("Target " + t.id() + ": DeadLetterConfig.Arn", t.deadLetterArn());
        checkHttpParameters(t);
        Transform.check(t);
    }

    private static final java.util.regex.Pattern HEADER_KEY = java.util.regex.Pattern.compile("[!#$%&'*+\\-.^_`|~0-9a-zA-Z]+");
    private static final java.util.regex.Pattern HEADER_VALUE =
            java.util.regex.Pattern.compile("[ \\t]*[\\x20-\\x7E]+([ \\t]+[\\x20-\\x7E]+)*[ \\t]*");
    private static final java.util.regex.Pattern QUERY_KEY = java.util.regex.Pattern.compile("[^\\x00-\\x1F\\x7F]+");
    private static final java.util.regex.Pattern QUERY_VALUE =
            java.util.regex.Pattern.compile("[^\\x00-\\x09\\x0B\\x0C\\x0E-\\x1F\\x7F]+");

    /** HttpParameters as the API reference constrains them, on the targets that use them. */
    private void checkHttpParameters(Target t) {
        Target.HttpParameters h = t.httpParameters();
        if (h == null || h.none()) {
            return;
        }
        String what = "Target " + t.id() + ": HttpParameters";
        if (!isApiDestination(t.arn()) && !t.arn().startsWith("http://") && !t.arn().startsWith("https://")) {
            throw new EventsException(Code.ValidationException, what + " are only allowed for API destination and"
                    + " HTTP targets");
        }
        for (String v : h.pathParameterValues()) {
            if (v == null || v.isBlank()) {
                throw new EventsException(Code.ValidationException, what + ".PathParameterValues must not be blank");
            }
        }
        h.headerParameters().forEach((k, v) -> {
            if (k.length() > 512 || !HEADER_KEY.matcher(k).matches() || v == null || v.length() > 512
                    || !HEADER_VALUE.matcher(v).matches()) {
                throw new EventsException(Code.ValidationException, what + ".HeaderParameters: invalid header '" + k + "'");
            }
        });
        h.queryStringParameters().forEach((k, v) -> {
            if (k.length() > 512 || !QUERY_KEY.matcher(k).matches() || v == null || v.length() > 512
                    || !QUERY_VALUE.matcher(v).matches()) {
                throw new EventsException(Code.ValidationException, what + ".QueryStringParameters: invalid parameter '"
                        + k + "'");
            }
        });
    }

    /**
     * A dead-letter queue is {@code arn:aws:sqs:REGION:ACCOUNT:NAME} of this region and account: a
     * Setlist queue (created by use) whose messages {@link #receiveDeadLetters} reads.
     */
    private void checkDeadLetterArn(String what, String arn) {
        if (arn == null) {
            return;
        }
        String prefix = "arn:aws:sqs:" + region + ":" + account + ":";
        if (!arn.startsWith(prefix) || !QUEUE_NAME.matcher(arn.substring(prefix.length())).matches()) {
            throw new EventsException(Code.ValidationException, what + " must be a dead-letter queue ARN " + prefix
                    + "<name> (1-80 letters, digits, - and _; FIFO queues are not supported), was '" + arn + "'");
        }
    }

    public Map<String, String> removeTargets(String rule, String eventBusName, List<String> ids) {
        RuleInfo r = describeRule(rule, eventBusName);
        Map<String, String> failed = new LinkedHashMap<>();
        db.transaction(c -> {
            for (String id : ids) {
                if (Db.update(c, "DELETE FROM ev_target WHERE bus = ? AND rule = ? AND id = ?", r.eventBusName(), rule, id) == 0) {
                    failed.put(id, "Target " + id + " does not exist on rule " + rule);
                }
            }
            bumpGeneration(c);
            return null;
        });
        invalidate();
        return failed;
    }

    public List<Target> listTargetsByRule(String rule, String eventBusName) {
        RuleInfo r = describeRule(rule, eventBusName);
        return db.query("SELECT id, arn, input, input_path, input_transformer, max_age_seconds, max_attempts, role_arn,"
                + " dead_letter_arn, http_parameters FROM ev_target WHERE bus = ? AND rule = ? ORDER BY id", EventBus::targetRow,
                r.eventBusName(), rule);
    }

    private static Target targetRow(java.sql.ResultSet rs) throws SQLException {
        String transformer = rs.getString(5);
        Target.InputTransformer it = null;
        if (transformer != null) {
            try {
                it = JSON.readValue(transformer, Target.InputTransformer.class);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return new Target(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), it,
                new Target.RetryPolicy(rs.getInt(6), rs.getInt(7)), rs.getString(8), rs.getString(9),
                httpParameters(rs.getString(10)));
    }

    /** HttpParameters as stored (JSON text), or null for none. */
    static String httpParametersJson(Target.HttpParameters h) {
        return h == null || h.none() ? null : JSON.valueToTree(h).toString();
    }

    static Target.HttpParameters httpParameters(String json) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readValue(json, Target.HttpParameters.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- matching ------------------------------------------------------------------------------

    /** Whether an event (the EventBridge envelope, as JSON) matches a pattern. */
    public boolean testEventPattern(String pattern, String event) {
        checkPattern(pattern);
        JsonNode e;
        try {
            e = dev.setlist.asl.JsonLimits.reader().readTree(event);
        } catch (JsonProcessingException ex) {
            throw new EventsException(Code.ValidationException, "Event is not valid JSON: "
                    + dev.setlist.asl.JsonLimits.describe(ex));
        }
        if (e == null || !e.isObject()) {
            throw new EventsException(Code.ValidationException, "Event must be a JSON object");
        }
        for (String field : List.of("id", "account", "source", "time", "region", "detail-type")) {
            if (!e.hasNonNull(field)) {
                throw new EventsException(Code.ValidationException, "Parameter Event is not valid: it has no '" + field + "'");
            }
        }
        GenericMachine<String> m = new GenericMachine<>();
        try {
            m.addRule("p", pattern);
            return !m.rulesForJSONEvent(e).isEmpty();
        } catch (Exception ex) {
            throw new EventsException(Code.InvalidEventPatternException, "Event pattern is not valid: " + ex.getMessage());
        }
    }

    private void bumpGeneration(Connection c) throws SQLException {
        Db.update(c, "UPDATE ev_generation SET generation = generation + 1 WHERE id = 1");
    }

    private void invalidate() {
        matchers = null;
    }

    private Matchers matchers() {
        Matchers m = matchers;
        if (m != null) {
            return m;
        }
        synchronized (rebuild) {
            if (matchers == null) {
                matchers = load();
            }
            return matchers;
        }
    }

    private Matchers load() {
        return db.transaction(c -> {
            long generation = Db.query(c, "SELECT generation FROM ev_generation WHERE id = 1", rs -> rs.getLong(1)).get(0);
            Map<String, List<Target>> targets = new HashMap<>();
            for (Object[] row : Db.query(c, "SELECT bus, rule, id, arn, input, input_path, input_transformer,"
                    + " max_age_seconds, max_attempts, role_arn, dead_letter_arn, http_parameters FROM ev_target", rs -> {
                        String key = rs.getString(1) + "\n" + rs.getString(2);
                        String transformer = rs.getString(7);
                        Target.InputTransformer it = null;
                        if (transformer != null) {
                            try {
                                it = JSON.readValue(transformer, Target.InputTransformer.class);
                            } catch (JsonProcessingException e) {
                                throw new IllegalStateException(e);
                            }
                        }
                        return new Object[] {key, new Target(rs.getString(3), rs.getString(4), rs.getString(5),
                                rs.getString(6), it, new Target.RetryPolicy(rs.getInt(8), rs.getInt(9)), rs.getString(10),
                                rs.getString(11), httpParameters(rs.getString(12)))};
                    })) {
                targets.computeIfAbsent((String) row[0], k -> new ArrayList<>()).add((Target) row[1]);
            }
            Map<String, GenericMachine<String>> byBus = new HashMap<>();
            Map<String, CompiledRule> rules = new HashMap<>();
            for (RuleInfo r : Db.query(c, "SELECT name, arn, bus, pattern, schedule, state, description FROM ev_rule",
                    EventBus::ruleRow)) {
                String key = r.eventBusName() + "\n" + r.name();
                rules.put(key, new CompiledRule(r, targets.getOrDefault(key, List.of())));
                if (r.eventPattern() != null && r.state().equals("ENABLED")) {
                    try {
                        byBus.computeIfAbsent(r.eventBusName(), k -> new GenericMachine<>()).addRule(key, r.eventPattern());
                    } catch (Exception e) {
                        log.warn("rule {} has a pattern that no longer compiles: {}", r.arn(), dev.setlist.asl.SafeFailure.summary(e));
                    }
                }
            }
            Map<String, List<ArchiveRule>> archives = new HashMap<>();
            for (String[] a : Db.query(c, "SELECT name, bus, pattern FROM ev_archive",
                    rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)})) {
                GenericMachine<String> pattern = null;
                if (a[2] != null) {
                    pattern = new GenericMachine<>();
                    try {
                        pattern.addRule(a[0], a[2]);
                    } catch (Exception e) {
                        continue;
                    }
                }
                archives.computeIfAbsent(a[1], k -> new ArrayList<>()).add(new ArchiveRule(a[0], pattern));
            }
            return new Matchers(generation, byBus, rules, archives);
        });
    }

    // ---- publishing ----------------------------------------------------------------------------

    /**
     * Publishes up to 10 events. Each entry gets its event id or its own error; the valid ones,
     * with a delivery per matching target, are committed before this returns.
     */
    public List<PutResult> putEvents(List<PutEntry> entries) {
        if (entries == null || entries.isEmpty() || entries.size() > 10) {
            throw new EventsException(Code.ValidationException, "Entries must have 1 to 10 entries, had "
                    + (entries == null ? 0 : entries.size()));
        }
        Matchers m = matchers();
        long now = clock.now().toEpochMilli();
        List<PutResult> results = new ArrayList<>();
        List<Object[]> deliveryRows = new ArrayList<>();
        List<Object[]> archiveRows = new ArrayList<>();
        for (PutEntry e : entries) {
            String problem = problem(e, m);
            if (problem != null) {
                results.add(refused(problem));
                continue;
            }
            String bus = busName(e.eventBusName());
            ObjectNode event = envelope(e, entropy.uuid(), now, null);
            route(m, bus, event, now, null, null, deliveryRows, archiveRows, e.traceHeader());
            results.add(new PutResult(event.get("id").asText(), null, null));
        }
        if (!deliveryRows.isEmpty() || !archiveRows.isEmpty()) {
            commit(deliveryRows, archiveRows);
            if (!deliveryRows.isEmpty()) {
                deliveries.poke();
            }
        }
        return results;
    }

    private static final String INSERT_DELIVERY = "INSERT INTO ev_delivery (id, event_id, bus, rule, target_id, target_arn,"
            + " payload, event_time, created, attempts, max_age_seconds, max_attempts, next_at, status, trace_header,"
            + " dead_letter_arn, http_parameters) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, 'PENDING', ?, ?, ?)";

    /** Commits the rows of published events (with other callers' in one transaction) and waits. */
    private void commit(List<Object[]> deliveryRows, List<Object[]> archiveRows) {
        Write w = new Write();
        deliveryRows.forEach(row -> w.add(Write.ROWS, INSERT_DELIVERY, row));
        archiveRows.forEach(row -> w.add(Write.ROWS, "INSERT INTO ev_archived_event (archive, event_id, time, body)"
                + " VALUES (?, ?, ?, ?)", row));
        committer.submit(w);
        try {
            w.done().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EventsException(Code.ValidationException, "Interrupted while publishing");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("the events could not be committed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static void batch(Connection c, String sql, List<Object[]> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (var ps = c.prepareStatement(sql)) {
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    ps.setObject(i + 1, row[i]);
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Why an entry cannot be published, or null. "NotFound:" marks an unknown bus. */
    /** The result of an entry refused for {@code problem}, with EventBridge's error code. */
    private static PutResult refused(String problem) {
        if (problem.equals(MALFORMED)) {
            return new PutResult(null, "MalformedDetail", "Detail is malformed.");
        }
        boolean notFound = problem.startsWith("NotFound:");
        return new PutResult(null, notFound ? "ResourceNotFoundException" : "InvalidArgument",
                notFound ? problem.substring(9) : problem);
    }

    /** A Detail that is not a JSON object: EventBridge's {@code MalformedDetail}, "Detail is malformed.". */
    private static final String MALFORMED = "Malformed:";

    private String problem(PutEntry e, Matchers m) {
        if (e.source() == null || e.source().isBlank()) {
            return "Parameter Source is not valid. Reason: Source is a required argument.";
        }
        if (e.detailType() == null || e.detailType().isBlank()) {
            return "Parameter DetailType is not valid. Reason: DetailType is a required argument.";
        }
        if (e.detail() == null) {
            return "Parameter Detail is not valid. Reason: Detail is a required argument.";
        }
        try {
            JsonNode detail = dev.setlist.asl.JsonLimits.reader().readTree(e.detail());
            if (detail == null || !detail.isObject()) {
                return MALFORMED;
            }
        } catch (JsonProcessingException ex) {
            return MALFORMED; // not JSON, or nested deeper than callers' JSON may be
        }
        int size = e.detail().getBytes(StandardCharsets.UTF_8).length + e.source().length() + e.detailType().length();
        if (size > MAX_ENTRY_BYTES) {
            return "Parameter Entries is not valid. Reason: the entry is larger than 256 KB";
        }
        String bus;
        try {
            bus = busName(e.eventBusName());
        } catch (EventsException ex) {
            return ex.getMessage();
        }
        if (!bus.equals(DEFAULT_BUS) && busOrNull(bus) == null) {
            return "NotFound:Event bus " + bus + " does not exist.";
        }
        return null;
    }

    private ObjectNode envelope(PutEntry e, String id, long now, String replayName) {
        ObjectNode event = JSON.createObjectNode();
        event.put("version", "0");
        event.put("id", id);
        event.put("detail-type", e.detailType());
        event.put("source", e.source());
        event.put("account", account);
        event.put("time", DateTimeFormatter.ISO_INSTANT.format((e.time() == null ? Instant.ofEpochMilli(now) : e.time())
                .truncatedTo(ChronoUnit.SECONDS)));
        event.put("region", region);
        ArrayNode resources = event.putArray("resources");
        if (e.resources() != null) {
            e.resources().forEach(resources::add);
        }
        try {
            event.set("detail", JSON.readTree(e.detail()));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
        if (replayName != null) {
            event.put("replay-name", replayName);
        }
        return event;
    }

    /** Adds the deliveries (and archive rows) for an event on a bus. */
    private void route(Matchers m, String bus, ObjectNode event, long now, String replayName, List<String> onlyRules,
                       List<Object[]> deliveryRows, List<Object[]> archiveRows, String traceHeader) {
        GenericMachine<String> machine = m.byBus.get(bus);
        String id = event.get("id").asText();
        if (machine != null) {
            for (String key : machine.rulesForJSONEvent(event)) {
                CompiledRule rule = m.rules.get(key);
                if (rule == null || (onlyRules != null && !onlyRules.contains(rule.rule().arn()))) {
                    continue;
                }
                addDeliveries(rule, event, now, deliveryRows, traceHeader);
            }
        }
        if (replayName == null) {
            for (ArchiveRule a : m.archives.getOrDefault(bus, List.of())) {
                if (a.pattern == null || !a.pattern.rulesForJSONEvent(event).isEmpty()) {
                    archiveRows.add(new Object[] {a.name, id, now, event.toString()});
                }
            }
        }
    }

    private void addDeliveries(CompiledRule rule, ObjectNode event, long now, List<Object[]> rows, String traceHeader) {
        for (Target t : rule.targets()) {
            String payload = Transform.apply(t, event, rule.rule().name(), rule.rule().arn(), now);
            Target.RetryPolicy p = t.retryPolicy() == null ? Target.RetryPolicy.DEFAULT : t.retryPolicy();
            rows.add(new Object[] {entropy.uuid(), event.get("id").asText(), rule.rule().eventBusName(), rule.rule().name(),
                    t.id(), t.arn(), payload, now, now, p.maximumEventAgeInSeconds(), p.maximumRetryAttempts(), now,
                    traceHeader, t.deadLetterArn(), httpParametersJson(t.httpParameters())});
        }
    }

    // ---- delivery ------------------------------------------------------------------------------

    private void observedSend(Deliveries.Row row) throws TargetSender.Failure {
        if (deliveryListener == DeliveryListener.NONE) {
            send(row);
            return;
        }
        long start = System.nanoTime();
        String error = null;
        try {
            send(row);
        } catch (TargetSender.Failure | RuntimeException e) {
            error = e.getMessage() == null ? e.toString() : e.getMessage();
            throw e;
        } finally {
            try {
                deliveryListener.attempted(new DeliveryListener.Attempt(row.bus(), row.rule(), row.targetArn(),
                        row.traceHeader(), row.attempts() + 1, Duration.ofNanos(System.nanoTime() - start), error));
            } catch (RuntimeException e) {
                log.warn("the delivery listener failed: {}", dev.setlist.asl.SafeFailure.summary(e));
            }
        }
    }

    /** An API destination {@code arn:aws:events:REGION:ACCOUNT:api-destination/NAME/ID}: the sender delivers to it. */
    private boolean isApiDestination(String arn) {
        return arn.startsWith("arn:aws:events:" + region + ":" + account + ":api-destination/");
    }

    private void send(Deliveries.Row row) throws TargetSender.Failure {
        String arn = row.targetArn();
        if (isApiDestination(arn)) {
            sender.send(arn, row.payload(), row.traceHeader(), httpParameters(row.httpParameters()));
        } else if (arn.startsWith("arn:aws:states:")) {
            try {
                JSON.readTree(row.payload());
            } catch (JsonProcessingException e) {
                throw new TargetSender.Failure("the input for " + arn + " is not JSON: " + e.getOriginalMessage(), false);
            }
            try {
                // The delivery id names the execution: a delivery sent twice starts it once.
                engine.startExecution(arn, "ev-" + row.id(), row.payload(), row.traceHeader());
            } catch (EngineException e) {
                boolean retriable = e.code() == EngineException.Code.ServiceUnavailable
                        || e.code() == EngineException.Code.ExecutionLimitExceeded;
                if (e.code() == EngineException.Code.ExecutionAlreadyExists) {
                    return;
                }
                throw new TargetSender.Failure(e.code() + ": " + e.getMessage(), retriable);
            }
        } else if (arn.startsWith("arn:aws:events:")) {
            JsonNode event;
            try {
                event = JSON.readTree(row.payload());
            } catch (JsonProcessingException e) {
                throw new TargetSender.Failure("the event for " + arn + " is not JSON", false);
            }
            String source = event.path("source").asText(null);
            String refused = source == null ? null : forwardPolicy.refusal(ruleArn(row.bus(), row.rule()), source);
            if (refused != null) {
                throw new TargetSender.Failure("AccessDeniedException: " + refused, false);
            }
            List<String> resources = new ArrayList<>();
            event.path("resources").forEach(r -> resources.add(r.asText()));
            PutResult r = putEvents(List.of(new PutEntry(event.path("source").asText(null),
                    event.path("detail-type").asText(null), event.path("detail").toString(), resources, null,
                    arn, row.traceHeader()))).get(0);
            if (r.failed()) {
                throw new TargetSender.Failure(r.errorCode() + ": " + r.errorMessage(), false);
            }
        } else if (arn.startsWith("arn:aws:logs:")) {
            LoggerFactory.getLogger("setlist.events.log." + arn.substring(arn.lastIndexOf(':') + 1))
                    .info("{} {}", row.eventId(), row.payload());
        } else {
            sender.send(arn, row.payload(), row.traceHeader(), httpParameters(row.httpParameters()));
        }
    }

    /** Dead letters, oldest first (of one bus, or of all when null). */
    public List<DeadLetter> listDeadLetters(String eventBusName, int limit) {
        return db.query("SELECT id, event_id, bus, rule, target_id, target_arn, payload, attempts, last_error, created"
                + " FROM ev_delivery WHERE status = 'DEAD'" + (eventBusName == null ? " AND ? IS NULL" : " AND bus = ?")
                + " ORDER BY created LIMIT ?", rs -> new DeadLetter(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getInt(8), rs.getString(9),
                Instant.ofEpochMilli(rs.getLong(10))), eventBusName == null ? null : busName(eventBusName),
                Math.max(1, Math.min(limit, 1000)));
    }

    /** Sends dead letters again (with fresh retries and age); returns how many. */
    public int redriveDeadLetters(List<String> ids) {
        long now = clock.now().toEpochMilli();
        int n = db.transaction(c -> {
            int count = 0;
            for (String id : ids) {
                count += Db.update(c, "UPDATE ev_delivery SET status = 'PENDING', attempts = 0, next_at = ?, event_time = ?,"
                        + " owner = NULL, lease_until = NULL WHERE id = ? AND status = 'DEAD'", now, now, id);
            }
            return count;
        });
        deliveries.poke();
        return n;
    }

    /** Deliveries not yet delivered (PENDING) and dead letters (DEAD), by status. */
    public Map<String, Long> deliveryCounts() {
        Map<String, Long> counts = new HashMap<>();
        db.query("SELECT status, COUNT(*) FROM ev_delivery GROUP BY status", rs -> counts.put(rs.getString(1), rs.getLong(2)));
        return counts;
    }

    // ---- tags ----------------------------------------------------------------------------------

    private static void checkTags(Map<String, String> tags) {
        if (tags == null) {
            return;
        }
        if (tags.size() > MAX_TAGS) {
            throw new EventsException(Code.ValidationException, "A resource can have at most " + MAX_TAGS + " tags, "
                    + tags.size() + " were given");
        }
        tags.forEach((k, v) -> {
            if (k == null || !TAG_KEY.matcher(k).matches()) {
                throw new EventsException(Code.ValidationException, "Invalid tag key '" + k + "': 1-128 letters, digits,"
                        + " spaces and _ . : / = + - @");
            }
            if (k.toLowerCase(java.util.Locale.ROOT).startsWith("aws:")) {
                throw new EventsException(Code.ValidationException, "Tag keys starting with 'aws:' are reserved: '" + k + "'");
            }
            if (v == null || !TAG_VALUE.matcher(v).matches()) {
                throw new EventsException(Code.ValidationException, "Invalid value of tag '" + k + "': 0-256 letters,"
                        + " digits, spaces and _ . : / = + - @");
            }
        });
    }

    private static void putTags(Connection c, String arn, Map<String, String> tags) throws SQLException {
        if (tags == null || tags.isEmpty()) {
            return;
        }
        for (Map.Entry<String, String> t : tags.entrySet()) {
            if (Db.update(c, "UPDATE ev_tag SET tag_value = ? WHERE arn = ? AND tag_key = ?", t.getValue(), arn,
                    t.getKey()) == 0) {
                Db.update(c, "INSERT INTO ev_tag (arn, tag_key, tag_value) VALUES (?, ?, ?)", arn, t.getKey(), t.getValue());
            }
        }
        long count = Db.query(c, "SELECT COUNT(*) FROM ev_tag WHERE arn = ?", rs -> rs.getLong(1), arn).get(0);
        if (count > MAX_TAGS) {
            throw new EventsException(Code.LimitExceededException, "The requested resource exceeds the maximum number"
                    + " allowed: a resource can have at most " + MAX_TAGS + " tags.");
        }
    }

    /** The ARN of an existing bus or rule, as stored; anything else is refused. */
    private String taggable(String arn) {
        String prefix = "arn:aws:events:" + region + ":" + account + ":";
        if (arn == null || !arn.startsWith(prefix)) {
            throw new EventsException(Code.ValidationException, "Invalid ResourceARN '" + arn + "': an event bus or rule"
                    + " ARN of " + region + " and account " + account);
        }
        String rest = arn.substring(prefix.length());
        if (rest.startsWith("event-bus/")) {
            BusInfo bus = busOrNull(rest.substring("event-bus/".length()));
            if (bus == null) {
                throw new EventsException(Code.ResourceNotFoundException, "Event bus " + rest.substring(10)
                        + " does not exist.");
            }
            return bus.arn();
        }
        if (rest.startsWith("rule/")) {
            String path = rest.substring("rule/".length());
            int slash = path.lastIndexOf('/');
            String bus = slash < 0 ? DEFAULT_BUS : path.substring(0, slash);
            return describeRule(path.substring(slash + 1), bus).arn();
        }
        throw new EventsException(Code.ValidationException, "Only event buses and rules can be tagged, not '" + arn + "'");
    }

    /** Adds or replaces tags of a bus or rule. */
    public void tagResource(String arn, Map<String, String> tags) {
        String resource = taggable(arn);
        if (tags == null || tags.isEmpty()) {
            throw new EventsException(Code.ValidationException, "Tags must have at least one entry");
        }
        checkTags(tags);
        db.transaction(c -> {
            putTags(c, resource, tags);
            return null;
        });
    }

    /** Removes tags of a bus or rule by key (keys it does not have are ignored). */
    public void untagResource(String arn, List<String> keys) {
        String resource = taggable(arn);
        db.transaction(c -> {
            for (String key : keys) {
                Db.update(c, "DELETE FROM ev_tag WHERE arn = ? AND tag_key = ?", resource, key);
            }
            return null;
        });
    }

    /** A bus's or rule's tags, by key. */
    public Map<String, String> listTagsForResource(String arn) {
        String resource = taggable(arn);
        Map<String, String> tags = new LinkedHashMap<>();
        db.query("SELECT tag_key, tag_value FROM ev_tag WHERE arn = ? ORDER BY tag_key",
                rs -> tags.put(rs.getString(1), rs.getString(2)), resource);
        return tags;
    }

    // ---- rules by target, dead-letter queues ---------------------------------------------------

    /** The names of a bus's rules that have a target of {@code targetArn}, in order. */
    public List<String> listRuleNamesByTarget(String targetArn, String eventBusName) {
        String bus = describeEventBus(eventBusName).name();
        return db.query("SELECT DISTINCT rule FROM ev_target WHERE bus = ? AND arn = ? ORDER BY rule", rs -> rs.getString(1),
                bus, targetArn);
    }

    /**
     * Messages of a dead-letter queue ({@code arn:aws:sqs:…:NAME}), oldest first, after the message
     * {@code afterId} (null: from the first); they stay until {@link #deleteDeadLetter}.
     */
    public List<QueuedDeadLetter> receiveDeadLetters(String queueArn, String afterId, int limit) {
        checkDeadLetterArn("QueueArn", queueArn);
        Object[] after = afterId == null ? null : db.queryOne("SELECT sent, id FROM ev_dead_letter WHERE id = ?",
                rs -> new Object[] {rs.getLong(1), rs.getString(2)}, afterId);
        if (afterId != null && after == null) {
            throw new EventsException(Code.ValidationException, "No dead letter " + afterId + " to continue after");
        }
        long sent = after == null ? Long.MIN_VALUE : (long) after[0];
        String id = after == null ? "" : (String) after[1];
        return db.query("SELECT id, queue, event_id, bus, rule, target_id, target_arn, body, error_code, error_message,"
                + " exhausted, attempts, sent FROM ev_dead_letter WHERE queue = ? AND (sent > ? OR (sent = ? AND id > ?))"
                + " ORDER BY sent, id LIMIT ?", rs -> new QueuedDeadLetter(rs.getString(1), rs.getString(2),
                rs.getString(3), rs.getString(4), ruleArn(rs.getString(4), rs.getString(5)), rs.getString(6), rs.getString(7), rs.getString(8),
                rs.getString(9), rs.getString(10), rs.getString(11), rs.getInt(12), Instant.ofEpochMilli(rs.getLong(13))),
                queueArn, sent, sent, id, Math.max(1, Math.min(limit, 1000)));
    }

    /** Deletes a message of a dead-letter queue; false when there was none of that id. */
    public boolean deleteDeadLetter(String queueArn, String id) {
        return db.update("DELETE FROM ev_dead_letter WHERE queue = ? AND id = ?", queueArn, id) == 1;
    }

    // ---- archives and replays ------------------------------------------------------------------

    public ArchiveInfo createArchive(String name, String eventSourceArn, String eventPattern, String description,
                                     Integer retentionDays) {
        if (name == null || !ARCHIVE_NAME.matcher(name).matches()) {
            throw new EventsException(Code.ValidationException, "Invalid archive name '" + name + "'");
        }
        String bus = describeEventBus(busName(eventSourceArn)).name();
        if (eventPattern != null) {
            checkPattern(eventPattern);
        }
        int retention = retentionDays == null ? 0 : retentionDays;
        if (retention < 0) {
            throw new EventsException(Code.ValidationException, "RetentionDays must be >= 0, was " + retention);
        }
        if (archiveOrNull(name) != null) {
            throw new EventsException(Code.ResourceAlreadyExistsException, "Archive " + name + " already exists.");
        }
        db.transaction(c -> {
            Db.update(c, "INSERT INTO ev_archive (name, arn, bus, pattern, description, retention_days, created)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?)", name, "arn:aws:events:" + region + ":" + account + ":archive/" + name,
                    bus, eventPattern, description, retention, clock.now().toEpochMilli());
            bumpGeneration(c);
            return null;
        });
        invalidate();
        return describeArchive(name);
    }

    public ArchiveInfo describeArchive(String name) {
        ArchiveInfo a = archiveOrNull(name);
        if (a == null) {
            throw new EventsException(Code.ResourceNotFoundException, "Archive " + name + " does not exist.");
        }
        return a;
    }

    private ArchiveInfo archiveOrNull(String name) {
        return db.queryOne("SELECT a.name, a.arn, a.bus, a.pattern, a.description, a.retention_days, a.created,"
                + " (SELECT COUNT(*) FROM ev_archived_event e WHERE e.archive = a.name),"
                + " (SELECT COALESCE(SUM(LENGTH(e.body)), 0) FROM ev_archived_event e WHERE e.archive = a.name)"
                + " FROM ev_archive a WHERE a.name = ?", rs -> new ArchiveInfo(rs.getString(1), rs.getString(2),
                busArn(rs.getString(3)), rs.getString(4), rs.getString(5), rs.getInt(6), "ENABLED", rs.getLong(8),
                rs.getLong(9), Instant.ofEpochMilli(rs.getLong(7))), name);
    }

    public List<ArchiveInfo> listArchives() {
        List<ArchiveInfo> out = new ArrayList<>();
        for (String name : db.query("SELECT name FROM ev_archive ORDER BY name", rs -> rs.getString(1))) {
            out.add(describeArchive(name));
        }
        return out;
    }

    public void deleteArchive(String name) {
        describeArchive(name);
        db.transaction(c -> {
            Db.update(c, "DELETE FROM ev_archived_event WHERE archive = ?", name);
            Db.update(c, "DELETE FROM ev_archive WHERE name = ?", name);
            bumpGeneration(c);
            return null;
        });
        invalidate();
    }

    /** Changes an archive's description, pattern and retention (null leaves one as it is). */
    public ArchiveInfo updateArchive(String name, String description, String eventPattern, Integer retentionDays) {
        describeArchive(name);
        if (eventPattern != null) {
            checkPattern(eventPattern);
        }
        if (retentionDays != null && retentionDays < 0) {
            throw new EventsException(Code.ValidationException, "RetentionDays must be >= 0, was " + retentionDays);
        }
        db.transaction(c -> {
            if (description != null) {
                Db.update(c, "UPDATE ev_archive SET description = ? WHERE name = ?", description, name);
            }
            if (eventPattern != null) {
                Db.update(c, "UPDATE ev_archive SET pattern = ? WHERE name = ?", eventPattern, name);
            }
            if (retentionDays != null) {
                Db.update(c, "UPDATE ev_archive SET retention_days = ? WHERE name = ?", retentionDays, name);
            }
            bumpGeneration(c);
            return null;
        });
        invalidate();
        return describeArchive(name);
    }

    /**
     * Replays the archive's events of [start, end) to a bus (to the rules in {@code filterArns}
     * only, when given). Replayed events carry {@code replay-name}; runs in the background.
     */
    public ReplayInfo startReplay(String name, String archiveArn, Instant start, Instant end, String destinationArn,
                                  List<String> filterArns, String description) {
        if (name == null || !RULE_NAME.matcher(name).matches()) {
            throw new EventsException(Code.ValidationException, "Invalid replay name '" + name + "'");
        }
        String prefix = "arn:aws:events:" + region + ":" + account + ":archive/";
        if (archiveArn == null || !archiveArn.startsWith(prefix)) {
            throw new EventsException(Code.ValidationException, "Invalid archive ARN '" + archiveArn + "'");
        }
        ArchiveInfo archive = describeArchive(archiveArn.substring(prefix.length()));
        String bus = describeEventBus(busName(destinationArn)).name();
        if (!busArn(bus).equals(archive.eventSourceArn())) {
            throw new EventsException(Code.ValidationException, "A replay's destination must be the archive's event bus");
        }
        if (start == null || end == null || !start.isBefore(end)) {
            throw new EventsException(Code.ValidationException, "EventStartTime must be before EventEndTime");
        }
        if (end.isAfter(clock.now())) {
            throw new EventsException(Code.ValidationException, "EventEndTime must not be in the future");
        }
        if (db.queryOne("SELECT name FROM ev_replay WHERE name = ?", rs -> rs.getString(1), name) != null) {
            throw new EventsException(Code.ResourceAlreadyExistsException, "Replay " + name + " already exists.");
        }
        long now = clock.now().toEpochMilli();
        db.update("INSERT INTO ev_replay (name, arn, archive, destination, filter_arns, start_time, end_time, state, started,"
                + " description) VALUES (?, ?, ?, ?, ?, ?, ?, 'STARTING', ?, ?)", name,
                "arn:aws:events:" + region + ":" + account + ":replay/" + name, archive.name(), busArn(bus),
                filterArns == null ? null : String.join("\n", filterArns), start.toEpochMilli(), end.toEpochMilli(), now,
                description);
        Thread.ofVirtual().name("replay-" + name).start(() -> replay(name, archive.name(), bus, start, end, filterArns));
        return describeReplay(name);
    }

    private void replay(String name, String archive, String bus, Instant start, Instant end, List<String> filterArns) {
        try {
            db.update("UPDATE ev_replay SET state = 'RUNNING' WHERE name = ? AND state = 'STARTING'", name);
            long after = start.toEpochMilli() - 1;
            String afterId = "";
            while (!closed) {
                String state = db.queryOne("SELECT state FROM ev_replay WHERE name = ?", rs -> rs.getString(1), name);
                if (!"RUNNING".equals(state)) {
                    return;
                }
                long from = after;
                String fromId = afterId;
                List<String[]> page = db.query("SELECT event_id, time, body FROM ev_archived_event WHERE archive = ?"
                        + " AND (time > ? OR (time = ? AND event_id > ?)) AND time < ? ORDER BY time, event_id LIMIT 100",
                        rs -> new String[] {rs.getString(1), Long.toString(rs.getLong(2)), rs.getString(3)},
                        archive, from, from, fromId, end.toEpochMilli());
                if (page.isEmpty()) {
                    break;
                }
                Matchers m = matchers();
                long now = clock.now().toEpochMilli();
                List<Object[]> rows = new ArrayList<>();
                for (String[] row : page) {
                    ObjectNode event = (ObjectNode) JSON.readTree(row[2]);
                    event.put("replay-name", name);
                    route(m, bus, event, now, name, filterArns, rows, new ArrayList<>(), null);
                    after = Long.parseLong(row[1]);
                    afterId = row[0];
                }
                commit(rows, List.of());
                db.update("UPDATE ev_replay SET last_replayed = ? WHERE name = ?", after, name);
                deliveries.poke();
            }
            db.update("UPDATE ev_replay SET state = 'COMPLETED', ended = ? WHERE name = ? AND state = 'RUNNING'",
                    clock.now().toEpochMilli(), name);
        } catch (Exception e) {
            log.warn("replay {} failed", name, dev.setlist.asl.SafeFailure.scrubbed(e));
            db.update("UPDATE ev_replay SET state = 'FAILED', reason = ?, ended = ? WHERE name = ?",
                    Objects.toString(e.getMessage(), e.toString()), clock.now().toEpochMilli(), name);
        }
    }

    public ReplayInfo describeReplay(String name) {
        ReplayInfo r = db.queryOne("SELECT name, arn, archive, destination, filter_arns, state, reason, start_time, end_time,"
                + " started, ended, last_replayed, description FROM ev_replay WHERE name = ?", rs -> {
                    Long ended = Db.longOrNull(rs, "ended");
                    Long last = Db.longOrNull(rs, "last_replayed");
                    String filters = rs.getString(5);
                    return new ReplayInfo(rs.getString(1), rs.getString(2),
                            "arn:aws:events:" + region + ":" + account + ":archive/" + rs.getString(3), rs.getString(4),
                            filters == null ? List.of() : List.of(filters.split("\n")), rs.getString(6), rs.getString(7),
                            Instant.ofEpochMilli(rs.getLong(8)), Instant.ofEpochMilli(rs.getLong(9)),
                            Instant.ofEpochMilli(rs.getLong(10)), ended == null ? null : Instant.ofEpochMilli(ended),
                            last == null ? null : Instant.ofEpochMilli(last), rs.getString(13));
                }, name);
        if (r == null) {
            throw new EventsException(Code.ResourceNotFoundException, "Replay " + name + " does not exist.");
        }
        return r;
    }

    public List<ReplayInfo> listReplays() {
        List<ReplayInfo> out = new ArrayList<>();
        for (String name : db.query("SELECT name FROM ev_replay ORDER BY started DESC", rs -> rs.getString(1))) {
            out.add(describeReplay(name));
        }
        return out;
    }

    public ReplayInfo cancelReplay(String name) {
        describeReplay(name);
        int n = db.update("UPDATE ev_replay SET state = 'CANCELLED', ended = ? WHERE name = ? AND state IN ('STARTING', 'RUNNING')",
                clock.now().toEpochMilli(), name);
        if (n == 0) {
            throw new EventsException(Code.IllegalStatusException, "Replay " + name + " is not running.");
        }
        return describeReplay(name);
    }

    // ---- schedules and upkeep ------------------------------------------------------------------

    private void scheduleLoop() {
        long lastGenerationCheck = 0;
        while (!closed) {
            try {
                fireDueSchedules();
                if (System.currentTimeMillis() - lastGenerationCheck > 1000) {
                    lastGenerationCheck = System.currentTimeMillis();
                    Matchers m = matchers;
                    Long generation = db.queryOne("SELECT generation FROM ev_generation WHERE id = 1", rs -> rs.getLong(1));
                    if (m != null && generation != null && generation != m.generation) {
                        invalidate(); // another node changed rules or targets
                    }
                    purgeArchives();
                }
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!closed) {
                    log.warn("schedule loop: {}", dev.setlist.asl.SafeFailure.summary(e));
                }
                // The database may fail at once (its health breaker open): pause as after a round.
                try {
                    Thread.sleep(250);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void fireDueSchedules() {
        long now = clock.now().toEpochMilli();
        List<String[]> due = db.query("SELECT bus, name, schedule, next_fire FROM ev_rule WHERE next_fire <= ?"
                + " AND state = 'ENABLED' AND schedule IS NOT NULL", rs -> new String[] {rs.getString(1), rs.getString(2),
                rs.getString(3), Long.toString(rs.getLong(4))}, now);
        for (String[] r : due) {
            Instant next = Schedules.parse(r[2]).next(Instant.ofEpochMilli(Math.max(now, Long.parseLong(r[3]))));
            Matchers m = matchers();
            CompiledRule rule = m.rules.get(r[0] + "\n" + r[1]);
            if (rule == null) {
                continue;
            }
            ObjectNode event = envelope(new PutEntry("aws.events", "Scheduled Event", "{}", List.of(rule.rule().arn()),
                    Instant.ofEpochMilli(Long.parseLong(r[3])), DEFAULT_BUS, null), entropy.uuid(), now, null);
            List<Object[]> rows = new ArrayList<>();
            addDeliveries(rule, event, now, rows, null);
            boolean fired = db.transaction(c -> {
                // Only the node that moves next_fire on fires the schedule.
                int n = Db.update(c, "UPDATE ev_rule SET next_fire = ? WHERE bus = ? AND name = ? AND next_fire = ?",
                        next == null ? null : next.toEpochMilli(), r[0], r[1], Long.parseLong(r[3]));
                if (n == 0) {
                    return false;
                }
                batch(c, INSERT_DELIVERY, rows);
                return true;
            });
            if (fired) {
                deliveries.poke();
            }
        }
    }

    private void purgeArchives() {
        long now = clock.now().toEpochMilli();
        for (Object[] a : db.query("SELECT name, retention_days FROM ev_archive WHERE retention_days > 0",
                rs -> new Object[] {rs.getString(1), rs.getInt(2)})) {
            db.update("DELETE FROM ev_archived_event WHERE archive = ? AND time < ?", a[0],
                    now - (int) a[1] * 86_400_000L);
        }
    }

    @Override
    public void close() {
        closed = true;
        scheduler.interrupt();
        drainer.interrupt();
        deliveries.close();
        committer.close();
    }

    /** Configures a bus on an engine's database; everything else has defaults. */
    public static final class Builder {
        private final Engine engine;
        private Clock clock = Clock.SYSTEM;
        private Entropy entropy = Entropy.SYSTEM;
        private String nodeId = "events-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        private TargetSender sender;
        private DeliveryListener deliveryListener = DeliveryListener.NONE;
        private Duration poll = Duration.ofMillis(500);
        private Duration lease = Duration.ofSeconds(30);
        private Duration baseBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofMinutes(15);
        private int concurrency = 64;

        private Builder(Engine engine) {
            this.engine = Objects.requireNonNull(engine, "engine");
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public Builder entropy(Entropy entropy) {
            this.entropy = Objects.requireNonNull(entropy);
            return this;
        }

        public Builder nodeId(String nodeId) {
            this.nodeId = Objects.requireNonNull(nodeId);
            return this;
        }

        /** Sends to HTTP targets (and any other URL); wrap it for outbound resilience. */
        public Builder sender(TargetSender sender) {
            this.sender = Objects.requireNonNull(sender);
            return this;
        }

        /** Told of every delivery attempt (metrics and traces of event deliveries). */
        public Builder deliveryListener(DeliveryListener listener) {
            this.deliveryListener = Objects.requireNonNull(listener);
            return this;
        }

        public Builder poll(Duration poll) {
            this.poll = Objects.requireNonNull(poll);
            return this;
        }

        public Builder lease(Duration lease) {
            this.lease = Objects.requireNonNull(lease);
            return this;
        }

        /** Retry back-off: full jitter over {@code base × 2^attempt}, capped at {@code max}. */
        public Builder backoff(Duration base, Duration max) {
            this.baseBackoff = Objects.requireNonNull(base);
            this.maxBackoff = Objects.requireNonNull(max);
            return this;
        }

        public Builder concurrency(int concurrency) {
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1, was " + concurrency);
            }
            this.concurrency = concurrency;
            return this;
        }

        public EventBus build() {
            return new EventBus(this);
        }
    }
}
