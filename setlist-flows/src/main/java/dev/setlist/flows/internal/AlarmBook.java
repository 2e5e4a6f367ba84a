package dev.setlist.flows.internal;

import dev.setlist.flows.Alarm;
import dev.setlist.flows.AlarmChange;
import dev.setlist.flows.AlarmState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The persisted state of every alarm and burn-rate alert, and the history of their transitions.
 * A change of state and its history entry commit together; reading the current states needs no
 * query. Thread safe.
 */
public final class AlarmBook {
    private final Db db;
    private final Map<String, Alarm> current = new LinkedHashMap<>();

    public AlarmBook(Db db) {
        this.db = db;
        for (Alarm a : db.query("SELECT name, flow, kind, state, reason, since FROM fl_alarm ORDER BY name",
                rs -> new Alarm(rs.getString(1), rs.getString(2), AlarmChange.Kind.valueOf(rs.getString(3)),
                        AlarmState.valueOf(rs.getString(4)), rs.getString(5), Instant.ofEpochMilli(rs.getLong(6))))) {
            current.put(a.name(), a);
        }
    }

    /** Makes sure the alarm exists; a new one starts in {@code initial} (without a history entry). */
    public synchronized void declare(String name, String flow, AlarmChange.Kind kind, AlarmState initial, Instant now) {
        if (current.containsKey(name)) {
            return;
        }
        String reason = "created";
        db.update("INSERT INTO fl_alarm (name, flow, kind, state, reason, since) VALUES (?, ?, ?, ?, ?, ?)", name, flow,
                kind.name(), initial.name(), reason, now.toEpochMilli());
        current.put(name, new Alarm(name, flow, kind, initial, reason, now));
    }

    public synchronized Alarm get(String name) {
        return current.get(name);
    }

    public synchronized List<Alarm> all() {
        return List.copyOf(current.values());
    }

    /** Moves the alarm to {@code to}; returns the change, or {@code null} when it already was there. */
    public synchronized AlarmChange set(String name, AlarmState to, String reason, Instant now) {
        Alarm a = current.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no alarm named " + name);
        }
        if (a.state() == to) {
            return null;
        }
        String r = reason == null ? null : reason.length() > 2000 ? reason.substring(0, 2000) : reason;
        db.transaction(c -> {
            Db.update(c, "UPDATE fl_alarm SET state = ?, reason = ?, since = ? WHERE name = ?", to.name(), r,
                    now.toEpochMilli(), name);
            Db.update(c, "INSERT INTO fl_alarm_history (name, flow, kind, at_ms, old_state, new_state, reason) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?)", name, a.flow(), a.kind().name(), now.toEpochMilli(),
                    a.state().name(), to.name(), r);
            return null;
        });
        current.put(name, new Alarm(name, a.flow(), a.kind(), to, r, now));
        return new AlarmChange(name, a.flow(), a.kind(), a.state(), to, r, now);
    }

    /** Transitions in {@code [from, to)}, oldest first; {@code flow} and {@code alarm} filter when not null. */
    public List<AlarmChange> history(String flow, String alarm, Instant from, Instant to) {
        StringBuilder sql = new StringBuilder("SELECT name, flow, kind, old_state, new_state, reason, at_ms "
                + "FROM fl_alarm_history WHERE at_ms >= ? AND at_ms < ?");
        List<Object> params = new ArrayList<>(List.of(from.toEpochMilli(), to.toEpochMilli()));
        if (flow != null) {
            sql.append(" AND flow = ?");
            params.add(flow);
        }
        if (alarm != null) {
            sql.append(" AND name = ?");
            params.add(alarm);
        }
        sql.append(" ORDER BY at_ms, id");
        return db.query(sql.toString(), rs -> new AlarmChange(rs.getString(1), rs.getString(2),
                AlarmChange.Kind.valueOf(rs.getString(3)), AlarmState.valueOf(rs.getString(4)),
                AlarmState.valueOf(rs.getString(5)), rs.getString(6), Instant.ofEpochMilli(rs.getLong(7))),
                params.toArray());
    }
}
