package dev.setlist.server.auth;

import static dev.setlist.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.Clock;
import dev.setlist.server.TestServer;
import dev.setlist.server.http.Json;
import dev.setlist.server.store.Sql;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Console sign-in under attack: throttling per user name and per address on the server's clock,
 * the same answers and the same hashing work for unknown users, every sign-in audited, and
 * password changes and revocations taking effect on open sessions.
 */
class SignInTest {
    /** Time that stands still unless a test moves it (waits pass a little real time, not clock time). */
    static final class StillClock implements Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2030-01-01T00:00:00Z"));

        @Override
        public Instant now() {
            return now.get();
        }

        @Override
        public void sleepUntil(Instant instant) throws InterruptedException {
            Thread.sleep(Math.max(1, Math.min(Duration.between(now(), instant).toMillis(), 50)));
        }

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }
    }

    private static final String ERIN_PASSWORD = "erin-password-1";
    private static StillClock clock;
    private static TestServer server;
    private static AuthStore store;
    private static String adminKey;

    @BeforeAll
    static void start() {
        clock = new StillClock();
        server = new TestServer(c -> c, b -> b.clock(clock));
        store = server.server.authStore();
        adminKey = "Bearer " + store.createApiKey("admin", "admin")[1];
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Every test starts with the counts of the ones before forgotten. */
    @BeforeEach
    void later() {
        clock.advance(Duration.ofDays(2));
    }

    private static TestServer.Response signIn(String user, String password) {
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

    private static String retryAfter(TestServer.Response r) {
        List<String> v = r.headers().get("retry-after");
        return v == null ? null : v.get(0);
    }

    private static void user(String name, String password) {
        if (store.listUsers().stream().noneMatch(u -> u.name().equals(name))) {
            store.createUser("admin", name, password);
            store.grant("admin", name, Policy.VIEWER, "*");
        }
    }

    @Test
    void repeatedWrongPasswords_areRefusedWith429_forDelaysThatGrow_andARightPasswordWaitsToo() {
        user("erin", ERIN_PASSWORD);
        for (int i = 0; i < 5; i++) {
            assertThat(signIn("erin", "wrong-" + i).status()).as("failure %d", i + 1).isEqualTo(401);
        }
        long checks = store.passwords().checks();
        TestServer.Response refused = signIn("erin", "wrong-again");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.errorType()).isEqualTo("TooManyRequestsException");
        assertThat(retryAfter(refused)).isEqualTo("2");

        TestServer.Response right = signIn("erin", ERIN_PASSWORD);
        assertThat(right.status()).as("the right password during the lockout").isEqualTo(429);
        assertThat(right.headers()).doesNotContainKey("set-cookie");
        assertThat(store.passwords().checks()).as("refused attempts check no password").isEqualTo(checks);

        clock.advance(Duration.ofSeconds(1));
        assertThat(retryAfter(signIn("erin", ERIN_PASSWORD))).isEqualTo("1");
        clock.advance(Duration.ofSeconds(1));
        assertThat(signIn("erin", "wrong-6").status()).isEqualTo(401);
        assertThat(retryAfter(signIn("erin", ERIN_PASSWORD))).as("the delay doubled").isEqualTo("4");
        clock.advance(Duration.ofSeconds(4));
        assertThat(signIn("erin", "wrong-7").status()).isEqualTo(401);
        assertThat(retryAfter(signIn("erin", ERIN_PASSWORD))).isEqualTo("8");
        clock.advance(Duration.ofSeconds(8));

        TestServer.Response ok = signIn("erin", ERIN_PASSWORD);
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(ok.body().get("user").asText()).isEqualTo("erin");
        for (int i = 0; i < 5; i++) {
            assertThat(signIn("erin", "wrong-" + i).status()).as("a success starts the count anew").isEqualTo(401);
        }
        assertThat(signIn("erin", ERIN_PASSWORD).status()).isEqualTo(429);
    }

    @Test
    void theDelay_doublesUpToFifteenMinutes() {
        SignInThrottle.Limits l = SignInThrottle.USER;
        assertThat(l.delayMillis(4)).isZero();
        assertThat(l.delayMillis(5)).isEqualTo(2_000);
        assertThat(l.delayMillis(6)).isEqualTo(4_000);
        assertThat(l.delayMillis(12)).isEqualTo(256_000);
        assertThat(l.delayMillis(13)).isEqualTo(512_000);
        assertThat(l.delayMillis(14)).isEqualTo(Duration.ofMinutes(15).toMillis());
        assertThat(l.delayMillis(1_000_000)).isEqualTo(Duration.ofMinutes(15).toMillis());
    }

    @Test
    void unknownAndKnownUsers_getTheSameAnswers_afterTheSameHashingWork() {
        user("erin", ERIN_PASSWORD);
        long checks = store.passwords().checks();
        long dummies = store.passwords().dummyChecks();
        TestServer.Response known = signIn("erin", "wrong-password");
        assertThat(store.passwords().checks()).isEqualTo(checks + 1);
        assertThat(store.passwords().dummyChecks()).isEqualTo(dummies);

        TestServer.Response unknown = signIn("nobody-here", "wrong-password");
        assertThat(store.passwords().checks()).as("an unknown user's password is checked too").isEqualTo(checks + 2);
        assertThat(store.passwords().dummyChecks()).as("against the dummy hash").isEqualTo(dummies + 1);
        TestServer.Response invalid = signIn("not a valid name!", "wrong-password");
        assertThat(store.passwords().dummyChecks()).isEqualTo(dummies + 2);

        assertThat(unknown.status()).isEqualTo(known.status()).isEqualTo(invalid.status()).isEqualTo(401);
        assertThat(unknown.raw()).isEqualTo(known.raw()).isEqualTo(invalid.raw());

        // the dummy hash has the algorithm and cost of the real ones
        String stored = new Sql(server.server.engine().dataSource()).one("SELECT password_hash FROM sl_user WHERE name = ?",
                rs -> rs.getString(1), "erin");
        assertThat(parameters(store.passwords().dummyHash())).isEqualTo(parameters(stored)).startsWith("$argon2id$");

        // and unknown users are throttled exactly like known ones
        for (int i = 0; i < 4; i++) {
            assertThat(signIn("erin", "wrong-" + i).raw()).isEqualTo(signIn("nobody-here", "wrong-" + i).raw());
        }
        TestServer.Response knownRefused = signIn("erin", "wrong");
        TestServer.Response unknownRefused = signIn("nobody-here", "wrong");
        assertThat(knownRefused.status()).isEqualTo(unknownRefused.status()).isEqualTo(429);
        assertThat(knownRefused.raw()).isEqualTo(unknownRefused.raw());
        assertThat(retryAfter(knownRefused)).isEqualTo(retryAfter(unknownRefused)).isEqualTo("2");
    }

    /** {@code $argon2id$v=19$m=19456,t=2,p=1$salt$hash} without the salt and the hash. */
    private static String parameters(String hash) {
        String[] parts = hash.split("\\$");
        return "$" + parts[1] + "$" + parts[2] + "$" + parts[3] + "$";
    }

    @Test
    void oneAddress_tryingManyUserNames_isThrottledToo() {
        for (int i = 0; i < 20; i++) {
            assertThat(signIn("spray-" + i, "password-1").status()).isEqualTo(401);
        }
        TestServer.Response refused = signIn("spray-new", "password-1");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(retryAfter(refused)).isEqualTo("1");
        clock.advance(Duration.ofSeconds(1));
        assertThat(signIn("spray-21", "password-1").status()).isEqualTo(401);
        assertThat(retryAfter(signIn("admin", TestServer.PASSWORD))).isEqualTo("2");
        clock.advance(Duration.ofSeconds(2));
        assertThat(signIn("admin", TestServer.PASSWORD).status()).isEqualTo(200);
    }

    @Test
    void everySignIn_isAudited_withoutThePassword() {
        user("erin", ERIN_PASSWORD);
        assertThat(signIn("erin", "secret-guess-1").status()).isEqualTo(401);
        assertThat(signIn("ghost", "secret-guess-2").status()).isEqualTo(401);
        assertThat(signIn("erin", ERIN_PASSWORD).status()).isEqualTo(200);
        for (int i = 0; i < 6; i++) {
            signIn("ghost", "secret-guess-3");
        }

        TestServer.Response audit = server.get("/api/v1/audit?limit=20", Map.of("Authorization", adminKey));
        assertThat(audit.status()).isEqualTo(200);
        List<String> lines = new ArrayList<>();
        for (JsonNode r : audit.body().get("records")) {
            lines.add(r.get("actor").asText() + " " + r.get("action").asText() + " " + r.get("target").asText() + " "
                    + r.path("details").asText());
        }
        assertThat(lines).anyMatch(l -> l.startsWith("erin SignIn erin ") && l.contains("\"address\":\"127.0.0.1\""));
        assertThat(lines).anyMatch(l -> l.startsWith("erin SignInFailed erin ") && l.contains("wrong password"));
        assertThat(lines).anyMatch(l -> l.startsWith("ghost SignInFailed ghost ") && l.contains("no such user"));
        assertThat(lines).anyMatch(l -> l.startsWith("ghost SignInRefused ghost ") && l.contains("throttled"));
        assertThat(audit.raw()).doesNotContain("secret-guess").doesNotContain(ERIN_PASSWORD);
    }

    @Test
    void aPasswordChangeOrARevocation_takesEffectOnOpenSessions() {
        user("fay", "fay-password-1");
        TestServer.Response first = signIn("fay", "fay-password-1");
        String cookie = first.headers().get("set-cookie").get(0).split(";")[0];
        assertThat(server.get("/api/v1/state-machines", Map.of("Cookie", cookie)).status()).isEqualTo(200);

        store.revoke("admin", "fay", Policy.VIEWER, "*");
        assertThat(server.get("/api/v1/state-machines", Map.of("Cookie", cookie)).errorType())
                .isEqualTo("AccessDeniedException");
        store.grant("admin", "fay", Policy.VIEWER, "*");
        assertThat(server.get("/api/v1/state-machines", Map.of("Cookie", cookie)).status()).isEqualTo(200);

        TestServer.Response change = send("PUT", "/api/v1/users/fay/password", Map.of("Authorization", adminKey,
                "Content-Type", "application/json"), "{\"password\":\"fay-password-2\"}");
        assertThat(change.status()).as(change.toString()).isEqualTo(200);
        assertThat(server.get("/api/v1/state-machines", Map.of("Cookie", cookie)).status()).isEqualTo(401);
        assertThat(signIn("fay", "fay-password-1").status()).isEqualTo(401);
        assertThat(signIn("fay", "fay-password-2").status()).isEqualTo(200);
    }
}
