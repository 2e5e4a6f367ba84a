package dev.setlist.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.server.auth.SigV4;
import dev.setlist.server.config.ServerConfig;
import dev.setlist.server.http.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.DoubleSupplier;

/**
 * A server started in-process on a free port with a temporary data directory and known
 * administrator credentials, plus a small signed Step Functions client. Close it after the test.
 */
public final class TestServer implements AutoCloseable {
    public static final String KEY_ID = "SLTESTADMIN00000001";
    public static final String SECRET = "test-secret-0123456789abcdef";
    public static final String PASSWORD = "admin-password-1";
    public static final String REGION = "us-east-1";
    public static final String ACCOUNT = "000000000000";
    public static final String ARN = "arn:aws:states:" + REGION + ":" + ACCOUNT + ":";
    public static final String ROLE = "arn:aws:iam::" + ACCOUNT + ":role/test";

    /** Task tokens the stand-in message queue ({@code arn:aws:states:::sqs:sendMessage}) received. */
    public final LinkedBlockingQueue<String> sentTokens = new LinkedBlockingQueue<>();
    public final SetlistServer server;
    public final Path dataDir;
    public final String firstStartOutput;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public TestServer() {
        this(Map.of(), () -> 0.5);
    }

    public TestServer(Map<String, String> extraEnv, DoubleSupplier routing) {
        this(extraEnv, routing, null, "sa");
    }

    /** A server on the database at {@code databaseUrl} (null: embedded H2 in the temporary directory). */
    public TestServer(Map<String, String> extraEnv, DoubleSupplier routing, String databaseUrl, String databaseUser) {
        this(extraEnv, routing, databaseUrl, databaseUser, c -> c);
    }

    /** A server whose configuration {@code customize} changes (a flow catalog, telemetry off…). */
    public TestServer(java.util.function.UnaryOperator<ServerConfig> customize) {
        this(Map.of(), () -> 0.5, null, "sa", customize, b -> b);
    }

    /**
     * A server whose configuration {@code customize} changes and whose builder {@code build} sets
     * more (a clock, an extension).
     */
    public TestServer(java.util.function.UnaryOperator<ServerConfig> customize,
                      java.util.function.UnaryOperator<SetlistServer.Builder> build) {
        this(Map.of(), () -> 0.5, null, "sa", customize, build);
    }

    /** A server on the given database whose builder {@code build} sets more (an extension). */
    public TestServer(String databaseUrl, String databaseUser, java.util.function.UnaryOperator<SetlistServer.Builder> build) {
        this(Map.of(), () -> 0.5, databaseUrl, databaseUser, c -> c, build);
    }

    private TestServer(Map<String, String> extraEnv, DoubleSupplier routing, String databaseUrl, String databaseUser,
                       java.util.function.UnaryOperator<ServerConfig> customize) {
        this(extraEnv, routing, databaseUrl, databaseUser, customize, b -> b);
    }

    private TestServer(Map<String, String> extraEnv, DoubleSupplier routing, String databaseUrl, String databaseUser,
                       java.util.function.UnaryOperator<ServerConfig> customize,
                       java.util.function.UnaryOperator<SetlistServer.Builder> build) {
        try {
            dataDir = Files.createTempDirectory("setlist-server-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ServerConfig d = ServerConfig.defaults();
        ServerConfig config = new ServerConfig("127.0.0.1", 0, dataDir, databaseUrl, databaseUser, "", 8, REGION, ACCOUNT, 256 * 1024 + 64 * 1024,
                java.time.Duration.ofSeconds(30), java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(2),
                d.sessionTtl(), true);
        config = customize.apply(config);
        Map<String, String> env = new HashMap<>(Map.of("SETLIST_ACCESS_KEY_ID", KEY_ID, "SETLIST_SECRET_ACCESS_KEY", SECRET,
                "SETLIST_ADMIN_PASSWORD", PASSWORD));
        env.putAll(extraEnv);
        TaskInvoker.Registry tasks = new TaskInvoker.Registry()
                .register("arn:aws:states:::sqs:sendMessage", req -> {
                    JsonNode token = req.input().at("/MessageBody/token");
                    if (token.isTextual()) {
                        sentTokens.add(token.textValue());
                    }
                    return Json.object().put("MessageId", "m-" + req.attempt());
                });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        server = build.apply(SetlistServer.builder(config).env(env).out(new PrintStream(out, true, StandardCharsets.UTF_8))
                .routingRandom(routing).tasks(tasks)).build().start();
        firstStartOutput = out.toString(StandardCharsets.UTF_8);
    }

    public int port() {
        return server.port();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port();
    }

    /** An HTTP answer: its status, body and the error name of an error. */
    public record Response(int status, JsonNode body, String raw, Map<String, List<String>> headers) {
        public String errorType() {
            String t = body == null ? null : body.path("__type").asText(null);
            return t == null ? null : t.substring(t.indexOf('#') + 1);
        }

        public String message() {
            return body == null ? null : body.path("message").asText(null);
        }

        @Override
        public String toString() {
            return status + " " + raw;
        }
    }

    /** Calls an action as the administrator. */
    public Response call(String action, ObjectNode request) {
        return callAs(KEY_ID, SECRET, action, Json.bytes(request));
    }

    /** Calls an action and fails the test unless it answered 200. */
    public JsonNode ok(String action, ObjectNode request) {
        Response r = call(action, request);
        if (r.status() != 200) {
            throw new AssertionError(action + " answered " + r);
        }
        return r.body();
    }

    public Response callAs(String keyId, String secret, String action, byte[] body) {
        return callAs(keyId, secret, action, body, Map.of());
    }

    /** Calls an action with extra headers (signed with the others). */
    public Response callAs(String keyId, String secret, String action, byte[] body, Map<String, String> extra) {
        Map<String, String> headers = new HashMap<>(extra);
        headers.put("Content-Type", "application/x-amz-json-1.0");
        if (action != null) {
            headers.put("X-Amz-Target", "AWSStepFunctions." + action);
        }
        if (keyId != null) {
            headers.putAll(SigV4.sign("POST", "127.0.0.1:" + port(), "/", body, headers, keyId, secret, REGION, "states",
                    Instant.now()));
        }
        return post("/", headers, body);
    }

    /** A raw POST with exactly these headers (no signing). */
    public Response post(String path, Map<String, String> headers, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint() + path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return send(b.build());
    }

    public Response get(String path, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint() + path)).GET();
        headers.forEach(b::header);
        return send(b.build());
    }

    public Response send(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode body = null;
            try {
                body = r.body().isEmpty() ? null : Json.MAPPER.readTree(r.body());
            } catch (IOException e) {
                // not JSON: the raw text tells
            }
            return new Response(r.statusCode(), body, r.body(), r.headers().map());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static ObjectNode json(Object... keyValues) {
        ObjectNode n = Json.object();
        for (int i = 0; i < keyValues.length; i += 2) {
            n.set((String) keyValues[i], Json.MAPPER.valueToTree(keyValues[i + 1]));
        }
        return n;
    }

    public static final String PASS3 = "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"Next\":\"B\"},"
            + "\"B\":{\"Type\":\"Pass\",\"Result\":{\"b\":1},\"ResultPath\":\"$.b\",\"Next\":\"C\"},\"C\":{\"Type\":\"Pass\",\"End\":true}}}";

    public static final String CALLBACK = "{\"StartAt\":\"Send\",\"States\":{\"Send\":{\"Type\":\"Task\","
            + "\"Resource\":\"arn:aws:states:::sqs:sendMessage.waitForTaskToken\",\"Parameters\":{\"QueueUrl\":\"q\","
            + "\"MessageBody\":{\"token.$\":\"$$.Task.Token\",\"order.$\":\"$.order\"}},\"End\":true}}}";

    /** Creates a state machine and returns its ARN. */
    public String machine(String name, String definition, String type) {
        return ok("CreateStateMachine", json("name", name, "definition", definition, "roleArn", ROLE, "type", type))
                .get("stateMachineArn").asText();
    }

    /** Polls DescribeExecution until the execution ended (or 20 s passed). */
    public JsonNode await(String executionArn) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            JsonNode d = ok("DescribeExecution", json("executionArn", executionArn));
            if (!d.get("status").asText().equals("RUNNING") || System.nanoTime() > deadline) {
                return d;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return d;
            }
        }
    }

    @Override
    public void close() {
        server.stop();
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: left behind at worst
        }
    }
}
