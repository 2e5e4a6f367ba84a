package dev.setlist.asl;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the interpreter asks its runner to do after a step. Each action names the interpreter
 * method the runner calls with the answer.
 */
public sealed interface Action {

    /** Go on with this frame: call {@link Interpreter#enter}. */
    record Next(Frame frame) implements Action {}

    /** The (sub-)machine succeeded with this output. */
    record Succeed(JsonNode output) implements Action {}

    /** The (sub-)machine failed. */
    record Fail(String error, String cause) implements Action {}

    /**
     * Invoke a task; answer with {@link Interpreter#taskSucceeded} or {@link Interpreter#stateFailed}
     * (with {@code States.Timeout} / {@code States.HeartbeatTimeout} when the limits pass).
     */
    record InvokeTask(String resource, JsonNode input, Integer timeoutSeconds, Integer heartbeatSeconds,
                      JsonNode credentials, String taskToken) implements Action {}

    /** A Wait state: at {@code until}, call {@link Interpreter#waited}. */
    record WaitUntil(Instant until) implements Action {}

    /** A retry: at {@code at}, call {@link Interpreter#enter} with {@code frame}. */
    record Retry(Instant at, Frame frame, String error, String cause) implements Action {}

    /**
     * Run child frames (Parallel branches, Map iterations) and answer with
     * {@link Interpreter#childrenDone}, outcomes in the children's order. {@code maxConcurrency}
     * is 0 for unlimited. {@code toleratedFailurePercentage} and {@code toleratedFailureCount} are a
     * Map's thresholds as evaluated on entry (from the field or its {@code …Path}), null when the
     * state has none.
     */
    record RunChildren(Kind kind, List<Frame> children, int maxConcurrency, boolean distributed,
                       String executionType, String label, Double toleratedFailurePercentage,
                       Long toleratedFailureCount) implements Action {
        public enum Kind { PARALLEL, MAP }

        public RunChildren(Kind kind, List<Frame> children, int maxConcurrency, boolean distributed,
                           String executionType, String label) {
            this(kind, children, maxConcurrency, distributed, executionType, label, null, null);
        }
    }

    /**
     * Read a Map's items from the object store: {@code resource} is {@code arn:aws:states:::s3:getObject}
     * (answer with the object's text) or {@code arn:aws:states:::s3:listObjectsV2} (answer with an
     * array of {Key, Size, ETag, LastModified, StorageClass}); then call {@link Interpreter#itemsRead}.
     */
    record ReadItems(String resource, String bucket, String key, String prefix) implements Action {}

    /** Write a Map's results as these objects in {@code bucket}; then call {@link Interpreter#resultsWritten}. */
    record WriteResults(String bucket, Map<String, String> objects) implements Action {}
}
