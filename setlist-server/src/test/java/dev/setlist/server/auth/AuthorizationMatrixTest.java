package dev.setlist.server.auth;

import static dev.setlist.server.TestServer.ARN;
import static dev.setlist.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.server.TestServer;
import dev.setlist.server.http.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every Step Functions action × every role × anonymous: which cells are allowed and which are
 * denied. The expected table is written out here, independently of {@link Policy}.
 */
class AuthorizationMatrixTest {
    private static final Set<String> VIEWER = Set.of("DescribeStateMachine", "ListStateMachines",
            "ValidateStateMachineDefinition", "DescribeExecution", "ListExecutions", "GetExecutionHistory",
            "DescribeStateMachineForExecution", "DescribeActivity", "ListActivities", "DescribeMapRun", "ListMapRuns",
            "ListStateMachineVersions", "DescribeStateMachineAlias", "ListStateMachineAliases", "ListTagsForResource");
    private static final Set<String> OPERATOR_EXTRA = Set.of("StartExecution", "StartSyncExecution", "StopExecution",
            "RedriveExecution", "SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat", "GetActivityTask", "UpdateMapRun");

    private static TestServer server;
    private static final Map<String, String[]> keys = new LinkedHashMap<>();
    private static String machine;
    private static String execution;

    @BeforeAll
    static void start() {
        server = new TestServer();
        AuthStore store = server.server.authStore();
        for (String role : List.of("administrator", "developer", "operator", "viewer")) {
            store.createUser("admin", role + "-user", null);
            store.grant("admin", role + "-user", role, "*");
            keys.put(role, store.createAccessKey("admin", role + "-user", null, null));
        }
        store.createUser("admin", "orders-dev", null);
        store.grant("admin", "orders-dev", "developer", "arn:aws:states:*:*:stateMachine:orders-*");
        keys.put("orders-dev", store.createAccessKey("admin", "orders-dev", null, null));
        machine = server.machine("matrix", TestServer.PASS3, "STANDARD");
        execution = server.ok("StartExecution", json("stateMachineArn", machine, "name", "m1")).get("executionArn").asText();
        server.await(execution);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A well-formed request for each action; destructive ones aim at resources that do not exist. */
    private static ObjectNode request(String action) {
        String gone = ARN + "stateMachine:matrix-gone";
        String mapRun = ARN + "mapRun:matrix/Map:00000000-0000-0000-0000-000000000000";
        return switch (action) {
            case "CreateStateMachine" -> json("name", "matrix", "definition", TestServer.PASS3, "roleArn", TestServer.ROLE);
            case "UpdateStateMachine" -> json("stateMachineArn", gone, "definition", TestServer.PASS3);
            case "DescribeStateMachine", "ListExecutions", "ListStateMachineVersions", "ListStateMachineAliases" ->
                    json("stateMachineArn", machine);
            case "DeleteStateMachine", "PublishStateMachineVersion" -> json("stateMachineArn", gone);
            case "ValidateStateMachineDefinition" -> json("definition", TestServer.PASS3);
            case "StartExecution" -> json("stateMachineArn", gone);
            case "StartSyncExecution" -> json("stateMachineArn", gone);
            case "StopExecution", "RedriveExecution" -> json("executionArn", ARN + "execution:matrix-gone:x");
            case "DescribeExecution", "GetExecutionHistory", "DescribeStateMachineForExecution", "ListMapRuns" ->
                    json("executionArn", execution);
            case "SendTaskSuccess" -> json("taskToken", "bm90LWEtdG9rZW4", "output", "{}");
            case "SendTaskFailure", "SendTaskHeartbeat" -> json("taskToken", "bm90LWEtdG9rZW4");
            case "CreateActivity" -> json("name", "matrix-activity");
            case "DeleteActivity", "DescribeActivity", "GetActivityTask" -> json("activityArn", ARN + "activity:matrix-gone");
            case "DescribeMapRun" -> json("mapRunArn", mapRun);
            case "UpdateMapRun" -> json("mapRunArn", mapRun, "maxConcurrency", 2);
            case "DeleteStateMachineVersion" -> json("stateMachineVersionArn", gone + ":1");
            case "CreateStateMachineAlias" -> json("name", "a", "routingConfiguration",
                    List.of(Map.of("stateMachineVersionArn", gone + ":1", "weight", 100)));
            case "DescribeStateMachineAlias", "UpdateStateMachineAlias", "DeleteStateMachineAlias" ->
                    json("stateMachineAliasArn", machine + ":nope", "description", "d");
            case "TagResource" -> json("resourceArn", gone, "tags", List.of(Map.of("key", "k", "value", "v")));
            case "UntagResource" -> json("resourceArn", gone, "tagKeys", List.of("k"));
            case "ListTagsForResource" -> json("resourceArn", machine);
            case "TestState" -> json("definition", "{\"Type\":\"Pass\",\"End\":true}");
            default -> Json.object();
        };
    }

    private static boolean expected(String role, String action) {
        return switch (role) {
            case "administrator", "developer" -> true;
            case "operator" -> VIEWER.contains(action) || OPERATOR_EXTRA.contains(action);
            case "viewer" -> VIEWER.contains(action);
            default -> false;
        };
    }

    @Test
    void everyActionEveryRole_allowedAndDeniedAsTheTableSays() {
        List<String> actions = server.server.stepFunctions().actions();
        assertThat(actions).hasSize(37);
        List<String> wrong = new ArrayList<>();
        int allowed = 0;
        int denied = 0;
        for (String action : actions) {
            byte[] body = Json.bytes(request(action));
            for (String role : List.of("administrator", "developer", "operator", "viewer", "anonymous")) {
                String[] key = keys.get(role);
                TestServer.Response r = key == null ? server.callAs(null, null, action, body)
                        : server.callAs(key[0], key[1], action, body);
                boolean refused = "AccessDeniedException".equals(r.errorType())
                        || "MissingAuthenticationTokenException".equals(r.errorType());
                if (r.status() >= 500) {
                    wrong.add(role + " × " + action + ": " + r);
                } else if (refused == expected(role, action)) {
                    wrong.add(role + " × " + action + ": expected " + (expected(role, action) ? "allowed" : "denied")
                            + ", got " + r);
                } else if (refused) {
                    denied++;
                    if (role.equals("anonymous")) {
                        assertThat(r.status()).isEqualTo(401);
                        assertThat(r.message()).isEqualTo("Missing Authentication Token");
                    } else {
                        assertThat(r.status()).isEqualTo(403);
                        assertThat(r.message()).startsWith("User: " + role + "-user is not authorized to perform: states:" + action);
                    }
                } else {
                    allowed++;
                }
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(allowed).isEqualTo(37 * 2 + VIEWER.size() * 2 + OPERATOR_EXTRA.size());
        assertThat(denied).isEqualTo(37 * 5 - allowed);
    }

    @Test
    void scopedGrant_allowsMatchingStateMachinesOnly() {
        String[] key = keys.get("orders-dev");
        String orders = server.machine("orders-1", TestServer.PASS3, "STANDARD");
        TestServer.Response own = server.callAs(key[0], key[1], "DescribeStateMachine", Json.bytes(json("stateMachineArn", orders)));
        assertThat(own.status()).isEqualTo(200);
        TestServer.Response other = server.callAs(key[0], key[1], "DescribeStateMachine", Json.bytes(json("stateMachineArn", machine)));
        assertThat(other.errorType()).isEqualTo("AccessDeniedException");
        String exec = server.ok("StartExecution", json("stateMachineArn", orders)).get("executionArn").asText();
        assertThat(server.callAs(key[0], key[1], "DescribeExecution", Json.bytes(json("executionArn", exec))).status()).isEqualTo(200);
        assertThat(server.callAs(key[0], key[1], "DescribeExecution", Json.bytes(json("executionArn", execution))).errorType())
                .isEqualTo("AccessDeniedException");
        assertThat(server.callAs(key[0], key[1], "CreateStateMachine", Json.bytes(json("name", "billing-1", "definition",
                TestServer.PASS3, "roleArn", TestServer.ROLE))).errorType()).isEqualTo("AccessDeniedException");
        assertThat(server.callAs(key[0], key[1], "ListStateMachines", Json.bytes(json())).status()).isEqualTo(200);
    }

    @Test
    void flowsAndTraces_readByEveryRole_incidentsAcknowledgedByOperatorsAndUp() {
        for (String role : List.of("administrator", "developer", "operator", "viewer")) {
            String[] apiKey = server.server.authStore().createApiKey("admin", role + "-user");
            Map<String, String> auth = Map.of("Authorization", "Bearer " + apiKey[1]);
            assertThat(server.get("/api/v1/flows", auth).status()).as(role).isEqualTo(200);
            assertThat(server.get("/api/v1/traces/4bf92f3577b34da6a3ce929d0e0e4736", auth).errorType()).as(role)
                    .isEqualTo("ResourceNotFoundException");
            TestServer.Response ack = server.post("/api/v1/flows/incidents/x/ack", auth, new byte[0]);
            assertThat(ack.errorType()).as(role).isEqualTo(role.equals("viewer") ? "AccessDeniedException"
                    : "ResourceNotFoundException");
        }
        assertThat(server.get("/api/v1/flows", Map.of()).errorType()).isEqualTo("MissingAuthenticationTokenException");
        assertThat(server.post("/api/v1/flows/incidents/x/ack", Map.of(), new byte[0]).errorType())
                .isEqualTo("MissingAuthenticationTokenException");
    }

    @Test
    void adminApi_onlyAdministrators() {
        for (String role : List.of("administrator", "developer", "operator", "viewer")) {
            String[] apiKey = server.server.authStore().createApiKey("admin", role + "-user");
            TestServer.Response r = server.get("/api/v1/users", Map.of("Authorization", "Bearer " + apiKey[1]));
            if (role.equals("administrator")) {
                assertThat(r.status()).as(role).isEqualTo(200);
            } else {
                assertThat(r.errorType()).as(role).isEqualTo("AccessDeniedException");
            }
        }
        assertThat(server.get("/api/v1/audit", Map.of()).errorType()).isEqualTo("MissingAuthenticationTokenException");
    }
}
