package dev.setlist.server.sfn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.setlist.asl.Clock;
import dev.setlist.engine.Page;
import dev.setlist.engine.StateMachineInfo;
import dev.setlist.engine.StateMachineType;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Json;
import dev.setlist.server.store.Sql;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * State machine versions and aliases, kept in the server's tables. A version is an immutable
 * copy of a state machine's definition and role at one revision, numbered from 1 (its ARN is the
 * state machine's ARN + {@code :N}); an alias routes executions to one version, or splits them
 * by weight between two (its ARN is the state machine's ARN + {@code :name}). Weighted routing
 * draws from the injected random source. Thread safe.
 */
public final class Versions {
    private static final Pattern ALIAS_NAME = Pattern.compile("(?=.*[a-zA-Z_\\-.])[a-zA-Z0-9_\\-.]{1,80}");
    private static final int MAX_VERSIONS = 1000;
    private static final int MAX_ALIASES = 100;

    private final Sql sql;
    private final Clock clock;
    private final DoubleSupplier random;

    public Versions(Sql sql, Clock clock, DoubleSupplier random) {
        this.sql = sql;
        this.clock = clock;
        this.random = random;
    }

    public record Version(String arn, String stateMachineArn, int number, StateMachineType type, String definition,
                          String roleArn, String description, String revision, Instant created) {

        /** The version as the engine runs it: the unqualified state machine with this definition. */
        public StateMachineInfo asStateMachine(String name) {
            return new StateMachineInfo(stateMachineArn, name, type, definition, roleArn, created, created, revision,
                    description);
        }
    }

    public record Route(String versionArn, int weight) {}

    public record Alias(String arn, String stateMachineArn, String name, String description, List<Route> routing,
                        Instant created, Instant updated) {}

    /** The parts of a state machine ARN: its unqualified ARN and its qualifier (null, a version number or an alias name). */
    public record Qualified(String base, String qualifier) {
        public boolean isVersion() {
            return qualifier != null && qualifier.chars().allMatch(Character::isDigit);
        }

        public boolean isAlias() {
            return qualifier != null && !isVersion();
        }
    }

    public static Qualified split(String arn) {
        if (arn == null) {
            return new Qualified(null, null);
        }
        String[] p = arn.split(":", -1);
        if (p.length == 8 && p[5].equals("stateMachine")) {
            return new Qualified(String.join(":", java.util.Arrays.copyOf(p, 7)), p[7]);
        }
        return new Qualified(arn, null);
    }

    // ---- versions ------------------------------------------------------------------------------

    /**
     * Publishes the state machine's current revision; publishing a revision that already has a
     * version returns that version. {@code expectedRevision}, when given, must be the current one.
     */
    public Version publish(StateMachineInfo sm, String expectedRevision, String description) {
        if (expectedRevision != null && !expectedRevision.equals(sm.revisionId())) {
            throw ApiException.badRequest("ConflictException", "Failed to publish the State Machine version: revisionId '"
                    + expectedRevision + "' is not the current revision '" + sm.revisionId() + "'");
        }
        for (int attempt = 0; ; attempt++) {
            try {
                return sql.transaction(c -> {
                    List<Version> latest = Sql.query(c, "SELECT " + V_COLUMNS + " FROM sl_sm_version WHERE state_machine_arn = ?"
                            + " ORDER BY version DESC LIMIT 1", Versions::versionRow, sm.arn());
                    if (!latest.isEmpty() && latest.get(0).revision().equals(sm.revisionId())) {
                        return latest.get(0);
                    }
                    long count = Sql.query(c, "SELECT COUNT(*) FROM sl_sm_version WHERE state_machine_arn = ?",
                            rs -> rs.getLong(1), sm.arn()).get(0);
                    if (count >= MAX_VERSIONS) {
                        throw ApiException.badRequest("ServiceQuotaExceededException", "State machine '" + sm.arn()
                                + "' already has " + MAX_VERSIONS + " versions; delete some first");
                    }
                    int number = latest.isEmpty() ? 1 : latest.get(0).number() + 1;
                    long now = clock.now().toEpochMilli();
                    Sql.update(c, "INSERT INTO sl_sm_version (state_machine_arn, version, type, definition, role_arn, description,"
                            + " revision, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", sm.arn(), number, sm.type().name(),
                            sm.definition(), sm.roleArn(), description, sm.revisionId(), now);
                    return new Version(sm.arn() + ":" + number, sm.arn(), number, sm.type(), sm.definition(), sm.roleArn(),
                            description, sm.revisionId(), Instant.ofEpochMilli(now));
                });
            } catch (IllegalStateException e) {
                if (attempt >= 2) {
                    throw e;
                }
            }
        }
    }

    private static final String V_COLUMNS = "state_machine_arn, version, type, definition, role_arn, description, revision, created";

    private static Version versionRow(java.sql.ResultSet rs) throws java.sql.SQLException {
        String sm = rs.getString(1);
        int n = rs.getInt(2);
        return new Version(sm + ":" + n, sm, n, StateMachineType.valueOf(rs.getString(3)), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), Instant.ofEpochMilli(rs.getLong(8)));
    }

    public Version version(String versionArn) {
        Qualified q = split(versionArn);
        if (!q.isVersion() || q.qualifier().length() > 9) {
            throw ApiException.badRequest("InvalidArn", "Invalid Arn: '" + versionArn + "' is not a state machine version ARN");
        }
        Version v = sql.one("SELECT " + V_COLUMNS + " FROM sl_sm_version WHERE state_machine_arn = ? AND version = ?",
                Versions::versionRow, q.base(), Integer.parseInt(q.qualifier()));
        if (v == null) {
            throw ApiException.badRequest("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + versionArn + "'");
        }
        return v;
    }

    public Page<Version> listVersions(String stateMachineArn, int limit, String nextToken) {
        int before = nextToken == null ? Integer.MAX_VALUE : Integer.parseInt(decode(nextToken, "ListStateMachineVersions", "\\d+"));
        List<Version> rows = sql.query("SELECT " + V_COLUMNS + " FROM sl_sm_version WHERE state_machine_arn = ? AND version < ?"
                + " ORDER BY version DESC LIMIT ?", Versions::versionRow, stateMachineArn, before, limit + 1);
        return page(rows, limit, v -> Integer.toString(v.number()));
    }

    public void deleteVersion(String versionArn) {
        Qualified q = split(versionArn);
        if (!q.isVersion() || q.qualifier().length() > 9) {
            throw ApiException.badRequest("InvalidArn", "Invalid Arn: '" + versionArn + "' is not a state machine version ARN");
        }
        for (Alias a : aliasesOf(q.base())) {
            for (Route r : a.routing()) {
                if (r.versionArn().equals(versionArn)) {
                    throw ApiException.badRequest("ConflictException", "Version '" + versionArn
                            + "' is referenced by alias '" + a.arn() + "'; update or delete the alias first");
                }
            }
        }
        sql.update("DELETE FROM sl_sm_version WHERE state_machine_arn = ? AND version = ?", q.base(),
                Integer.parseInt(q.qualifier()));
    }

    // ---- aliases -------------------------------------------------------------------------------

    /** Checks a routing configuration: one or two versions of one state machine, weights adding up to 100. */
    public List<Route> routing(List<Req> entries, String member) {
        if (entries.isEmpty() || entries.size() > 2) {
            throw ApiException.validation("1 validation error detected: Value at '" + member + "' failed to satisfy"
                    + " constraint: Member must have length " + (entries.isEmpty() ? "greater than or equal to 1"
                    : "less than or equal to 2"));
        }
        List<Route> out = new ArrayList<>();
        String machine = null;
        int total = 0;
        for (int i = 0; i < entries.size(); i++) {
            Req e = entries.get(i);
            String arn = e.str("stateMachineVersionArn", 1, 2048);
            Integer weight = e.optInt("weight", 0, 100);
            if (weight == null) {
                throw ApiException.missing(e.path("weight"));
            }
            Version v = version(arn);
            if (machine != null && !machine.equals(v.stateMachineArn())) {
                throw ApiException.validation("All versions of an alias's routing configuration must belong to one state"
                        + " machine; '" + arn + "' does not belong to '" + machine + "'");
            }
            if (out.stream().anyMatch(r -> r.versionArn().equals(arn))) {
                throw ApiException.validation("Version '" + arn + "' appears twice in " + member);
            }
            machine = v.stateMachineArn();
            total += weight;
            out.add(new Route(arn, weight));
        }
        if (total != 100) {
            throw ApiException.validation("The weights of " + member + " must add up to 100, they add up to " + total);
        }
        return out;
    }

    public Alias createAlias(String name, String description, List<Route> routing) {
        if (name == null || !ALIAS_NAME.matcher(name).matches()) {
            throw ApiException.badRequest("InvalidName", "Invalid Name: '" + name + "' (alias names are 1 to 80 letters,"
                    + " digits, '-', '_' or '.', and not all digits)");
        }
        String machine = split(routing.get(0).versionArn()).base();
        String arn = machine + ":" + name;
        long now = clock.now().toEpochMilli();
        Alias existing = aliasOrNull(arn);
        if (existing != null) {
            if (existing.routing().equals(routing) && java.util.Objects.equals(existing.description(), description)) {
                return existing;
            }
            throw ApiException.badRequest("ConflictException", "Alias '" + arn + "' already exists with a different"
                    + " configuration");
        }
        if (aliasesOf(machine).size() >= MAX_ALIASES) {
            throw ApiException.badRequest("ServiceQuotaExceededException", "State machine '" + machine + "' already has "
                    + MAX_ALIASES + " aliases");
        }
        sql.update("INSERT INTO sl_sm_alias (arn, state_machine_arn, name, description, routing, created, updated)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)", arn, machine, name, description, Json.text(routingJson(routing)), now, now);
        return alias(arn);
    }

    public Alias alias(String aliasArn) {
        Qualified q = split(aliasArn);
        if (!q.isAlias()) {
            throw ApiException.badRequest("InvalidArn", "Invalid Arn: '" + aliasArn + "' is not a state machine alias ARN");
        }
        Alias a = aliasOrNull(aliasArn);
        if (a == null) {
            throw ApiException.badRequest("ResourceNotFound", "Resource not found: '" + aliasArn + "'");
        }
        return a;
    }

    private Alias aliasOrNull(String arn) {
        return sql.one("SELECT " + A_COLUMNS + " FROM sl_sm_alias WHERE arn = ?", Versions::aliasRow, arn);
    }

    public Alias updateAlias(String aliasArn, String description, List<Route> routing) {
        Alias a = alias(aliasArn);
        if (routing != null && !split(routing.get(0).versionArn()).base().equals(a.stateMachineArn())) {
            throw ApiException.validation("The routing configuration of alias '" + aliasArn + "' must name versions of '"
                    + a.stateMachineArn() + "'");
        }
        sql.update("UPDATE sl_sm_alias SET description = ?, routing = ?, updated = ? WHERE arn = ?",
                description != null ? description : a.description(), Json.text(routingJson(routing != null ? routing : a.routing())),
                clock.now().toEpochMilli(), aliasArn);
        return alias(aliasArn);
    }

    public void deleteAlias(String aliasArn) {
        Qualified q = split(aliasArn);
        if (!q.isAlias()) {
            throw ApiException.badRequest("InvalidArn", "Invalid Arn: '" + aliasArn + "' is not a state machine alias ARN");
        }
        sql.update("DELETE FROM sl_sm_alias WHERE arn = ?", aliasArn);
    }

    public Page<Alias> listAliases(String stateMachineArn, int limit, String nextToken) {
        String after = nextToken == null ? "" : decode(nextToken, "ListStateMachineAliases", ".*");
        List<Alias> rows = sql.query("SELECT " + A_COLUMNS + " FROM sl_sm_alias WHERE state_machine_arn = ? AND name > ?"
                + " ORDER BY name LIMIT ?", Versions::aliasRow, stateMachineArn, after, limit + 1);
        return page(rows, limit, Alias::name);
    }

    private List<Alias> aliasesOf(String stateMachineArn) {
        return sql.query("SELECT " + A_COLUMNS + " FROM sl_sm_alias WHERE state_machine_arn = ?", Versions::aliasRow,
                stateMachineArn);
    }

    /** Picks the version an alias routes this execution to. */
    public String route(Alias alias) {
        if (alias.routing().size() == 1) {
            return alias.routing().get(0).versionArn();
        }
        double draw = random.getAsDouble() * 100;
        Route first = alias.routing().get(0);
        return draw < first.weight() ? first.versionArn() : alias.routing().get(1).versionArn();
    }

    private static final String A_COLUMNS = "arn, state_machine_arn, name, description, routing, created, updated";

    private static Alias aliasRow(java.sql.ResultSet rs) throws java.sql.SQLException {
        List<Route> routing = new ArrayList<>();
        JsonNode stored;
        try {
            stored = Json.MAPPER.readTree(rs.getString(5));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new java.sql.SQLException("Alias " + rs.getString(1) + " has an unreadable routing configuration", e);
        }
        for (JsonNode r : stored instanceof ArrayNode a ? a : Json.array()) {
            routing.add(new Route(r.get("stateMachineVersionArn").textValue(), r.get("weight").intValue()));
        }
        return new Alias(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), List.copyOf(routing),
                Instant.ofEpochMilli(rs.getLong(6)), Instant.ofEpochMilli(rs.getLong(7)));
    }

    static ArrayNode routingJson(List<Route> routing) {
        ArrayNode a = Json.array();
        for (Route r : routing) {
            a.addObject().put("stateMachineVersionArn", r.versionArn()).put("weight", r.weight());
        }
        return a;
    }

    // ---- executions and deletion ---------------------------------------------------------------

    public record Ref(String versionArn, String aliasArn) {}

    public void recordStart(String executionArn, String versionArn, String aliasArn) {
        sql.update("INSERT INTO sl_execution_ref (execution_arn, version_arn, alias_arn) VALUES (?, ?, ?)", executionArn,
                versionArn, aliasArn);
    }

    public Ref ref(String executionArn) {
        return sql.one("SELECT version_arn, alias_arn FROM sl_execution_ref WHERE execution_arn = ?",
                rs -> new Ref(rs.getString(1), rs.getString(2)), executionArn);
    }

    /** The versions and aliases the executions of a page were started through, in one query (absent: unqualified). */
    public java.util.Map<String, Ref> refs(List<String> executionArns) {
        java.util.Map<String, Ref> out = new java.util.HashMap<>();
        if (executionArns.isEmpty()) {
            return out;
        }
        String marks = String.join(", ", java.util.Collections.nCopies(executionArns.size(), "?"));
        sql.query("SELECT execution_arn, version_arn, alias_arn FROM sl_execution_ref WHERE execution_arn IN (" + marks + ")",
                rs -> out.put(rs.getString(1), new Ref(rs.getString(2), rs.getString(3))), executionArns.toArray());
        return out;
    }

    /** Forgets the versions and aliases of a deleted state machine. */
    public void deleteAll(String stateMachineArn) {
        sql.transaction(c -> {
            Sql.update(c, "DELETE FROM sl_sm_alias WHERE state_machine_arn = ?", stateMachineArn);
            Sql.update(c, "DELETE FROM sl_sm_version WHERE state_machine_arn = ?", stateMachineArn);
            return null;
        });
    }

    // ---- paging --------------------------------------------------------------------------------

    static <T> Page<T> page(List<T> rows, int limit, java.util.function.Function<T, String> key) {
        if (rows.size() <= limit) {
            return new Page<>(rows, null);
        }
        List<T> items = List.copyOf(rows.subList(0, limit));
        return new Page<>(items, Base64.getUrlEncoder().withoutPadding().encodeToString(("s1:" + key.apply(items.get(limit - 1)))
                .getBytes(StandardCharsets.UTF_8)));
    }

    static String decode(String token, String action, String shape) {
        try {
            String s = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (s.startsWith("s1:") && s.substring(3).matches(shape)) {
                return s.substring(3);
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw ApiException.badRequest("InvalidToken", "Invalid Token: the nextToken is not one " + action + " returned");
    }
}
