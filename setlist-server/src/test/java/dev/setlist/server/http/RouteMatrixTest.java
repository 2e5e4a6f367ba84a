package dev.setlist.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.server.Extension;
import dev.setlist.server.SetlistServer;
import dev.setlist.server.TestServer;
import dev.setlist.server.auth.AuthStore;
import dev.setlist.server.auth.Policy;
import io.javalin.config.RoutesConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gate over every route the server registers: each route declares its access, and the matrix
 * of every route × anonymous, a bad credential and each built-in role (by API key) is generated
 * from those declarations. A route an extension forgot to declare is closed, and its handler
 * never runs.
 */
class RouteMatrixTest {
    private static final AtomicInteger undeclaredRan = new AtomicInteger();
    private static TestServer server;
    private static final Map<String, String> keys = new LinkedHashMap<>();

    /** An extension with one declared route and one it forgot to declare. */
    private static final class Careless implements Extension {
        @Override
        public void routes(RoutesConfig routes, SetlistServer s) {
            routes.get("/careless/declared", ctx -> ctx.result("ok"), Access.action("setlist:ReadFlows"));
            routes.post("/careless/undeclared", ctx -> {
                undeclaredRan.incrementAndGet();
                ctx.result("ran");
            });
        }
    }

    @BeforeAll
    static void start() {
        server = new TestServer(c -> c, b -> b.extension(new Careless()));
        AuthStore store = server.server.authStore();
        for (String role : List.of(Policy.ADMINISTRATOR, Policy.DEVELOPER, Policy.OPERATOR, Policy.VIEWER)) {
            store.createUser("admin", "matrix-" + role, null);
            store.grant("admin", "matrix-" + role, role, "*");
            keys.put(role, store.createApiKey("admin", "matrix-" + role)[1]);
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void everyRouteOfTheServerDeclaresItsAccess_butTheOneTheExtensionForgot() {
        Map<String, Access> routes = server.server.routeAccess();
        assertThat(routes).containsKeys("POST /", "GET /healthz", "GET /api/v1/flows", "POST /api/v1/users");
        List<String> undeclared = new ArrayList<>();
        routes.forEach((route, access) -> {
            if (access == null) {
                undeclared.add(route);
            }
        });
        assertThat(undeclared).containsExactly("POST /careless/undeclared");
        assertThat(routes.get("POST /")).isInstanceOf(Access.AwsApi.class);
        assertThat(routes.get("GET /healthz")).isInstanceOf(Access.Public.class);
    }

    @Test
    void anUndeclaredRouteIsClosedToEveryone_administratorsIncluded() {
        TestServer.Response r = send("POST", "/careless/undeclared", keys.get(Policy.ADMINISTRATOR));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.errorType()).isEqualTo("AccessDeniedException");
        assertThat(r.message()).contains("declares no access rule");
        assertThat(send("POST", "/careless/undeclared", null).status()).isEqualTo(403);
        assertThat(undeclaredRan).hasValue(0);
    }

    @Test
    void matrix_everyRouteTimesEveryCaller() {
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Access> e : server.server.routeAccess().entrySet()) {
            String[] mp = e.getKey().split(" ", 2);
            String method = mp[0];
            String path = mp[1].replaceAll("\\{[^}]+}", "matrix-none").replaceAll("<[^>]+>", "matrix-none.html");
            Access access = e.getValue();
            if (access == null || access instanceof Access.AwsApi) {
                continue; // the undeclared route above; the AWS API has its own matrix (AuthorizationMatrixTest)
            }
            // A public route answers for itself (the session route says 401 when there is none): only never a 5xx.
            Integer unknown = access instanceof Access.Public ? ANY : 401;
            check(wrong, e.getKey(), "anonymous", send(method, path, null), unknown);
            check(wrong, e.getKey(), "bad key", send(method, path, "not-a-key-of-this-server"), unknown);
            for (Map.Entry<String, String> k : keys.entrySet()) {
                Integer expected = switch (access) {
                    case Access.Action a -> Policy.allows(List.of(new Policy.Grant(k.getKey(), "*")), a.action(), null)
                            ? null : 403;
                    case Access.Public x -> ANY;
                    default -> null;
                };
                check(wrong, e.getKey(), k.getKey(), send(method, path, k.getValue()), expected);
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void head_isAnsweredOnlyOnTheHealthRoutes_neverPastTheGate() {
        for (String path : List.of("/api/v1/users", "/api/v1/flows", "/api/v1/audit", "/careless/declared")) {
            TestServer.Response r = server.send(HttpRequest.newBuilder(URI.create(server.endpoint() + path))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
            assertThat(r.status()).as(path).isEqualTo(405);
            assertThat(r.headers().get("allow")).containsExactly("GET");
        }
        for (String path : List.of("/healthz", "/readyz")) {
            assertThat(server.send(HttpRequest.newBuilder(URI.create(server.endpoint() + path))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build()).status()).as(path).isEqualTo(200);
        }
    }

    @Test
    void awsApi_anonymousAndBadCredentialsAre401_aMissingActionIs403() {
        TestServer.Response anonymous = server.callAs(null, null, "ListStateMachines", "{}".getBytes());
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.errorType()).isEqualTo("MissingAuthenticationTokenException");
        assertThat(anonymous.body().path("__type").asText()).startsWith("dev.setlist#");
        TestServer.Response forged = server.callAs("SLNOSUCHKEY00000001", "nope", "ListStateMachines", "{}".getBytes());
        assertThat(forged.status()).isEqualTo(401);
        TestServer.Response viewer = server.post("/", Map.of("Authorization", "Bearer " + keys.get(Policy.VIEWER),
                "X-Amz-Target", "AWSStepFunctions.CreateStateMachine", "Content-Type", "application/x-amz-json-1.0"),
                "{}".getBytes());
        assertThat(viewer.status()).isEqualTo(403);
        assertThat(viewer.errorType()).isEqualTo("AccessDeniedException");
    }

    /** Any answer but a 5xx. */
    private static final Integer ANY = -1;

    /** {@code expected}: the status, null for "admitted" (anything but 401, 403 and a 5xx), or {@link #ANY}. */
    private static void check(List<String> wrong, String route, String caller, TestServer.Response r, Integer expected) {
        boolean ok = expected == null ? r.status() != 401 && r.status() != 403 && r.status() < 500
                : expected.equals(ANY) ? r.status() < 500 : r.status() == expected;
        if (!ok) {
            wrong.add(route + " as " + caller + ": expected " + (expected == null ? "admitted" : expected) + ", got " + r);
        }
    }

    private static TestServer.Response send(String method, String path, String apiKey) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.endpoint() + path))
                .method(method, method.equals("GET") || method.equals("HEAD") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString("{}"))
                .header("Content-Type", "application/json");
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return server.send(b.build());
    }
}
