package dev.setlist.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.setlist.server.auth.SigV4;
import dev.setlist.server.http.Json;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * EventBridge connections and API destinations driven by the AWS CLI, and HTTP Tasks
 * ({@code arn:aws:states:::http:invoke}) calling an HTTP server started here on loopback: the
 * connection's key reaches the server, the task's output is Step Functions' shape, secrets never
 * come back (Describe, history, logs), and bad input gets EventBridge's errors.
 */
class HttpTaskClientsTest {
    static final String KEY = "s3cr3t-key-value";
    static final String HIDDEN = "hidden-param-value";
    static final String CLIENT_SECRET = "oauth-client-secret-1";

    record Seen(String method, String uri, Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    static TestServer server;
    static HttpServer api;
    static String apiBase;
    static final LinkedBlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    static final LinkedBlockingQueue<Seen> tokenRequests = new LinkedBlockingQueue<>();
    static final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        api.createContext("/", HttpTaskClientsTest::answer);
        api.start();
        apiBase = "http://127.0.0.1:" + api.getAddress().getPort();
        server = new TestServer();
    }

    @AfterAll
    static void stop() {
        server.close();
        api.stop(0);
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
    }

    static void answer(HttpExchange x) throws java.io.IOException {
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Seen s = new Seen(x.getRequestMethod(), x.getRequestURI().toString(), Map.copyOf(x.getRequestHeaders()), body);
        String path = x.getRequestURI().getPath();
        int status = 200;
        String reply = "{\"hello\": \"world\", \"n\": 1}";
        if (path.equals("/token")) {
            tokenRequests.add(s);
            reply = "{\"access_token\": \"tok-123\", \"token_type\": \"Bearer\", \"expires_in\": 3600}";
        } else {
            seen.add(s);
            if (path.equals("/missing")) {
                status = 404;
                reply = "{\"message\": \"no such order\"}";
            } else if (path.equals("/text")) {
                reply = "plain answer";
            }
        }
        byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", path.equals("/text") ? "text/plain" : "application/json");
        x.getResponseHeaders().add("X-Reply", "yes");
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
        x.close();
    }

    /** A signed EventBridge call. */
    static TestServer.Response events(String action, ObjectNode body) {
        byte[] bytes = Json.bytes(body);
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", "application/x-amz-json-1.1");
        headers.put("X-Amz-Target", "AWSEvents." + action);
        headers.putAll(SigV4.sign("POST", "127.0.0.1:" + server.port(), "/", bytes, headers, TestServer.KEY_ID,
                TestServer.SECRET, TestServer.REGION, "events", Instant.now()));
        return server.post("/", headers, bytes);
    }

    static JsonNode eventsOk(String action, ObjectNode body) {
        TestServer.Response r = events(action, body);
        assertThat(r.status()).as(action + ": " + r).isEqualTo(200);
        return r.body();
    }

    static ObjectNode parse(String json) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static String httpTask(String endpoint, String connectionArn, String extra) {
        return "{\"StartAt\": \"Call\", \"States\": {\"Call\": {\"Type\": \"Task\","
                + " \"Resource\": \"arn:aws:states:::http:invoke\", \"Parameters\": {\"ApiEndpoint\": \"" + endpoint + "\","
                + (connectionArn == null ? "" : " \"Authentication\": {\"ConnectionArn\": \"" + connectionArn + "\"},")
                + extra + "}, \"End\": true}}}";
    }

    /** Runs a state machine to its end; returns DescribeExecution's answer. */
    static JsonNode run(String name, String definition, String input) {
        String arn = server.machine(name, definition, "STANDARD");
        String execution = server.ok("StartExecution", TestServer.json("stateMachineArn", arn, "input", input))
                .get("executionArn").asText();
        return server.await(execution);
    }

    static String history(JsonNode execution) {
        return server.ok("GetExecutionHistory", TestServer.json("executionArn", execution.get("executionArn").asText(),
                "maxResults", 1000)).toString();
    }

    @Test
    void awsCli_apiKeyConnection_httpTask_apiDestination_andErrors() throws Exception {
        Function<List<String>, Clients.Run> aws = EventBridgeClientsTest.cli(server);
        JsonNode created = EventBridgeClientsTest.out(aws.apply(List.of("create-connection", "--name", "cli-key",
                "--authorization-type", "API_KEY", "--auth-parameters",
                "{\"ApiKeyAuthParameters\": {\"ApiKeyName\": \"x-api-key\", \"ApiKeyValue\": \"" + KEY + "\"},"
                        + " \"InvocationHttpParameters\": {\"HeaderParameters\": [{\"Key\": \"x-tenant\", \"Value\": \"t-1\"},"
                        + " {\"Key\": \"x-hidden\", \"Value\": \"" + HIDDEN + "\", \"IsValueSecret\": true}],"
                        + " \"QueryStringParameters\": [{\"Key\": \"q\", \"Value\": \"1\"}]}}")));
        String connection = created.get("ConnectionArn").asText();
        assertThat(connection).matches("arn:aws:events:us-east-1:000000000000:connection/cli-key/[0-9a-f-]{36}");
        assertThat(created.get("ConnectionState").asText()).isEqualTo("AUTHORIZED");

        Clients.Run describe = aws.apply(List.of("describe-connection", "--name", "cli-key"));
        JsonNode d = EventBridgeClientsTest.out(describe);
        assertThat(describe.out()).doesNotContain(KEY).doesNotContain(HIDDEN);
        assertThat(d.get("AuthorizationType").asText()).isEqualTo("API_KEY");
        assertThat(d.at("/AuthParameters/ApiKeyAuthParameters/ApiKeyName").asText()).isEqualTo("x-api-key");
        assertThat(d.at("/AuthParameters/InvocationHttpParameters/HeaderParameters/0/Value").asText()).isEqualTo("t-1");
        assertThat(d.at("/AuthParameters/InvocationHttpParameters/HeaderParameters/1/Key").asText()).isEqualTo("x-hidden");
        assertThat(d.at("/AuthParameters/InvocationHttpParameters/HeaderParameters/1").has("Value")).isFalse();
        JsonNode list = EventBridgeClientsTest.out(aws.apply(List.of("list-connections", "--name-prefix", "cli-")));
        assertThat(list.get("Connections")).hasSize(1);
        assertThat(list.at("/Connections/0/ConnectionState").asText()).isEqualTo("AUTHORIZED");

        // The HTTP Task: the connection's key and parameters reach the server, the result is Step Functions' shape.
        seen.clear();
        JsonNode done = run("http-ok", httpTask(apiBase + "/orders", connection, " \"Method\": \"POST\","
                + " \"Headers\": {\"x-custom\": \"c\", \"x-api-key\": \"from-the-task\"},"
                + " \"QueryParameters\": {\"page\": \"2\"}, \"RequestBody\": {\"order.$\": \"$.order\"}"),
                "{\"order\": \"o-7\"}");
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
        Seen call = seen.poll(5, TimeUnit.SECONDS);
        assertThat(call).isNotNull();
        assertThat(call.method()).isEqualTo("POST");
        assertThat(call.header("x-api-key")).isEqualTo(KEY);
        assertThat(call.header("x-tenant")).isEqualTo("t-1");
        assertThat(call.header("x-hidden")).isEqualTo(HIDDEN);
        assertThat(call.header("x-custom")).isEqualTo("c");
        assertThat(call.header("content-type")).startsWith("application/json");
        assertThat(call.uri()).startsWith("/orders?").contains("page=2").contains("q=1");
        assertThat(Json.MAPPER.readTree(call.body())).isEqualTo(Json.MAPPER.readTree("{\"order\": \"o-7\"}"));
        JsonNode output = Json.MAPPER.readTree(done.get("output").asText());
        assertThat(output.get("StatusCode").asInt()).isEqualTo(200);
        assertThat(output.get("StatusText").asText()).isEqualTo("OK");
        assertThat(output.get("ResponseBody")).isEqualTo(Json.MAPPER.readTree("{\"hello\": \"world\", \"n\": 1}"));
        assertThat(output.at("/Headers/x-reply/0").asText()).isEqualTo("yes");
        assertThat(history(done)).doesNotContain(KEY).doesNotContain(HIDDEN);

        // A URL-encoded body with brackets for arrays; a text answer stays text.
        seen.clear();
        JsonNode form = run("http-form", httpTask(apiBase + "/text", connection, " \"Method\": \"PUT\","
                + " \"RequestBody\": {\"a\": [\"x\", \"y\"], \"b\": \"c d\"}, \"Transform\": {\"RequestBodyEncoding\":"
                + " \"URL_ENCODED\", \"RequestEncodingOptions\": {\"ArrayFormat\": \"BRACKETS\"}}"), "{}");
        assertThat(form.get("status").asText()).as(form.toString()).isEqualTo("SUCCEEDED");
        Seen formCall = seen.poll(5, TimeUnit.SECONDS);
        assertThat(formCall.body()).isEqualTo("a[]=x&a[]=y&b=c+d");
        assertThat(formCall.header("content-type")).isEqualTo("application/x-www-form-urlencoded");
        assertThat(Json.MAPPER.readTree(form.get("output").asText()).get("ResponseBody").asText()).isEqualTo("plain answer");

        // Not 2xx: States.Http.StatusCode.<code>, the answer in the cause.
        JsonNode missing = run("http-404", httpTask(apiBase + "/missing", connection, " \"Method\": \"GET\""), "{}");
        assertThat(missing.get("status").asText()).isEqualTo("FAILED");
        assertThat(missing.get("error").asText()).isEqualTo("States.Http.StatusCode.404");
        JsonNode cause = Json.MAPPER.readTree(missing.get("cause").asText());
        assertThat(cause.get("StatusCode").asInt()).isEqualTo(404);
        assertThat(cause.get("StatusText").asText()).isEqualTo("Not Found");
        assertThat(cause.at("/ResponseBody/message").asText()).isEqualTo("no such order");

        // The connection is required; an endpoint nobody listens on is a socket error.
        JsonNode noConnection = run("http-no-connection", httpTask(apiBase + "/orders", null, " \"Method\": \"GET\""), "{}");
        assertThat(noConnection.get("error").asText()).isEqualTo("States.Runtime");
        assertThat(noConnection.get("cause").asText()).contains("Authentication.ConnectionArn");
        java.net.ServerSocket closed = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        int deadPort = closed.getLocalPort();
        closed.close();
        JsonNode socket = run("http-socket", httpTask("http://127.0.0.1:" + deadPort + "/x", connection,
                " \"Method\": \"GET\""), "{}");
        assertThat(socket.get("error").asText()).isEqualTo("States.Http.Socket");

        // An API destination as a rule's target: the event reaches the server with the connection's key.
        JsonNode destination = EventBridgeClientsTest.out(aws.apply(List.of("create-api-destination", "--name",
                "cli-orders", "--connection-arn", connection, "--invocation-endpoint", apiBase + "/events",
                "--http-method", "POST", "--invocation-rate-limit-per-second", "10")));
        String destinationArn = destination.get("ApiDestinationArn").asText();
        assertThat(destinationArn).matches("arn:aws:events:us-east-1:000000000000:api-destination/cli-orders/[0-9a-f-]{36}");
        assertThat(destination.get("ApiDestinationState").asText()).isEqualTo("ACTIVE");
        JsonNode described = EventBridgeClientsTest.out(aws.apply(List.of("describe-api-destination", "--name",
                "cli-orders")));
        assertThat(described.get("InvocationRateLimitPerSecond").asInt()).isEqualTo(10);
        assertThat(described.get("ConnectionArn").asText()).isEqualTo(connection);
        EventBridgeClientsTest.out(aws.apply(List.of("put-rule", "--name", "to-api", "--event-pattern",
                "{\"source\": [\"cli.orders\"]}")));
        JsonNode targets = EventBridgeClientsTest.out(aws.apply(List.of("put-targets", "--rule", "to-api", "--targets",
                "[{\"Id\": \"api\", \"Arn\": \"" + destinationArn + "\"}]")));
        assertThat(targets.get("FailedEntryCount").asInt()).isZero();
        seen.clear();
        EventBridgeClientsTest.out(aws.apply(List.of("put-events", "--entries",
                "[{\"Source\": \"cli.orders\", \"DetailType\": \"OrderPlaced\", \"Detail\": \"{\\\"order\\\": \\\"o-9\\\"}\"}]")));
        Seen delivered = seen.poll(10, TimeUnit.SECONDS);
        assertThat(delivered).isNotNull();
        assertThat(delivered.uri()).isEqualTo("/events?q=1");
        assertThat(delivered.header("x-api-key")).isEqualTo(KEY);
        JsonNode event = Json.MAPPER.readTree(delivered.body());
        assertThat(event.get("detail-type").asText()).isEqualTo("OrderPlaced");
        assertThat(event.at("/detail/order").asText()).isEqualTo("o-9");

        // Errors, as EventBridge names them.
        assertThat(aws.apply(List.of("create-connection", "--name", "cli-key", "--authorization-type", "API_KEY",
                "--auth-parameters", "{\"ApiKeyAuthParameters\": {\"ApiKeyName\": \"k\", \"ApiKeyValue\": \"v\"}}")).err())
                .contains("ResourceAlreadyExistsException");
        assertThat(aws.apply(List.of("describe-connection", "--name", "nope")).err())
                .contains("ResourceNotFoundException").contains("nope");
        assertThat(aws.apply(List.of("create-connection", "--name", "mixed", "--authorization-type", "API_KEY",
                "--auth-parameters", "{\"BasicAuthParameters\": {\"Username\": \"u\", \"Password\": \"p\"}}")).err())
                .contains("ValidationException").contains("BasicAuthParameters");
        assertThat(aws.apply(List.of("create-api-destination", "--name", "orphan", "--connection-arn",
                connection + "x", "--invocation-endpoint", apiBase + "/x", "--http-method", "POST")).err())
                .contains("ResourceNotFoundException");
        assertThat(aws.apply(List.of("create-api-destination", "--name", "bad-url", "--connection-arn", connection,
                "--invocation-endpoint", "ftp://example.com/x", "--http-method", "POST")).err())
                .contains("ValidationException");
        assertThat(aws.apply(List.of("describe-api-destination", "--name", "nope")).err())
                .contains("ResourceNotFoundException");

        // Deauthorized: the secrets are gone and calls fail; updated: authorized again with the new key.
        JsonNode deauthorized = EventBridgeClientsTest.out(aws.apply(List.of("deauthorize-connection", "--name", "cli-key")));
        assertThat(deauthorized.get("ConnectionState").asText()).isEqualTo("DEAUTHORIZED");
        JsonNode refused = run("http-deauthorized", httpTask(apiBase + "/orders", connection, " \"Method\": \"GET\""), "{}");
        assertThat(refused.get("error").asText()).isEqualTo("States.TaskFailed");
        assertThat(refused.get("cause").asText()).contains("DEAUTHORIZED");
        JsonNode updated = EventBridgeClientsTest.out(aws.apply(List.of("update-connection", "--name", "cli-key",
                "--auth-parameters", "{\"ApiKeyAuthParameters\": {\"ApiKeyValue\": \"second-key\"}}")));
        assertThat(updated.get("ConnectionState").asText()).isEqualTo("AUTHORIZED");
        seen.clear();
        JsonNode again = run("http-again", httpTask(apiBase + "/orders", connection, " \"Method\": \"GET\""), "{}");
        assertThat(again.get("status").asText()).as(again.toString()).isEqualTo("SUCCEEDED");
        Seen second = seen.poll(5, TimeUnit.SECONDS);
        assertThat(second.header("x-api-key")).isEqualTo("second-key");
        assertThat(second.header("x-tenant")).isEqualTo("t-1");

        EventBridgeClientsTest.out(aws.apply(List.of("remove-targets", "--rule", "to-api", "--ids", "api")));
        EventBridgeClientsTest.out(aws.apply(List.of("delete-api-destination", "--name", "cli-orders")));
        JsonNode deleted = EventBridgeClientsTest.out(aws.apply(List.of("delete-connection", "--name", "cli-key")));
        assertThat(deleted.get("ConnectionState").asText()).isEqualTo("DELETING");
        assertThat(aws.apply(List.of("describe-connection", "--name", "cli-key")).err())
                .contains("ResourceNotFoundException");

        for (ILoggingEvent line : List.copyOf(logs.list)) {
            assertThat(line.getFormattedMessage()).doesNotContain(KEY).doesNotContain(HIDDEN).doesNotContain("second-key");
        }
    }

    @Test
    void basicAndOAuthConnections_overHttp_authorizeTheCall_andNeverEchoTheirSecrets() throws Exception {
        JsonNode basic = eventsOk("CreateConnection", parse("{\"Name\": \"http-basic\", \"AuthorizationType\": \"BASIC\","
                + " \"AuthParameters\": {\"BasicAuthParameters\": {\"Username\": \"ann\", \"Password\": \"pw-9\"}}}"));
        JsonNode oauth = eventsOk("CreateConnection", parse("{\"Name\": \"http-oauth\", \"Description\": \"tokens\","
                + " \"AuthorizationType\": \"OAUTH_CLIENT_CREDENTIALS\", \"AuthParameters\": {\"OAuthParameters\": {"
                + "\"ClientParameters\": {\"ClientID\": \"client-1\", \"ClientSecret\": \"" + CLIENT_SECRET + "\"},"
                + " \"AuthorizationEndpoint\": \"" + apiBase + "/token\", \"HttpMethod\": \"POST\","
                + " \"OAuthHttpParameters\": {\"BodyParameters\": [{\"Key\": \"grant_type\", \"Value\": \"client_credentials\"}]}}}}"));
        TestServer.Response described = events("DescribeConnection", TestServer.json("Name", "http-oauth"));
        assertThat(described.raw()).doesNotContain(CLIENT_SECRET);
        assertThat(described.body().at("/AuthParameters/OAuthParameters/ClientParameters/ClientID").asText())
                .isEqualTo("client-1");
        assertThat(described.body().get("Description").asText()).isEqualTo("tokens");
        assertThat(events("DescribeConnection", TestServer.json("Name", "http-basic")).raw()).doesNotContain("pw-9")
                .contains("\"Username\":\"ann\"");

        seen.clear();
        JsonNode b = run("http-basic-call", httpTask(apiBase + "/b", basic.get("ConnectionArn").asText(),
                " \"Method\": \"GET\""), "{}");
        assertThat(b.get("status").asText()).as(b.toString()).isEqualTo("SUCCEEDED");
        assertThat(seen.poll(5, TimeUnit.SECONDS).header("authorization")).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString("ann:pw-9".getBytes(StandardCharsets.UTF_8)));

        tokenRequests.clear();
        JsonNode o = run("http-oauth-call", httpTask(apiBase + "/o", oauth.get("ConnectionArn").asText(),
                " \"Method\": \"GET\""), "{}");
        assertThat(o.get("status").asText()).as(o.toString()).isEqualTo("SUCCEEDED");
        Seen token = tokenRequests.poll(5, TimeUnit.SECONDS);
        assertThat(token.header("authorization")).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString(("client-1:" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8)));
        assertThat(token.body()).isEqualTo("grant_type=client_credentials");
        Seen call = seen.poll(5, TimeUnit.SECONDS);
        assertThat(call.uri()).isEqualTo("/o");
        assertThat(call.header("authorization")).isEqualTo("Bearer tok-123");
        assertThat(history(o)).doesNotContain("tok-123").doesNotContain(CLIENT_SECRET);

        // Bad input: precise errors, nothing created.
        TestServer.Response badName = events("CreateConnection", parse("{\"Name\": \"bad name\", \"AuthorizationType\":"
                + " \"BASIC\", \"AuthParameters\": {\"BasicAuthParameters\": {\"Username\": \"u\", \"Password\": \"p\"}}}"));
        assertThat(badName.errorType()).isEqualTo("ValidationException");
        assertThat(badName.message()).contains("regular expression");
        TestServer.Response noPassword = events("CreateConnection", parse("{\"Name\": \"no-pw\", \"AuthorizationType\":"
                + " \"BASIC\", \"AuthParameters\": {\"BasicAuthParameters\": {\"Username\": \"u\"}}}"));
        assertThat(noPassword.errorType()).isEqualTo("ValidationException");
        assertThat(noPassword.message()).contains("Password");
        TestServer.Response badType = events("CreateConnection", parse("{\"Name\": \"t\", \"AuthorizationType\": \"KERBEROS\","
                + " \"AuthParameters\": {}}"));
        assertThat(badType.errorType()).isEqualTo("ValidationException");
        assertThat(events("DescribeConnection", TestServer.json("Name", "no-pw")).errorType())
                .isEqualTo("ResourceNotFoundException");
        TestServer.Response unknownTarget = events("PutRule", TestServer.json("Name", "r-api", "EventPattern",
                "{\"source\": [\"x\"]}"));
        assertThat(unknownTarget.status()).isEqualTo(200);
        JsonNode failed = eventsOk("PutTargets", parse("{\"Rule\": \"r-api\", \"Targets\": [{\"Id\": \"a\", \"Arn\":"
                + " \"arn:aws:events:us-east-1:000000000000:api-destination/none/0000\"}]}"));
        assertThat(failed.get("FailedEntryCount").asInt()).isEqualTo(1);
        assertThat(failed.at("/FailedEntries/0/ErrorMessage").asText()).contains("does not exist");
        JsonNode pages = eventsOk("ListConnections", parse("{\"NamePrefix\": \"http-\", \"Limit\": 1}"));
        assertThat(pages.get("Connections")).hasSize(1);
        assertThat(pages.has("NextToken")).isTrue();
    }
}
