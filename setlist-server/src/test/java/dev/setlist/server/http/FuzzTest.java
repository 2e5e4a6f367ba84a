package dev.setlist.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.server.TestServer;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random requests at every action: members named as the API names them (and others), with
 * values of every JSON type, ARN-like strings, definitions good and bad, and raw bytes. Whatever
 * comes, the answer is never a 5xx.
 */
class FuzzTest {
    private static final List<String> MEMBERS = List.of("name", "definition", "roleArn", "type", "stateMachineArn",
            "executionArn", "input", "output", "taskToken", "error", "cause", "activityArn", "workerName", "mapRunArn",
            "maxResults", "nextToken", "reverseOrder", "includeExecutionData", "statusFilter", "publish",
            "versionDescription", "revisionId", "description", "stateMachineVersionArn", "stateMachineAliasArn",
            "routingConfiguration", "weight", "resourceArn", "tags", "tagKeys", "key", "value", "maxConcurrency",
            "toleratedFailurePercentage", "toleratedFailureCount", "inspectionLevel", "mock", "result", "errorOutput",
            "variables", "stateName", "traceHeader", "severity", "loggingConfiguration", "redriveFilter", "unknownMember");
    private static final String A = TestServer.ARN;
    private static TestServer server;
    private static List<String> actions;

    @BeforeContainer
    static void start() {
        server = new TestServer();
        server.machine("fuzz", TestServer.PASS3, "EXPRESS");
        server.machine("fuzz-std", TestServer.PASS3, "STANDARD");
        actions = server.server.stepFunctions().actions();
    }

    @AfterContainer
    static void stop() {
        server.close();
    }

    @Property(tries = 1000)
    void randomMembers_neverA5xx(@ForAll("actions") String action, @ForAll("bodies") ObjectNode body) {
        TestServer.Response r = server.callAs(TestServer.KEY_ID, TestServer.SECRET, action, Json.bytes(body));
        assertThat(r.status()).as(action + " " + body + " → " + r).isBetween(200, 499);
        if (r.status() != 200) {
            assertThat(r.errorType()).as(r.toString()).isNotBlank();
            assertThat(r.message()).as(r.toString()).isNotBlank();
        }
    }

    @Property(tries = 150)
    void randomBytes_neverA5xx(@ForAll("actions") String action, @ForAll byte[] body) {
        TestServer.Response r = server.callAs(TestServer.KEY_ID, TestServer.SECRET, action, body);
        assertThat(r.status()).as(action + " → " + r).isBetween(200, 499);
    }

    @Provide
    Arbitrary<String> actions() {
        return Arbitraries.oneOf(Arbitraries.of(actions), Arbitraries.strings().alpha().numeric().ofMaxLength(20));
    }

    @Provide
    Arbitrary<ObjectNode> bodies() {
        Arbitrary<String> keys = Arbitraries.oneOf(Arbitraries.of(MEMBERS), Arbitraries.strings().ofMaxLength(8));
        Arbitrary<JsonNode> values = Arbitraries.lazyOf(FuzzTest::scalar, () -> list(), () -> object(keys));
        return Combinators.combine(keys.list().ofMaxSize(6), values.list().ofSize(6)).as((ks, vs) -> {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            for (int i = 0; i < ks.size(); i++) {
                o.set(ks.get(i), vs.get(i));
            }
            return o;
        });
    }

    private static Arbitrary<JsonNode> scalar() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return Arbitraries.oneOf(
                Arbitraries.of(A + "stateMachine:fuzz", A + "stateMachine:fuzz-std", A + "stateMachine:fuzz:1",
                        A + "stateMachine:fuzz:live", A + "execution:fuzz-std:x", A + "express:fuzz:x", A + "activity:fuzz",
                        A + "mapRun:fuzz/M:1", "arn:aws:states:::", "arn:", "", "fuzz", "STANDARD", "EXPRESS", "DEBUG",
                        TestServer.PASS3, "{\"Type\":\"Pass\",\"End\":true}", "{\"StartAt\":1}", "{}", "[]", "null",
                        "{\"a\":", "\u0000", "x".repeat(300)).map(f::textNode),
                Arbitraries.strings().ofMaxLength(30).map(f::textNode),
                Arbitraries.integers().map(f::numberNode),
                Arbitraries.longs().map(f::numberNode),
                Arbitraries.doubles().map(f::numberNode),
                Arbitraries.of(true, false).map(f::booleanNode),
                Arbitraries.just(f.nullNode()));
    }

    private static Arbitrary<JsonNode> list() {
        return scalar().list().ofMaxSize(3).map(l -> {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            l.forEach(a::add);
            return a;
        });
    }

    private static Arbitrary<JsonNode> object(Arbitrary<String> keys) {
        return Combinators.combine(keys.list().ofMaxSize(3), scalar().list().ofSize(3)).as((ks, vs) -> {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            for (int i = 0; i < ks.size(); i++) {
                o.set(ks.get(i), vs.get(i));
            }
            return o;
        });
    }
}
