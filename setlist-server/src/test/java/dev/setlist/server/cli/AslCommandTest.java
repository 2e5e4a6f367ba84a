package dev.setlist.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AslCommandTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    private Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private static final String GOOD = """
            {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "End": true}}}
            """;

    @Test
    void validate_validAndInvalidFiles_printsLocatedProblemsAndExitsOne() throws IOException {
        Path good = file("good.json", GOOD);
        Path bad = file("bad.json", """
                {"StartAt": "Reserve", "States": {"Reserve": {"Type": "Pass", "Next": "Reserv"}}}
                """);
        Result r = run("asl", "validate", good.toString(), bad.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains(good + ": valid");
        assertThat(r.out()).contains(bad + ": /States/Reserve/Next: no state named \"Reserv\"");
    }

    @Test
    void validate_templatePlaceholderInResource_refusedByDefaultAcceptedWithTheOption() throws IOException {
        Path sam = file("sam.json", """
                {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "${CheckStockFunctionArn}", "End": true}}}
                """);
        Result plain = run("asl", "validate", sam.toString());
        assertThat(plain.code()).isEqualTo(1);
        assertThat(plain.out()).contains(sam + ": /States/T/Resource: holds a template placeholder");
        Result allowed = run("asl", "validate", "--allow-placeholders", sam.toString());
        assertThat(allowed.code()).isZero();
        assertThat(allowed.out()).contains(sam + ": valid");
    }

    @Test
    void validate_allValid_exitsZero() throws IOException {
        assertThat(run("asl", "validate", file("good.json", GOOD).toString()).code()).isZero();
    }

    @Test
    void validate_missingFileAndGarbage_reportsEachWithoutStackTrace() throws IOException {
        Result r = run("asl", "validate", dir.resolve("nope.json").toString(), file("junk.json", "not json {").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("nope.json: no such file").contains("junk.json: ").doesNotContain("Exception");
    }

    @Test
    void run_successfulMachine_printsOutputAndExitsZero() throws IOException {
        Result r = run("asl", "run", file("m.json", GOOD).toString(), "--input", "{\"a\": 2, \"b\": 3}");
        assertThat(r.code()).isZero();
        assertThat(r.out().strip()).isEqualTo("{\"sum\":5}");
    }

    @Test
    void run_inputFromFile_isRead() throws IOException {
        Path input = file("in.json", "{\"a\": 1, \"b\": 1}");
        Result r = run("asl", "run", file("m.json", GOOD).toString(), "--input", "@" + input);
        assertThat(r.out().strip()).isEqualTo("{\"sum\":2}");
    }

    @Test
    void run_failedExecution_printsErrorJsonAndExitsOne() throws IOException {
        Path m = file("f.json", "{\"StartAt\": \"F\", \"States\": {\"F\": {\"Type\": \"Fail\", \"Error\": \"E\", \"Cause\": \"C\"}}}");
        Result r = run("asl", "run", m.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out().strip()).isEqualTo("{\"Error\":\"E\",\"Cause\":\"C\"}");
    }

    @Test
    void run_taskWithoutMock_failsNamingTheResource() throws IOException {
        Path m = file("t.json", "{\"StartAt\": \"T\", \"States\": {\"T\": {\"Type\": \"Task\", \"Resource\": \"arn:aws:states:::lambda:invoke\", \"End\": true}}}");
        Result r = run("asl", "run", m.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("States.TaskFailed").contains("arn:aws:states:::lambda:invoke");
    }

    @Test
    void run_withMocksAndTrace_usesMockedResponsesAndTracesTransitions() throws IOException {
        Path m = file("t.json", """
                {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 1, "JitterStrategy": "FULL", "MaxDelaySeconds": 1}], "End": true}}}
                """);
        Path mocks = file("mocks.json", """
                {"StateMachines": {"sm": {"TestCases": {"Happy": {"T": "R"}}}},
                 "MockedResponses": {"R": {"0": {"Throw": {"Error": "Busy", "Cause": "x"}}, "1": {"Return": {"ok": 1}}}}}
                """);
        Result r = run("asl", "run", m.toString(), "--mocks", mocks.toString(), "--test-case", "Happy", "--trace");
        assertThat(r.code()).isZero();
        assertThat(r.out().strip()).isEqualTo("{\"ok\":1}");
        assertThat(r.err()).contains("TaskStateEntered T").contains("TaskFailed T").contains("TaskSucceeded T");
    }

    @Test
    void run_unknownTestCase_isAClearError() throws IOException {
        Path m = file("m.json", GOOD);
        Path mocks = file("mocks.json", "{\"StateMachines\": {}, \"MockedResponses\": {}}");
        Result r = run("asl", "run", m.toString(), "--mocks", mocks.toString(), "--test-case", "Nope");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("no test case \"Nope\"").doesNotContain("Exception");
    }

    @Test
    void run_malformedInput_isAClearError() throws IOException {
        Result r = run("asl", "run", file("m.json", GOOD).toString(), "--input", "{oops");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--input: not valid JSON").doesNotContain("at com.");
    }

    @Test
    void run_invalidDefinition_listsProblemsAndExitsTwo() throws IOException {
        Result r = run("asl", "run", file("bad.json", "{\"StartAt\": \"X\", \"States\": {}}").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("bad.json: /States: must contain at least one state");
    }

    @Test
    void run_mapWithItemReaderAndResultWriter_usesTheObjectDirectory() throws IOException {
        Files.createDirectories(dir.resolve("objects/in"));
        Files.writeString(dir.resolve("objects/in/items.json"), "[1, 2, 3]");
        Path m = file("map.json", """
                {"StartAt": "M", "States": {"M": {"Type": "Map",
                  "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "in", "Key": "items.json"}},
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                  "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out", "Prefix": "res"}},
                  "End": true}}}
                """);
        Result r = run("asl", "run", m.toString(), "--objects", dir.resolve("objects").toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("\"Bucket\":\"out\"").contains("manifest.json");
        try (var files = Files.walk(dir.resolve("objects/out"))) {
            assertThat(files.map(Path::getFileName).map(Path::toString).toList()).contains("manifest.json", "SUCCEEDED_0.json");
        }
    }
}
