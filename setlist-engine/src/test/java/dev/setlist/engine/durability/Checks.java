package dev.setlist.engine.durability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What must hold once every node is done, read straight from the database: the engine's rows
 * and the effect tables of {@link Fixtures}. Each check collects every violation (not just the
 * first) so that a failure tells the whole story.
 */
final class Checks {
    private Checks() {}

    /** What the database shows, for the test's report. */
    record Summary(int executions, int acknowledged, int effects, int invocations, int keysInvokedAgain,
                   int invocationsNotApplied, int executionsWithRescheduledTasks, Map<String, Integer> effectsByNode) {
        @Override
        public String toString() {
            return executions + " executions (" + acknowledged + " acknowledged), " + effects + " effects applied from "
                    + invocations + " invocations; " + keysInvokedAgain + " keys invoked again ("
                    + invocationsNotApplied + " repeat invocations found their effect applied); "
                    + executionsWithRescheduledTasks + " histories re-schedule a task after a crash; effects by node "
                    + effectsByNode;
        }
    }

    /** The names in an acknowledgement file: complete lines only (a torn last line was never acknowledged). */
    static Set<String> acknowledged(Path file) throws IOException {
        Set<String> names = new LinkedHashSet<>();
        if (!Files.exists(file)) {
            return names;
        }
        String text = Files.readString(file);
        int end = text.lastIndexOf('\n');
        if (end < 0) {
            return names;
        }
        for (String line : text.substring(0, end).split("\n")) {
            if (!line.isBlank()) {
                names.add(line.trim());
            }
        }
        return names;
    }

    /**
     * Checks the executions of {@link Fixtures#MACHINE}: every acknowledged start exists and every
     * execution (acknowledged or not) SUCCEEDED; each expected effect was applied exactly once,
     * under one idempotency key, and no invocation applied an effect twice; each history is
     * numbered 1..n with one ExecutionStarted first and one ExecutionSucceeded last, and records
     * each task's success once. Returns what it saw; throws AssertionError listing every problem.
     */
    static Summary verify(Connection c, String smArn, Set<String> acked, Set<String> possibleNames) throws SQLException {
        List<String> problems = new ArrayList<>();
        record Exec(long id, String name, String status, String error, String cause) {}
        Map<String, Exec> byName = new TreeMap<>();
        query(c, "SELECT id, name, status, error, cause FROM sl_execution WHERE state_machine_arn = ?", rs -> {
            Exec e = new Exec(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5));
            byName.put(e.name, e);
        }, smArn);

        for (String name : acked) {
            if (!byName.containsKey(name)) {
                problems.add("acknowledged start " + name + " does not exist");
            }
        }
        for (Exec e : byName.values()) {
            if (!possibleNames.contains(e.name)) {
                problems.add("execution " + e.name + " was never started by the test");
            }
            if (!e.status.equals("SUCCEEDED")) {
                problems.add("execution " + e.name + " is " + e.status + (e.error == null ? "" : " (" + e.error + ": "
                        + e.cause + ")"));
            }
        }

        // Effects: exactly the expected ones, once each.
        Map<String, List<String>> effects = new HashMap<>();
        Map<String, Integer> byNode = new TreeMap<>();
        int[] effectCount = {0};
        query(c, "SELECT execution, step, item, idempotency_key, attempt, node FROM effects", rs -> {
            String exec = rs.getString(1);
            String what = rs.getString(2) + "/" + rs.getInt(3);
            effects.computeIfAbsent(exec, k -> new ArrayList<>()).add(what);
            byNode.merge(rs.getString(6), 1, Integer::sum);
            effectCount[0]++;
            if (what.equals("R/-1") && rs.getInt(5) != 1) {
                problems.add("the effect of R in " + exec + " was applied by attempt " + rs.getInt(5) + ", not 1");
            }
        });
        for (Exec e : byName.values()) {
            List<String> got = new ArrayList<>(effects.getOrDefault(e.name, List.of()));
            for (String want : Fixtures.EXPECTED_EFFECTS) {
                if (!got.remove(want)) {
                    problems.add("execution " + e.name + " lacks its effect " + want);
                }
            }
            if (!got.isEmpty()) {
                problems.add("execution " + e.name + " applied extra effects (another idempotency key for the same"
                        + " step, or an unexpected step): " + got);
            }
        }
        for (String exec : effects.keySet()) {
            if (!byName.containsKey(exec)) {
                problems.add("effects of unknown execution " + exec);
            }
        }

        // Invocations: each key applied once at most, and every applied key has its effect row.
        int[] inv = {0, 0, 0};
        query(c, "SELECT i.idempotency_key, COUNT(*), SUM(i.applied), MAX(CASE WHEN e.idempotency_key IS NULL THEN 0"
                + " ELSE 1 END) FROM invocations i LEFT JOIN effects e ON e.idempotency_key = i.idempotency_key"
                + " WHERE i.failed = FALSE GROUP BY i.idempotency_key", rs -> {
                    long n = rs.getLong(2);
                    long applied = rs.getLong(3);
                    inv[0] += (int) n;
                    if (n > 1) {
                        inv[1]++;
                        inv[2] += (int) (n - applied);
                    }
                    if (applied != 1) {
                        problems.add("key " + rs.getString(1) + " was applied " + applied + " times in " + n
                                + " invocations");
                    }
                    if (rs.getInt(4) != 1) {
                        problems.add("key " + rs.getString(1) + " has no effect row");
                    }
                });

        // Histories.
        Map<Long, String> nameById = new HashMap<>();
        byName.values().forEach(e -> nameById.put(e.id, e.name));
        record Event(long id, long previous, String type) {}
        Map<Long, List<Event>> events = new HashMap<>();
        query(c, "SELECT execution_id, id, previous_id, type FROM sl_event WHERE execution_id IN (SELECT id FROM"
                + " sl_execution WHERE state_machine_arn = ?) ORDER BY execution_id, id", rs -> events.computeIfAbsent(
                        rs.getLong(1), k -> new ArrayList<>()).add(new Event(rs.getLong(2), rs.getLong(3), rs.getString(4))),
                smArn);
        int rescheduled = 0;
        for (Exec e : byName.values()) {
            List<Event> h = events.getOrDefault(e.id, List.of());
            String where = "history of " + e.name + ": ";
            Map<String, Integer> counts = new HashMap<>();
            boolean gap = false;
            for (int i = 0; i < h.size(); i++) {
                Event ev = h.get(i);
                if (ev.id != i + 1 && !gap) {
                    problems.add(where + "event " + (i + 1) + " has id " + ev.id + " (ids must be 1..n)");
                    gap = true;
                }
                if (ev.previous < 0 || ev.previous >= ev.id) {
                    problems.add(where + "event " + ev.id + " names previous event " + ev.previous);
                }
                counts.merge(ev.type, 1, Integer::sum);
            }
            if (h.isEmpty()) {
                problems.add(where + "empty");
                continue;
            }
            if (!h.get(0).type.equals("ExecutionStarted") || counts.getOrDefault("ExecutionStarted", 0) != 1) {
                problems.add(where + "ExecutionStarted must come first and once, counts " + counts);
            }
            if (e.status.equals("SUCCEEDED") && (!h.get(h.size() - 1).type.equals("ExecutionSucceeded")
                    || counts.getOrDefault("ExecutionSucceeded", 0) != 1)) {
                problems.add(where + "ExecutionSucceeded must come last and once, counts " + counts);
            }
            for (String end : List.of("ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut")) {
                if (counts.containsKey(end)) {
                    problems.add(where + "has " + end);
                }
            }
            if (counts.getOrDefault("TaskSucceeded", 0) != Fixtures.EXPECTED_EFFECTS.size()
                    || counts.getOrDefault("TaskFailed", 0) != 1) {
                problems.add(where + "wants " + Fixtures.EXPECTED_EFFECTS.size() + " TaskSucceeded and 1 TaskFailed, has "
                        + counts);
            }
            if (counts.getOrDefault("WaitStateExited", 0) != 1 || counts.getOrDefault("MapIterationSucceeded", 0)
                    != Fixtures.ITEMS || counts.getOrDefault("ParallelStateSucceeded", 0) != 1) {
                problems.add(where + "wants one Wait, " + Fixtures.ITEMS + " Map iterations and one Parallel, has " + counts);
            }
            int scheduled = counts.getOrDefault("TaskScheduled", 0);
            if (scheduled > Fixtures.EXPECTED_EFFECTS.size() + 1) {
                rescheduled++;
            }
        }
        if (!problems.isEmpty()) {
            int shown = Math.min(problems.size(), 40);
            throw new AssertionError(problems.size() + " problems:\n  " + String.join("\n  ", problems.subList(0, shown))
                    + (shown < problems.size() ? "\n  ..." : ""));
        }
        return new Summary(byName.size(), acked.size(), effectCount[0], inv[0], inv[1], inv[2], rescheduled, byNode);
    }

    @FunctionalInterface
    interface Row {
        void accept(ResultSet rs) throws SQLException;
    }

    static void query(Connection c, String sql, Row row, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    row.accept(rs);
                }
            }
        }
    }
}
