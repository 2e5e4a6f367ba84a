package dev.setlist.server.api;

import static dev.setlist.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.TestServer;
import dev.setlist.server.http.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Console sessions, CSRF, the small /api/v1 and the administration it audits. */
class ConsoleApiTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String cookieOf(TestServer.Response login) {
        String setCookie = login.headers().get("set-cookie").get(0);
        assertThat(setCookie).contains("HttpOnly").contains("SameSite=Lax").contains("Path=/");
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    private static TestServer.Response login(String user, String password) {
        return server.post("/api/v1/session", Map.of("Content-Type", "application/json"),
                Json.bytes(json("user", user, "password", password)));
    }

    private static TestServer.Response send(String method, String path, Map<String, String> headers, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.endpoint() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(b::header);
        return server.send(b.build());
    }

    @Test
    void firstStart_printsTheAdministratorOnce() {
        assertThat(server.firstStartOutput).contains("created the administrator 'admin'")
                .contains("AWS_ACCESS_KEY_ID=" + TestServer.KEY_ID).doesNotContain(TestServer.SECRET)
                .doesNotContain(TestServer.PASSWORD);
    }

    @Test
    void login_wrongPassword_401_rightPassword_sessionWithCsrf() {
        assertThat(login("admin", "wrong-password").status()).isEqualTo(401);
        TestServer.Response ok = login("admin", TestServer.PASSWORD);
        assertThat(ok.status()).isEqualTo(200);
        String cookie = cookieOf(ok);
        String csrf = ok.body().get("csrfToken").asText();
        TestServer.Response me = server.get("/api/v1/session", Map.of("Cookie", cookie));
        assertThat(me.body().get("user").asText()).isEqualTo("admin");
        assertThat(me.body().get("csrfToken").asText()).isEqualTo(csrf);

        TestServer.Response noCsrf = send("POST", "/api/v1/users", Map.of("Cookie", cookie, "Content-Type", "application/json"),
                "{\"name\":\"carol\",\"password\":\"carol-password\"}");
        assertThat(noCsrf.status()).isEqualTo(403);
        assertThat(noCsrf.errorType()).isEqualTo("InvalidCsrfToken");
        TestServer.Response withCsrf = send("POST", "/api/v1/users", Map.of("Cookie", cookie, "Content-Type", "application/json",
                "X-CSRF-Token", csrf), "{\"name\":\"carol\",\"password\":\"carol-password\"}");
        assertThat(withCsrf.status()).as(withCsrf.toString()).isEqualTo(200);

        TestServer.Response logout = send("DELETE", "/api/v1/session", Map.of("Cookie", cookie, "X-CSRF-Token", csrf), null);
        assertThat(logout.status()).isEqualTo(200);
        assertThat(server.get("/api/v1/state-machines", Map.of("Cookie", cookie)).status()).isEqualTo(401);
    }

    @Test
    void formLogin_andFormPostWithCsrfField() {
        TestServer.Response ok = server.post("/api/v1/session", Map.of("Content-Type", "application/x-www-form-urlencoded"),
                ("user=admin&password=" + java.net.URLEncoder.encode(TestServer.PASSWORD, StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        String cookie = cookieOf(ok);
        String csrf = ok.body().get("csrfToken").asText();
        Map<String, String> form = Map.of("Cookie", cookie, "Content-Type", "application/x-www-form-urlencoded");
        assertThat(send("DELETE", "/api/v1/session", form, "_csrf=wrong").errorType()).isEqualTo("InvalidCsrfToken");
        assertThat(send("DELETE", "/api/v1/session", form, "_csrf=" + csrf).status()).isEqualTo(200);
    }

    @Test
    void administration_grantsKeysAndRevocations_areAudited() {
        String admin = "Bearer " + server.server.authStore().createApiKey("admin", "admin")[1];
        Map<String, String> h = Map.of("Authorization", admin, "Content-Type", "application/json");
        assertThat(send("POST", "/api/v1/users", h, "{\"name\":\"dave\"}").status()).isEqualTo(200);
        assertThat(send("POST", "/api/v1/users/dave/grants", h, "{\"role\":\"viewer\"}").status()).isEqualTo(200);
        assertThat(send("POST", "/api/v1/users/dave/grants", h, "{\"role\":\"superuser\"}").message())
                .startsWith("role must be one of [administrator, developer, operator, viewer") // then any workload's roles
                .endsWith("was 'superuser'");
        JsonNode key = send("POST", "/api/v1/users/dave/access-keys", h, null).body();
        String keyId = key.get("accessKeyId").asText();
        String secret = key.get("secretAccessKey").asText();

        byte[] list = Json.bytes(json());
        assertThat(server.callAs(keyId, secret, "ListStateMachines", list).status()).isEqualTo(200);
        assertThat(server.callAs(keyId, secret, "CreateActivity", Json.bytes(json("name", "x"))).errorType())
                .isEqualTo("AccessDeniedException");
        assertThat(send("DELETE", "/api/v1/users/dave/grants?role=viewer", h, null).status()).isEqualTo(200);
        assertThat(server.callAs(keyId, secret, "ListStateMachines", list).errorType()).isEqualTo("AccessDeniedException");
        assertThat(send("DELETE", "/api/v1/keys/" + keyId, h, null).status()).isEqualTo(200);
        assertThat(server.callAs(keyId, secret, "ListStateMachines", list).errorType()).isEqualTo("UnrecognizedClientException");

        JsonNode audit = server.get("/api/v1/audit?limit=50", Map.of("Authorization", admin)).body();
        List<String> actions = new ArrayList<>();
        audit.get("records").forEach(r -> {
            if (r.get("target").asText().equals("dave") || r.get("target").asText().equals(keyId)) {
                actions.add(r.get("action").asText());
            }
        });
        assertThat(actions).containsExactly("DeleteKey", "RevokeRole", "CreateAccessKey", "GrantRole", "CreateUser");
        assertThat(audit.get("records").get(0).get("actor").asText()).isEqualTo("admin");
    }

    @Test
    void executionsApi_executionWithHistoryAndDefinition() {
        String sm = server.machine("console", TestServer.PASS3, "STANDARD");
        String exec = server.ok("StartExecution", json("stateMachineArn", sm, "name", "c1")).get("executionArn").asText();
        server.await(exec);
        String viewer = "Bearer " + viewerKey();
        JsonNode e = server.get("/api/v1/executions/" + exec, Map.of("Authorization", viewer)).body();
        assertThat(e.at("/execution/status").asText()).isEqualTo("SUCCEEDED");
        assertThat(e.get("definition").asText()).isEqualTo(TestServer.PASS3);
        assertThat(e.get("history")).hasSize(8);
        JsonNode list = server.get("/api/v1/state-machines/" + sm + "/executions", Map.of("Authorization", viewer)).body();
        assertThat(list.get("executions").get(0).get("name").asText()).isEqualTo("c1");
        assertThat(server.get("/api/v1/state-machines", Map.of("Authorization", viewer)).body().toString()).contains("console");
    }

    private static String viewerKey() {
        var store = server.server.authStore();
        if (store.listUsers().stream().noneMatch(u -> u.name().equals("vera"))) {
            store.createUser("admin", "vera", null);
            store.grant("admin", "vera", "viewer", "*");
        }
        return store.createApiKey("admin", "vera")[1];
    }
}
