package dev.setlist.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.setlist.server.TestServer;
import dev.setlist.server.http.ApiException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Nobody can take away the last administrator: revoking, deleting answer 409 and change nothing. */
class LastAdministratorTest {
    private static TestServer server;
    private static AuthStore store;
    private static Map<String, String> admin;

    @BeforeAll
    static void start() {
        server = new TestServer();
        store = server.server.authStore();
        admin = Map.of("Authorization", "Bearer " + store.createApiKey("admin", "admin")[1], "Content-Type", "application/json");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static TestServer.Response send(String method, String path, Map<String, String> headers, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.endpoint() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(b::header);
        return server.send(b.build());
    }

    private static long auditCount() {
        return store.audit(null, 1000).size();
    }

    @Test
    void theLastAdministrator_cannotRevokeTheirOwnRole_norDeleteThemselves() {
        long audited = auditCount();
        TestServer.Response revoke = send("DELETE", "/api/v1/users/admin/grants?role=administrator&resources=*", admin, null);
        assertThat(revoke.status()).as(revoke.toString()).isEqualTo(409);
        assertThat(revoke.errorType()).isEqualTo("ConflictException");
        assertThat(revoke.message()).contains("last grant of the administrator role").contains("Grant the administrator role to another user first");
        assertThat(store.grants("admin")).containsExactly(new Policy.Grant(Policy.ADMINISTRATOR, "*"));

        TestServer.Response delete = send("DELETE", "/api/v1/users/admin", admin, null);
        assertThat(delete.status()).isEqualTo(409);
        assertThat(store.listUsers()).extracting(AuthStore.User::name).contains("admin");
        assertThat(auditCount()).as("nothing was changed, nothing audited").isEqualTo(audited);

        // nor through the store, whoever asks
        assertThatThrownBy(() -> store.deleteUser("setlist", "admin"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThatThrownBy(() -> store.revoke("setlist", "admin", Policy.ADMINISTRATOR, "*"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThat(store.grants("admin")).containsExactly(new Policy.Grant(Policy.ADMINISTRATOR, "*"));
        assertThat(store.listUsers()).extracting(AuthStore.User::name).contains("admin");
    }

    @Test
    void withASecondAdministrator_eitherCanGo_butNotBoth() {
        store.createUser("admin", "root2", "root2-password");
        store.grant("admin", "root2", Policy.ADMINISTRATOR, "*");
        store.grant("admin", "root2", Policy.ADMINISTRATOR, "arn:aws:states:*");
        try {
            // one of root2's two administrator grants can go: the other still makes them one
            assertThat(send("DELETE", "/api/v1/users/root2/grants?role=administrator&resources=arn:aws:states:*", admin, null)
                    .status()).isEqualTo(200);
            assertThat(send("DELETE", "/api/v1/users/root2/grants?role=administrator&resources=*", admin, null).status())
                    .isEqualTo(200);
            store.grant("admin", "root2", Policy.ADMINISTRATOR, "*");
            store.revoke("root2", "admin", Policy.ADMINISTRATOR, "*");
            assertThatThrownBy(() -> store.revoke("root2", "root2", Policy.ADMINISTRATOR, "*"))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
            assertThatThrownBy(() -> store.deleteUser("admin", "root2"))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
            assertThat(store.grants("root2")).containsExactly(new Policy.Grant(Policy.ADMINISTRATOR, "*"));
        } finally {
            store.grant("root2", "admin", Policy.ADMINISTRATOR, "*");
            store.deleteUser("admin", "root2");
        }
        assertThat(store.grants("admin")).containsExactly(new Policy.Grant(Policy.ADMINISTRATOR, "*"));
    }
}
