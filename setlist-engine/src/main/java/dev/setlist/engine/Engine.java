package dev.setlist.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Clock;
import dev.setlist.asl.Entropy;
import dev.setlist.asl.Interpreter;
import dev.setlist.asl.ObjectStore;
import dev.setlist.asl.Problem;
import dev.setlist.asl.StateMachine;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.engine.EngineException.Code;
import dev.setlist.engine.internal.Arns;
import dev.setlist.engine.internal.Db;
import dev.setlist.engine.internal.Json;
import dev.setlist.engine.internal.Runner;
import dev.setlist.engine.internal.StoreException;
import dev.setlist.engine.internal.Tokens;
import dev.setlist.engine.internal.Write;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;

/**
 * Runs Amazon States Language state machines: Standard executions durably in a database (H2
 * embedded by default, PostgreSQL for several nodes), Express executions in memory. The methods
 * mirror the Step Functions API; each either does what it says or throws an
 * {@link EngineException} naming the problem, having changed nothing.
 *
 * <p>Thread safe. Close it to stop claiming work; executions in flight are handed back to the
 * database and resume on the next start (or on another node).
 */
public final class Engine implements AutoCloseable {
    private static final int MAX_PAGE = 1000;
    /** Parses JSON from callers: one value and nothing after it ("{} x" is not JSON; "" is empty, not missing). */
    private static final ObjectReader STRICT_JSON = dev.setlist.asl.JsonLimits.reader();

    private final Db db;
    private final String url;
    private final Runner runner;
    private final Arns arns;
    private final Clock clock;
    private final Entropy entropy;
    private final int payloadLimit;
    private final int maxRunningPerStateMachine;
    /** Definitions already validated (by their SHA-256), so that a start does not validate again. */
    private final java.util.Set<String> checkedDefinitions = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private Engine(Builder b) {
        this.db = b.dataSource != null ? Db.guarded(b.dataSource, b.url) : Db.open(b.url, b.user, b.password, b.poolSize);
        this.url = b.url;
        this.arns = new Arns(b.region, b.account);
        this.clock = b.clock;
        this.entropy = b.entropy;
        this.payloadLimit = b.payloadLimit;
        this.maxRunningPerStateMachine = b.maxRunningPerStateMachine;
        String nodeId = b.nodeId != null ? b.nodeId : "node-" + entropy.uuid().substring(0, 8);
        this.runner = new Runner(db, new Runner.Config(nodeId, b.lease.toMillis(), b.poll.toMillis(), b.maxHistoryEvents,
                b.payloadLimit, b.maxRunningPerStateMachine, b.commitGroup), arns, b.tasks, b.clock, b.entropy, b.objects,
                b.expressHistory, b.listeners);
        this.runner.nestedStarter(this::startNested);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** This engine's region and account, as its ARNs carry them. */
    public String region() {
        return arns.region();
    }

    public String account() {
        return arns.account();
    }

    /** The JDBC URL of the engine's database. */
    public String databaseUrl() {
        return url;
    }

    /**
     * The pool the engine uses (other modules may keep their tables in the same database), behind
     * the database's {@link HealthBreaker}: while it is open, {@code getConnection} fails at once.
     */
    public DataSource dataSource() {
        return db.dataSource();
    }

    /** The database's health breaker (every module's access goes through it). */
    public HealthBreaker databaseHealth() {
        return db.breaker();
    }

    /** True when the database answers; false at once while the health breaker is open. */
    public boolean ready() {
        HealthBreaker breaker = db.breaker();
        if (breaker != null && breaker.isOpen()) {
            return false;
        }
        try {
            return db.queryOne("SELECT 1", rs -> rs.getInt(1)) == 1;
        } catch (RuntimeException e) {
            return false;
        }
    }

    // ---- state machines ------------------------------------------------------------------------

    /**
     * Creates a state machine. Creating one again with the same definition, type and role returns
     * the existing one; with anything else it is {@code StateMachineAlreadyExists}.
     */
    public StateMachineInfo createStateMachine(String name, String definition, StateMachineType type, String roleArn,
                                               String description) {
        Arns.checkName("State machine", name);
        StateMachineType t = type == null ? StateMachineType.STANDARD : type;
        checkDefinition(definition);
        String arn = arns.stateMachine(name);
        String definitionId = Json.sha256(definition);
        long now = clock.now().toEpochMilli();
        StateMachineInfo existing = stateMachineOrNull(arn);
        if (existing != null) {
            if (existing.definition().equals(definition) && existing.type() == t
                    && Objects.equals(existing.roleArn(), roleArn)) {
                return existing;
            }
            throw new EngineException(Code.StateMachineAlreadyExists, "State Machine Already Exists: '" + arn + "'");
        }
        try {
            db.transaction(c -> {
                saveDefinition(c, definitionId, definition);
                Db.update(c, "INSERT INTO sl_state_machine (arn, name, type, definition_id, role_arn, description, created,"
                        + " updated, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", arn, name, t.name(), definitionId,
                        roleArn, description, now, now, entropy.uuid());
                return null;
            });
        } catch (StoreException e) {
            if (stateMachineOrNull(arn) != null) {
                return createStateMachine(name, definition, type, roleArn, description);
            }
            throw e;
        }
        return describeStateMachine(arn);
    }

    private void saveDefinition(java.sql.Connection c, String id, String definition) throws SQLException {
        if (Db.query(c, "SELECT 1 FROM sl_definition WHERE id = ?", rs -> 1, id).isEmpty()) {
            Db.update(c, "INSERT INTO sl_definition (id, body) VALUES (?, ?)", id, definition);
        }
    }

    /** Every problem of a definition, as Step Functions' ValidateStateMachineDefinition lists them. */
    public List<Problem> validateDefinition(String definition) {
        return StateMachine.check(definition);
    }

    private static void checkDefinition(String definition) {
        if (definition == null || definition.isBlank()) {
            throw new EngineException(Code.InvalidDefinition, "Invalid State Machine Definition: the definition is missing");
        }
        if (definition.length() > 1024 * 1024) {
            throw new EngineException(Code.InvalidDefinition, "Invalid State Machine Definition: larger than 1 MiB");
        }
        List<Problem> problems = StateMachine.check(definition);
        if (!problems.isEmpty()) {
            StringBuilder sb = new StringBuilder("Invalid State Machine Definition: ");
            for (int i = 0; i < problems.size() && i < 20; i++) {
                sb.append(i == 0 ? "" : "; ").append(problems.get(i));
            }
            if (problems.size() > 20) {
                sb.append("; and ").append(problems.size() - 20).append(" more");
            }
            throw new EngineException(Code.InvalidDefinition, sb.toString());
        }
    }

    /** Changes a state machine's definition and/or role; running executions keep their revision. */
    public StateMachineInfo updateStateMachine(String arn, String definition, String roleArn) {
        StateMachineInfo sm = describeStateMachine(arn);
        if (definition == null && roleArn == null) {
            throw new EngineException(Code.ValidationException, "Either the definition or the roleArn must be given");
        }
        String def = definition == null ? sm.definition() : definition;
        if (definition != null) {
            checkDefinition(definition);
        }
        String definitionId = Json.sha256(def);
        long now = clock.now().toEpochMilli();
        db.transaction(c -> {
            saveDefinition(c, definitionId, def);
            Db.update(c, "UPDATE sl_state_machine SET definition_id = ?, role_arn = ?, updated = ?, revision = ? WHERE arn = ?",
                    definitionId, roleArn == null ? sm.roleArn() : roleArn, now, entropy.uuid(), sm.arn());
            return null;
        });
        return describeStateMachine(arn);
    }

    /** Deletes a state machine; its running executions go on to their end. */
    public void deleteStateMachine(String arn) {
        arns.stateMachineName(arn);
        db.update("DELETE FROM sl_state_machine WHERE arn = ?", arn);
    }

    public StateMachineInfo describeStateMachine(String arn) {
        arns.stateMachineName(arn);
        StateMachineInfo sm = stateMachineOrNull(arn);
        if (sm == null) {
            throw new EngineException(Code.StateMachineDoesNotExist, "State Machine Does Not Exist: '" + arn + "'");
        }
        return sm;
    }

    private static final String SM_COLUMNS = "s.arn, s.name, s.type, d.body, s.role_arn, s.created, s.updated, s.revision,"
            + " s.description";

    private static StateMachineInfo smRow(java.sql.ResultSet rs) throws SQLException {
        return new StateMachineInfo(rs.getString(1), rs.getString(2), StateMachineType.valueOf(rs.getString(3)),
                rs.getString(4), rs.getString(5), Instant.ofEpochMilli(rs.getLong(6)), Instant.ofEpochMilli(rs.getLong(7)),
                rs.getString(8), rs.getString(9));
    }

    private StateMachineInfo stateMachineOrNull(String arn) {
        return db.queryOne("SELECT " + SM_COLUMNS + " FROM sl_state_machine s JOIN sl_definition d ON d.id = s.definition_id"
                + " WHERE s.arn = ?", Engine::smRow, arn);
    }

    public Page<StateMachineInfo> listStateMachines(Integer maxResults, String nextToken) {
        int limit = pageSize(maxResults);
        String after = nextToken == null ? "" : decodeToken(nextToken, "ListStateMachines");
        List<StateMachineInfo> rows = db.query("SELECT " + SM_COLUMNS + " FROM sl_state_machine s JOIN sl_definition d"
                + " ON d.id = s.definition_id WHERE s.name > ? ORDER BY s.name LIMIT ?", Engine::smRow, after, limit + 1);
        return page(rows, limit, sm -> sm.name());
    }

    /** The definition an execution runs (its revision, even if the state machine changed since). */
    public StateMachineInfo describeStateMachineForExecution(String executionArn) {
        arns.executionParts(executionArn);
        StateMachineInfo sm = db.queryOne("SELECT s.arn, s.name, e.type, d.body, s.role_arn, s.created, s.updated, s.revision,"
                + " s.description FROM sl_execution e JOIN sl_definition d ON d.id = e.definition_id"
                + " LEFT JOIN sl_state_machine s ON s.arn = e.state_machine_arn WHERE e.arn = ?", rs -> {
                    if (rs.getString(1) == null) {
                        return null;
                    }
                    return smRow(rs);
                }, executionArn);
        if (sm == null) {
            throw new EngineException(Code.ExecutionDoesNotExist, "Execution Does Not Exist: '" + executionArn + "'");
        }
        return sm;
    }

    // ---- executions ----------------------------------------------------------------------------

    /**
     * Starts an execution; idempotent by name: the same name and input as a running execution
     * return it, anything else with a used name is {@code ExecutionAlreadyExists}. For a Standard
     * machine the start is committed when this returns.
     */
    public ExecutionInfo startExecution(String stateMachineArn, String name, String input, String traceHeader) {
        return startExecution(describeStateMachine(stateMachineArn), name, input, traceHeader);
    }

    /**
     * Starts an execution of the given definition, for callers that resolve versions and aliases
     * themselves: {@code sm.arn()} must be the (unqualified) state machine's ARN, {@code sm.definition()}
     * the definition to run (for example a published version's).
     */
    public ExecutionInfo startExecution(StateMachineInfo sm, String name, String input, String traceHeader) {
        checkOnce(sm.definition());
        String execName = name == null ? entropy.uuid() : name;
        Arns.checkName("Execution", execName);
        String text = input == null ? "{}" : input;
        JsonNode parsed = parseInput(text);
        Runner.StartSpec spec = spec(sm, execName, parsed, text, null, traceHeader);
        if (sm.type() == StateMachineType.EXPRESS) {
            runner.startExpress(spec);
            return new ExecutionInfo(spec.arn(), sm.arn(), execName, StateMachineType.EXPRESS, ExecutionStatus.RUNNING,
                    text, null, null, null, clock.now(), null, 0, null, null, null, traceHeader);
        }
        return startStandard(spec, false);
    }

    /** Validates a definition given by a caller, once per definition (by its SHA-256). */
    private void checkOnce(String definition) {
        String id = Json.sha256(definition);
        if (checkedDefinitions.add(id)) {
            try {
                checkDefinition(definition);
            } catch (EngineException e) {
                checkedDefinitions.remove(id);
                throw e;
            }
        }
    }

    private Runner.StartSpec spec(StateMachineInfo sm, String name, JsonNode input, String text, String parentToken,
                                  String traceHeader) {
        String arn = arns.execution(sm.name(), name, sm.type() == StateMachineType.EXPRESS);
        String definitionId = Json.sha256(sm.definition());
        // The compiled machine is cached by definition: no parse of the definition per start.
        Integer timeout = runner.timeoutSeconds(definitionId, sm.definition());
        return new Runner.StartSpec(arn, sm.arn(), sm.name(), name, sm.type() == StateMachineType.EXPRESS,
                definitionId, sm.definition(), input, text,
                sm.roleArn() == null ? "arn:aws:iam::" + arns.account() + ":role/setlist" : sm.roleArn(), timeout,
                parentToken, null, traceHeader);
    }

    private ExecutionInfo startStandard(Runner.StartSpec spec, boolean internal) {
        ExecutionInfo existing = executionOrNull(spec.arn());
        if (existing != null) {
            return sameStart(existing, spec, internal);
        }
        if (maxRunningPerStateMachine > 0) {
            Long running = db.queryOne("SELECT COUNT(*) FROM sl_execution WHERE state_machine_arn = ? AND status = 'RUNNING'",
                    rs -> rs.getLong(1), spec.stateMachineArn());
            if (running >= maxRunningPerStateMachine) {
                throw new EngineException(Code.ExecutionLimitExceeded, "Execution Limit Exceeded: '"
                        + spec.stateMachineArn() + "' already has " + running + " running executions (the limit is "
                        + maxRunningPerStateMachine + ")");
            }
        }
        Write write = new Write();
        var run = runner.prepare(spec, write);
        ExecutionInfo info = new ExecutionInfo(spec.arn(), spec.stateMachineArn(), spec.name(), StateMachineType.STANDARD,
                ExecutionStatus.RUNNING, spec.inputText(), null, null, null, run.startedAt(), null, 0, null, null, null,
                spec.traceHeader());
        // The start's status-change effects (an event, say) commit with the start.
        runner.stageStatus(info, write);
        runner.submit(write);
        try {
            write.done().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException(Code.ServiceUnavailable, "Interrupted while starting the execution");
        } catch (ExecutionException e) {
            ExecutionInfo now = executionOrNull(spec.arn());
            if (now != null) {
                return sameStart(now, spec, internal);
            }
            throw new EngineException(Code.ServiceUnavailable, "The execution could not be started: "
                    + e.getCause().getMessage());
        }
        runner.begin(run);
        runner.announce(info);
        return info;
    }

    private ExecutionInfo sameStart(ExecutionInfo existing, Runner.StartSpec spec, boolean internal) {
        boolean sameInput = Json.sha256(existing.input()).equals(Json.sha256(spec.inputText()));
        if (sameInput && (internal || existing.status() == ExecutionStatus.RUNNING)) {
            return existing;
        }
        throw new EngineException(Code.ExecutionAlreadyExists, "Execution Already Exists: '" + spec.arn() + "'"
                + (sameInput ? " (it is " + existing.status() + ")" : " (with a different input)"));
    }

    private JsonNode parseInput(String text) {
        if (text.getBytes(StandardCharsets.UTF_8).length > payloadLimit) {
            throw new EngineException(Code.InvalidExecutionInput, "Invalid State Machine Execution Input: larger than "
                    + payloadLimit + " bytes");
        }
        try {
            JsonNode node = STRICT_JSON.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new EngineException(Code.InvalidExecutionInput, "Invalid State Machine Execution Input: empty");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new EngineException(Code.InvalidExecutionInput, "Invalid State Machine Execution Input: "
                    + dev.setlist.asl.JsonLimits.describe(e));
        }
    }

    /** The engine's {@code states:startExecution} integration. */
    private JsonNode startNested(JsonNode parameters, String defaultName, String parentToken) {
        JsonNode smArn = parameters.get("StateMachineArn");
        if (smArn == null || !smArn.isTextual()) {
            throw new EngineException(Code.ValidationException, "states:startExecution needs a StateMachineArn string");
        }
        StateMachineInfo sm = describeStateMachine(smArn.textValue());
        JsonNode in = parameters.get("Input");
        String text = in == null ? "{}" : in.isTextual() ? in.textValue() : Json.write(in);
        JsonNode parsed = parseInput(text);
        String name = parameters.hasNonNull("Name") ? parameters.get("Name").asText() : defaultName;
        Arns.checkName("Execution", name);
        Runner.StartSpec spec = spec(sm, name, parsed, text, parentToken, null);
        if (sm.type() == StateMachineType.EXPRESS) {
            runner.startExpress(spec);
        } else {
            startStandard(spec, true);
        }
        ObjectNode out = Json.object();
        out.put("ExecutionArn", spec.arn());
        out.put("StartDate", clock.now().toEpochMilli() / 1000.0);
        return out;
    }

    /** Runs an Express execution and waits for its end (StartSyncExecution). */
    public ExecutionInfo startSyncExecution(String stateMachineArn, String name, String input, String traceHeader,
                                            Duration timeout) {
        return startSync(describeStateMachine(stateMachineArn), name, input, traceHeader, timeout);
    }

    /**
     * Runs an Express execution of the given definition and waits for its end, for callers that
     * resolve versions and aliases themselves (as {@link #startExecution(StateMachineInfo, String, String, String)}).
     */
    public ExecutionInfo startSyncExecution(StateMachineInfo sm, String name, String input, String traceHeader,
                                            Duration timeout) {
        checkOnce(sm.definition());
        return startSync(sm, name, input, traceHeader, timeout);
    }

    private ExecutionInfo startSync(StateMachineInfo sm, String name, String input, String traceHeader, Duration timeout) {
        if (sm.type() != StateMachineType.EXPRESS) {
            throw new EngineException(Code.StateMachineTypeNotSupported, "StartSyncExecution runs EXPRESS state machines; '"
                    + sm.arn() + "' is STANDARD");
        }
        String execName = name == null ? entropy.uuid() : name;
        Arns.checkName("Execution", execName);
        String text = input == null ? "{}" : input;
        Runner.StartSpec spec = spec(sm, execName, parseInput(text), text, null, traceHeader);
        CompletableFuture<ExecutionInfo> done = runner.startExpress(spec);
        try {
            return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException(Code.ServiceUnavailable, "Interrupted while waiting for the execution");
        } catch (ExecutionException e) {
            throw new EngineException(Code.ServiceUnavailable, "The execution failed in the engine: " + e.getCause());
        } catch (TimeoutException e) {
            throw new EngineException(Code.ServiceUnavailable, "The execution did not end within " + timeout);
        }
    }

    public ExecutionInfo describeExecution(String arn) {
        arns.executionParts(arn);
        ExecutionInfo info = executionOrNull(arn);
        if (info == null) {
            throw new EngineException(Code.ExecutionDoesNotExist, "Execution Does Not Exist: '" + arn + "'");
        }
        return info;
    }

    private ExecutionInfo executionOrNull(String arn) {
        return db.queryOne("SELECT " + Runner.INFO_COLUMNS + " FROM sl_execution WHERE arn = ?", Runner::infoRow, arn);
    }

    private long executionId(String arn) {
        arns.executionParts(arn);
        Long id = db.queryOne("SELECT id FROM sl_execution WHERE arn = ?", rs -> rs.getLong(1), arn);
        if (id == null) {
            throw new EngineException(Code.ExecutionDoesNotExist, "Execution Does Not Exist: '" + arn + "'");
        }
        return id;
    }

    /**
     * Executions of a state machine (or of a Map Run), newest first, optionally of one status.
     */
    public Page<ExecutionInfo> listExecutions(String stateMachineArn, String mapRunArn, ExecutionStatus status,
                                              Integer maxResults, String nextToken) {
        if ((stateMachineArn == null) == (mapRunArn == null)) {
            throw new EngineException(Code.ValidationException, "Give exactly one of stateMachineArn and mapRunArn");
        }
        if (stateMachineArn != null) {
            describeStateMachine(stateMachineArn);
        }
        int limit = pageSize(maxResults);
        long afterStarted = Long.MAX_VALUE;
        long afterId = Long.MAX_VALUE;
        if (nextToken != null) {
            String[] p = decodeToken(nextToken, "ListExecutions").split(":");
            try {
                afterStarted = Long.parseLong(p[0]);
                afterId = Long.parseLong(p[1]);
            } catch (RuntimeException e) {
                throw new EngineException(Code.ValidationException, "Invalid nextToken for ListExecutions");
            }
        }
        List<Object> params = new ArrayList<>();
        StringBuilder sql = new StringBuilder("SELECT " + Runner.INFO_COLUMNS + ", id FROM sl_execution WHERE ");
        if (stateMachineArn != null) {
            sql.append("state_machine_arn = ? AND map_run_arn IS NULL");
            params.add(stateMachineArn);
        } else {
            sql.append("map_run_arn = ?");
            params.add(mapRunArn);
        }
        if (status != null) {
            sql.append(" AND status = ?");
            params.add(status.name());
        }
        sql.append(" AND (started < ? OR (started = ? AND id < ?)) ORDER BY started DESC, id DESC LIMIT ?");
        params.add(afterStarted);
        params.add(afterStarted);
        params.add(afterId);
        params.add(limit + 1);
        record Row(ExecutionInfo info, long id) {}
        List<Row> rows = db.query(sql.toString(), rs -> new Row(Runner.infoRow(rs), rs.getLong(17)), params.toArray());
        List<ExecutionInfo> items = new ArrayList<>();
        for (int i = 0; i < Math.min(limit, rows.size()); i++) {
            items.add(rows.get(i).info);
        }
        String token = null;
        if (rows.size() > limit) {
            Row last = rows.get(limit - 1);
            token = encodeToken(last.info.startDate().toEpochMilli() + ":" + last.id);
        }
        return new Page<>(items, token);
    }

    /** An execution's events, oldest first (or newest first), a page at a time. */
    public Page<HistoryRecord> getExecutionHistory(String arn, Integer maxResults, boolean reverseOrder, String nextToken,
                                                   boolean includeExecutionData) {
        long id = executionId(arn);
        int limit = pageSize(maxResults);
        long after = reverseOrder ? Long.MAX_VALUE : 0;
        if (nextToken != null) {
            try {
                after = Long.parseLong(decodeToken(nextToken, "GetExecutionHistory"));
            } catch (NumberFormatException e) {
                throw new EngineException(Code.ValidationException, "Invalid nextToken for GetExecutionHistory");
            }
        }
        String sql = "SELECT id, previous_id, ts, type, details FROM sl_event WHERE execution_id = ? AND id "
                + (reverseOrder ? "< ? ORDER BY id DESC" : "> ? ORDER BY id") + " LIMIT ?";
        List<HistoryRecord> rows = db.query(sql, rs -> {
            String d = rs.getString(5);
            ObjectNode details = d == null ? null : (ObjectNode) Json.read(d);
            if (details != null && !includeExecutionData) {
                details.forEach(inner -> {
                    if (inner instanceof ObjectNode o) {
                        o.remove(List.of("input", "output", "parameters", "inputDetails", "outputDetails", "parametersDetails"));
                    }
                });
            }
            return new HistoryRecord(rs.getLong(1), rs.getLong(2), Instant.ofEpochMilli(rs.getLong(3)), rs.getString(4),
                    details);
        }, id, after, limit + 1);
        return page(rows, limit, e -> Long.toString(e.id()));
    }

    /** Stops a running execution (ABORTED with this error and cause); returns when it stopped. */
    public Instant stopExecution(String arn, String error, String cause) {
        if (error != null && error.length() > 256) {
            throw new EngineException(Code.ValidationException, "error must be at most 256 characters, was " + error.length());
        }
        if (cause != null && cause.length() > 32768) {
            throw new EngineException(Code.ValidationException, "cause must be at most 32768 characters, was "
                    + cause.length());
        }
        if (arn != null && arn.contains(":express:")) {
            throw new EngineException(Code.ValidationException, "Express executions cannot be stopped here: '" + arn + "'");
        }
        long id = executionId(arn);
        runner.stopStored(id, error, cause);
        ExecutionInfo info = describeExecution(arn);
        return info.stopDate() == null ? clock.now() : info.stopDate();
    }

    /** Redrives a FAILED, TIMED_OUT or ABORTED execution from where it failed. */
    public Instant redriveExecution(String arn) {
        long id = executionId(arn);
        runner.redrive(id);
        return clock.now();
    }

    /** Waits until an execution ends (on any node) or the timeout passes; returns it as it then is. */
    public ExecutionInfo awaitExecution(String arn, Duration timeout) {
        long id = executionId(arn);
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<ExecutionInfo> f = runner.whenEnded(id);
        try {
            while (true) {
                ExecutionInfo info = describeExecution(arn);
                if (info.status().terminal()) {
                    return info;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return info;
                }
                try {
                    f.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(250)), TimeUnit.NANOSECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    // poll the database again: it may have ended on another node
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return describeExecution(arn);
                }
            }
        } finally {
            runner.forgetWaiter(id, f);
        }
    }

    // ---- callbacks -----------------------------------------------------------------------------

    public void sendTaskSuccess(String taskToken, String output) {
        Tokens.parse(taskToken);
        if (output == null) {
            throw new EngineException(Code.InvalidOutput, "Invalid Output: the output is missing");
        }
        if (output.getBytes(StandardCharsets.UTF_8).length > payloadLimit) {
            throw new EngineException(Code.InvalidOutput, "Invalid Output: larger than " + payloadLimit + " bytes");
        }
        JsonNode parsed;
        try {
            parsed = STRICT_JSON.readTree(output);
        } catch (JsonProcessingException e) {
            throw new EngineException(Code.InvalidOutput, "Invalid Output: " + dev.setlist.asl.JsonLimits.describe(e));
        }
        if (parsed == null || parsed.isMissingNode()) {
            throw new EngineException(Code.InvalidOutput, "Invalid Output: empty");
        }
        ObjectNode payload = Json.object();
        payload.set("output", parsed);
        runner.callback(taskToken, "SUCCESS", payload);
    }

    public void sendTaskFailure(String taskToken, String error, String cause) {
        Tokens.parse(taskToken);
        if (error != null && error.length() > 256) {
            throw new EngineException(Code.ValidationException, "error must be at most 256 characters, was " + error.length());
        }
        if (cause != null && cause.length() > 32768) {
            throw new EngineException(Code.ValidationException, "cause must be at most 32768 characters, was "
                    + cause.length());
        }
        ObjectNode payload = Json.object();
        payload.put("error", error == null ? "" : error);
        payload.put("cause", cause == null ? "" : cause);
        runner.callback(taskToken, "FAILURE", payload);
    }

    /**
     * The state machine of the execution a task token belongs to (a Map Run's child execution
     * names its own); null when the token names no execution. Throws {@code InvalidToken} when it is
     * not a token of this engine.
     */
    public String stateMachineOfTaskToken(String taskToken) {
        Tokens.Parsed t = Tokens.parse(taskToken);
        return db.queryOne("SELECT state_machine_arn FROM sl_execution WHERE id = ?", rs -> rs.getString(1),
                t.executionId());
    }

    public void sendTaskHeartbeat(String taskToken) {
        Tokens.parse(taskToken);
        runner.callback(taskToken, "HEARTBEAT", null);
    }

    // ---- activities ----------------------------------------------------------------------------

    public ActivityInfo createActivity(String name) {
        Arns.checkName("Activity", name);
        String arn = arns.activity(name);
        ActivityInfo existing = activityOrNull(arn);
        if (existing != null) {
            return existing;
        }
        try {
            db.update("INSERT INTO sl_activity (arn, name, created) VALUES (?, ?, ?)", arn, name, clock.now().toEpochMilli());
        } catch (StoreException e) {
            if (activityOrNull(arn) == null) {
                throw e;
            }
        }
        return describeActivity(arn);
    }

    public void deleteActivity(String arn) {
        arns.activityName(arn);
        db.update("DELETE FROM sl_activity WHERE arn = ?", arn);
    }

    public ActivityInfo describeActivity(String arn) {
        arns.activityName(arn);
        ActivityInfo a = activityOrNull(arn);
        if (a == null) {
            throw new EngineException(Code.ActivityDoesNotExist, "Activity Does Not Exist: '" + arn + "'");
        }
        return a;
    }

    private ActivityInfo activityOrNull(String arn) {
        return db.queryOne("SELECT arn, name, created FROM sl_activity WHERE arn = ?",
                rs -> new ActivityInfo(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3))), arn);
    }

    public Page<ActivityInfo> listActivities(Integer maxResults, String nextToken) {
        int limit = pageSize(maxResults);
        String after = nextToken == null ? "" : decodeToken(nextToken, "ListActivities");
        List<ActivityInfo> rows = db.query("SELECT arn, name, created FROM sl_activity WHERE name > ? ORDER BY name LIMIT ?",
                rs -> new ActivityInfo(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3))), after, limit + 1);
        return page(rows, limit, ActivityInfo::name);
    }

    /**
     * Long-polls (up to {@code wait}) for a task scheduled on the activity; null when none came.
     * The worker then owes SendTaskSuccess or SendTaskFailure (and heartbeats, if the state asks).
     */
    public ActivityTask getActivityTask(String activityArn, String workerName, Duration wait) {
        describeActivity(activityArn);
        if (workerName != null && workerName.length() > 80) {
            throw new EngineException(Code.ValidationException, "workerName must be at most 80 characters");
        }
        String[] task = runner.takeActivityTask(activityArn, workerName, wait.toMillis());
        return task == null ? null : new ActivityTask(task[0], task[1]);
    }

    // ---- map runs ------------------------------------------------------------------------------

    public MapRunInfo describeMapRun(String mapRunArn) {
        if (mapRunArn == null || !mapRunArn.startsWith("arn:aws:states:") || !mapRunArn.contains(":mapRun:")) {
            throw new EngineException(Code.InvalidArn, "Invalid Arn: '" + mapRunArn + "' is not a Map Run ARN");
        }
        MapRunInfo info = db.queryOne("SELECT m.arn, e.arn, m.status, m.started, m.stopped, m.max_concurrency,"
                + " m.tolerated_percentage, m.tolerated_count, m.total FROM sl_map_run m JOIN sl_execution e"
                + " ON e.id = m.execution_id WHERE m.arn = ?", rs -> {
                    Long stopped = Db.longOrNull(rs, "stopped");
                    long total = rs.getLong(9);
                    MapRunInfo.Counts counts = counts(rs.getString(1), total);
                    return new MapRunInfo(rs.getString(1), rs.getString(2), rs.getString(3),
                            Instant.ofEpochMilli(rs.getLong(4)), stopped == null ? null : Instant.ofEpochMilli(stopped),
                            rs.getInt(6), rs.getDouble(7), rs.getLong(8), counts, counts);
                }, mapRunArn);
        if (info == null) {
            throw new EngineException(Code.ResourceNotFound, "Map Run Does Not Exist: '" + mapRunArn + "'");
        }
        return info;
    }

    private MapRunInfo.Counts counts(String mapRunArn, long total) {
        long[] by = new long[5];
        db.query("SELECT status, COUNT(*) FROM sl_execution WHERE map_run_arn = ? GROUP BY status", rs -> {
            int i = switch (ExecutionStatus.valueOf(rs.getString(1))) {
                case RUNNING, PENDING_REDRIVE -> 0;
                case SUCCEEDED -> 1;
                case FAILED -> 2;
                case TIMED_OUT -> 3;
                case ABORTED -> 4;
            };
            by[i] += rs.getLong(2);
            return null;
        }, mapRunArn);
        long started = by[0] + by[1] + by[2] + by[3] + by[4];
        return new MapRunInfo.Counts(Math.max(0, total - started), by[0], by[1], by[2], by[3], by[4], total, by[1] + by[2]);
    }

    /**
     * Records new limits of a Map Run (UpdateMapRun): each given value replaces the stored one;
     * null leaves it. A run in flight keeps the concurrency it started with.
     */
    public MapRunInfo updateMapRun(String mapRunArn, Integer maxConcurrency, Double toleratedFailurePercentage,
                                   Long toleratedFailureCount) {
        MapRunInfo run = describeMapRun(mapRunArn);
        db.update("UPDATE sl_map_run SET max_concurrency = ?, tolerated_percentage = ?, tolerated_count = ? WHERE arn = ?",
                maxConcurrency != null ? maxConcurrency : run.maxConcurrency(),
                toleratedFailurePercentage != null ? toleratedFailurePercentage : run.toleratedFailurePercentage(),
                toleratedFailureCount != null ? toleratedFailureCount : run.toleratedFailureCount(), mapRunArn);
        return describeMapRun(mapRunArn);
    }

    public Page<MapRunInfo> listMapRuns(String executionArn, Integer maxResults, String nextToken) {
        long id = executionId(executionArn);
        int limit = pageSize(maxResults);
        String after = nextToken == null ? "" : decodeToken(nextToken, "ListMapRuns");
        List<String> arnsOfRuns = db.query("SELECT arn FROM sl_map_run WHERE execution_id = ? AND arn > ? ORDER BY arn LIMIT ?",
                rs -> rs.getString(1), id, after, limit + 1);
        List<MapRunInfo> runs = new ArrayList<>();
        for (String a : arnsOfRuns) {
            runs.add(describeMapRun(a));
        }
        return page(runs, limit, MapRunInfo::mapRunArn);
    }

    // ---- paging --------------------------------------------------------------------------------

    private static int pageSize(Integer maxResults) {
        if (maxResults == null || maxResults == 0) {
            return 100;
        }
        if (maxResults < 0 || maxResults > MAX_PAGE) {
            throw new EngineException(Code.ValidationException, "maxResults must be between 0 and " + MAX_PAGE + ", was "
                    + maxResults);
        }
        return maxResults;
    }

    private static <T> Page<T> page(List<T> rows, int limit, java.util.function.Function<T, String> key) {
        if (rows.size() <= limit) {
            return new Page<>(rows, null);
        }
        List<T> items = rows.subList(0, limit);
        return new Page<>(List.copyOf(items), encodeToken(key.apply(items.get(limit - 1))));
    }

    private static String encodeToken(String position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("p1:" + position).getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeToken(String token, String action) {
        try {
            String s = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (!s.startsWith("p1:")) {
                throw new IllegalArgumentException();
            }
            return s.substring(3);
        } catch (IllegalArgumentException e) {
            throw new EngineException(Code.ValidationException, "Invalid nextToken for " + action);
        }
    }

    // ---- life cycle ----------------------------------------------------------------------------

    /**
     * Decides which state machines and activities executions' Task states may reach (see
     * {@link ResourcePolicy}); everything, until set.
     */
    public void resourcePolicy(ResourcePolicy policy) {
        runner.resourcePolicy(policy);
    }

    /**
     * Adds a contributor of rows to the steps' transactions from now on: the rows of status changes
     * and of what tasks emit commit with the step that causes them (see {@link ExecutionEffects}).
     */
    public void addEffects(ExecutionEffects contributor) {
        runner.addEffects(Objects.requireNonNull(contributor, "contributor"));
    }

    /** Adds a listener of execution status changes (started, ended, redriven) from now on. */
    public void addListener(ExecutionListener listener) {
        runner.addListener(Objects.requireNonNull(listener, "listener"));
    }

    /** Forces a look for due work now (normally a background poll does it). */
    public void pollNow() {
        runner.pollNow();
    }

    /** How many executions this node holds in memory right now. */
    public int liveExecutions() {
        return runner.liveCount();
    }

    /** Stops taking work, lets steps in flight commit (up to {@code grace}) and hands the rest back. */
    public void shutdown(Duration grace) {
        runner.shutdown(grace.toMillis());
        db.close();
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(5));
    }

    /** Configures an engine; everything has a default suitable for one embedded node. */
    public static final class Builder {
        private String url = "jdbc:h2:file:./data/setlist";
        private String user = "sa";
        private String password = "";
        private DataSource dataSource;
        private int poolSize = 10;
        private TaskInvoker tasks = new TaskInvoker.Registry();
        private Clock clock = Clock.SYSTEM;
        private Entropy entropy = Entropy.SYSTEM;
        private ObjectStore objects = ObjectStore.inMemory();
        private String nodeId;
        private String region = "us-east-1";
        private String account = "000000000000";
        private Duration lease = Duration.ofSeconds(30);
        private Duration poll = Duration.ofMillis(500);
        private int maxHistoryEvents = 25_000;
        private int payloadLimit = Interpreter.DEFAULT_PAYLOAD_LIMIT;
        private int maxRunningPerStateMachine;
        private int commitGroup = 256;
        private Runner.ExpressHistory expressHistory;
        private final List<ExecutionListener> listeners = new ArrayList<>();

        private Builder() {}

        /** {@code jdbc:h2:file:…} (embedded) or {@code jdbc:postgresql://…}. */
        public Builder database(String url, String user, String password) {
            this.url = Objects.requireNonNull(url, "url");
            this.user = user;
            this.password = password;
            return this;
        }

        /** Uses a pool the caller owns; {@code url} tells which database it is. */
        public Builder dataSource(DataSource dataSource, String url) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.url = Objects.requireNonNull(url, "url");
            return this;
        }

        public Builder poolSize(int size) {
            if (size < 2) {
                throw new IllegalArgumentException("poolSize must be >= 2, was " + size);
            }
            this.poolSize = size;
            return this;
        }

        /** The task handlers, keyed by {@code Resource}. */
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

        /** This node's name in leases (unique among the nodes sharing a database). */
        public Builder nodeId(String nodeId) {
            this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
            return this;
        }

        public Builder region(String region) {
            this.region = Objects.requireNonNull(region, "region");
            return this;
        }

        public Builder account(String account) {
            this.account = Objects.requireNonNull(account, "account");
            return this;
        }

        /** How long a claimed execution stays this node's without renewal (default 30 s). */
        public Builder lease(Duration lease) {
            if (lease.toMillis() < 300) {
                throw new IllegalArgumentException("lease must be >= 300 ms, was " + lease);
            }
            this.lease = lease;
            return this;
        }

        /** How often to look for due work in the database (default 500 ms). */
        public Builder poll(Duration poll) {
            if (poll.toMillis() < 10) {
                throw new IllegalArgumentException("poll must be >= 10 ms, was " + poll);
            }
            this.poll = poll;
            return this;
        }

        public Builder maxHistoryEvents(int max) {
            if (max < 10) {
                throw new IllegalArgumentException("maxHistoryEvents must be >= 10, was " + max);
            }
            this.maxHistoryEvents = max;
            return this;
        }

        public Builder payloadLimit(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("payloadLimit must be > 0, was " + bytes);
            }
            this.payloadLimit = bytes;
            return this;
        }

        /** At most this many RUNNING executions per state machine (0: no limit). */
        public Builder maxRunningPerStateMachine(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxRunningPerStateMachine must be >= 0, was " + max);
            }
            this.maxRunningPerStateMachine = max;
            return this;
        }

        /** At most this many steps per group commit (default 256). */
        public Builder commitGroup(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("commitGroup must be >= 1, was " + max);
            }
            this.commitGroup = max;
            return this;
        }

        /** Writes the history events of Express executions to the log (logger {@code setlist.express}). */
        public Builder expressHistoryToLog() {
            org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger("setlist.express");
            this.expressHistory = (arn, type, details) -> log.info("{} {} {}", arn, type, details == null ? "" : details);
            return this;
        }

        /** Receives the history events of Express executions (they are not stored). */
        public Builder expressHistory(Runner.ExpressHistory history) {
            this.expressHistory = history;
            return this;
        }

        public Builder listener(ExecutionListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        public Engine build() {
            return new Engine(this);
        }
    }
}
