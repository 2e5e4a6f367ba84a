package dev.setlist.server.sfn;

import static dev.setlist.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.setlist.server.TestServer;
import dev.setlist.server.config.TaskEndpoint;
import dev.setlist.server.http.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real definition run without Java handlers: Lambda tasks answered by an HTTP server of the
 * test (both resource forms, function errors caught), a Distributed Map over a CSV of the object
 * directory writing its results there, S3 getObject/putObject/listObjectsV2 and names that would
 * leave the directory.
 */
class LocalResourcesTest {
    static final String FN = "arn:aws:lambda:us-east-1:123456789012:function:";
    private static HttpServer functions;
    private static TestServer server;
    private static Path objects;
    private static final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private static final AtomicInteger busyCalls = new AtomicInteger();
    private static final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

    record Received(String path, JsonNode body, Map<String, List<String>> headers) {}

    @BeforeAll
    static void start() throws IOException {
        functions = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        functions.createContext("/charge", x -> {
            JsonNode in = record(x);
            answer(x, 200, Map.of(), Json.text(Json.object().put("charged", in.path("amount").asInt())
                    .put("id", "c-" + in.path("amount").asInt())));
        });
        functions.createContext("/decline", x -> {
            record(x);
            answer(x, 200, Map.of("X-Amz-Function-Error", "Unhandled"),
                    "{\"errorType\":\"CardDeclined\",\"errorMessage\":\"no funds\",\"stackTrace\":[]}");
        });
        functions.createContext("/crash", x -> {
            record(x);
            answer(x, 500, Map.of(), "it broke");
        });
        functions.createContext("/busy", x -> {
            record(x);
            busyCalls.incrementAndGet();
            answer(x, 503, Map.of(), "");
        });
        functions.createContext("/slow", x -> {
            record(x);
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(x, 200, Map.of(), "{}");
        });
        functions.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        functions.start();
        String base = "http://127.0.0.1:" + functions.getAddress().getPort();
        objects = Files.createTempDirectory("setlist-objects");
        server = new TestServer(c -> c.withObjects(objects).withEndpoints(List.of(
                TaskEndpoint.of("test", FN + "charge", base + "/charge", null),
                TaskEndpoint.of("test", "decline", base + "/decline", null),
                TaskEndpoint.of("test", "crash", base + "/crash", null),
                TaskEndpoint.of("test", FN + "busy*", base + "/busy", null),
                TaskEndpoint.of("test", "slow", base + "/slow", java.time.Duration.ofSeconds(1)))));
    }

    @AfterAll
    static void stop() throws IOException {
        release.countDown();
        server.close();
        functions.stop(0);
        try (var files = Files.walk(objects)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static JsonNode record(HttpExchange x) throws IOException {
        byte[] body = x.getRequestBody().readAllBytes();
        JsonNode in = Json.MAPPER.readTree(body);
        received.add(new Received(x.getRequestURI().getPath(), in, Map.copyOf(x.getRequestHeaders())));
        return in;
    }

    private static void answer(HttpExchange x, int status, Map<String, String> headers, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        headers.forEach((k, v) -> x.getResponseHeaders().add(k, v));
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            x.getResponseBody().write(bytes);
        }
        x.close();
    }

    private static Received next() throws InterruptedException {
        Received r = received.poll(10, TimeUnit.SECONDS);
        assertThat(r).as("a call of the function server").isNotNull();
        return r;
    }

    private static JsonNode run(String name, String definition, String input) {
        String machine = server.machine(name, definition, "STANDARD");
        JsonNode started = server.ok("StartExecution", json("stateMachineArn", machine, "input", input));
        JsonNode done = server.await(started.get("executionArn").asText());
        return done;
    }

    private static JsonNode output(JsonNode described) {
        assertThat(described.get("status").asText()).as(described.toString()).isEqualTo("SUCCEEDED");
        try {
            return Json.MAPPER.readTree(described.get("output").asText());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void lambdaArnTask_postsTheInput_andTakesTheAnswerAsResult() throws Exception {
        received.clear();
        JsonNode out = output(run("lambda-arn", """
                {"StartAt": "Charge", "States": {"Charge": {"Type": "Task",
                  "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge", "End": true}}}""",
                "{\"amount\": 12, \"card\": \"tok_1\"}"));
        assertThat(out).isEqualTo(Json.MAPPER.readTree("{\"charged\": 12, \"id\": \"c-12\"}"));
        Received r = next();
        assertThat(r.path()).isEqualTo("/charge");
        assertThat(r.body()).isEqualTo(Json.MAPPER.readTree("{\"amount\": 12, \"card\": \"tok_1\"}"));
        assertThat(r.headers().get("Idempotency-key")).isNotNull();
    }

    @Test
    void lambdaInvoke_sendsPayload_andAnswersAsTheOptimizedIntegration() throws Exception {
        received.clear();
        JsonNode out = output(run("lambda-invoke", """
                {"StartAt": "Charge", "States": {"Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": "123456789012:function:charge", "Payload": {"amount.$": "$.total"}},
                  "End": true}}}""", "{\"total\": 7}"));
        assertThat(next().body()).isEqualTo(Json.MAPPER.readTree("{\"amount\": 7}"));
        assertThat(out.get("Payload")).isEqualTo(Json.MAPPER.readTree("{\"charged\": 7, \"id\": \"c-7\"}"));
        assertThat(out.get("StatusCode").asInt()).isEqualTo(200);
        assertThat(out.get("ExecutedVersion").asText()).isEqualTo("$LATEST");
        assertThat(out.at("/SdkHttpMetadata/HttpStatusCode").asInt()).isEqualTo(200);
        assertThat(out.at("/SdkHttpMetadata/HttpHeaders/x-amzn-RequestId").asText())
                .isEqualTo(out.at("/SdkResponseMetadata/RequestId").asText()).isNotEmpty();
        assertThat(out.at("/SdkHttpMetadata/AllHttpHeaders/Content-Type/0").asText()).isEqualTo("application/json");
    }

    @Test
    void testState_runsLambdaEndpointsAndS3_asExecutionsDo() throws Exception {
        received.clear();
        JsonNode invoked = server.ok("TestState", json("definition", """
                {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": "123456789012:function:charge", "Payload": {"amount.$": "$.total"}},
                  "ResultSelector": {"p.$": "$.Payload", "s.$": "$.StatusCode"}, "End": true}""", "input", "{\"total\": 9}"));
        assertThat(invoked.get("status").asText()).as(invoked.toString()).isEqualTo("SUCCEEDED");
        assertThat(Json.MAPPER.readTree(invoked.get("output").asText()))
                .isEqualTo(Json.MAPPER.readTree("{\"p\": {\"charged\": 9, \"id\": \"c-9\"}, \"s\": 200}"));
        assertThat(next().body()).isEqualTo(Json.MAPPER.readTree("{\"amount\": 9}"));
        JsonNode declined = server.ok("TestState", json("definition", """
                {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": "decline", "Payload": {}},
                  "Catch": [{"ErrorEquals": ["CardDeclined"], "Next": "Sorry"}], "End": true}"""));
        assertThat(declined.get("status").asText()).as(declined.toString()).isEqualTo("CAUGHT_ERROR");
        assertThat(declined.get("error").asText()).isEqualTo("CardDeclined");

        Files.createDirectories(objects.resolve("teststate"));
        JsonNode put = server.ok("TestState", json("definition", """
                {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
                  "Parameters": {"Bucket": "teststate", "Key": "t.json", "Body.$": "$.doc"}, "End": true}""",
                "input", "{\"doc\": {\"y\": 2}}"));
        assertThat(put.get("status").asText()).as(put.toString()).isEqualTo("SUCCEEDED");
        assertThat(Files.readString(objects.resolve("teststate/t.json"))).isEqualTo("{\"y\":2}");
        JsonNode missing = server.ok("TestState", json("definition", """
                {"Type": "Task", "Resource": "arn:aws:states:::s3:getObject",
                  "Parameters": {"Bucket": "teststate", "Key": "none.json"}, "End": true}"""));
        assertThat(missing.get("status").asText()).isEqualTo("FAILED");
        assertThat(missing.get("error").asText()).isEqualTo("S3.NoSuchKeyException");
    }

    @Test
    void functionErrors_takeTheFunctionsErrorType_orLambdaNames_andAreCaught() {
        JsonNode out = output(run("lambda-errors", """
                {"StartAt": "Decline", "States": {
                  "Decline": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": "decline", "Payload.$": "$"},
                    "Catch": [{"ErrorEquals": ["CardDeclined"], "ResultPath": "$.declined", "Next": "Crash"}], "End": true},
                  "Crash": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:crash",
                    "Catch": [{"ErrorEquals": ["Lambda.Unknown"], "ResultPath": "$.crashed", "Next": "Busy"}], "End": true},
                  "Busy": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:busy-backend",
                    "Catch": [{"ErrorEquals": ["Lambda.ServiceException"], "ResultPath": "$.busy", "Next": "Done"}], "End": true},
                  "Done": {"Type": "Pass", "End": true}}}""", "{\"order\": 1}"));
        assertThat(out.at("/declined/Error").asText()).isEqualTo("CardDeclined");
        assertThat(out.at("/declined/Cause").asText()).contains("no funds");
        assertThat(out.at("/crashed/Error").asText()).isEqualTo("Lambda.Unknown");
        assertThat(out.at("/crashed/Cause").asText()).contains("it broke").contains("HTTP 500");
        assertThat(out.at("/busy/Error").asText()).isEqualTo("Lambda.ServiceException");
        assertThat(busyCalls.get()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aCallLongerThanTheEndpointsTimeout_failsAsTheSdkClientTimesOut() {
        JsonNode d = run("lambda-slow", """
                {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": "slow", "Payload": {}}, "End": true}}}""", "{}");
        assertThat(d.get("status").asText()).isEqualTo("FAILED");
        assertThat(d.get("error").asText()).isEqualTo("Lambda.ClientExecutionTimeoutException");
    }

    @Test
    void unmappedFunction_goesToTheHandlers_whichHaveNone() {
        JsonNode d = run("lambda-unmapped", """
                {"StartAt": "T", "States": {"T": {"Type": "Task",
                  "Resource": "arn:aws:lambda:us-east-1:123456789012:function:elsewhere", "End": true}}}""", "{}");
        assertThat(d.get("status").asText()).isEqualTo("FAILED");
        assertThat(d.get("error").asText()).isEqualTo("States.TaskFailed");
    }

    @Test
    void distributedMap_readsACsvOfTheDirectory_chargesEachRow_andWritesResultsThere() throws Exception {
        Files.createDirectories(objects.resolve("orders"));
        Files.writeString(objects.resolve("orders/batch.csv"), "order,amount\no-1,5\no-2,9\n");
        JsonNode out = output(run("map-csv", """
                {"StartAt": "Each", "States": {"Each": {"Type": "Map",
                  "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                    "Parameters": {"Bucket": "orders", "Key": "batch.csv"}},
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Charge", "States": {"Charge": {"Type": "Task",
                      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
                      "Parameters": {"amount.$": "States.StringToJson($.amount)"}, "End": true}}},
                  "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                    "Parameters": {"Bucket": "results", "Prefix": "charges"}},
                  "End": true}}}""", "{}"));
        assertThat(out.at("/ResultWriterDetails/Bucket").asText()).isEqualTo("results");
        Path manifest;
        try (var files = Files.walk(objects.resolve("results/charges"))) {
            manifest = files.filter(p -> p.getFileName().toString().equals("manifest.json")).findFirst().orElseThrow();
        }
        Path succeeded = manifest.resolveSibling("SUCCEEDED_0.json");
        String results = Files.readString(succeeded);
        assertThat(results).contains("c-5").contains("c-9");
    }

    @Test
    void s3_putGetAndList_roundTrip_withAwsShapes_andErrorsCaught() throws Exception {
        Files.createDirectories(objects.resolve("data"));
        JsonNode out = output(run("s3-roundtrip", """
                {"StartAt": "Put", "States": {
                  "Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
                    "Parameters": {"Bucket": "data", "Key": "notes/a.json", "Body.$": "$.doc"}, "ResultPath": "$.put", "Next": "Get"},
                  "Get": {"Type": "Task", "Resource": "arn:aws:states:::s3:getObject",
                    "Parameters": {"Bucket": "data", "Key": "notes/a.json"}, "ResultPath": "$.got", "Next": "List"},
                  "List": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listObjectsV2",
                    "Parameters": {"Bucket": "data", "Prefix": "notes/"}, "ResultPath": "$.listed", "Next": "Missing"},
                  "Missing": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                    "Parameters": {"Bucket": "data", "Key": "notes/none.json"},
                    "Catch": [{"ErrorEquals": ["S3.NoSuchKeyException"], "ResultPath": "$.noKey", "Next": "NoBucket"}], "End": true},
                  "NoBucket": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
                    "Parameters": {"Bucket": "nobucket", "Key": "x", "Body": "y"},
                    "Catch": [{"ErrorEquals": ["S3.NoSuchBucketException"], "ResultPath": "$.noBucket", "Next": "Done"}], "End": true},
                  "Done": {"Type": "Pass", "End": true}}}""", "{\"doc\": {\"x\": 1}}"));
        assertThat(Files.readString(objects.resolve("data/notes/a.json"))).isEqualTo("{\"x\":1}");
        assertThat(out.at("/got/Body").asText()).isEqualTo("{\"x\":1}");
        assertThat(out.at("/got/ETag").asText()).isEqualTo(out.at("/put/ETag").asText()).startsWith("\"");
        assertThat(out.at("/got/ContentType").asText()).isEqualTo("application/json");
        assertThat(out.at("/got/ContentLength").asInt()).isEqualTo(7);
        assertThat(out.at("/listed/KeyCount").asInt()).isEqualTo(1);
        assertThat(out.at("/listed/Contents/0/Key").asText()).isEqualTo("notes/a.json");
        assertThat(out.at("/listed/Name").asText()).isEqualTo("data");
        assertThat(out.at("/noKey/Error").asText()).isEqualTo("S3.NoSuchKeyException");
        assertThat(out.at("/noKey/Cause").asText()).startsWith("The specified key does not exist.");
        assertThat(out.at("/noBucket/Error").asText()).isEqualTo("S3.NoSuchBucketException");
        assertThat(objects.resolve("nobucket")).doesNotExist();
    }

    @Test
    void namesThatWouldLeaveTheDirectory_areRefused() throws Exception {
        Files.createDirectories(objects.resolve("safe"));
        Path outside = objects.getParent().resolve(objects.getFileName() + "-secret.txt");
        Files.writeString(outside, "secret");
        try {
            for (String params : List.of(
                    "\"Bucket\": \"safe\", \"Key\": \"../../" + outside.getFileName() + "\"",
                    "\"Bucket\": \"..\", \"Key\": \"" + outside.getFileName() + "\"",
                    "\"Bucket\": \"safe\", \"Key\": \"" + outside.toAbsolutePath() + "\"")) {
                JsonNode d = run("escape-" + Math.abs(params.hashCode()), """
                        {"StartAt": "Get", "States": {"Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                          "Parameters": {%s}, "End": true}}}""".formatted(params), "{}");
                assertThat(d.get("status").asText()).as(params).isEqualTo("FAILED");
                assertThat(d.get("error").asText()).as(params).isEqualTo("S3.AccessDeniedException");
                assertThat(d.path("cause").asText()).doesNotContain("secret\"");
            }
            JsonNode put = run("escape-put", """
                    {"StartAt": "Put", "States": {"Put": {"Type": "Task", "Resource": "arn:aws:states:::s3:putObject",
                      "Parameters": {"Bucket": "safe", "Key": "../../escaped.txt", "Body": "x"}, "End": true}}}""", "{}");
            assertThat(put.get("error").asText()).isEqualTo("S3.AccessDeniedException");
            assertThat(objects.getParent().resolve("escaped.txt")).doesNotExist();
            assertThat(Files.readString(outside)).isEqualTo("secret");
        } finally {
            Files.deleteIfExists(outside);
        }
    }
}
