package dev.setlist.server.console;

import dev.setlist.server.http.Gate;
import dev.setlist.server.http.Access;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.server.Extension;
import dev.setlist.server.Extension.ConsoleLink;
import dev.setlist.server.Extension.ConsolePages;
import dev.setlist.server.auth.AuthStore;
import dev.setlist.server.auth.Authenticator;
import dev.setlist.server.auth.Principal;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Json;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The web console: static pages, one stylesheet and small JavaScript modules from the classpath
 * directory {@code console/}, served under {@code /console/}, plus the navigation they show
 * ({@code GET /api/v1/console/nav}) and who is signed in ({@code GET /api/v1/console/me}). The pages hold no data: they read and write through the
 * authenticated JSON APIs, so they are served to anyone, with a Content-Security-Policy that
 * allows no inline script or style and {@code X-Content-Type-Options: nosniff}.
 *
 * <p>A workload adds entries to the navigation ({@link Extension#consoleLinks()}) and a directory
 * of its own pages served under {@code /console/<name>/} ({@link Extension#consolePages()}).
 */
public final class Console {
    /** Where the console's own files are on the classpath. */
    static final String ROOT = "console";
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self';"
            + " frame-ancestors 'none'";
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8", "js", "text/javascript; charset=utf-8", "svg", "image/svg+xml",
            "png", "image/png", "ico", "image/x-icon", "json", "application/json", "txt", "text/plain; charset=utf-8");

    /**
     * The server's own entries, in order. The traffic guard's entry appears once its page
     * ({@code console/guard.html}) is on the classpath.
     */
    static final List<ConsoleLink> BUILT_IN = List.of(
            new ConsoleLink("Flows", "/console/", "setlist:ReadFlows"),
            new ConsoleLink("Alarms", "/console/alarms.html", "setlist:ReadFlows"),
            new ConsoleLink("Executions", "/console/executions.html", "states:ListStateMachines"),
            new ConsoleLink("Traces", "/console/trace.html", "setlist:ReadTelemetry"),
            new ConsoleLink("Traffic guard", "/console/guard.html", "setlist:ReadGuard"),
            new ConsoleLink("Users", "/console/users.html", "setlist:Admin"),
            new ConsoleLink("Audit log", "/console/audit.html", "setlist:Admin"));

    private final Authenticator auth;
    private final AuthStore store;
    private final List<ConsoleLink> links;
    private final Map<String, String> directories = new LinkedHashMap<>();
    private final ClassLoader loader;

    public Console(Authenticator auth, AuthStore store, List<Extension> extensions) {
        this.auth = auth;
        this.store = store;
        this.loader = Console.class.getClassLoader();
        List<ConsoleLink> all = new ArrayList<>();
        for (ConsoleLink l : BUILT_IN) {
            if (!l.path().equals("/console/guard.html") || loader.getResource(ROOT + "/guard.html") != null) {
                all.add(l);
            }
        }
        for (Extension x : extensions) {
            all.addAll(x.consoleLinks());
            ConsolePages pages = x.consolePages();
            if (pages != null) {
                if (loader.getResource(ROOT + "/" + pages.name()) != null || directories.containsKey(pages.name())) {
                    throw new IllegalArgumentException("The console directory /console/" + pages.name()
                            + "/ is taken");
                }
                directories.put(pages.name(), pages.classpathDirectory().replaceAll("^/+|/+$", ""));
            }
        }
        this.links = List.copyOf(all);
    }

    public void routing(RoutesConfig routes) {
        // "/console" and "/console/" are one route (trailing slashes are ignored); pages use absolute paths
        routes.get("/console/", ctx -> serve(ctx, "index.html"), Access.anyone());
        routes.get("/console/<path>", ctx -> serve(ctx, ctx.pathParam("path")), Access.anyone());
        routes.get("/api/v1/console/nav", this::nav, Access.signedIn());
        routes.get("/api/v1/console/me", this::me, Access.anyone());
    }

    /**
     * The console session of the caller, or {@code {"user": null}} when there is none: pages ask
     * this first and go to the sign-in page without a failed request in the browser's log.
     */
    private void me(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        if (!auth.enabled()) {
            ObjectNode out = Json.object().put("user", "anonymous").put("csrfToken", "");
            out.putArray("grants");
            ctx.json(out);
            return;
        }
        String id = ctx.cookie(Authenticator.SESSION_COOKIE);
        AuthStore.Session s = id == null || id.length() > 200 ? null : store.session(id);
        if (s == null) {
            ctx.json(Json.object().putNull("user"));
            return;
        }
        ObjectNode out = Json.object().put("user", s.principal().user()).put("csrfToken", s.csrf());
        ArrayNode grants = out.putArray("grants");
        s.principal().grants().forEach(g -> grants.addObject().put("role", g.role()).put("resources", g.resources()));
        ctx.json(out);
    }

    /** The navigation entries the caller may use, and the paths of those they may not (pages say so without calling). */
    private void nav(Context ctx) {
        Principal p = Gate.principal(ctx);
        ObjectNode out = Json.object().put("user", p.user());
        ArrayNode list = out.putArray("links");
        ArrayNode denied = out.putArray("denied");
        for (ConsoleLink l : links) {
            if (l.action() == null || p.allows(l.action(), null)) {
                list.addObject().put("label", l.label()).put("path", l.path());
            } else {
                denied.add(l.path());
            }
        }
        ctx.json(out);
    }

    private void serve(Context ctx, String path) {
        String resource = resource(path);
        if (resource == null) {
            throw new ApiException(404, "NotFound", "No console page at /console/" + abbreviate(path));
        }
        byte[] bytes;
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new ApiException(404, "NotFound", "No console page at /console/" + abbreviate(path));
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String name = resource.substring(resource.lastIndexOf('/') + 1);
        String type = TYPES.getOrDefault(name.substring(name.lastIndexOf('.') + 1), "application/octet-stream");
        headers(ctx);
        ctx.contentType(type).result(bytes);
    }

    /** The headers of every console file. */
    static void headers(Context ctx) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "same-origin");
        ctx.header("Cache-Control", "no-cache");
    }

    /**
     * The classpath resource for a path under {@code /console/}, or null when the path is not a
     * plain file name (no {@code ..}, no hidden files, no empty segments). A path ending in
     * {@code /}, or whose last segment has no dot, is the directory's {@code index.html}.
     */
    String resource(String path) {
        if (path.isEmpty() || path.endsWith("/")) {
            path = path + "index.html";
        } else if (path.lastIndexOf('.') < path.lastIndexOf('/') + 1) {
            path = path + "/index.html";    // a directory named without its slash (trailing slashes are ignored)
        }
        String[] segments = path.split("/", -1);
        for (String s : segments) {
            if (!SEGMENT.matcher(s).matches() || s.contains("..")) {
                return null;
            }
        }
        if (segments.length > 1 && directories.containsKey(segments[0])) {
            return directories.get(segments[0]) + path.substring(segments[0].length());
        }
        return ROOT + "/" + path;
    }

    private static String abbreviate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "…" : s;
    }
}
