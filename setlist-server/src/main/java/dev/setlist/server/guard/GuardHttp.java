package dev.setlist.server.guard;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.flows.GuardSpec;
import dev.setlist.flows.guard.Guard;
import dev.setlist.flows.guard.GuardPolicy;
import dev.setlist.server.auth.Principal;
import dev.setlist.server.http.Gate;
import dev.setlist.server.http.Json;
import dev.setlist.server.http.StepFunctionsEndpoint;
import dev.setlist.server.telemetry.FlowIndex;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The guard in front of the HTTP routes: before a matched route's handler it applies the flow's
 * levers, rate limits, quota and concurrency limit and answers fresh cached reads; after it, it
 * stores a cacheable answer, or replaces a failed one by the last good entry when the flow allows
 * stale answers. Runs as Javalin's before-matched and after-matched handlers, so telemetry (before
 * and after) sees every answer the guard gives. The AWS-compatible endpoint is limited per action
 * and answers {@code ThrottlingException}. Does nothing until {@link #start} gives it a guard.
 */
public final class GuardHttp {
    /** Callers may say how long they will wait, in milliseconds; queued requests older than that are dropped. */
    public static final String TIMEOUT_HEADER = "X-Setlist-Timeout-Ms";
    private static final String STATE = "setlist.guard";

    private volatile Guard guard;
    private volatile FlowIndex index = FlowIndex.EMPTY;

    /** What the before handler left for the after handler. */
    private record InFlight(String flow, Guard.Admitted admitted, String cacheKey, Guard.Lookup stale) {}

    /** A complete answer given instead of the handler's; thrown so that the handler is skipped. */
    static final class Answer extends RuntimeException {
        final int status;
        final ObjectNode body;
        final byte[] raw;
        final String contentType;
        final String[] headers;

        Answer(int status, ObjectNode body, String... headers) {
            this(status, body, null, null, headers);
        }

        Answer(int status, ObjectNode body, byte[] raw, String contentType, String... headers) {
            super(null, null, false, false);
            this.status = status;
            this.body = body;
            this.raw = raw;
            this.contentType = contentType;
            this.headers = headers;
        }

        void write(Context ctx) {
            ctx.status(status);
            for (int i = 0; i + 1 < headers.length; i += 2) {
                ctx.header(headers[i], headers[i + 1]);
            }
            if (raw != null) {
                if (contentType != null) {
                    ctx.contentType(contentType);
                }
                ctx.result(raw);
            } else {
                ctx.contentType("application/json");
                ctx.result(Json.bytes(body));
            }
        }
    }

    public GuardHttp() {}

    /** Starts guarding the routes of {@code index}'s flows with {@code guard}. */
    public void start(Guard guard, FlowIndex index) {
        this.index = index;
        this.guard = guard;
    }

    public Guard guard() {
        return guard;
    }

    /**
     * {@code next} and then the cache: the first delivery attempt of a rule's match drops the
     * entries of every flow whose cache is invalidated by that rule.
     */
    public dev.setlist.events.DeliveryListener deliveries(dev.setlist.events.DeliveryListener next) {
        return a -> {
            next.attempted(a);
            Guard g = guard;
            if (g != null && a.attempt() == 1 && a.rule() != null) {
                try {
                    g.ruleMatched(a.rule());
                } catch (RuntimeException e) {
                    org.slf4j.LoggerFactory.getLogger(GuardHttp.class).warn("could not drop cached answers for rule {}: {}",
                            a.rule(), e.toString());
                }
            }
        };
    }

    public void routing(RoutesConfig routes) {
        routes.exception(Answer.class, (e, ctx) -> e.write(ctx));
        routes.beforeMatched(this::before);
        routes.afterMatched(this::after);
    }

    private void before(Context ctx) throws InterruptedException {
        Guard g = guard;
        if (g == null) {
            return;
        }
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        if (endpoint == null) {
            return;
        }
        String method = ctx.method().name();
        if (endpoint.path.equals("/") && method.equals("POST")) {
            throttleAction(g, ctx);
        }
        String flow = index.route(method, endpoint.path);
        if (FlowIndex.NONE.equals(flow) || !g.knows(flow)) {
            return;
        }
        String caller = caller(ctx);
        Guard.Admission admission = g.admit(flow, caller, callerTimeout(ctx));
        if (admission instanceof Guard.Refused r) {
            throw new Answer(r.status(), Json.object().put("__type", r.type()).put("message", r.message())
                    .put("flow", r.flow()), "Retry-After", Long.toString(r.retryAfterSeconds()));
        }
        Guard.Admitted admitted = (Guard.Admitted) admission;
        GuardPolicy p = g.policy(flow);
        if (p.cache() == null || !method.equals("GET")) {
            ctx.attribute(STATE, new InFlight(flow, admitted, null, null));
            return;
        }
        try {
            cacheLookup(g, ctx, flow, p.cache(), admitted);
        } catch (RuntimeException e) {
            admitted.permit().release(false);
            throw e;
        }
    }

    private void cacheLookup(Guard g, Context ctx, String flow, GuardPolicy.Cache c, Guard.Admitted admitted) {
        String cacheControl = ctx.header("Cache-Control");
        boolean refresh = cacheControl != null && cacheControl.replace(" ", "").toLowerCase(Locale.ROOT)
                .matches(".*(max-age=0|no-cache).*");
        // The gate has verified the caller (none on a public route). An entry is shared only by
        // callers who may see the same: the key always carries the caller's grants.
        Principal principal = Gate.principalOrNull(ctx);
        String role = principal == null ? "" : String.join(",", new TreeSet<>(principal.grants().stream()
                .map(gr -> gr.role()).toList()));
        String key = Guard.cacheKey(c, "GET", ctx.path(), ctx.queryString(), ctx::header, role) + audience(principal);
        if (refresh) {
            boolean allowed = principal != null && (principal.allows(GuardApi.MANAGE, null)
                    || principal.grants().stream().anyMatch(gr -> c.refreshRoles().contains(gr.role())));
            if (allowed) {
                // Refresh: go to the origin, and keep the old entry for a failure.
                ctx.attribute(STATE, new InFlight(flow, admitted, key, g.lookup(flow, key)));
                return;
            }
            if (c.refreshDenied() == GuardSpec.RefreshDenied.FORBID) {
                admitted.permit().release(false);
                throw new Answer(403, Json.object().put("__type", "AccessDeniedException").put("message",
                        "Cache-Control: max-age=0 on flow " + flow + " needs " + GuardApi.MANAGE
                                + " or one of the roles " + c.refreshRoles()).put("flow", flow));
            }
            ctx.header("X-Cache-Refresh", "denied");
        }
        Guard.Lookup hit = g.lookup(flow, key);
        if (hit != null && hit.fresh()) {
            admitted.permit().release(false);
            throw new Answer(hit.entry().status(), null, hit.entry().body(), hit.entry().contentType(), "X-Cache", "HIT",
                    "Age", Long.toString(hit.age().toSeconds()));
        }
        ctx.attribute(STATE, new InFlight(flow, admitted, key, hit));
    }

    private void after(Context ctx) {
        InFlight f = ctx.attribute(STATE);
        if (f == null) {
            return;
        }
        ctx.attribute(STATE, null);
        int status = ctx.statusCode();
        try {
            Guard g = guard;
            if (f.cacheKey() == null || g == null) {
                return;
            }
            if (status == 200) {
                byte[] body = body(ctx);
                if (body != null) {
                    // The handler may forbid keeping its answer (a concert's seats left, say).
                    String cacheControl = ctx.res().getHeader("Cache-Control");
                    boolean kept = (cacheControl == null || !cacheControl.toLowerCase(Locale.ROOT).contains("no-store"))
                            && g.store(f.flow(), f.cacheKey(), status, ctx.res().getContentType(), body);
                    ctx.header("X-Cache", kept ? "MISS" : "BYPASS");
                }
            } else if (status >= 500 && f.stale() != null) {
                g.servedStale(f.flow());
                ctx.status(f.stale().entry().status());
                if (f.stale().entry().contentType() != null) {
                    ctx.contentType(f.stale().entry().contentType());
                }
                ctx.header("X-Cache", "STALE");
                ctx.header("X-Cache-Age", Long.toString(f.stale().age().toSeconds()));
                ctx.header("Warning", "110 - \"Response is Stale\"");
                ctx.res().setHeader("x-amzn-ErrorType", null);
                ctx.res().setHeader("Retry-After", null);
                ctx.result(f.stale().entry().body());
            }
        } finally {
            f.admitted().permit().release(status == 504 || status == 408);
        }
    }

    /** The answer's bytes, put back as the result (reading consumes the stream); null when streamed. */
    private static byte[] body(Context ctx) {
        InputStream in = ctx.resultInputStream();
        if (in == null) {
            return null;
        }
        try {
            byte[] bytes = in.readAllBytes();
            ctx.result(bytes);
            return bytes;
        } catch (IOException e) {
            return null;
        }
    }

    private void throttleAction(Guard g, Context ctx) {
        String target = ctx.header("X-Amz-Target");
        if (target == null || target.length() > 128) {
            return;
        }
        Long retry = g.throttleAction(target);
        if (retry != null) {
            boolean events = target.startsWith(StepFunctionsEndpoint.EVENTS_PREFIX);
            ObjectNode body = Json.object().put("__type", "ThrottlingException").put("message", "Rate exceeded");
            throw new Answer(400, null, Json.bytes(body), events ? StepFunctionsEndpoint.EVENTS_CONTENT_TYPE
                    : StepFunctionsEndpoint.CONTENT_TYPE, "Retry-After", Long.toString(retry),
                    "x-amzn-ErrorType", "ThrottlingException");
        }
    }

    private static Duration callerTimeout(Context ctx) {
        String t = ctx.header(TIMEOUT_HEADER);
        if (t == null) {
            return null;
        }
        try {
            long ms = Long.parseLong(t.trim());
            return ms >= 0 ? Duration.ofMillis(ms) : null;
        } catch (NumberFormatException e) {
            throw new Answer(400, Json.object().put("__type", "ValidationException").put("message",
                    TIMEOUT_HEADER + " must be a whole number of milliseconds, was \"" + abbreviate(t) + "\""));
        }
    }

    /**
     * Who is calling, for the buckets and quotas: the user the gate verified, or the address on a
     * public route. Whatever credential was sent, a caller the gate did not verify never gets here.
     */
    static String caller(Context ctx) {
        Principal p = Gate.principalOrNull(ctx);
        return p != null ? "user:" + p.user() : "ip:" + ctx.ip();
    }

    /** What the caller may see, as part of a cache key: their grants in a stable order (nothing on a public route). */
    static String audience(Principal p) {
        if (p == null) {
            return "";
        }
        TreeSet<String> grants = new TreeSet<>();
        p.grants().forEach(g -> grants.add(g.role() + "@" + g.resources()));
        return "\u0002" + String.join("\u0003", grants);
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
