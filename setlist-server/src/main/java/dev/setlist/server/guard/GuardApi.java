package dev.setlist.server.guard;

import dev.setlist.server.http.Gate;
import dev.setlist.server.http.Access;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.flows.Flow;
import dev.setlist.flows.GuardSpec;
import dev.setlist.flows.guard.Guard;
import dev.setlist.flows.guard.GuardPolicy;
import dev.setlist.flows.guard.Levers;
import dev.setlist.flows.guard.Outbound;
import dev.setlist.flows.guard.Quotas;
import dev.setlist.flows.guard.Shedder;
import dev.setlist.server.auth.Principal;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Bodies;
import dev.setlist.server.http.Json;
import dev.setlist.server.sfn.Req;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;

/**
 * The guard's admin API under {@code /api/v1/guard} (documented in {@code docs/guard-api.md}):
 * flows with their policies, levers and figures; every limit with its usage; cache figures and
 * invalidation; outbound breakers. Reading needs {@code setlist:ReadGuard}, changing
 * {@code setlist:ManageGuard}; every change is audited. Without a catalog there is no flow.
 */
public final class GuardApi {
    public static final String READ = "setlist:ReadGuard";
    public static final String MANAGE = "setlist:ManageGuard";
    private static final List<String> LEVER_FIELDS = List.of("disabled", "degraded", "ratePerSecond", "burst", "reason");
    private static final List<String> QUOTA_FIELDS = List.of("limit", "period", "reason");

    private final Supplier<Guard> guard;
    private final int maxBodyBytes;

    public GuardApi(Supplier<Guard> guard, int maxBodyBytes) {
        this.guard = guard;
        this.maxBodyBytes = maxBodyBytes;
    }

    public void routing(RoutesConfig routes) {
        routes.get("/api/v1/guard/flows", ctx -> {
            Guard g = read(ctx);
            ObjectNode out = Json.object();
            ArrayNode flows = out.putArray("flows");
            if (g != null) {
                g.flows().forEach(f -> flows.add(flow(g, f)));
            }
            ctx.json(out);
        }, Access.action(READ));
        routes.get("/api/v1/guard/flows/{flow}", ctx -> {
            Guard g = read(ctx);
            ctx.json(flow(g, known(g, ctx.pathParam("flow"))));
        }, Access.action(READ));
        routes.put("/api/v1/guard/flows/{flow}/levers", this::setLevers, Access.action(MANAGE));
        routes.put("/api/v1/guard/quotas/{flow}", this::setQuota, Access.action(MANAGE));
        routes.get("/api/v1/guard/limits", ctx -> ctx.json(limits(read(ctx))), Access.action(READ));
        routes.get("/api/v1/guard/cache", ctx -> ctx.json(cache(read(ctx))), Access.action(READ));
        routes.delete("/api/v1/guard/cache/{flow}", this::invalidate, Access.action(MANAGE));
        routes.get("/api/v1/guard/outbound", ctx -> ctx.json(outbound(read(ctx))), Access.action(READ));
    }

    private Guard read(Context ctx) {
        return guard.get();
    }

    private static String known(Guard g, String flow) {
        if (g == null || !g.knows(flow)) {
            throw new ApiException(404, "ResourceNotFoundException", "Flow " + abbreviate(flow) + " does not exist");
        }
        return flow;
    }

    // ---- levers and quotas --------------------------------------------------------------------

    private void setLevers(Context ctx) {
        byte[] bytes = Bodies.read(ctx, maxBodyBytes);
        Principal p = Gate.principal(ctx);
        Guard g = guard.get();
        String flow = known(g, ctx.pathParam("flow"));
        ObjectNode body = Req.parse(bytes).body();
        unknownFields(body, LEVER_FIELDS);
        Levers cur = g.levers(flow);
        boolean disabled = bool(body, "disabled", cur.disabled());
        boolean degraded = bool(body, "degraded", cur.degraded());
        GuardPolicy.Rate rate = cur.rate();
        if (body.has("ratePerSecond") || body.has("burst")) {
            JsonNode r = body.get("ratePerSecond");
            JsonNode b = body.get("burst");
            if ((r == null || r.isNull()) && (b == null || b.isNull())) {
                rate = null;
            } else {
                GuardPolicy.Rate base = rate != null ? rate : g.policy(flow).flowRate();
                double perSecond = r == null || r.isNull() ? base.perSecond() : number(r, "ratePerSecond");
                long burst = b == null || b.isNull() ? Math.max(1, (long) Math.ceil(perSecond * 2)) : whole(b, "burst");
                rate = new GuardPolicy.Rate(perSecond, burst);
            }
        }
        String reason = reason(body);
        Levers next = new Levers(disabled, degraded, rate, cur.quotaOverridden(), cur.quota(), p.user(), g.now());
        ObjectNode details = Json.object().put("disabled", disabled).put("degraded", degraded);
        if (rate != null) {
            details.put("ratePerSecond", rate.perSecond()).put("burst", rate.burst());
        } else {
            details.putNull("ratePerSecond");
        }
        Json.opt(details, "reason", reason);
        g.setLevers(flow, next, "SetGuardLevers", Json.text(details));
        ctx.json(flow(g, flow));
    }

    private void setQuota(Context ctx) {
        byte[] bytes = Bodies.read(ctx, maxBodyBytes);
        Principal p = Gate.principal(ctx);
        Guard g = guard.get();
        String flow = known(g, ctx.pathParam("flow"));
        ObjectNode body = Req.parse(bytes).body();
        unknownFields(body, QUOTA_FIELDS);
        JsonNode limit = body.get("limit");
        if (limit == null) {
            throw ApiException.validation("limit is missing: a whole number of requests per period, or null to remove the"
                    + " quota");
        }
        GuardSpec.Quota quota = null;
        if (!limit.isNull()) {
            long n = whole(limit, "limit");
            JsonNode period = body.get("period");
            GuardSpec.Period per = null;
            if (period == null || period.isNull()) {
                GuardSpec.Quota current = g.policy(flow).quota();
                if (current == null) {
                    throw ApiException.validation("period is missing: day, week or month");
                }
                per = current.period();
            } else {
                for (GuardSpec.Period candidate : GuardSpec.Period.values()) {
                    if (period.isTextual() && candidate.yaml().equals(period.textValue())) {
                        per = candidate;
                    }
                }
                if (per == null) {
                    throw ApiException.validation("period must be day, week or month, was " + shown(period));
                }
            }
            quota = new GuardSpec.Quota(n, per);
        }
        String reason = reason(body);
        Levers cur = g.levers(flow);
        Levers next = new Levers(cur.disabled(), cur.degraded(), cur.rate(), true, quota, p.user(), g.now());
        ObjectNode details = Json.object();
        if (quota != null) {
            details.put("limit", quota.limit()).put("period", quota.period().yaml());
        } else {
            details.putNull("limit");
        }
        Json.opt(details, "reason", reason);
        g.setLevers(flow, next, "SetGuardQuota", Json.text(details));
        ctx.json(flow(g, flow));
    }

    private void invalidate(Context ctx) {
        Principal p = Gate.principal(ctx);
        Guard g = guard.get();
        String flow = known(g, ctx.pathParam("flow"));
        g.invalidate(flow);
        audit.record(p.user(), "InvalidateGuardCache", flow, null);
        ctx.json(Json.object().put("flow", flow).put("invalidated", true));
    }

    /** Writes one audit record. */
    @FunctionalInterface
    public interface Audit {
        void record(String actor, String action, String target, String details);
    }

    private Audit audit = (actor, action, target, details) -> {};

    /** Where audit records of actions that change no lever go (the lever store audits its own saves). */
    public GuardApi auditWith(Audit audit) {
        this.audit = audit;
        return this;
    }

    private static void unknownFields(ObjectNode body, List<String> allowed) {
        Iterator<String> names = body.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!allowed.contains(n)) {
                throw ApiException.validation("unknown field \"" + abbreviate(n) + "\"; expected one of: "
                        + String.join(", ", allowed));
            }
        }
    }

    private static boolean bool(ObjectNode body, String name, boolean current) {
        JsonNode v = body.get(name);
        if (v == null) {
            return current;
        }
        if (!v.isBoolean()) {
            throw ApiException.validation(name + " must be a boolean, was " + shown(v));
        }
        return v.booleanValue();
    }

    private static double number(JsonNode v, String name) {
        if (!v.isNumber() || !(v.doubleValue() > 0) || v.doubleValue() > 1_000_000) {
            throw ApiException.validation(name + " must be a number greater than 0 and at most 1000000, was " + shown(v));
        }
        return v.doubleValue();
    }

    private static long whole(JsonNode v, String name) {
        boolean ok = v.isNumber() && v.canConvertToExactIntegral() && v.decimalValue().signum() >= 0
                && v.decimalValue().compareTo(java.math.BigDecimal.valueOf(1_000_000_000_000L)) <= 0;
        if (!ok || (name.equals("burst") && v.longValue() < 1)) {
            throw ApiException.validation(name + " must be a whole number of at least " + (name.equals("burst") ? 1 : 0)
                    + ", was " + shown(v));
        }
        return v.longValue();
    }

    private static String reason(ObjectNode body) {
        JsonNode r = body.get("reason");
        if (r == null || r.isNull()) {
            return null;
        }
        if (!r.isTextual() || r.textValue().length() > 1000) {
            throw ApiException.validation("reason must be a string of at most 1000 characters, was " + shown(r));
        }
        return r.textValue();
    }

    private static String shown(JsonNode v) {
        if (v.isTextual()) {
            return "\"" + abbreviate(v.textValue()) + "\"";
        }
        if (v.isNumber() || v.isBoolean() || v.isNull()) {
            return v.toString();
        }
        return v.isArray() ? "a list" : "an object";
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    // ---- views ------------------------------------------------------------------------------------

    static ObjectNode flow(Guard g, String flow) {
        GuardPolicy p = g.policy(flow);
        Levers l = g.levers(flow);
        Guard.Stats s = g.stats(flow);
        ObjectNode o = Json.object().put("flow", flow).put("criticality", p.criticality().yaml())
                .put("disabled", l.disabled()).put("degraded", l.degraded());
        Json.opt(o, "degradedMode", p.degradedMode());
        o.putObject("rate").put("perSecond", p.flowRate().perSecond()).put("burst", p.flowRate().burst())
                .put("overridden", l.rate() != null)
                .putObject("perCaller").put("perSecond", p.callerRate().perSecond()).put("burst", p.callerRate().burst());
        if (p.quota() != null) {
            o.putObject("quota").put("limit", p.quota().limit()).put("period", p.quota().period().yaml());
        } else {
            o.putNull("quota");
        }
        ObjectNode c = o.putObject("cache").put("enabled", p.cache() != null);
        if (p.cache() != null) {
            c.put("ttlSeconds", p.cache().ttl().toSeconds()).put("staleForSeconds", p.cache().staleFor().toSeconds())
                    .put("maxBytes", p.cache().maxBytes());
            p.cache().keys().forEach(c.putArray("keys")::add);
        }
        c.put("hits", s.hits.sum()).put("misses", s.misses.sum()).put("stale", s.stale.sum())
                .put("evictions", s.evictions.sum()).put("invalidations", s.invalidations.sum());
        o.put("shed", s.shed.sum()).put("throttled", s.throttled.sum());
        Json.opt(o, "leverChangedBy", l.changedBy());
        if (l.changedAt() != null) {
            Json.time(o, "leverChangedAt", l.changedAt());
        } else {
            o.putNull("leverChangedAt");
        }
        return o;
    }

    static ObjectNode limits(Guard g) {
        ObjectNode out = Json.object();
        ArrayNode limits = out.putArray("limits");
        if (g == null) {
            return out;
        }
        for (String f : g.flows()) {
            GuardPolicy p = g.policy(f);
            limits.addObject().put("kind", "flow-rate").put("flow", f).put("perSecond", p.flowRate().perSecond())
                    .put("burst", p.flowRate().burst()).put("available", g.rates().available("flow|" + f, p.flowRate()));
            limits.addObject().put("kind", "caller-rate").put("flow", f).put("perSecond", p.callerRate().perSecond())
                    .put("burst", p.callerRate().burst());
            for (Quotas.Usage u : g.quotaUsage(f)) {
                ObjectNode q = limits.addObject().put("kind", "quota").put("flow", f).put("caller", u.caller())
                        .put("limit", u.limit()).put("period", u.period().yaml()).put("used", u.used());
                Json.time(q, "resetsAt", u.resetsAt());
            }
            if (p.quota() != null && g.quotaUsage(f).isEmpty()) {
                limits.addObject().put("kind", "quota").put("flow", f).putNull("caller").put("limit", p.quota().limit())
                        .put("period", p.quota().period().yaml()).put("used", 0);
            }
        }
        limits.addObject().put("kind", "action-rate").put("action", "*").put("perSecond", g.actionRate().perSecond())
                .put("burst", g.actionRate().burst());
        Shedder s = g.shedder();
        ObjectNode c = limits.addObject().put("kind", "concurrency").put("limit", s.limit()).put("inFlight", s.inFlight());
        ObjectNode share = c.putObject("admitFraction");
        ObjectNode shed = c.putObject("shed");
        for (Flow.Criticality k : Flow.Criticality.values()) {
            share.put(k.yaml(), Shedder.share(k));
            shed.put(k.yaml(), s.shed(k));
        }
        return out;
    }

    static ObjectNode cache(Guard g) {
        ObjectNode out = Json.object();
        ObjectNode flows = Json.object();
        if (g != null) {
            out.put("backend", g.cache().backend()).put("entries", g.cache().size());
            for (String f : g.flows()) {
                if (g.policy(f).cache() != null) {
                    Guard.Stats s = g.stats(f);
                    flows.putObject(f).put("hits", s.hits.sum()).put("misses", s.misses.sum()).put("stale", s.stale.sum())
                            .put("evictions", s.evictions.sum()).put("invalidations", s.invalidations.sum());
                }
            }
        } else {
            out.putNull("backend").put("entries", 0);
        }
        out.set("flows", flows);
        return out;
    }

    static ObjectNode outbound(Guard g) {
        ObjectNode out = Json.object();
        ArrayNode deps = out.putArray("dependencies");
        if (g == null) {
            return out;
        }
        for (Outbound.DependencyState d : g.outbound().dependencies()) {
            deps.addObject().put("dependency", d.dependency()).put("state", d.state()).put("failureRate", d.failureRate())
                    .put("calls", d.calls()).put("notPermitted", d.notPermitted())
                    .put("bulkheadAvailable", d.bulkheadAvailable());
        }
        Outbound.BudgetState b = g.outbound().budget();
        out.putObject("retryBudget").put("ratio", b.ratio()).put("available", b.available()).put("retried", b.retried())
                .put("denied", b.denied());
        return out;
    }
}
