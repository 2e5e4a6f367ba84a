package dev.setlist.asl.internal.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A compiled state. Every state knows its name, its query language, where it goes next (or that
 * it ends) and how its data flows ({@link Io}). The records are immutable and built only from
 * definitions the validator accepted.
 */
public sealed interface State {
    String name();

    String type();

    QueryLanguage language();

    Io io();

    /** The next state's name, or null when the state ends its (sub-)machine or has no Next. */
    default String next() {
        return null;
    }

    /**
     * How data flows through a state. JSONPath fields and JSONata fields are both here; the
     * query language decides which are set. {@code null} means "absent" (the default applies).
     */
    record Io(Expr inputPath, Expr parameters, Expr resultSelector, ResultPath resultPath, Expr outputPath,
              Expr arguments, Expr output, Expr assign) {
        public static final Io NONE = new Io(null, null, null, ResultPath.DEFAULT, null, null, null, null);
    }

    /** Where a result goes: replace the input ($, the default), nowhere (null) or a reference path. */
    record ResultPath(dev.setlist.asl.internal.path.Path path, boolean discard) {
        public static final ResultPath DEFAULT = new ResultPath(null, false);
        public static final ResultPath DISCARD = new ResultPath(null, true);
    }

    record Retrier(List<String> errorEquals, int intervalSeconds, int maxAttempts, double backoffRate,
                   Integer maxDelaySeconds, boolean fullJitter) {}

    record Catcher(List<String> errorEquals, String next, ResultPath resultPath, Expr output, Expr assign) {}

    /** States that may fail and recover: Task, Parallel, Map. */
    sealed interface Recoverable extends State permits Task, Parallel, MapState {
        List<Retrier> retry();

        List<Catcher> catchers();
    }

    record Pass(String name, QueryLanguage language, Io io, String next, JsonNode result) implements State {
        public String type() {
            return "Pass";
        }
    }

    record Task(String name, QueryLanguage language, Io io, String next, String resource, Expr timeoutSeconds,
                Expr heartbeatSeconds, Expr credentials, List<Retrier> retry, List<Catcher> catchers) implements Recoverable {
        public String type() {
            return "Task";
        }
    }

    record Choice(String name, QueryLanguage language, Io io, List<Branch> choices, String defaultNext,
                  Expr defaultAssign) implements State {
        public String type() {
            return "Choice";
        }

        /** A top-level rule with its target and, optionally, its own Assign and Output. */
        public record Branch(ChoiceRule rule, String next, Expr assign, Expr output) {}
    }

    record Wait(String name, QueryLanguage language, Io io, String next, Expr seconds, Expr timestamp) implements State {
        public String type() {
            return "Wait";
        }
    }

    record Succeed(String name, QueryLanguage language, Io io) implements State {
        public String type() {
            return "Succeed";
        }
    }

    record Fail(String name, QueryLanguage language, Io io, Expr error, Expr cause) implements State {
        public String type() {
            return "Fail";
        }
    }

    record Parallel(String name, QueryLanguage language, Io io, String next, List<Machine> branches,
                    List<Retrier> retry, List<Catcher> catchers) implements Recoverable {
        public String type() {
            return "Parallel";
        }
    }

    record MapState(String name, QueryLanguage language, Io io, String next, Machine processor, boolean distributed,
                    String executionType, Expr items, Expr itemSelector, Batcher batcher, Reader reader, Writer writer,
                    Expr maxConcurrency, Expr toleratedFailurePercentage, Expr toleratedFailureCount, String label,
                    List<Retrier> retry, List<Catcher> catchers) implements Recoverable {
        public String type() {
            return "Map";
        }

        /** ItemBatcher: how items group into batches. */
        public record Batcher(Expr maxItemsPerBatch, Expr maxInputBytesPerBatch, Expr batchInput) {}

        /** ItemReader: where items come from. */
        public record Reader(String resource, Expr parameters, JsonNode readerConfig, Expr maxItems) {}

        /** ResultWriter: where results go. */
        public record Writer(String resource, Expr parameters, JsonNode writerConfig) {}
    }

    /** A (sub-)machine: the top level, a Parallel branch or a Map's item processor. */
    record Machine(String startAt, java.util.Map<String, State> states, QueryLanguage language) {
        public State state(String name) {
            return states.get(name);
        }
    }
}
