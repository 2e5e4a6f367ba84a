package dev.setlist.flows.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Entropy;
import dev.setlist.flows.Flow;
import dev.setlist.flows.Incident;
import dev.setlist.flows.Incident.State;
import dev.setlist.flows.internal.IncidentLifecycle.Event;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Incidents and their escalation along a flow's path: the first contact is notified when an alarm
 * fires; whenever a contact does not acknowledge within their {@code ackTimeout}, the next one is
 * notified; an acknowledgement stops the escalation; the alarm's return to OK resolves the incident
 * and tells every contact notified so far. A state change commits before its notification is sent,
 * so a crash may lose a notification's log entry but never repeats an escalation step. Callers
 * serialize {@link #open}, {@link #tick} and {@link #resolve}; {@link #acknowledge} may come from
 * any thread.
 */
public final class Escalator {
    private static final Logger log = LoggerFactory.getLogger(Escalator.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Db db;
    private final Entropy entropy;
    private final Notifier notifier;
    private final String workload;
    private final Function<String, Flow> flows;

    public Escalator(Db db, Entropy entropy, Notifier notifier, String workload, Function<String, Flow> flows) {
        this.db = db;
        this.entropy = entropy;
        this.notifier = notifier;
        this.workload = workload;
        this.flows = flows;
    }

    /** Opens an incident for {@code alarm} unless one is still unresolved, and notifies the first contact. */
    public synchronized Incident open(Flow flow, String alarm, String reason, Instant now) {
        String existing = db.queryOne("SELECT id FROM fl_incident WHERE alarm = ? AND state <> ?", rs -> rs.getString(1),
                alarm, State.RESOLVED.name());
        if (existing != null) {
            return incident(existing);
        }
        String id = entropy.uuid();
        String r = clip(reason);
        db.update("INSERT INTO fl_incident (id, flow, alarm, state, opened, reason, step, notified_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", id, flow.id(), alarm, State.OPEN.name(), now.toEpochMilli(), r, 0,
                now.toEpochMilli());
        event(id, now, "OPENED", null, r);
        notify(flow, id, alarm, r, "opened", 0, now, now);
        return incident(id);
    }

    /** Escalates every open incident whose current contact's acknowledgement time has passed. */
    public synchronized void tick(Instant now) {
        List<Object[]> open = db.query("SELECT id, flow, alarm, step, notified_at, reason FROM fl_incident "
                + "WHERE state = ? AND exhausted_at IS NULL ORDER BY opened, id", rs -> new Object[] {rs.getString(1),
                rs.getString(2), rs.getString(3), rs.getInt(4), rs.getLong(5), rs.getString(6)}, State.OPEN.name());
        for (Object[] row : open) {
            String id = (String) row[0];
            Flow flow = flows.apply((String) row[1]);
            if (flow == null) {
                continue;
            }
            String alarm = (String) row[2];
            int step = (Integer) row[3];
            Instant notifiedAt = Instant.ofEpochMilli((Long) row[4]);
            while (true) {
                Instant due = notifiedAt.plus(flow.escalation().get(Math.min(step, flow.escalation().size() - 1))
                        .ackTimeout());
                if (now.isBefore(due)) {
                    break;
                }
                if (step + 1 >= flow.escalation().size()) {
                    db.update("UPDATE fl_incident SET exhausted_at = ? WHERE id = ?", now.toEpochMilli(), id);
                    event(id, now, "EXHAUSTED", null, "the last contact on the path did not acknowledge within "
                            + Durations.format(flow.escalation().get(step).ackTimeout()));
                    break;
                }
                IncidentLifecycle.next(State.OPEN, Event.ESCALATE);
                int next = step + 1;
                int updated = db.update("UPDATE fl_incident SET step = ?, notified_at = ? WHERE id = ? AND step = ? "
                        + "AND state = ?", next, due.toEpochMilli(), id, step, State.OPEN.name());
                if (updated == 0) {
                    break;
                }
                event(id, now, "ESCALATED", flow.escalation().get(step).name(), "no acknowledgement within "
                        + Durations.format(flow.escalation().get(step).ackTimeout()));
                notify(flow, id, alarm, (String) row[5], "escalated", next, due, now);
                step = next;
                notifiedAt = due;
            }
        }
    }

    /** Stops the escalation of an open incident; throws when there is no such open incident. */
    public Incident acknowledge(String id, String who, Instant now) {
        synchronized (this) {
            Incident i = incident(id);
            if (i == null) {
                throw new IllegalArgumentException("no incident " + id);
            }
            State to = IncidentLifecycle.next(i.state(), Event.ACKNOWLEDGE);
            if (to == null) {
                throw new IllegalStateException("incident " + id + " is " + i.state().name().toLowerCase()
                        + (i.acknowledgedBy() != null ? " (acknowledged by " + i.acknowledgedBy() + ")" : "")
                        + " and cannot be acknowledged");
            }
            db.update("UPDATE fl_incident SET state = ?, acked_by = ?, acked_at = ? WHERE id = ?", to.name(), who,
                    now.toEpochMilli(), id);
            event(id, now, "ACKNOWLEDGED", who, null);
            return incident(id);
        }
    }

    /** Resolves the unresolved incident of {@code alarm}, if any, and tells every contact notified so far. */
    public synchronized void resolve(String alarm, String reason, Instant now) {
        List<Incident> open = db.query("SELECT id FROM fl_incident WHERE alarm = ? AND state <> ?",
                rs -> rs.getString(1), alarm, State.RESOLVED.name()).stream().map(this::incident).toList();
        for (Incident i : open) {
            State to = IncidentLifecycle.next(i.state(), Event.RESOLVE);
            db.update("UPDATE fl_incident SET state = ?, resolved_at = ? WHERE id = ?", to.name(), now.toEpochMilli(),
                    i.id());
            event(i.id(), now, "RESOLVED", null, clip(reason));
            Flow flow = flows.apply(i.flow());
            if (flow != null) {
                for (int step = 0; step <= Math.min(i.step(), flow.escalation().size() - 1); step++) {
                    notify(flow, i.id(), alarm, reason, "resolved", step, now, now);
                }
            }
        }
    }

    private void notify(Flow flow, String id, String alarm, String reason, String what, int step, Instant notifiedAt,
                        Instant now) {
        Flow.Contact contact = flow.escalation().get(step);
        ObjectNode n = JSON.createObjectNode();
        n.put("event", what);
        n.put("incidentId", id);
        n.put("workload", workload);
        n.put("alarm", alarm);
        n.put("reason", reason);
        n.put("time", now.toString());
        ObjectNode f = n.putObject("flow");
        f.put("id", flow.id());
        f.put("name", flow.name());
        f.put("criticality", flow.criticality().yaml());
        f.put("owner", flow.owner());
        f.put("businessImpact", flow.businessImpact());
        ObjectNode c = n.putObject("contact");
        c.put("name", contact.name());
        c.put("position", step + 1);
        c.put("of", flow.escalation().size());
        if (!what.equals("resolved")) {
            n.put("acknowledgeBy", notifiedAt.plus(contact.ackTimeout()).toString());
        }
        String failure;
        try {
            failure = notifier.send(contact, n);
        } catch (RuntimeException e) {
            failure = e.toString();
        }
        if (failure == null) {
            event(id, now, what.equals("resolved") ? "TOLD_RESOLVED" : "NOTIFIED", contact.name(), contact.channel().yaml());
        } else {
            log.warn("could not notify {} of incident {} ({}): {}", contact.name(), id, alarm, failure);
            event(id, now, "DELIVERY_FAILED", contact.name(), clip(failure));
        }
    }

    private void event(String id, Instant now, String kind, String contact, String detail) {
        db.transaction(c -> {
            Integer seq = Db.query(c, "SELECT COALESCE(MAX(seq), 0) FROM fl_incident_event WHERE incident = ?",
                    rs -> rs.getInt(1), id).get(0);
            Db.update(c, "INSERT INTO fl_incident_event (incident, seq, at_ms, kind, contact, detail) VALUES (?, ?, ?, ?, ?, ?)",
                    id, seq + 1, now.toEpochMilli(), kind, contact, detail);
            return null;
        });
    }

    private static String clip(String s) {
        return s == null || s.length() <= 2000 ? s : s.substring(0, 2000);
    }

    public Incident incident(String id) {
        return db.queryOne("SELECT id, flow, alarm, state, reason, opened, step, notified_at, acked_by, acked_at, "
                + "resolved_at FROM fl_incident WHERE id = ?", rs -> new Incident(rs.getString(1), rs.getString(2),
                rs.getString(3), State.valueOf(rs.getString(4)), rs.getString(5), Instant.ofEpochMilli(rs.getLong(6)),
                rs.getInt(7), Instant.ofEpochMilli(rs.getLong(8)), rs.getString(9), instant(Db.longOrNull(rs, "acked_at")),
                instant(Db.longOrNull(rs, "resolved_at")), events(rs.getString(1))), id);
    }

    /** Incidents opened in {@code [from, to)}, oldest first; only unresolved ones when {@code openOnly}. */
    public List<Incident> incidents(boolean openOnly, Instant from, Instant to) {
        return db.query("SELECT id FROM fl_incident WHERE opened >= ? AND opened < ?" + (openOnly ? " AND state <> ?" : "")
                + " ORDER BY opened, id", rs -> rs.getString(1), openOnly
                ? new Object[] {from.toEpochMilli(), to.toEpochMilli(), State.RESOLVED.name()}
                : new Object[] {from.toEpochMilli(), to.toEpochMilli()}).stream().map(this::incident).toList();
    }

    private List<Incident.Event> events(String id) {
        return db.query("SELECT at_ms, kind, contact, detail FROM fl_incident_event WHERE incident = ? ORDER BY seq",
                rs -> new Incident.Event(Instant.ofEpochMilli(rs.getLong(1)), rs.getString(2), rs.getString(3),
                        rs.getString(4)), id);
    }

    private static Instant instant(Long millis) {
        return millis == null ? null : Instant.ofEpochMilli(millis);
    }
}
