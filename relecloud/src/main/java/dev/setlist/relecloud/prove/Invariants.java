package dev.setlist.relecloud.prove;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.Clock;
import dev.setlist.relecloud.Store;
import dev.setlist.server.http.Json;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * What must hold after a proving run whatever the faults were, read from the database (and the
 * payment gateway's own books): no concert oversold, no acknowledged purchase lost, none
 * duplicated, every execution ended, money taken only for tickets issued, and every call that had
 * to be refused refused. Each check says what it looked at, so a pass means something.
 */
final class Invariants {
    /** One invariant: whether it holds, and what was checked or found. */
    record Check(String name, boolean ok, String details) {}

    private record Purchase(String id, String key, String status, String error, long totalCents, int quantity) {}

    private Invariants() {}

    static List<Check> check(DataSource ds, Map<String, Traffic.Ack> acks, List<JsonNode> authorizations,
                             List<Recorder.Sample> samples) throws SQLException {
        try (Connection c = ds.getConnection()) {
            Map<String, Purchase> byKey = new HashMap<>();
            Map<String, Purchase> byId = new HashMap<>();
            for (Purchase p : purchases(c)) {
                byKey.put(p.key(), p);
                byId.put(p.id(), p);
            }
            Map<String, Integer> issued = new HashMap<>();
            query(c, "SELECT purchase_id, COUNT(*) FROM relecloud_ticket WHERE status = 'ISSUED' GROUP BY purchase_id",
                    rs -> issued.put(rs.getString(1), rs.getInt(2)));
            List<Check> checks = new ArrayList<>();
            checks.add(seats(c, ds));
            checks.add(notLost(acks, byKey, issued));
            checks.add(notDuplicated(c, acks, byId, issued));
            checks.add(terminal(c));
            checks.add(payments(byId, authorizations));
            checks.add(refusals(samples));
            return checks;
        }
    }

    private static Check seats(Connection c, DataSource ds) throws SQLException {
        List<String> problems = new ArrayList<>(new Store(ds, Clock.SYSTEM).checkSeats());
        int[] counts = new int[3];
        query(c, "SELECT c.id, c.capacity, c.seats_left, (SELECT COUNT(*) FROM relecloud_ticket t WHERE t.concert_id ="
                + " c.id AND t.status = 'ISSUED') FROM relecloud_concert c", rs -> {
                    counts[0]++;
                    counts[2] += rs.getInt(4);
                    if (rs.getInt(3) == 0) {
                        counts[1]++;
                    }
                    if (rs.getInt(4) > rs.getInt(2) || rs.getInt(3) < 0) {
                        problems.add("concert " + rs.getLong(1) + ": " + rs.getInt(4) + " tickets for " + rs.getInt(2)
                                + " seats, " + rs.getInt(3) + " left");
                    }
                });
        return new Check("No concert sells more seats than its capacity", problems.isEmpty(), problems.isEmpty()
                ? counts[0] + " concerts, " + counts[1] + " sold out, " + counts[2] + " tickets issued; seats left +"
                + " held + sold = capacity for every concert"
                : String.join("; ", first(problems)));
    }

    private static Check notLost(Map<String, Traffic.Ack> acks, Map<String, Purchase> byKey, Map<String, Integer> issued) {
        List<String> problems = new ArrayList<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        for (Traffic.Ack a : acks.values()) {
            Purchase p = byKey.get(a.key());
            if (p == null) {
                problems.add(a.key() + ": acknowledged as " + a.purchaseIds() + " but not in the database");
                continue;
            }
            if (!a.purchaseIds().contains(p.id())) {
                problems.add(a.key() + ": acknowledged as " + a.purchaseIds() + ", stored as " + p.id());
            }
            int tickets = issued.getOrDefault(p.id(), 0);
            switch (p.status()) {
                case "SUCCEEDED" -> {
                    if (tickets != p.quantity()) {
                        problems.add(p.id() + ": SUCCEEDED with " + tickets + " tickets for " + p.quantity() + " seats");
                    }
                }
                case "FAILED" -> {
                    if (tickets != 0) {
                        problems.add(p.id() + ": FAILED (" + p.error() + ") but " + tickets + " tickets are issued");
                    }
                }
                default -> problems.add(p.id() + ": still " + p.status());
            }
            outcomes.merge(p.status() + (p.error() == null ? "" : " " + p.error()), 1, Integer::sum);
        }
        return new Check("No acknowledged purchase is lost", problems.isEmpty(), problems.isEmpty()
                ? acks.size() + " purchases acknowledged with 2xx, each in a final state with its tickets: " + outcomes
                : String.join("; ", first(problems)));
    }

    private static Check notDuplicated(Connection c, Map<String, Traffic.Ack> acks, Map<String, Purchase> byId,
                                       Map<String, Integer> issued) throws SQLException {
        List<String> problems = new ArrayList<>();
        for (Traffic.Ack a : acks.values()) {
            if (a.purchaseIds().size() > 1) {
                problems.add(a.key() + " answered with several purchases " + a.purchaseIds());
            }
        }
        query(c, "SELECT idempotency_key, COUNT(*) FROM relecloud_purchase GROUP BY idempotency_key HAVING COUNT(*) > 1",
                rs -> problems.add("key " + rs.getString(1) + ": " + rs.getInt(2) + " purchases"));
        query(c, "SELECT name, COUNT(*) FROM sl_execution WHERE state_machine_arn LIKE '%:purchase-ticket' GROUP BY name"
                + " HAVING COUNT(*) > 1", rs -> problems.add("purchase " + rs.getString(1) + ": " + rs.getInt(2) + " executions"));
        for (Purchase p : byId.values()) {
            int t = issued.getOrDefault(p.id(), 0);
            if (t > p.quantity()) {
                problems.add(p.id() + ": " + t + " tickets issued for " + p.quantity() + " seats");
            }
        }
        return new Check("No purchase is duplicated (one per idempotency key)", problems.isEmpty(), problems.isEmpty()
                ? byId.size() + " purchases for " + byId.size() + " keys, one purchase-ticket execution per purchase (named by its id), no"
                + " purchase with more tickets than seats asked for; every repeated key answered the same purchase"
                : String.join("; ", first(problems)));
    }

    private static Check terminal(Connection c) throws SQLException {
        List<String> problems = new ArrayList<>();
        Map<String, Integer> ended = new TreeMap<>();
        query(c, "SELECT state_machine_arn, status, COUNT(*) FROM sl_execution GROUP BY state_machine_arn, status", rs -> {
            String machine = rs.getString(1).substring(rs.getString(1).lastIndexOf(':') + 1);
            if (rs.getString(2).equals("RUNNING")) {
                problems.add(rs.getInt(3) + " " + machine + " executions still RUNNING");
            } else {
                ended.merge(machine, rs.getInt(3), Integer::sum);
            }
        });
        query(c, "SELECT arn FROM sl_execution WHERE status = 'RUNNING' ORDER BY arn FETCH FIRST 5 ROWS ONLY",
                rs -> problems.add(rs.getString(1).substring(rs.getString(1).indexOf(":execution:") + 11)));
        query(c, "SELECT status, COUNT(*) FROM relecloud_concert_request WHERE status IN ('PENDING', 'RUNNING') GROUP BY"
                + " status", rs -> problems.add(rs.getInt(2) + " concert requests still " + rs.getString(1)));
        query(c, "SELECT status, COUNT(*) FROM relecloud_purchase WHERE status NOT IN ('SUCCEEDED', 'FAILED') GROUP BY"
                + " status", rs -> problems.add(rs.getInt(2) + " purchases still " + rs.getString(1)));
        return new Check("Every execution ends (none RUNNING after the grace period)", problems.isEmpty(),
                problems.isEmpty() ? "ended executions by state machine: " + ended + "; no purchase or concert request"
                        + " left pending" : String.join("; ", problems));
    }

    private static Check payments(Map<String, Purchase> byId, List<JsonNode> authorizations) {
        List<String> problems = new ArrayList<>();
        Map<String, List<JsonNode>> byRef = new HashMap<>();
        authorizations.forEach(a -> byRef.computeIfAbsent(a.path("reference").asText(), k -> new ArrayList<>()).add(a));
        int held = 0;
        int captured = 0;
        for (Purchase p : byId.values()) {
            List<JsonNode> auths = byRef.getOrDefault(p.id(), List.of());
            long capturedCents = 0;
            int captures = 0;
            for (JsonNode a : auths) {
                if (a.path("status").asText().equals("CAPTURED")) {
                    captures++;
                    capturedCents += a.path("capturedCents").asLong();
                } else if (a.path("status").asText().equals("AUTHORIZED")) {
                    held++;
                }
            }
            captured += captures;
            if (auths.size() > 1) {
                problems.add(p.id() + ": " + auths.size() + " authorizations");
            }
            if (p.status().equals("SUCCEEDED") && (captures != 1 || capturedCents != p.totalCents())) {
                problems.add(p.id() + ": SUCCEEDED but " + captures + " captures of " + capturedCents + " for "
                        + p.totalCents());
            }
            if (p.status().equals("FAILED") && captures > 0) {
                problems.add(p.id() + ": FAILED (" + p.error() + ") but its payment of " + capturedCents + " was captured");
            }
        }
        return new Check("Money is taken exactly for the tickets sold (gateway's books)", problems.isEmpty(),
                problems.isEmpty() ? captured + " captured payments, one per succeeded purchase, of its total; none for a"
                        + " failed one; " + held + " authorizations of failed purchases still held (not voided yet)"
                        : String.join("; ", first(problems)));
    }

    private static Check refusals(List<Recorder.Sample> samples) {
        long checked = 0;
        List<String> allowed = new ArrayList<>();
        for (Recorder.Sample s : samples) {
            if (Traffic.REFUSALS.contains(s.op())) {
                checked++;
                if (s.status() >= 200 && s.status() < 300) {
                    allowed.add(s.op() + " " + s.note());
                }
            }
        }
        return new Check("Every call that must be refused is refused", allowed.isEmpty(), allowed.isEmpty()
                ? checked + " calls that must be refused (wrong password, no credentials, a role without the grant,"
                + " a forged CSRF token, an idempotency key reused for another cart): none allowed"
                : allowed.size() + " allowed: " + String.join("; ", first(allowed)));
    }

    private static List<Purchase> purchases(Connection c) throws SQLException {
        List<Purchase> out = new ArrayList<>();
        query(c, "SELECT id, idempotency_key, status, error, total_cents, items FROM relecloud_purchase", rs -> {
            int quantity = 0;
            try {
                for (JsonNode i : Json.MAPPER.readTree(rs.getString(6))) {
                    quantity += i.path("quantity").asInt();
                }
            } catch (IOException e) {
                throw new SQLException("Unreadable items of purchase " + rs.getString(1), e);
            }
            out.add(new Purchase(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                    quantity));
        });
        return out;
    }

    /** The first ten problems, and how many more there are. */
    private static List<String> first(List<String> problems) {
        if (problems.size() <= 10) {
            return problems;
        }
        List<String> out = new ArrayList<>(problems.subList(0, 10));
        out.add("and " + (problems.size() - 10) + " more");
        return out;
    }

    @FunctionalInterface
    private interface Row {
        void accept(ResultSet rs) throws SQLException;
    }

    private static void query(Connection c, String sql, Row row) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                row.accept(rs);
            }
        }
    }
}
