package dev.setlist.server;

import static dev.setlist.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.auth.AuthStore;
import dev.setlist.server.http.ApiException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The server's own tables on PostgreSQL (127.0.0.1:5432, as on the development machines and in
 * CI): versions, aliases, tags, users, keys and the audit log, next to the engine's.
 */
class PostgresServerTest {
    private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";

    private static String freshDatabase() {
        String db = "setlist_server_test_" + ProcessHandle.current().pid(); // other builds may share the server
        try (Connection c = DriverManager.getConnection(SERVER + "postgres", "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + db);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL must run on 127.0.0.1:5432 for this test: " + e.getMessage(), e);
        }
        return SERVER + db;
    }

    @Test
    void serverTablesOnPostgres_versionsAliasesTagsKeysAudit() {
        try (TestServer server = new TestServer(Map.of(), () -> 0.0, freshDatabase(), "postgres")) {
            String sm = server.machine("pg", TestServer.PASS3, "STANDARD");
            server.ok("PublishStateMachineVersion", json("stateMachineArn", sm));
            String alias = server.ok("CreateStateMachineAlias", json("name", "live", "routingConfiguration",
                    List.of(Map.of("stateMachineVersionArn", sm + ":1", "weight", 100)))).get("stateMachineAliasArn").asText();
            String exec = server.ok("StartExecution", json("stateMachineArn", alias)).get("executionArn").asText();
            JsonNode done = server.await(exec);
            assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
            assertThat(done.get("stateMachineVersionArn").asText()).isEqualTo(sm + ":1");
            server.ok("TagResource", json("resourceArn", sm, "tags", List.of(Map.of("key", "k", "value", "v"))));
            assertThat(server.ok("ListTagsForResource", json("resourceArn", sm)).get("tags")).hasSize(1);
            var store = server.server.authStore();
            store.createUser("admin", "pg-user", "pg-password-1");
            store.grant("admin", "pg-user", "viewer", "*");
            assertThat(store.login("pg-user", "pg-password-1")).isNotNull();
            assertThat(store.audit(null, 10)).extracting(AuthStore.AuditRecord::action).startsWith("SignIn", "GrantRole", "CreateUser");

            // the sign-in throttle's table and the last administrator's guard on PostgreSQL
            for (int i = 0; i < 5; i++) {
                assertThat(store.signIn("pg-user", "wrong-" + i, "10.0.0.1").session()).isNull();
            }
            assertThat(store.signIn("pg-user", "pg-password-1", "10.0.0.1").retryAfterSeconds()).isEqualTo(2);
            assertThatThrownBy(() -> store.revoke("setlist", "admin", "administrator", "*"))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
            assertThat(store.grants("admin")).extracting(g -> g.role()).contains("administrator");
        }
    }
}
