package dev.setlist.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.server.TestServer;
import dev.setlist.server.auth.AuthStore;
import dev.setlist.server.auth.Policy;
import dev.setlist.server.auth.SigV4;
import dev.setlist.server.http.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The EventBridge API over HTTP: paging of every {@code List*} action, tags, rules by target,
 * UpdateArchive and UpdateEventBus, targets' RoleArn and DeadLetterConfig with the dead-letter
 * queue read back, permissions refused, and EventBridge's error names.
 */
class EventBridgeApiTest {
    static TestServer server;
    static String developerKey;
    static String viewerKey;

    @BeforeAll
    static void start() {
        server = new TestServer();
        AuthStore store = server.server.authStore();
        developerKey = key(store, Policy.DEVELOPER);
        viewerKey = key(store, Policy.VIEWER);
    }

    static String key(AuthStore store, String role) {
        store.createUser("admin", "eb-" + role, null);
        store.grant("admin", "eb-" + role, role, "*");
        return store.createApiKey("admin", "eb-" + role)[1];
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static TestServer.Response call(String action, ObjectNode body) {
        byte[] bytes = Json.bytes(body);
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", "application/x-amz-json-1.1");
        headers.put("X-Amz-Target", "AWSEvents." + action);
        headers.putAll(SigV4.sign("POST", "127.0.0.1:" + server.port(), "/", bytes, headers, TestServer.KEY_ID,
                TestServer.SECRET, TestServer.REGION, "events", Instant.now()));
        return server.post("/", headers, bytes);
    }

    static JsonNode ok(String action, ObjectNode body) {
        TestServer.Response r = call(action, body);
        assertThat(r.status()).as(action + ": " + r).isEqualTo(200);
        return r.body();
    }

    static ObjectNode json(Object... kv) {
        return TestServer.json(kv);
    }

    /** Every page of a List* action with this Limit, joined. */
    static List<String> allPages(String action, ObjectNode request, String member, String field, int limit, int[] pages) {
        List<String> all = new ArrayList<>();
        String token = null;
        do {
            ObjectNode r = request.deepCopy().put("Limit", limit);
            if (token != null) {
                r.put("NextToken", token);
            }
            JsonNode page = ok(action, r);
            assertThat(page.get(member).size()).isLessThanOrEqualTo(limit);
            page.get(member).forEach(x -> all.add(field == null ? x.asText() : x.get(field).asText()));
            token = page.path("NextToken").asText(null);
            pages[0]++;
        } while (token != null);
        return all;
    }

    @Test
    void everyList_pagesWithLimitAndNextToken() {
        String target = "http://127.0.0.1:1/paging";
        List<String> rules = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String name = "page-" + i;
            rules.add(name);
            ok("PutRule", json("Name", name, "EventPattern", "{\"source\": [\"paging\"]}"));
            ok("PutTargets", json("Rule", name, "Targets", List.of(Map.of("Id", "t", "Arn", target))));
        }
        int[] pages = {0};
        assertThat(allPages("ListRules", json("NamePrefix", "page-"), "Rules", "Name", 3, pages)).isEqualTo(rules);
        assertThat(pages[0]).isEqualTo(3);
        pages[0] = 0;
        assertThat(allPages("ListRuleNamesByTarget", json("TargetArn", target), "RuleNames", null, 2, pages))
                .isEqualTo(rules);
        assertThat(pages[0]).isEqualTo(4);

        List<Map<String, String>> targets = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            targets.add(Map.of("Id", "t" + i, "Arn", target));
        }
        ok("PutTargets", json("Rule", "page-0", "Targets", targets));
        assertThat(allPages("ListTargetsByRule", json("Rule", "page-0"), "Targets", "Id", 2, new int[1]))
                .containsExactly("t", "t0", "t1", "t2", "t3");
        targets.add(Map.of("Id", "t4", "Arn", target));
        TestServer.Response tooMany = call("PutTargets", json("Rule", "page-1", "Targets", targets));
        assertThat(tooMany.errorType()).isEqualTo("LimitExceededException");

        for (int i = 0; i < 3; i++) {
            ok("CreateEventBus", json("Name", "paged-bus-" + i));
            ok("CreateArchive", json("ArchiveName", "paged-archive-" + i, "EventSourceArn",
                    "arn:aws:events:us-east-1:000000000000:event-bus/paged-bus-" + i));
        }
        assertThat(allPages("ListEventBuses", json("NamePrefix", "paged-bus-"), "EventBuses", "Name", 2, new int[1]))
                .containsExactly("paged-bus-0", "paged-bus-1", "paged-bus-2");
        assertThat(allPages("ListArchives", json("NamePrefix", "paged-archive-"), "Archives", "ArchiveName", 1,
                new int[1])).containsExactly("paged-archive-0", "paged-archive-1", "paged-archive-2");
        assertThat(ok("ListArchives", json("EventSourceArn",
                "arn:aws:events:us-east-1:000000000000:event-bus/paged-bus-1")).get("Archives").get(0)
                .get("ArchiveName").asText()).isEqualTo("paged-archive-1");
        assertThat(allPages("ListReplays", json(), "Replays", "ReplayName", 5, new int[1])).isEmpty();

        assertThat(call("ListRules", json("Limit", 0)).errorType()).isEqualTo("ValidationException");
        assertThat(call("ListRules", json("Limit", 101)).errorType()).isEqualTo("ValidationException");
        assertThat(call("ListRules", json("NextToken", "not-a-token")).errorType()).isEqualTo("ValidationException");
        assertThat(ok("ListRules", json("NamePrefix", "page-")).has("NextToken")).as("100 by default").isFalse();
    }

    @Test
    void tags_onBusesAndRules() {
        String busArn = ok("CreateEventBus", json("Name", "tagged-bus", "Description", "tagged",
                "Tags", List.of(Map.of("Key", "team", "Value", "sales")))).get("EventBusArn").asText();
        String ruleArn = ok("PutRule", json("Name", "tagged-rule", "EventBusName", "tagged-bus", "EventPattern",
                "{\"source\": [\"x\"]}", "Tags", List.of(Map.of("Key", "cost", "Value", "1")))).get("RuleArn").asText();
        assertThat(ruleArn).endsWith(":rule/tagged-bus/tagged-rule");
        ok("TagResource", json("ResourceARN", busArn, "Tags", List.of(Map.of("Key", "env", "Value", "prod"))));
        assertThat(ok("ListTagsForResource", json("ResourceARN", busArn)).get("Tags").toString())
                .isEqualTo("[{\"Key\":\"env\",\"Value\":\"prod\"},{\"Key\":\"team\",\"Value\":\"sales\"}]");
        ok("UntagResource", json("ResourceARN", busArn, "TagKeys", List.of("env")));
        assertThat(ok("ListTagsForResource", json("ResourceARN", busArn)).get("Tags").size()).isEqualTo(1);
        assertThat(ok("ListTagsForResource", json("ResourceARN", ruleArn)).get("Tags").get(0).get("Key").asText())
                .isEqualTo("cost");
        assertThat(call("ListTagsForResource", json("ResourceARN", "arn:aws:events:us-east-1:000000000000:rule/none"))
                .errorType()).isEqualTo("ResourceNotFoundException");
        assertThat(call("TagResource", json("ResourceARN", busArn, "Tags", List.of(Map.of("Key", "aws:x", "Value", "y"))))
                .errorType()).isEqualTo("ValidationException");
        assertThat(call("TagResource", json("ResourceARN", "arn:aws:events:us-east-1:000000000000:archive/a",
                "Tags", List.of(Map.of("Key", "k", "Value", "v")))).errorType()).isEqualTo("ValidationException");

        JsonNode described = ok("DescribeEventBus", json("Name", "tagged-bus"));
        assertThat(described.get("Description").asText()).isEqualTo("tagged");
        assertThat(described.get("CreationTime").isNumber()).isTrue();
        JsonNode updated = ok("UpdateEventBus", json("Name", "tagged-bus", "Description", "renamed",
                "DeadLetterConfig", Map.of("Arn", "arn:aws:sqs:us-east-1:000000000000:bus-dlq")));
        assertThat(updated.get("Description").asText()).isEqualTo("renamed");
        assertThat(ok("DescribeEventBus", json("Name", "tagged-bus")).get("DeadLetterConfig").get("Arn").asText())
                .endsWith(":bus-dlq");
        assertThat(call("UpdateEventBus", json("Name", "tagged-bus", "KmsKeyIdentifier", "k")).errorType())
                .isEqualTo("ValidationException");

        ok("DeleteRule", json("Name", "tagged-rule", "EventBusName", "tagged-bus"));
        ok("DeleteEventBus", json("Name", "tagged-bus"));
        assertThat(call("ListTagsForResource", json("ResourceARN", busArn)).errorType())
                .isEqualTo("ResourceNotFoundException");
    }

    record Hit(String path, String query, Map<String, List<String>> headers) {}

    @Test
    void httpParameters_areKeptEchoed_andFillApiDestinationAndHttpTargets() throws Exception {
        java.util.concurrent.BlockingQueue<Hit> hits = new java.util.concurrent.LinkedBlockingQueue<>();
        com.sun.net.httpserver.HttpServer api = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        api.createContext("/", x -> {
            x.getRequestBody().readAllBytes();
            hits.add(new Hit(x.getRequestURI().getRawPath(), x.getRequestURI().getRawQuery(),
                    Map.copyOf(x.getRequestHeaders())));
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        api.start();
        try {
            String base = "http://127.0.0.1:" + api.getAddress().getPort();
            String connection = ok("CreateConnection", json("Name", "hp-conn", "AuthorizationType", "API_KEY",
                    "AuthParameters", Map.of("ApiKeyAuthParameters", Map.of("ApiKeyName", "x-api-key",
                            "ApiKeyValue", "conn-key")))).get("ConnectionArn").asText();
            String destination = ok("CreateApiDestination", json("Name", "hp-dest", "ConnectionArn", connection,
                    "InvocationEndpoint", base + "/orders/*/items/*", "HttpMethod", "POST"))
                    .get("ApiDestinationArn").asText();
            ok("PutRule", json("Name", "hp-rule", "EventPattern", "{\"source\": [\"hp.test\"]}"));
            Map<String, Object> params = Map.of("PathParameterValues", List.of("o 1", "i2"),
                    "HeaderParameters", Map.of("X-Tenant", "t1", "x-api-key", "not-the-connections"),
                    "QueryStringParameters", Map.of("q", "a b"));
            JsonNode put = ok("PutTargets", json("Rule", "hp-rule", "Targets", List.of(
                    Map.of("Id", "dest", "Arn", destination, "HttpParameters", params),
                    Map.of("Id", "plain", "Arn", base + "/hooks/*", "HttpParameters",
                            Map.of("PathParameterValues", List.of("h1"), "HeaderParameters", Map.of("X-Plain", "p"),
                                    "QueryStringParameters", Map.of("k", "v"))))));
            assertThat(put.get("FailedEntryCount").asInt()).as(put.toString()).isZero();
            JsonNode targets = ok("ListTargetsByRule", json("Rule", "hp-rule")).get("Targets");
            JsonNode echoed = targets.get(0).get("Id").asText().equals("dest") ? targets.get(0) : targets.get(1);
            assertThat(echoed.get("HttpParameters")).isEqualTo(Json.MAPPER.valueToTree(params));

            JsonNode bad = ok("PutTargets", json("Rule", "hp-rule", "Targets", List.of(Map.of("Id", "sm",
                    "Arn", "arn:aws:states:us-east-1:000000000000:stateMachine:none",
                    "HttpParameters", Map.of("HeaderParameters", Map.of("X-A", "b"))))));
            assertThat(bad.get("FailedEntryCount").asInt()).isEqualTo(1);
            assertThat(bad.get("FailedEntries").get(0).get("ErrorMessage").asText()).contains("HttpParameters");

            ok("PutEvents", json("Entries", List.of(Map.of("Source", "hp.test", "DetailType", "T", "Detail", "{}"))));
            Map<String, Hit> byPath = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                Hit h = hits.poll(20, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(h).as("a delivery").isNotNull();
                byPath.put(h.path(), h);
            }
            Hit d = byPath.get("/orders/o%201/items/i2");
            assertThat(d).as(byPath.keySet().toString()).isNotNull();
            assertThat(d.query()).isEqualTo("q=a+b");
            assertThat(d.headers().get("X-tenant")).containsExactly("t1");
            assertThat(d.headers().get("X-api-key")).containsExactly("conn-key");
            Hit plain = byPath.get("/hooks/h1");
            assertThat(plain).as(byPath.keySet().toString()).isNotNull();
            assertThat(plain.query()).isEqualTo("k=v");
            assertThat(plain.headers().get("X-plain")).containsExactly("p");
        } finally {
            api.stop(0);
        }
    }

    @Test
    void targets_keepRoleArnAndDeadLetterConfig_andDeadLettersReachTheQueue() throws Exception {
        String queue = "arn:aws:sqs:us-east-1:000000000000:hooks-dlq";
        ok("PutRule", json("Name", "dlq-rule", "EventPattern", "{\"source\": [\"dlq.test\"]}"));
        JsonNode put = ok("PutTargets", json("Rule", "dlq-rule", "Targets", List.of(Map.of("Id", "down",
                "Arn", "http://127.0.0.1:1/down", "RoleArn", "arn:aws:iam::000000000000:role/events",
                "DeadLetterConfig", Map.of("Arn", queue),
                "RetryPolicy", Map.of("MaximumRetryAttempts", 0, "MaximumEventAgeInSeconds", 60)))));
        assertThat(put.get("FailedEntryCount").asInt()).as(put.toString()).isZero();
        JsonNode target = ok("ListTargetsByRule", json("Rule", "dlq-rule")).get("Targets").get(0);
        assertThat(target.get("RoleArn").asText()).isEqualTo("arn:aws:iam::000000000000:role/events");
        assertThat(target.get("DeadLetterConfig").get("Arn").asText()).isEqualTo(queue);

        JsonNode bad = ok("PutTargets", json("Rule", "dlq-rule", "Targets", List.of(Map.of("Id", "bad",
                "Arn", "http://127.0.0.1:1/down", "DeadLetterConfig", Map.of("Arn", "arn:aws:sns:us-east-1:0:t")))));
        assertThat(bad.get("FailedEntryCount").asInt()).isEqualTo(1);
        assertThat(bad.get("FailedEntries").get(0).get("ErrorMessage").asText()).contains("dead-letter queue ARN");

        ok("PutEvents", json("Entries", List.of(Map.of("Source", "dlq.test", "DetailType", "Down", "Detail", "{\"n\": 1}"))));
        Map<String, String> auth = Map.of("Authorization", "Bearer " + developerKey);
        JsonNode messages = null;
        for (int i = 0; i < 400; i++) {
            messages = server.get("/api/v1/events/dead-letter-queues/hooks-dlq/messages", auth).body().get("Messages");
            if (messages.size() > 0) {
                break;
            }
            Thread.sleep(25);
        }
        assertThat(messages).hasSize(1);
        JsonNode m = messages.get(0);
        assertThat(Json.MAPPER.readTree(m.get("Body").asText()).get("detail").get("n").asInt()).isEqualTo(1);
        assertThat(m.get("Attributes").get("RULE_ARN").asText()).endsWith(":rule/dlq-rule");
        assertThat(m.get("Attributes").get("TARGET_ARN").asText()).isEqualTo("http://127.0.0.1:1/down");
        assertThat(m.get("Attributes").get("EXHAUSTED_RETRY_CONDITION").asText()).isEqualTo("MaximumRetryAttempts");
        assertThat(server.get("/api/v1/events/dead-letter-queues/hooks-dlq/messages",
                Map.of("Authorization", "Bearer " + viewerKey)).status()).isEqualTo(403);
        HashMap<String, String> del = new HashMap<>(auth);
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.endpoint()
                + "/api/v1/events/dead-letter-queues/hooks-dlq/messages/" + m.get("MessageId").asText())).DELETE();
        del.forEach(request::header);
        assertThat(server.send(request.build()).status()).isEqualTo(204);
        assertThat(server.get("/api/v1/events/dead-letter-queues/hooks-dlq/messages", auth).body().get("Messages"))
                .isEmpty();
    }

    @Test
    void updateArchive_permissions_andErrorNames() {
        ok("CreateArchive", json("ArchiveName", "upd", "EventSourceArn", "arn:aws:events:us-east-1:000000000000:event-bus/default"));
        JsonNode u = ok("UpdateArchive", json("ArchiveName", "upd", "RetentionDays", 4, "Description", "four days"));
        assertThat(u.get("State").asText()).isEqualTo("ENABLED");
        assertThat(ok("DescribeArchive", json("ArchiveName", "upd")).get("RetentionDays").asInt()).isEqualTo(4);
        assertThat(call("UpdateArchive", json("ArchiveName", "nope")).errorType()).isEqualTo("ResourceNotFoundException");
        assertThat(call("UpdateArchive", json("ArchiveName", "upd", "EventPattern", "{\"source\": 1}")).errorType())
                .isEqualTo("InvalidEventPatternException");
        assertThat(call("CreateArchive", json("ArchiveName", "upd", "EventSourceArn",
                "arn:aws:events:us-east-1:000000000000:event-bus/default")).errorType())
                .isEqualTo("ResourceAlreadyExistsException");

        TestServer.Response permission = call("PutPermission", json("Action", "events:PutEvents", "Principal", "111111111111",
                "StatementId", "s"));
        assertThat(permission.status()).isEqualTo(400);
        assertThat(permission.errorType()).isEqualTo("OperationDisabledException");
        ok("RemovePermission", json("RemoveAllPermissions", true));
        assertThat(call("RemovePermission", json("StatementId", "s")).errorType()).isEqualTo("ResourceNotFoundException");
        assertThat(call("PutPermission", json("EventBusName", "no-such-bus", "StatementId", "s")).errorType())
                .isEqualTo("ResourceNotFoundException");

        assertThat(call("DescribeRule", json("Name", "none")).errorType()).isEqualTo("ResourceNotFoundException");
        assertThat(call("PutRule", json("Name", "x", "EventPattern", "[]")).errorType())
                .isEqualTo("InvalidEventPatternException");
        assertThat(call("PutRule", json("Name", "bad name!", "EventPattern", "{\"a\": [1]}")).errorType())
                .isEqualTo("ValidationException");
        assertThat(call("CreateEventBus", json("Name", "default")).errorType()).isIn("ValidationException",
                "ResourceAlreadyExistsException");
        assertThat(call("CreateApiDestination", json("Name", "d")).errorType()).isEqualTo("ValidationException");
        TestServer.Response unknown = call("CreatePartnerEventSource", json("Name", "d"));
        assertThat(unknown.errorType()).isEqualTo("UnknownOperationException");
        assertThat(unknown.status()).isEqualTo(400);
    }
}
