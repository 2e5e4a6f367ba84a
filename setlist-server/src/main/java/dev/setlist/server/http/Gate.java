package dev.setlist.server.http;

import dev.setlist.server.auth.Authenticator;
import dev.setlist.server.auth.Principal;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import io.javalin.security.RouteRole;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The one place that decides who may call a route, before anything else answers it (the traffic
 * guard, its cache and levers, the handler). Runs as the first before-matched handler: it finds
 * the matched route's {@link Access} declaration (none: closed to everyone), reads the request
 * body whole under a size limit and a deadline (a slow sender is cut off with 408 before it can
 * hold a concurrency slot), authenticates the caller (session with CSRF token, API key or SigV4)
 * and checks the declared action against their grants. The verified {@link Principal} and the body
 * are left on the request for the guard and the handler ({@link #principal}, {@link #body}).
 *
 * <p>Missing or bad credentials are 401; a caller without the action is 403
 * ({@code AccessDeniedException}); an undeclared route is 403 too, and a test keeps every route
 * declared.
 */
public final class Gate {
    private static final String PRINCIPAL = "setlist.gate.principal";
    private static final String BODY = "setlist.gate.body";
    /** How long a request body may take to arrive; a sender still sending after it gets 408. */
    public static final Duration BODY_DEADLINE = Duration.ofSeconds(10);
    private static final Set<String> NO_BODY = Set.of("GET", "HEAD", "OPTIONS");

    private final Authenticator auth;
    private final int maxBodyBytes;
    private final Duration bodyDeadline;

    public Gate(Authenticator auth, int maxBodyBytes, Duration bodyDeadline) {
        this.auth = auth;
        this.maxBodyBytes = maxBodyBytes;
        this.bodyDeadline = bodyDeadline;
    }

    /** Registers the gate; call it before any other before-matched handler (the guard's). */
    public void routing(RoutesConfig routes) {
        routes.before(Gate::head);
        routes.beforeMatched(this::before);
    }

    /** The health routes, the only ones answered to {@code HEAD} (load balancers' checks). */
    private static final Set<String> HEAD_ALLOWED = Set.of("/healthz", "/readyz");

    /**
     * {@code HEAD}: Javalin would answer it for every {@code GET} route without running the route
     * (so without the gate): only the health routes are answered, everything else is 405.
     */
    private static void head(Context ctx) {
        if (ctx.method() == io.javalin.http.HandlerType.HEAD && !HEAD_ALLOWED.contains(ctx.path())) {
            ctx.header("Allow", "GET");
            throw new ApiException(405, "MethodNotAllowed", "HEAD is not answered here; use GET");
        }
    }

    private void before(Context ctx) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        if (endpoint == null) {
            return; // nothing matched: the 404 handler answers
        }
        Access access = declaration(ctx.routeRoles(), ctx.method().name() + " " + endpoint.path);
        if (!NO_BODY.contains(ctx.method().name())) {
            ctx.attribute(BODY, Bodies.readWithin(ctx, maxBodyBytes, bodyDeadline));
        }
        if (access instanceof Access.Public) {
            return;
        }
        Principal p = auth.authenticate(ctx, body(ctx), access.allowsSession());
        String action = switch (access) {
            case Access.Action a -> a.action();
            case Access.AwsApi x -> awsAction(ctx.header("X-Amz-Target"));
            default -> null;
        };
        if (action != null && !p.allows(action, null)) {
            throw ApiException.accessDenied("User: " + p.user() + " is not authorized to perform: " + action);
        }
        ctx.attribute(PRINCIPAL, p);
    }

    /** The one declaration among a route's roles; none (or two) closes the route. */
    static Access declaration(Set<RouteRole> roles, String route) {
        List<Access> found = new ArrayList<>();
        for (RouteRole r : roles) {
            if (r instanceof Access a) {
                found.add(a);
            }
        }
        if (found.size() != 1) {
            throw ApiException.accessDenied("The route " + route + " declares " + (found.isEmpty() ? "no" : "more than one")
                    + " access rule, so it is closed");
        }
        return found.get(0);
    }

    /** {@code states:<Action>} or {@code events:<Action>} for a known target prefix; null (the API answers) otherwise. */
    static String awsAction(String target) {
        if (target == null || target.length() > 128) {
            return null;
        }
        String name;
        String service;
        if (target.startsWith(StepFunctionsEndpoint.PREFIX)) {
            service = "states:";
            name = target.substring(StepFunctionsEndpoint.PREFIX.length());
        } else if (target.startsWith(StepFunctionsEndpoint.EVENTS_PREFIX)) {
            service = "events:";
            name = target.substring(StepFunctionsEndpoint.EVENTS_PREFIX.length());
        } else {
            return null;
        }
        return name.matches("[A-Z][A-Za-z]{0,63}") ? service + name : null;
    }

    /** The caller the gate verified; a route declared {@link Access.Public} has none (an error to ask). */
    public static Principal principal(Context ctx) {
        Principal p = ctx.attribute(PRINCIPAL);
        if (p == null) {
            throw new IllegalStateException("No verified caller on " + ctx.method() + " " + ctx.path()
                    + ": the route is public or the gate is not installed");
        }
        return p;
    }

    /** The caller the gate verified, or null on a public route. */
    public static Principal principalOrNull(Context ctx) {
        return ctx.attribute(PRINCIPAL);
    }

    /** The body the gate read (empty for GET and HEAD). */
    public static byte[] body(Context ctx) {
        byte[] b = ctx.attribute(BODY);
        return b == null ? new byte[0] : b;
    }

    static boolean hasBody(Context ctx) {
        return ctx.attribute(BODY) != null;
    }
}
