package dev.setlist.server.cli;

import static dev.setlist.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.server.SetlistServer;
import dev.setlist.server.TestServer;
import dev.setlist.server.auth.AuthStore;
import dev.setlist.server.auth.Policy;
import dev.setlist.server.http.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code setlist admin reset-password}: recovering an installation nobody can administer. */
class AdminCommandTest {
    @TempDir
    Path empty;

    record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    private static HttpResponse<String> signIn(int port, String user, String password) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/session"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(json("user", user, "password", password)))).build();
        return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(int port, String path, String cookie) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Cookie", cookie).GET().build();
        return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void resetPassword_setsANewPassword_grantsTheAdministratorRole_andEndsTheSessions() throws Exception {
        try (TestServer t = new TestServer()) {
            AuthStore store = t.server.authStore();
            store.createUser("admin", "ops", "ops-password-1");
            store.grant("admin", "ops", Policy.VIEWER, "*");
            HttpResponse<String> before = signIn(t.port(), "ops", "ops-password-1");
            assertThat(before.statusCode()).isEqualTo(200);
            String cookie = before.headers().firstValue("set-cookie").orElseThrow().split(";")[0];
            for (int i = 0; i < 6; i++) {
                signIn(t.port(), "ops", "forgotten-" + i);
            }
            assertThat(signIn(t.port(), "ops", "ops-password-1").statusCode()).as("locked out").isEqualTo(429);
            t.server.stop();

            Result r = run("admin", "reset-password", "ops", "--data", t.dataDir.toString());
            assertThat(r.code()).as(r.err()).isZero();
            Matcher m = Pattern.compile("console password: +(\\S+)").matcher(r.out());
            assertThat(m.find()).as(r.out()).isTrue();
            String password = m.group(1);
            assertThat(password).hasSizeGreaterThanOrEqualTo(20);
            assertThat(r.out()).contains("'ops' was granted the administrator role on *; 1 session(s) ended.");

            try (SetlistServer again = SetlistServer.builder(t.server.config()).env(Map.of())
                    .out(new PrintStream(new ByteArrayOutputStream())).build().start()) {
                assertThat(get(again.port(), "/api/v1/session", cookie).statusCode()).as("the old session ended").isEqualTo(401);
                assertThat(signIn(again.port(), "ops", "ops-password-1").statusCode()).isEqualTo(401);
                HttpResponse<String> after = signIn(again.port(), "ops", password);
                assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
                assertThat(Json.MAPPER.readTree(after.body()).get("grants").toString()).contains("\"role\":\"administrator\"");
                String session = after.headers().firstValue("set-cookie").orElseThrow().split(";")[0];
                assertThat(get(again.port(), "/api/v1/users", session).statusCode()).isEqualTo(200);
                assertThat(again.authStore().audit(null, 10)).anyMatch(a -> a.action().equals("ResetPassword")
                        && a.actor().equals("setlist-cli") && a.target().equals("ops") && !a.details().contains(password));
            }

            Result twice = run("admin", "reset-password", "ops", "--data", t.dataDir.toString());
            assertThat(twice.code()).isZero();
            assertThat(twice.out()).contains("'ops' holds the administrator role on *; 1 session(s) ended.");
            assertThat(twice.out()).doesNotContain("console password:  " + password);
        }
    }

    @Test
    void resetPassword_ofAnUnknownUserOrWithoutADatabase_saysWhatIsWrong() {
        Path dir;
        try (TestServer t = new TestServer()) {
            t.server.stop();
            dir = t.dataDir;
            Result unknown = run("admin", "reset-password", "nobody", "--data", dir.toString());
            assertThat(unknown.code()).isEqualTo(2);
            assertThat(unknown.err()).contains("no user 'nobody' (users: admin)");
        }
        Result none = run("admin", "reset-password", "admin", "--data", empty.toString());
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("no database here").contains("--data DIR");
    }
}
