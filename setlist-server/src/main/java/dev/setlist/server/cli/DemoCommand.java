package dev.setlist.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.Clock;
import dev.setlist.asl.ExecutionResult;
import dev.setlist.asl.LocalRunner;
import dev.setlist.asl.MockTaskInvoker;
import dev.setlist.asl.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code setlist demo}: runs Relecloud's purchase-ticket flow as a state machine in memory, with
 * its seat and payment services mocked, and prints every transition.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the Relecloud purchase-ticket state machine locally (mocked services), tracing each step.")
final class DemoCommand implements Callable<Integer> {
    @CommandLine.Option(names = "--test-case", defaultValue = "HappyPath",
            description = "HappyPath or Declined. Default: ${DEFAULT-VALUE}")
    String testCase;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        StateMachine machine = StateMachine.compile(resource("demo/purchase-ticket.asl.json"));
        JsonNode mocks = AslCommand.JSON.readTree(resource("demo/purchase-ticket.mocks.json"));
        JsonNode input = AslCommand.JSON.readTree(
                "{\"concertId\": \"c-42\", \"customerId\": \"cust-1001\", \"quantity\": 2}");
        out.println("Relecloud purchase-ticket flow, test case " + testCase + ", input " + input);
        ExecutionResult result = LocalRunner.builder(machine)
                .tasks(MockTaskInvoker.of(mocks, "purchase-ticket", testCase))
                .clock(Clock.SYSTEM)
                .stateMachineArn("arn:aws:states:us-east-1:000000000000:stateMachine:purchase-ticket")
                .history(e -> out.println("  " + e.type() + (e.state() == null ? "" : " " + e.state())))
                .build()
                .run(input);
        out.println(result.succeeded() ? "Output: " + result.output() : "Failed: " + result.errorJson());
        out.flush();
        return result.succeeded() ? 0 : 1;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = DemoCommand.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
