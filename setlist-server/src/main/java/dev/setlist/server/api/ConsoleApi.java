package dev.setlist.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.server.auth.AuthStore;
import dev.setlist.server.auth.Authenticator;
import dev.setlist.server.auth.Policy;
import dev.setlist.server.auth.Ownership;
import dev.setlist.server.auth.Principal;
import dev.setlist.server.http.Access;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Gate;
import dev.setlist.server.http.Bodies;
import dev.setlist.server.http.Json;
import dev.setlist.server.sfn.Req;
import dev.setlist.server.sfn.StepFunctions;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.time.Duration;

/**
 * Setlist's own small JSON API under {@code /api/v1}, for the console and scripts: sessions,
 * state machines and executions (read through the same Step Functions handlers, so the same
 * grants apply), and the administration of users, roles, keys and the audit log (administrators
 * only, action {@code setlist:Admin}).
 */
public final class ConsoleApi {
    private static final String BASE = "/api/v1";
    private static final String ADMIN = "setlist:Admin";

    private final StepFunctions sfn;
    private final Ownership ownership;
    private final AuthStore store;
    private final int maxBodyBytes;
    private final Duration sessionTtl;

    public ConsoleApi(StepFunctions sfn, AuthStore store, int maxBodyBytes, Duration sessionTtl,
                      Ownership ownership) {
        this.sfn = sfn;
        this.ownership = ownership;
        this.store = store;
        this.maxBodyBytes = maxBodyBytes;
        this.sessionTtl = sessionTtl;
    }

    public void routing(RoutesConfig routes) {
        routes.post(BASE + "/session", this::login, Access.anyone());
        routes.get(BASE + "/session", this::session, Access.anyone());
        routes.delete(BASE + "/session", this::logout, Access.signedIn());
        routes.get(BASE + "/state-machines", this::stateMachines, Access.action("states:ListStateMachines"));
        routes.get(BASE + "/state-machines/{arn}/executions", ctx -> {
            Long max = parseLong(ctx.queryParam("maxResults"), "maxResults");
            call(ctx, "ListExecutions", Json.object()
                    .put("stateMachineArn", ctx.pathParam("arn")).put("statusFilter", ctx.queryParam("status"))
                    .put("nextToken", ctx.queryParam("nextToken"))
                    .put("maxResults", max == null ? null : (int) Math.max(0, Math.min(1000, max))));
        }, Access.action("states:ListExecutions"));
        routes.get(BASE + "/executions/{arn}", this::execution, Access.action("states:DescribeExecution"));
        routes.get(BASE + "/roles", this::roles, Access.signedIn());
        routes.get(BASE + "/users", ctx -> admin(ctx, p -> users()), Access.action(ADMIN));
        routes.post(BASE + "/users", ctx -> admin(ctx, p -> {
            Req r = body(ctx);
            store.createUser(p.user(), r.str("name"), r.optStr("password"));
            return Json.object().put("name", r.str("name"));
        }), Access.action(ADMIN));
        routes.delete(BASE + "/users/{name}", ctx -> admin(ctx, p -> {
            store.deleteUser(p.user(), ctx.pathParam("name"));
            return Json.object();
        }), Access.action(ADMIN));
        routes.put(BASE + "/users/{name}/password", ctx -> admin(ctx, p -> {
            store.setPassword(p.user(), ctx.pathParam("name"), body(ctx).str("password"));
            return Json.object();
        }), Access.action(ADMIN));
        routes.post(BASE + "/users/{name}/grants", ctx -> admin(ctx, p -> {
            Req r = body(ctx);
            store.grant(p.user(), ctx.pathParam("name"), r.str("role"), r.optStr("resources"));
            return Json.object();
        }), Access.action(ADMIN));
        routes.delete(BASE + "/users/{name}/grants", ctx -> admin(ctx, p -> {
            store.revoke(p.user(), ctx.pathParam("name"), ctx.queryParam("role"), ctx.queryParam("resources"));
            return Json.object();
        }), Access.action(ADMIN));
        routes.post(BASE + "/users/{name}/access-keys", ctx -> admin(ctx, p -> {
            String[] k = store.createAccessKey(p.user(), ctx.pathParam("name"), null, null);
            return Json.object().put("accessKeyId", k[0]).put("secretAccessKey", k[1]);
        }), Access.action(ADMIN));
        routes.post(BASE + "/users/{name}/api-keys", ctx -> admin(ctx, p -> {
            String[] k = store.createApiKey(p.user(), ctx.pathParam("name"));
            return Json.object().put("id", k[0]).put("apiKey", k[1]);
        }), Access.action(ADMIN));
        routes.get(BASE + "/keys", ctx -> admin(ctx, p -> {
            ObjectNode out = Json.object();
            ArrayNode keys = out.putArray("keys");
            for (AuthStore.Key k : store.listKeys(ctx.queryParam("user"))) {
                ObjectNode o = keys.addObject().put("id", k.id()).put("kind", k.kind()).put("user", k.user())
                        .put("active", k.active());
                Json.time(o, "created", k.created());
            }
            return out;
        }), Access.action(ADMIN));
        routes.delete(BASE + "/keys/{id}", ctx -> admin(ctx, p -> {
            store.deleteKey(p.user(), ctx.pathParam("id"));
            return Json.object();
        }), Access.action(ADMIN));
        routes.get(BASE + "/audit", ctx -> admin(ctx, p -> audit(ctx)), Access.action(ADMIN));
    }

    private void login(Context ctx) {
        byte[] raw = Bodies.read(ctx, 16 * 1024);
        String user;
        String password;
        if (ctx.isFormUrlencoded()) {
            var form = dev.setlist.server.http.Forms.parse(raw);
            user = form.get("user");
            password = form.get("password");
        } else {
            Req r = Req.parse(raw);
            user = r.str("user");
            password = r.str("password");
        }
        AuthStore.SignIn signIn = store.signIn(user, password, ctx.ip());
        if (signIn.throttled()) {
            ctx.header("Retry-After", Long.toString(signIn.retryAfterSeconds()));
            throw new ApiException(429, "TooManyRequestsException", "Too many failed sign-ins: try again in "
                    + signIn.retryAfterSeconds() + " s");
        }
        AuthStore.Session s = signIn.session();
        if (s == null) {
            throw new ApiException(401, "NotAuthorized", "Wrong user name or password");
        }
        Cookie cookie = new Cookie(Authenticator.SESSION_COOKIE, s.id(), "/", (int) sessionTtl.toSeconds(),
                "https".equals(ctx.scheme()), true, null, SameSite.LAX);
        ctx.cookie(cookie);
        ctx.json(sessionJson(s.principal(), s.csrf()));
    }

    private void session(Context ctx) {
        String id = ctx.cookie(Authenticator.SESSION_COOKIE);
        AuthStore.Session s = id == null ? null : store.session(id);
        if (s == null) {
            throw new ApiException(401, "NotAuthorized", "No session: log in with POST " + BASE + "/session");
        }
        ctx.json(sessionJson(s.principal(), s.csrf()));
    }

    private void logout(Context ctx) {
        String id = ctx.cookie(Authenticator.SESSION_COOKIE);
        if (id != null) {
            store.logout(id);
        }
        ctx.removeCookie(Authenticator.SESSION_COOKIE, "/");
        ctx.json(Json.object());
    }

    private static ObjectNode sessionJson(Principal p, String csrf) {
        ObjectNode out = Json.object().put("user", p.user()).put("csrfToken", csrf);
        ArrayNode grants = out.putArray("grants");
        p.grants().forEach(g -> grants.addObject().put("role", g.role()).put("resources", g.resources()));
        return out;
    }

    private void call(Context ctx, String action, ObjectNode request) {
        Principal p = Gate.principal(ctx);
        request.properties().removeIf(e -> e.getValue().isNull());
        ctx.json(sfn.handle(action, Req.of(request), p));
    }

    /** ListStateMachines, each machine with the workload that owns it ({@code owner}, null for none): the console shows those read-only. */
    private void stateMachines(Context ctx) {
        ObjectNode request = Json.object();
        if (ctx.queryParam("nextToken") != null) {
            request.put("nextToken", ctx.queryParam("nextToken"));
        }
        ObjectNode out = sfn.handle("ListStateMachines", Req.of(request), Gate.principal(ctx));
        out.withArray("stateMachines").forEach(m -> ((ObjectNode) m).put("owner",
                ownership.ownerOf(m.path("stateMachineArn").asText())));
        ctx.json(out);
    }

    private void execution(Context ctx) {
        Principal p = Gate.principal(ctx);
        String arn = ctx.pathParam("arn");
        ObjectNode out = Json.object();
        out.set("execution", sfn.handle("DescribeExecution", Req.of(Json.object().put("executionArn", arn)), p));
        out.put("definition", sfn.handle("DescribeStateMachineForExecution", Req.of(Json.object().put("executionArn", arn)), p)
                .path("definition").asText());
        ArrayNode history = out.putArray("history");
        String token = null;
        do {
            ObjectNode req = Json.object().put("executionArn", arn).put("maxResults", 1000);
            if (token != null) {
                req.put("nextToken", token);
            }
            ObjectNode page = sfn.handle("GetExecutionHistory", Req.of(req), p);
            page.withArray("events").forEach(history::add);
            token = page.hasNonNull("nextToken") ? page.get("nextToken").asText() : null;
        } while (token != null && history.size() < 25_000);
        ctx.json(out);
    }

    private void roles(Context ctx) {
        ObjectNode out = Json.object();
        Policy.all().forEach((role, actions) -> {
            ArrayNode a = out.putArray(role);
            actions.forEach(a::add);
        });
        ctx.json(out);
    }

    private ObjectNode users() {
        ObjectNode out = Json.object();
        ArrayNode users = out.putArray("users");
        for (AuthStore.User u : store.listUsers()) {
            ObjectNode o = users.addObject().put("name", u.name()).put("disabled", u.disabled());
            Json.time(o, "created", u.created());
            ArrayNode grants = o.putArray("grants");
            u.grants().forEach(g -> grants.addObject().put("role", g.role()).put("resources", g.resources()));
        }
        return out;
    }

    private ObjectNode audit(Context ctx) {
        Long before = parseLong(ctx.queryParam("before"), "before");
        Long limit = parseLong(ctx.queryParam("limit"), "limit");
        int n = limit == null ? 100 : (int) Math.max(1, Math.min(1000, limit));
        ObjectNode out = Json.object();
        ArrayNode records = out.putArray("records");
        for (AuthStore.AuditRecord a : store.audit(before, n)) {
            ObjectNode o = records.addObject().put("id", a.id()).put("actor", a.actor()).put("action", a.action())
                    .put("target", a.target());
            Json.time(o, "time", a.at());
            Json.opt(o, "details", a.details());
        }
        return out;
    }

    private static Long parseLong(String s, String name) {
        if (s == null) {
            return null;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw ApiException.validation("Query parameter '" + name + "' must be an integer, was '" + s + "'");
        }
    }

    private Req body(Context ctx) {
        return Req.parse(Bodies.read(ctx, maxBodyBytes));
    }

    @FunctionalInterface
    private interface AdminHandler {
        ObjectNode handle(Principal p);
    }

    private void admin(Context ctx, AdminHandler h) {
        ctx.json(h.handle(Gate.principal(ctx)));
    }
}
