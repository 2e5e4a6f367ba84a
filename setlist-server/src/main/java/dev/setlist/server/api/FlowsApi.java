package dev.setlist.server.api;

import dev.setlist.server.http.Gate;
import dev.setlist.server.http.Access;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Clock;
import dev.setlist.flows.Alarm;
import dev.setlist.flows.AlarmChange;
import dev.setlist.flows.AlarmSpec;
import dev.setlist.flows.AlarmState;
import dev.setlist.flows.Targets;
import dev.setlist.flows.internal.Durations;
import dev.setlist.flows.Flow;
import dev.setlist.flows.FlowMonitor;
import dev.setlist.flows.Incident;
import dev.setlist.flows.SloStatus;
import dev.setlist.server.auth.Principal;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Json;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The flow catalog with each flow's live service level: {@code GET /api/v1/flows} (viewers and up,
 * action {@code setlist:ReadFlows}) lists every flow with its availability, error budget, burn-rate
 * alerts, alarm states and open incidents; {@code GET /api/v1/flows/{id}} one flow with its
 * documentation, targets, alarm history and incidents; {@code GET /api/v1/alarms} every alarm,
 * the recent state changes and incidents across flows; {@code POST /api/v1/flows/incidents/{id}/ack}
 * (operators and up, {@code setlist:AcknowledgeIncident}) stops an incident's escalation. Without a
 * catalog the list is empty and there is no incident to acknowledge.
 */
public final class FlowsApi {
    public static final String READ = "setlist:ReadFlows";
    public static final String ACK = "setlist:AcknowledgeIncident";

    private final Supplier<FlowMonitor> monitor;
    private final Clock clock;

    public FlowsApi(Supplier<FlowMonitor> monitor, Clock clock) {
        this.monitor = monitor;
        this.clock = clock;
    }

    public void routing(RoutesConfig routes) {
        routes.get("/api/v1/flows", this::list, Access.action(READ));
        routes.get("/api/v1/flows/{id}", this::flow, Access.action(READ));
        routes.get("/api/v1/alarms", this::alarms, Access.action(READ));
        routes.post("/api/v1/flows/incidents/{id}/ack", this::acknowledge, Access.action(ACK));
    }

    private void list(Context ctx) {
        FlowMonitor m = monitor.get();
        ObjectNode out = Json.object();
        ArrayNode flows = out.putArray("flows");
        if (m == null) {
            ctx.json(out);
            return;
        }
        out.put("workload", m.catalog().workload());
        m.flush();
        var alarms = m.alarms();
        var incidents = m.openIncidents();
        for (Flow f : m.catalog().flows()) {
            flows.add(summary(m, f, alarms, incidents));
        }
        ctx.json(out);
    }

    /** One flow as the list shows it: who owns it, its service level, alarms and open incidents. */
    private static ObjectNode summary(FlowMonitor m, Flow f, List<Alarm> alarms, List<Incident> incidents) {
        ObjectNode o = Json.object().put("id", f.id()).put("name", f.name()).put("kind", f.kind().yaml())
                .put("criticality", f.criticality().yaml()).put("owner", f.owner());
        ArrayNode deps = o.putArray("dependencies");
        if (f.useCase() != null) {
            f.useCase().dependencies().forEach(deps::add);
        }
        ObjectNode b = o.putObject("bindings");
        f.bindings().routes().forEach(b.withArray("routes")::add);
        f.bindings().stateMachines().forEach(b.withArray("stateMachines")::add);
        f.bindings().eventRules().forEach(b.withArray("eventRules")::add);
        SloStatus s = m.slo(f.id());
        ObjectNode slo = o.putObject("slo").put("objective", s.objective()).put("good", s.good()).put("bad", s.bad())
                .put("budgetRemaining", s.budgetRemaining());
        if (s.availability() != null) {
            slo.put("availability", s.availability());
        } else {
            slo.putNull("availability");
        }
        Json.time(slo, "from", s.from());
        Json.time(slo, "to", s.to());
        if (s.latencyThreshold() != null) {
            ObjectNode l = slo.putObject("latency").put("percentile", s.latencyPercentile())
                    .put("thresholdMs", s.latencyThreshold().toMillis()).put("fast", s.fast());
            if (s.latencySli() != null) {
                l.put("sli", s.latencySli());
            } else {
                l.putNull("sli");
            }
        }
        ArrayNode burn = slo.putArray("burnRates");
        boolean burning = false;
        for (SloStatus.BurnRate r : s.burnRates()) {
            burn.addObject().put("name", r.name()).put("longWindow", r.longWindow().toString())
                    .put("shortWindow", r.shortWindow().toString()).put("factor", r.factor())
                    .put("longRate", r.longRate()).put("shortRate", r.shortRate()).put("firing", r.firing());
            burning |= r.shortRate() > 1 && r.longRate() > 1;
        }
        ArrayNode as = o.putArray("alarms");
        boolean alarm = false;
        for (Alarm a : alarms) {
            if (a.flow().equals(f.id())) {
                as.add(alarm(a));
                alarm |= a.state() == AlarmState.ALARM;
            }
        }
        ArrayNode is = o.putArray("openIncidents");
        for (Incident i : incidents) {
            if (i.flow().equals(f.id())) {
                is.add(incident(i));
            }
        }
        o.put("status", alarm ? "ALARM" : burning ? "BURNING" : s.total() == 0 ? "NO_DATA" : "OK");
        return o;
    }

    /**
     * One flow with everything the catalog says about it (the documentation, targets per pillar,
     * escalation path), its live service level, and its alarms' and incidents' history over the
     * last {@code days} (default 7, at most 90).
     */
    private void flow(Context ctx) {
        FlowMonitor m = monitor.get();
        String id = ctx.pathParam("id");
        Flow f = m == null ? null : m.catalog().flow(id);
        if (f == null) {
            throw new ApiException(404, "ResourceNotFoundException", "No flow " + abbreviate(id) + " in the catalog");
        }
        Instant to = clock.now();
        Instant from = to.minus(Duration.ofDays(days(ctx)));
        m.flush();
        ObjectNode o = summary(m, f, m.alarms(), m.openIncidents());
        Json.opt(o, "description", f.description());
        Json.opt(o, "businessProcess", f.businessProcess());
        Json.opt(o, "businessImpact", f.businessImpact());
        ArrayNode stakeholders = o.putArray("stakeholders");
        f.stakeholders().forEach(stakeholders::add);
        if (f.useCase() != null) {
            Flow.UseCase u = f.useCase();
            ObjectNode uc = o.putObject("useCase");
            Json.opt(uc, "purpose", u.purpose());
            Json.opt(uc, "criticality", u.criticality());
            u.consumers().forEach(uc.putArray("consumers")::add);
            Json.opt(uc, "startEvent", u.startEvent());
            Json.opt(uc, "endEvent", u.endEvent());
            Json.opt(uc, "frequency", u.frequency());
            Json.opt(uc, "variability", u.variability());
        }
        ArrayNode path = o.putArray("escalation");
        for (Flow.Contact c : f.escalation()) {
            ObjectNode co = path.addObject().put("name", c.name()).put("channel", c.channel().yaml());
            Json.opt(co, "address", c.address() == null ? null : c.address().toString());
            Json.opt(co, "ackTimeout", c.ackTimeout() == null ? null : c.ackTimeout().toString());
        }
        o.set("targets", Json.MAPPER.valueToTree(targets(f.targets())));
        ArrayNode specs = o.putArray("alarmSpecs");
        for (AlarmSpec a : f.alarms()) {
            ObjectNode so = specs.addObject().put("name", a.name());
            Json.opt(so, "description", a.description());
            if (a instanceof AlarmSpec.MetricAlarm ma) {
                so.put("rule", ma.statistic().yaml() + " of " + ma.metric().name().toLowerCase(java.util.Locale.ROOT)
                        + " over " + Durations.format(ma.period()) + " " + ma.comparison().symbol() + " " + ma.threshold() + ", "
                        + ma.datapointsToAlarm() + " of " + ma.evaluationPeriods() + " periods, missing data "
                        + ma.treatMissingData().yaml());
            } else if (a instanceof AlarmSpec.CompositeAlarm ca) {
                so.put("rule", ca.rule());
            }
        }
        ArrayNode history = o.putArray("alarmHistory");
        List<AlarmChange> changes = m.alarmHistory(f.id(), null, from, to.plusSeconds(1));
        for (int i = changes.size() - 1; i >= 0 && history.size() < 200; i--) {
            history.add(change(changes.get(i)));
        }
        ArrayNode incidents = o.putArray("incidents");
        List<Incident> all = m.incidents(false, from, to.plusSeconds(1));
        for (int i = all.size() - 1; i >= 0 && incidents.size() < 100; i--) {
            if (all.get(i).flow().equals(f.id())) {
                incidents.add(incident(all.get(i), f));
            }
        }
        ctx.json(o);
    }

    /** Every alarm of every flow with its state, the recent changes, and the incidents of the period. */
    private void alarms(Context ctx) {
        FlowMonitor m = monitor.get();
        ObjectNode out = Json.object();
        ArrayNode alarms = out.putArray("alarms");
        ArrayNode history = out.putArray("history");
        ArrayNode incidents = out.putArray("incidents");
        if (m == null) {
            ctx.json(out);
            return;
        }
        Instant to = clock.now();
        Instant from = to.minus(Duration.ofDays(days(ctx)));
        m.alarms().forEach(a -> alarms.add(alarm(a)));
        List<AlarmChange> changes = m.alarmHistory(null, null, from, to.plusSeconds(1));
        for (int i = changes.size() - 1; i >= 0 && history.size() < 500; i--) {
            history.add(change(changes.get(i)));
        }
        List<Incident> all = m.incidents(false, from, to.plusSeconds(1));
        for (int i = all.size() - 1; i >= 0 && incidents.size() < 200; i--) {
            incidents.add(incident(all.get(i), m.catalog().flow(all.get(i).flow())));
        }
        ctx.json(out);
    }

    private static long days(Context ctx) {
        String s = ctx.queryParam("days");
        if (s == null) {
            return 7;
        }
        try {
            long d = Long.parseLong(s);
            if (d >= 1 && d <= 90) {
                return d;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.validation("Query parameter 'days' must be an integer from 1 to 90, was '" + abbreviate(s)
                + "'");
    }

    private static ObjectNode alarm(Alarm a) {
        ObjectNode ao = Json.object().put("name", a.name()).put("flow", a.flow()).put("kind", a.kind().name())
                .put("state", a.state().name()).put("reason", a.reason());
        Json.time(ao, "since", a.since());
        return ao;
    }

    private static ObjectNode change(AlarmChange c) {
        ObjectNode o = Json.object().put("alarm", c.alarm()).put("flow", c.flow()).put("kind", c.kind().name())
                .put("from", c.from() == null ? null : c.from().name()).put("to", c.to().name())
                .put("reason", c.reason());
        Json.time(o, "time", c.time());
        return o;
    }

    /** The targets per pillar as plain values (durations as ISO-8601, maps and lists as they are). */
    private static Map<String, Object> targets(Targets t) {
        Map<String, Object> out = new LinkedHashMap<>();
        Targets.Reliability r = t.reliability();
        Map<String, Object> rel = new LinkedHashMap<>();
        rel.put("availability", r.availability());
        rel.put("hours", r.hours());
        rel.put("window", String.valueOf(r.window()));
        if (r.maintenance() != null) {
            rel.put("maintenance", r.maintenance().policy().yaml()
                    + (r.maintenance().notice() == null ? "" : ", notice " + r.maintenance().notice())
                    + (r.maintenance().windows().isEmpty() ? "" : ", " + r.maintenance().windows().size() + " windows"));
        }
        if (!r.expectedErrors().isEmpty()) {
            rel.put("expectedErrors", r.expectedErrors());
        }
        out.put("reliability", rel);
        if (t.performance() != null) {
            Map<String, Object> perf = new LinkedHashMap<>();
            Map<String, String> latency = new LinkedHashMap<>();
            new java.util.TreeMap<>(t.performance().latency()).forEach((p, d) ->
                    latency.put("p" + (p == Math.rint(p) ? String.valueOf(p.longValue()) : String.valueOf(p)),
                            d.toMillis() + " ms"));
            perf.put("latency", latency);
            perf.put("throughput", t.performance().throughput());
            out.put("performance", perf);
        }
        if (t.security() != null) {
            Map<String, Object> sec = new LinkedHashMap<>();
            sec.put("roles", t.security().roles());
            sec.put("dataClassification", t.security().dataClassification() == null ? null
                    : t.security().dataClassification().yaml());
            out.put("security", sec);
        }
        if (t.cost() != null) {
            Map<String, Object> cost = new LinkedHashMap<>();
            cost.put("perThousandRuns", t.cost().perThousandRuns());
            cost.put("perMonth", t.cost().perMonth());
            cost.put("currency", t.cost().currency());
            out.put("cost", cost);
        }
        if (t.operations() != null) {
            Map<String, Object> ops = new LinkedHashMap<>();
            ops.put("alarms", t.operations().alarms());
            ops.put("page", t.operations().page());
            out.put("operations", ops);
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "…" : s;
    }

    private void acknowledge(Context ctx) {
        Principal p = Gate.principal(ctx);
        FlowMonitor m = monitor.get();
        String id = ctx.pathParam("id");
        if (m == null) {
            throw new ApiException(404, "ResourceNotFoundException", "No incident " + id + ": the server has no flow catalog");
        }
        try {
            ctx.json(incident(m.acknowledge(id, p.user() == null ? "anonymous" : p.user())));
        } catch (IllegalArgumentException e) {
            throw new ApiException(404, "ResourceNotFoundException", "No incident " + id);
        } catch (IllegalStateException e) {
            throw new ApiException(409, "ConflictException", e.getMessage());
        }
    }

    /** An incident with the contact it stands at on its flow's escalation path and its log. */
    private static ObjectNode incident(Incident i, Flow f) {
        ObjectNode o = incident(i);
        if (f != null && i.step() >= 0 && i.step() < f.escalation().size()) {
            o.put("contact", f.escalation().get(i.step()).name());
            o.put("contacts", f.escalation().size());
        }
        ArrayNode events = o.putArray("events");
        for (Incident.Event e : i.events()) {
            ObjectNode eo = events.addObject().put("kind", e.kind()).put("contact", e.contact()).put("detail", e.detail());
            Json.time(eo, "time", e.time());
        }
        return o;
    }

    private static ObjectNode incident(Incident i) {
        ObjectNode o = Json.object().put("id", i.id()).put("flow", i.flow()).put("alarm", i.alarm())
                .put("state", i.state().name()).put("reason", i.reason()).put("step", i.step())
                .put("acknowledgedBy", i.acknowledgedBy());
        Json.time(o, "opened", i.opened());
        Json.time(o, "acknowledgedAt", i.acknowledgedAt());
        return o;
    }
}
