package dev.setlist.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.setlist.asl.Clock;
import dev.setlist.asl.ExecutionResult;
import dev.setlist.asl.HistoryEvent;
import dev.setlist.asl.InvalidDefinitionException;
import dev.setlist.asl.LocalRunner;
import dev.setlist.asl.MockTaskInvoker;
import dev.setlist.asl.Problem;
import dev.setlist.asl.StateMachine;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.server.sfn.DirectoryObjectStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code setlist asl …}: validate and run Amazon States Language definitions locally. */
@Command(name = "asl", description = "Validate and run Amazon States Language definitions.",
        mixinStandardHelpOptions = true, subcommands = {AslCommand.Validate.class, AslCommand.Run.class})
final class AslCommand implements Runnable {
    static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Reads a file's text, or fails with a one-line reason. */
    static String read(Path file) throws CliException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CliException(file + ": no such file");
        } catch (IOException e) {
            throw new CliException(file + ": cannot be read: " + e.getMessage());
        }
    }

    /** A user error: printed as one line on stderr, exit code 2. */
    static final class CliException extends Exception {
        CliException(String message) {
            super(message, null, false, false);
        }
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Check definitions; prints FILE: LOCATION: PROBLEM per problem. Exit 0 when all are valid, 1 otherwise.")
    static final class Validate implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "ASL definition files (JSON).")
        List<Path> files;

        @Option(names = "--allow-placeholders",
                description = "Accept ${…} template placeholders (SAM, CDK, Terraform sources) in a Task's Resource.")
        boolean allowPlaceholders;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            boolean allValid = true;
            for (Path file : files) {
                List<Problem> problems;
                try {
                    problems = StateMachine.check(read(file), allowPlaceholders);
                } catch (CliException e) {
                    out.println(e.getMessage());
                    allValid = false;
                    continue;
                }
                if (problems.isEmpty()) {
                    out.println(file + ": valid");
                }
                for (Problem p : problems) {
                    out.println(file + ": " + p);
                }
                allValid &= problems.isEmpty();
            }
            out.flush();
            return allValid ? 0 : 1;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run a state machine in memory. Prints the output JSON and exits 0, or {\"Error\",\"Cause\"} and exits 1.")
    static final class Run implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "The ASL definition (JSON).")
        Path file;

        @Option(names = "--input", defaultValue = "{}", description = "The execution input: JSON text, or @file.")
        String input;

        @Option(names = "--mocks", description = "A Step Functions Local mock configuration file.")
        Path mocks;

        @Option(names = "--test-case", description = "The test case of the mock configuration to use.")
        String testCase;

        @Option(names = "--state-machine", description = "The state machine name in the mock configuration (when several have the test case).")
        String stateMachine;

        @Option(names = "--objects", defaultValue = "objects",
                description = "Directory of the local object store (a folder per bucket) for ItemReader/ResultWriter. Default: ${DEFAULT-VALUE}")
        Path objects;

        @Option(names = "--trace", description = "Print each transition on stderr.")
        boolean trace;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws CliException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            StateMachine machine;
            try {
                machine = StateMachine.compile(read(file));
            } catch (InvalidDefinitionException e) {
                for (Problem p : e.problems()) {
                    err.println(file + ": " + p);
                }
                err.flush();
                return 2;
            }
            JsonNode inputJson = parse(input.startsWith("@") ? read(Path.of(input.substring(1))) : input, "--input");
            TaskInvoker tasks = new TaskInvoker.Registry();
            if (mocks != null) {
                if (testCase == null) {
                    throw new CliException("--mocks needs --test-case NAME");
                }
                try {
                    tasks = MockTaskInvoker.of(parse(read(mocks), mocks.toString()), stateMachine, testCase);
                } catch (IllegalArgumentException e) {
                    throw new CliException(mocks + ": " + e.getMessage());
                }
            } else if (testCase != null) {
                throw new CliException("--test-case needs --mocks FILE");
            }
            LocalRunner.Builder builder = LocalRunner.builder(machine).tasks(tasks).clock(Clock.SYSTEM)
                    .objects(new DirectoryObjectStore(objects));
            if (trace) {
                builder.history(e -> err.println(format(e)));
            }
            ExecutionResult result = builder.build().run(inputJson);
            err.flush();
            if (result.succeeded()) {
                out.println(result.output());
                out.flush();
                return 0;
            }
            out.println(result.errorJson());
            out.flush();
            return 1;
        }

        private static String format(HistoryEvent e) {
            String where = e.state() == null ? "" : " " + (e.machine().isEmpty() ? "" : e.machine() + ":") + e.state();
            return e.type() + where + " " + e.details();
        }

        private static JsonNode parse(String text, String what) throws CliException {
            try {
                JsonNode node = JSON.readTree(text);
                if (node == null) {
                    throw new CliException(what + ": is empty, expected JSON");
                }
                return node;
            } catch (JsonProcessingException e) {
                throw new CliException(what + ": not valid JSON: " + e.getOriginalMessage()
                        + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
            }
        }
    }
}
