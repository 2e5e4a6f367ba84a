package dev.setlist.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.flows.Alarm;
import dev.setlist.flows.Flow;
import dev.setlist.flows.FlowMonitor;
import dev.setlist.flows.Incident;
import dev.setlist.flows.SloStatus;
import dev.setlist.server.auth.Authenticator;
import dev.setlist.server.auth.Principal;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Bodies;
import dev.setlist.server.http.Json;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.function.Supplier;

/**
 * The flow catalog with each flow's live service level: {@code GET /api/v1/flows} (viewers and up,
 * action {@code setlist:ReadFlows}) lists every flow with its availability, error budget, burn-rate
 * alerts, alarm states and open incidents; {@code POST /api/v1/flows/incidents/{id}/ack}
 * (operators and up, {@code setlist:AcknowledgeIncident}) stops an incident's escalation. Without a
 * catalog the list is empty and there is no incident to acknowledge.
 */
public final class FlowsApi {
    public static final String READ = "setlist:ReadFlows";
    public static final String ACK = "setlist:AcknowledgeIncident";

    private final Authenticator auth;
    private final Supplier<FlowMonitor> monitor;

    public FlowsApi(Authenticator auth, Supplier<FlowMonitor> monitor) {
        this.auth = auth;
        this.monitor = monitor;
    }

    public void routing(RoutesConfig routes) {
        routes.get("/api/v1/flows", this::list);
        routes.post("/api/v1/flows/incidents/{id}/ack", this::acknowledge);
    }

    private Principal authorize(Context ctx, byte[] body, String action) {
        Principal p = auth.authenticate(ctx, body, true);
        if (!p.allows(action, null)) {
            throw ApiException.accessDenied("User: " + p.user() + " is not authorized to perform: " + action);
        }
        return p;
    }

    private void list(Context ctx) {
        authorize(ctx, new byte[0], READ);
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
            ObjectNode o = flows.addObject().put("id", f.id()).put("name", f.name()).put("kind", f.kind().yaml())
                    .put("criticality", f.criticality().yaml()).put("owner", f.owner());
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
            ArrayNode burn = slo.putArray("burnRates");
            for (SloStatus.BurnRate r : s.burnRates()) {
                burn.addObject().put("name", r.name()).put("longWindow", r.longWindow().toString())
                        .put("shortWindow", r.shortWindow().toString()).put("factor", r.factor())
                        .put("longRate", r.longRate()).put("shortRate", r.shortRate()).put("firing", r.firing());
            }
            ArrayNode as = o.putArray("alarms");
            for (Alarm a : alarms) {
                if (a.flow().equals(f.id())) {
                    ObjectNode ao = as.addObject().put("name", a.name()).put("kind", a.kind().name())
                            .put("state", a.state().name()).put("reason", a.reason());
                    Json.time(ao, "since", a.since());
                }
            }
            ArrayNode is = o.putArray("openIncidents");
            for (Incident i : incidents) {
                if (i.flow().equals(f.id())) {
                    is.add(incident(i));
                }
            }
        }
        ctx.json(out);
    }

    private void acknowledge(Context ctx) {
        Principal p = authorize(ctx, Bodies.read(ctx, 16 * 1024), ACK);
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

    private static ObjectNode incident(Incident i) {
        ObjectNode o = Json.object().put("id", i.id()).put("flow", i.flow()).put("alarm", i.alarm())
                .put("state", i.state().name()).put("reason", i.reason()).put("step", i.step())
                .put("acknowledgedBy", i.acknowledgedBy());
        Json.time(o, "opened", i.opened());
        Json.time(o, "acknowledgedAt", i.acknowledgedAt());
        return o;
    }
}
