package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.http.Access;
import dev.setlist.server.http.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Relecloud at the seams, tried as an attacker with the built-in roles would: its state machines,
 * activity, rules and event sources cannot be driven through the generic Step Functions and
 * EventBridge APIs without a grant that names them; the guard's cache and levers answer nobody
 * the gate has not admitted; every route of the product declares its access.
 */
class MachineryOwnershipTest {
    private static final String ARN = "arn:aws:states:us-east-1:000000000000:";
    private static Harness h;
    private static String operatorKey;
    private static String developerKey;
    private static String adminKey;

    @BeforeAll
    static void start() {
        h = new Harness();
        var auth = h.server.authStore();
        operatorKey = auth.createApiKey("test", "olu")[1];
        auth.createUser("test", "devi", Harness.PASSWORD);
        auth.grant("test", "devi", "developer", "*");
        developerKey = auth.createApiKey("test", "devi")[1];
        adminKey = auth.createApiKey("test", "admin")[1];
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static Harness.Response aws(String key, String target, JsonNode body) {
        return h.request("POST", "/", body.toString(), Map.of("Authorization", "Bearer " + key, "X-Amz-Target", target,
                "Content-Type", "application/x-amz-json-1.0"), null, null);
    }

    private static JsonNode forgedPurchase() {
        return Json.object().put("stateMachineArn", ARN + "stateMachine:" + Relecloud.PURCHASE)
                .put("name", "forged-" + UUID.randomUUID()).put("input", "{\"purchaseId\":\"X\",\"customerId\":9,"
                        + "\"amountCents\":1,\"items\":[{\"concertId\":2,\"quantity\":10,\"priceCents\":0}]}");
    }

    @Test
    void builtInRoles_cannotStartStopOrChangeTheWorkloadsStateMachines() {
        for (String key : List.of(operatorKey, developerKey, adminKey)) {
            Harness.Response r = aws(key, "AWSStepFunctions.StartExecution", forgedPurchase());
            assertThat(r.status()).as(r.json().toString()).isEqualTo(403);
            assertThat(r.error()).isEqualTo("AccessDeniedException");
            assertThat(r.json().path("message").asText()).contains("belongs to the workload");
        }
        assertThat(aws(operatorKey, "AWSStepFunctions.StartSyncExecution", forgedPurchase()).status()).isEqualTo(403);
        assertThat(aws(developerKey, "AWSStepFunctions.UpdateStateMachine", Json.object()
                .put("stateMachineArn", ARN + "stateMachine:" + Relecloud.PURCHASE).put("definition", "{}")).status())
                .isEqualTo(403);
        assertThat(aws(adminKey, "AWSStepFunctions.DeleteStateMachine", Json.object()
                .put("stateMachineArn", ARN + "stateMachine:" + Relecloud.CREATE_CONCERT)).status()).isEqualTo(403);
        assertThat(aws(operatorKey, "AWSStepFunctions.StopExecution", Json.object()
                .put("executionArn", ARN + "execution:" + Relecloud.PURCHASE + ":anything")).status()).isEqualTo(403);
        assertThat(aws(operatorKey, "AWSStepFunctions.GetActivityTask", Json.object()
                .put("activityArn", ARN + "activity:" + Relecloud.RENDER_ACTIVITY)).status()).isEqualTo(403);
        assertThat(h.server.engine().listExecutions(h.relecloud.purchaseArn(), null, null, 100, null).items()
                .stream().filter(e -> e.name().startsWith("forged-")).toList()).isEmpty();

        // The console lists them with their owner, and shows them read-only.
        Harness.Response machines = h.login("olu").get("/api/v1/state-machines");
        assertThat(machines.status()).isEqualTo(200);
        assertThat(machines.json().path("stateMachines").findValuesAsText("owner")).contains("Relecloud");
        for (JsonNode m : machines.json().path("stateMachines")) {
            if (m.path("name").asText().equals(Relecloud.PURCHASE)) {
                assertThat(m.path("owner").asText()).isEqualTo("Relecloud");
            }
        }

        // Reading stays open to whoever may read.
        Harness.Response described = aws(operatorKey, "AWSStepFunctions.DescribeStateMachine", Json.object()
                .put("stateMachineArn", ARN + "stateMachine:" + Relecloud.PURCHASE));
        assertThat(described.status()).isEqualTo(200);
    }

    @Test
    void aDevelopersOwnStateMachine_cannotStartTheWorkloadsMachines_norUseItsActivityOrTaskHandlers() {
        String child = "forged-nested-" + UUID.randomUUID();
        JsonNode nested = Json.object().put("StartAt", "Start").set("States", Json.object()
                .set("Start", Json.object().put("Type", "Task").put("Resource", "arn:aws:states:::states:startExecution")
                        .put("End", true).set("Parameters", Json.object()
                                .put("StateMachineArn", ARN + "stateMachine:" + Relecloud.PURCHASE).put("Name", child)
                                .put("Input", "{\"purchaseId\":\"X\"}"))));
        JsonNode activity = Json.object().put("StartAt", "Render").set("States", Json.object()
                .set("Render", Json.object().put("Type", "Task").put("End", true)
                        .put("Resource", ARN + "activity:" + Relecloud.RENDER_ACTIVITY)
                        .set("Parameters", Json.object().put("number", "T-forged"))));
        // Relecloud's own task handler, called straight from a machine of one's own: it would refuse
        // (Purchase.NotFound / WrongExecution), but its answer would tell which purchases exist.
        JsonNode handler = Json.object().put("StartAt", "Hold").set("States", Json.object()
                .set("Hold", Json.object().put("Type", "Task").put("End", true)
                        .put("Resource", "arn:aws:states:::relecloud:reserveSeats")
                        .set("Parameters", Json.object().put("purchaseId", "p-guess"))));
        for (JsonNode definition : List.of(nested, activity, handler)) {
            String name = "devi-" + UUID.randomUUID();
            Harness.Response created = aws(developerKey, "AWSStepFunctions.CreateStateMachine", Json.object()
                    .put("name", name).put("roleArn", "arn:aws:iam::000000000000:role/devi")
                    .put("definition", definition.toString()));
            assertThat(created.status()).as(created.json().toString()).isEqualTo(200);
            Harness.Response started = aws(developerKey, "AWSStepFunctions.StartExecution", Json.object()
                    .put("stateMachineArn", created.json().path("stateMachineArn").asText()).put("input", "{}"));
            assertThat(started.status()).as(started.json().toString()).isEqualTo(200);
            String execution = started.json().path("executionArn").asText();
            var ended = Harness.eventually(() -> h.server.engine().describeExecution(execution),
                    e -> e.status() != dev.setlist.engine.ExecutionStatus.RUNNING);
            assertThat(ended.status()).isEqualTo(dev.setlist.engine.ExecutionStatus.FAILED);
            assertThat(ended.error()).isEqualTo("StepFunctions.AccessDeniedException");
            assertThat(ended.cause()).contains("belongs to the workload Relecloud");
        }
        assertThat(h.server.engine().listExecutions(h.relecloud.purchaseArn(), null, null, 100, null).items()
                .stream().filter(e -> e.name().equals(child)).toList()).isEmpty();
    }

    @Test
    void aGrantNamingTheMachine_admitsTheCallToTheMachine() {
        var auth = h.server.authStore();
        auth.createUser("test", "runbook", Harness.PASSWORD);
        auth.grant("test", "runbook", "operator", ARN + "stateMachine:" + Relecloud.RENDER);
        String key = auth.createApiKey("test", "runbook")[1];
        Harness.Response described = aws(key, "AWSStepFunctions.StopExecution", Json.object()
                .put("executionArn", ARN + "execution:" + Relecloud.RENDER + ":no-such-execution"));
        assertThat(described.error()).isEqualTo("ExecutionDoesNotExist");
        // ... and that grant names one machine only.
        assertThat(aws(key, "AWSStepFunctions.StopExecution", Json.object()
                .put("executionArn", ARN + "execution:" + Relecloud.PURCHASE + ":x")).status()).isEqualTo(403);
    }

    @Test
    void builtInRoles_cannotPublishAsTheWorkloadsSources_norTargetItsMachines() {
        int requestsBefore = h.relecloud.store().requestsOf("olu", 50).size();
        JsonNode forged = Json.object().set("Entries", Json.array().add(Json.object()
                .put("Source", Relecloud.PLANNING).put("DetailType", "ConcertRequested")
                .put("Detail", "{\"requestId\":\"cr-forged\",\"title\":\"Forged\"}")));
        for (String key : List.of(operatorKey, developerKey, adminKey)) {
            Harness.Response r = aws(key, "AWSEvents.PutEvents", forged);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.json().path("message").asText()).contains("event-source/relecloud.planning");
        }
        assertThat(h.relecloud.store().request("cr-forged")).isNull();
        assertThat(h.relecloud.store().requestsOf("olu", 50)).hasSize(requestsBefore);
        // Another source is the caller's own business.
        JsonNode own = Json.object().set("Entries", Json.array().add(Json.object()
                .put("Source", "ops.notes").put("DetailType", "Note").put("Detail", "{}")));
        assertThat(aws(operatorKey, "AWSEvents.PutEvents", own).status()).isEqualTo(200);

        // A rule of one's own whose target would start the workload's machine.
        assertThat(aws(developerKey, "AWSEvents.PutRule", Json.object().put("Name", "sneaky")
                .put("EventPattern", "{\"source\":[\"ops.notes\"]}")).status()).isEqualTo(200);
        Harness.Response target = aws(developerKey, "AWSEvents.PutTargets", Json.object().put("Rule", "sneaky")
                .set("Targets", Json.array().add(Json.object().put("Id", "t").put("Arn", ARN + "stateMachine:"
                        + Relecloud.PURCHASE))));
        assertThat(target.status()).isEqualTo(403);
        // The workload's own rules cannot be changed or disabled.
        assertThat(aws(developerKey, "AWSEvents.DisableRule", Json.object().put("Name", "relecloud-render-tickets"))
                .status()).isEqualTo(403);
        assertThat(h.server.eventBus().describeRule("relecloud-render-tickets", null).state()).isEqualTo("ENABLED");
    }

    @Test
    void aRuleOfOnesOwn_cannotForwardAnEventInTheWorkloadsSourceOntoTheBus() {
        String rule = "forwarder-" + UUID.randomUUID().toString().substring(0, 8);
        String requestId = "cr-fwd-" + UUID.randomUUID().toString().substring(0, 8);
        int before = h.server.engine().listExecutions(ARN + "stateMachine:" + Relecloud.CREATE_CONCERT, null, null, 1000,
                null).items().size();
        assertThat(aws(developerKey, "AWSEvents.PutRule", Json.object().put("Name", rule)
                .put("EventPattern", "{\"source\":[\"ops.forward\"]}")).status()).isEqualTo(200);
        String forged = Json.object().put("source", Relecloud.PLANNING).put("detail-type", "ConcertRequested")
                .set("detail", Json.object().put("requestId", requestId).put("title", "Forged")).toString();
        Harness.Response target = aws(developerKey, "AWSEvents.PutTargets", Json.object().put("Rule", rule)
                .set("Targets", Json.array().add(Json.object().put("Id", "fwd")
                        .put("Arn", "arn:aws:events:us-east-1:000000000000:event-bus/default").put("Input", forged))));
        assertThat(target.status()).as(target.json().toString()).isEqualTo(200);
        assertThat(aws(developerKey, "AWSEvents.PutEvents", Json.object().set("Entries", Json.array().add(Json.object()
                .put("Source", "ops.forward").put("DetailType", "Note").put("Detail", "{}")))).status()).isEqualTo(200);

        var dead = Harness.eventually(() -> h.server.eventBus().listDeadLetters(null, 1000).stream()
                .filter(d -> d.rule().equals(rule)).toList(), l -> !l.isEmpty());
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).lastError()).contains("belongs to the workload Relecloud");
        assertThat(h.server.engine().listExecutions(ARN + "stateMachine:" + Relecloud.CREATE_CONCERT, null, null, 1000,
                null).items()).hasSize(before);
    }

    @Test
    void aRuleThatCouldMatchTheWorkloadsEvents_needsAGrantNamingItsSources() {
        for (String pattern : List.of("{\"detail-type\":[\"TicketsPurchased\"]}", "{\"source\":[\"relecloud.sales\"]}",
                "{\"source\":[{\"prefix\":\"relecloud\"}]}", "{\"source\":[{\"anything-but\":\"ops.notes\"}]}",
                "{\"source\":[{\"prefix\":\"rel\"}]}")) {
            Harness.Response r = aws(developerKey, "AWSEvents.PutRule", Json.object().put("Name", "copycat")
                    .put("EventPattern", pattern));
            assertThat(r.status()).as(pattern).isEqualTo(403);
            assertThat(r.json().path("message").asText()).as(pattern).contains("event-source/relecloud.");
        }
        assertThat(aws(developerKey, "AWSEvents.DescribeRule", Json.object().put("Name", "copycat")).error())
                .isEqualTo("ResourceNotFoundException");
        for (String pattern : List.of("{\"source\":[\"ops.notes\"]}", "{\"source\":[{\"prefix\":\"ops.\"}]}")) {
            assertThat(aws(developerKey, "AWSEvents.PutRule", Json.object().put("Name", "own-events")
                    .put("EventPattern", pattern)).status()).as(pattern).isEqualTo(200);
        }
        // A grant naming the sources admits such a rule.
        var auth = h.server.authStore();
        auth.createUser("test", "salesops", Harness.PASSWORD);
        auth.grant("test", "salesops", "developer", "arn:aws:events:*:*:event-source/relecloud.*");
        auth.grant("test", "salesops", "developer", "arn:aws:events:*:*:rule/*");
        String key = auth.createApiKey("test", "salesops")[1];
        assertThat(aws(key, "AWSEvents.PutRule", Json.object().put("Name", "sales-copy")
                .put("EventPattern", "{\"source\":[\"relecloud.sales\"]}")).status()).isEqualTo(200);
    }

    @Test
    void theCacheAndTheLevers_answerNobodyTheGateRefused() {
        Harness.User agent = h.login("ana");
        assertThat(agent.get("/api/relecloud/concerts").status()).isEqualTo(200);
        Harness.Response again = agent.get("/api/relecloud/concerts");
        assertThat(again.raw().headers().firstValue("X-Cache")).contains("HIT");

        Harness.Response anonymous = h.anonymous().get("/api/relecloud/concerts");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.raw().headers().firstValue("X-Cache")).isEmpty();
        Harness.Response forged = h.request("GET", "/api/relecloud/concerts", null,
                Map.of("Authorization", "Bearer forged-key"), null, null);
        assertThat(forged.status()).isEqualTo(401);

        Harness.User operator = h.login("olu");
        assertThat(operator.put("/api/v1/guard/flows/purchase-ticket/levers", "{\"disabled\": true}").status())
                .isEqualTo(200);
        try {
            Harness.Response refused = h.anonymous().post("/api/relecloud/purchases", "{}",
                    Map.of("Idempotency-Key", "k-" + UUID.randomUUID()));
            assertThat(refused.status()).isEqualTo(401);
            Harness.Response planner = h.login("pat").post("/api/relecloud/purchases", "{}",
                    Map.of("Idempotency-Key", "k-" + UUID.randomUUID()));
            assertThat(planner.status()).isEqualTo(403);
            Harness.Response agentRefused = agent.post("/api/relecloud/purchases", "{}",
                    Map.of("Idempotency-Key", "k-" + UUID.randomUUID()));
            assertThat(agentRefused.status()).isEqualTo(503);
            assertThat(agentRefused.error()).isEqualTo("FlowDisabled");
        } finally {
            operator.put("/api/v1/guard/flows/purchase-ticket/levers", "{\"disabled\": false}");
        }
    }

    @Test
    void matrix_everyRelecloudRouteTimesEveryRole_asItsDeclarationAndThePolicySay() {
        var auth = h.server.authStore();
        Map<String, String> keys = new java.util.LinkedHashMap<>();
        for (String role : List.of("administrator", "planner", "agent", "operator", "viewer", "developer")) {
            auth.createUser("test", "matrix-" + role, Harness.PASSWORD);
            auth.grant("test", "matrix-" + role, role, "*");
            keys.put(role, auth.createApiKey("test", "matrix-" + role)[1]);
        }
        List<String> wrong = new ArrayList<>();
        h.server.routeAccess().forEach((route, access) -> {
            if (!route.contains("/api/relecloud/") || !(access instanceof Access.Action a)) {
                return;
            }
            String[] mp = route.split(" ", 2);
            String path = mp[1].replaceAll("\\{[^}]+}", "matrix-none");
            keys.forEach((role, key) -> {
                boolean allowed = dev.setlist.server.auth.Policy.allows(
                        List.of(new dev.setlist.server.auth.Policy.Grant(role, "*")), a.action(), null);
                Harness.Response r = h.request(mp[0], path, mp[0].equals("GET") ? null : "{}",
                        Map.of("Authorization", "Bearer " + key, "Idempotency-Key", "matrix-" + UUID.randomUUID()), null, null);
                boolean ok = allowed ? r.status() != 401 && r.status() != 403 && r.status() < 500 : r.status() == 403;
                if (!ok) {
                    wrong.add(route + " as " + role + ": expected " + (allowed ? "admitted" : "403") + ", got " + r.status()
                            + " " + r.json());
                }
            });
        });
        assertThat(wrong).isEmpty();
    }

    @Test
    void everyRouteOfTheProductDeclaresItsAccess_andRefusesAnonymousCallersUnlessPublic() {
        Map<String, Access> routes = h.server.routeAccess();
        assertThat(routes).containsKeys("POST /api/relecloud/purchases", "GET /api/relecloud/concerts", "GET /");
        List<String> wrong = new ArrayList<>();
        routes.forEach((route, access) -> {
            if (access == null) {
                wrong.add(route + ": no declaration");
                return;
            }
            if (access instanceof Access.Public || access instanceof Access.AwsApi) {
                return;
            }
            String[] mp = route.split(" ", 2);
            String path = mp[1].replaceAll("\\{[^}]+}", "1");
            Harness.Response r = h.request(mp[0], path, mp[0].equals("GET") ? null : "{}", Map.of(), null, null);
            if (r.status() != 401) {
                wrong.add(route + " anonymous: " + r.status());
            }
        });
        assertThat(wrong).isEmpty();
    }
}
