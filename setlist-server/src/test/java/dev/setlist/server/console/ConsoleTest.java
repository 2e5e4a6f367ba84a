package dev.setlist.server.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.Extension;
import dev.setlist.server.TestServer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console over HTTP: its files with their security headers and nothing outside its directory,
 * the navigation each role gets, a workload's links and pages, and the flow and alarm endpoints
 * its pages read, with their errors.
 */
class ConsoleTest {
    static TestServer server;
    static String viewerCookie;
    static String adminCookie;

    /** A workload with a page of its own and a link to it that only administrators see. */
    static final Extension SHOP = new Extension() {
        @Override
        public List<ConsoleLink> consoleLinks() {
            return List.of(new ConsoleLink("Shop", "/console/shop/", null),
                    new ConsoleLink("Shop admin", "/console/shop/admin.html", "setlist:Admin"));
        }

        @Override
        public ConsolePages consolePages() {
            return new ConsolePages("shop", "shop-console");
        }
    };

    @BeforeAll
    static void start() throws URISyntaxException {
        Path flows = Path.of(ConsoleTest.class.getResource("/console-flows.yaml").toURI());
        server = new TestServer(c -> c.withFlows(flows), b -> b.extension(SHOP));
        server.server.authStore().createUser("admin", "vic", "viewer-password");
        server.server.authStore().grant("admin", "vic", "viewer", "*");
        viewerCookie = login("vic", "viewer-password");
        adminCookie = login("admin", TestServer.PASSWORD);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static String login(String user, String password) {
        TestServer.Response r = server.post("/api/v1/session", Map.of("Content-Type", "application/json"),
                TestServer.json("user", user, "password", password).toString().getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        String cookie = r.headers().get("set-cookie").getFirst();
        return cookie.substring(0, cookie.indexOf(';'));
    }

    static TestServer.Response get(String path, String cookie) {
        return server.get(path, cookie == null ? Map.of() : Map.of("Cookie", cookie));
    }

    static String header(TestServer.Response r, String name) {
        List<String> v = r.headers().get(name.toLowerCase(java.util.Locale.ROOT));
        return v == null ? null : v.getFirst();
    }

    @Test
    void files_servedWithContentSecurityPolicyAndNosniff() {
        for (String path : List.of("/console/", "/console", "/console/index.html", "/console/app.js", "/console/console.css")) {
            TestServer.Response r = get(path, null);
            assertThat(r.status()).as(path).isEqualTo(200);
            assertThat(header(r, "Content-Security-Policy")).as(path).contains("script-src 'self'", "style-src 'self'",
                    "frame-ancestors 'none'").doesNotContain("unsafe-inline");
            assertThat(header(r, "X-Content-Type-Options")).isEqualTo("nosniff");
        }
        assertThat(header(get("/console/", null), "Content-Type")).startsWith("text/html");
        assertThat(header(get("/console/app.js", null), "Content-Type")).startsWith("text/javascript");
        assertThat(header(get("/console/console.css", null), "Content-Type")).startsWith("text/css");
        assertThat(get("/console/", null).raw()).contains("<script type=\"module\" src=\"/console/flows.js\">")
                .doesNotContain("<script>");
    }

    @Test
    void files_outsideTheConsoleDirectoryOrMissing_areNotFound() {
        for (String path : List.of("/console/nope.html", "/console/%2e%2e/logback.xml", "/console/..%2flogback.xml",
                "/console/.hidden", "/console/db/server/V1__server.sql", "/console/shop/%2e%2e/%2e%2e/logback.xml",
                "/console/a//b.js")) {
            TestServer.Response r = get(path, null);
            assertThat(r.status()).as(path).isIn(400, 404);
            assertThat(r.raw()).as(path).doesNotContain("<configuration").doesNotContain("CREATE TABLE");
        }
    }

    @Test
    void nav_listsWhatTheCallersRolesAllow_andTheWorkloadsLinks() {
        JsonNode admin = get("/api/v1/console/nav", adminCookie).body();
        assertThat(labels(admin)).containsExactly("Flows", "Alarms", "Executions", "Traces", "Traffic guard", "Users", "Audit log", "Shop",
                "Shop admin");
        assertThat(admin.get("denied")).isEmpty();
        JsonNode viewer = get("/api/v1/console/nav", viewerCookie).body();
        assertThat(labels(viewer)).containsExactly("Flows", "Alarms", "Executions", "Traces", "Traffic guard", "Shop");
        assertThat(StreamSupport.stream(viewer.get("denied").spliterator(), false).map(JsonNode::asText))
                .containsExactly("/console/users.html", "/console/audit.html", "/console/shop/admin.html");
        TestServer.Response anonymous = get("/api/v1/console/nav", null);
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.errorType()).isEqualTo("MissingAuthenticationTokenException");
    }

    private static List<String> labels(JsonNode nav) {
        return StreamSupport.stream(nav.get("links").spliterator(), false).map(l -> l.get("label").asText()).toList();
    }

    @Test
    void me_tellsWhoIsSignedIn_orNobody() {
        assertThat(get("/api/v1/console/me", null).body().get("user").isNull()).isTrue();
        assertThat(get("/api/v1/console/me", "setlist_session=forged").body().get("user").isNull()).isTrue();
        JsonNode me = get("/api/v1/console/me", viewerCookie).body();
        assertThat(me.get("user").asText()).isEqualTo("vic");
        assertThat(me.get("csrfToken").asText()).isNotBlank();
        assertThat(me.get("grants").get(0).get("role").asText()).isEqualTo("viewer");
    }

    @Test
    void workloadPages_servedUnderTheirName() {
        TestServer.Response page = get("/console/shop/", null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.raw()).contains("/console/shop/shop.js");
        assertThat(header(page, "Content-Security-Policy")).contains("script-src 'self'");
        assertThat(header(get("/console/shop/shop.js", null), "Content-Type")).startsWith("text/javascript");
        assertThat(get("/console/shop/nope.js", null).status()).isEqualTo(404);
    }

    @Test
    void workloadPages_underABadOrTakenName_areRefused() {
        assertThatThrownBy(() -> new Extension.ConsolePages("App", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A console directory name is lower-case letters, digits and '-', was App");
        assertThatThrownBy(() -> new Extension.ConsoleLink("Away", "/elsewhere", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A console link's path starts with /console/, was /elsewhere");
        Extension twice = new Extension() {
            @Override
            public ConsolePages consolePages() {
                return new ConsolePages("shop", "elsewhere");
            }
        };
        assertThatThrownBy(() -> new Console(null, null, List.of(SHOP, twice)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("The console directory /console/shop/ is taken");
    }

    @Test
    void flow_detailForViewers_withDocumentationTargetsAndAlarms() {
        TestServer.Response r = get("/api/v1/flows/checkout", viewerCookie);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode f = r.body();
        assertThat(f.get("owner").asText()).isEqualTo("Head of Sales");
        assertThat(f.get("dependencies").get(0).asText()).isEqualTo("payments");
        assertThat(f.get("escalation").get(1).get("name").asText()).isEqualTo("Platform on-call");
        assertThat(f.get("useCase").get("purpose").asText()).isEqualTo("Turn a basket into a paid order.");
        assertThat(f.at("/targets/reliability/availability").asDouble()).isEqualTo(99.5);
        assertThat(f.at("/targets/security/dataClassification").asText()).isEqualTo("confidential");
        assertThat(f.at("/alarmSpecs/0/rule").asText()).isEqualTo(
                "Sum of errors over 1m >= 1.0, 1 of 1 periods, missing data ignore");
        assertThat(f.get("status").asText()).isEqualTo("NO_DATA");
        assertThat(f.get("incidents")).isEmpty();
        JsonNode alarms = get("/api/v1/alarms", viewerCookie).body();
        assertThat(alarms.get("alarms")).extracting(a -> a.get("name").asText()).contains("checkout-errors",
                "checkout:burn-rate-1h");
    }

    @Test
    void flow_badRequests_getPreciseErrors() {
        TestServer.Response missing = get("/api/v1/flows/nope", viewerCookie);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.message()).isEqualTo("No flow nope in the catalog");
        TestServer.Response days = get("/api/v1/flows/checkout?days=abc", viewerCookie);
        assertThat(days.status()).isEqualTo(400);
        assertThat(days.message()).isEqualTo("Query parameter 'days' must be an integer from 1 to 90, was 'abc'");
        assertThat(get("/api/v1/alarms?days=0", viewerCookie).status()).isEqualTo(400);
        assertThat(get("/api/v1/flows/checkout", null).errorType()).isEqualTo("MissingAuthenticationTokenException");
        TestServer.Response max = get("/api/v1/state-machines/arn:aws:states:us-east-1:000000000000:stateMachine:x"
                + "/executions?maxResults=lots", viewerCookie);
        assertThat(max.status()).isEqualTo(400);
        assertThat(max.message()).isEqualTo("Query parameter 'maxResults' must be an integer, was 'lots'");
    }

    @Test
    void executions_aPageAtATime() {
        String machine = server.machine("pager", TestServer.PASS3, "STANDARD");
        for (int i = 0; i < 3; i++) {
            server.await(server.ok("StartExecution", TestServer.json("stateMachineArn", machine, "name", "run-" + i))
                    .get("executionArn").asText());
        }
        String path = "/api/v1/state-machines/" + machine + "/executions?maxResults=2";
        JsonNode first = get(path, viewerCookie).body();
        assertThat(first.get("executions")).hasSize(2);
        JsonNode second = get(path + "&nextToken=" + java.net.URLEncoder.encode(first.get("nextToken").asText(),
                StandardCharsets.UTF_8), viewerCookie).body();
        assertThat(second.get("executions")).hasSize(1);
        assertThat(second.has("nextToken")).isFalse();
        assertThat(get(path + "&status=FAILED", viewerCookie).body().get("executions")).isEmpty();
    }

    @Test
    void acknowledge_withoutTheSessionsCsrfToken_isRefused() {
        TestServer.Response r = server.post("/api/v1/flows/incidents/x/ack", Map.of("Cookie", adminCookie), new byte[0]);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.errorType()).isEqualTo("InvalidCsrfToken");
    }
}
