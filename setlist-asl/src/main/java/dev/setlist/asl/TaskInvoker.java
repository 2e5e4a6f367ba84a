package dev.setlist.asl;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs Task states. Keyed by the state's {@code Resource}; a task fails by throwing a
 * {@link StatesException} with its own error name (Retry and Catch match on it). Any other
 * exception is reported as {@code States.TaskFailed} with the exception as cause.
 * Implementations must be thread safe.
 */
@FunctionalInterface
public interface TaskInvoker {

    JsonNode invoke(Request request);

    /**
     * One invocation. {@code idempotencyKey} is stable for (execution, state, attempt): a
     * handler that records it can make its effect happen once even when a crash forces the same
     * attempt to be invoked again. {@code deadline} is when {@code TimeoutSeconds} runs out (null
     * without one).
     */
    record Request(String resource, JsonNode input, String executionId, String stateName, int attempt,
                   String idempotencyKey, String taskToken, Integer timeoutSeconds, Integer heartbeatSeconds,
                   Instant deadline, JsonNode credentials, Effects effects) {

        /** A request whose effects cannot be staged ({@link Effects#NONE}): {@link #emit} fails. */
        public Request(String resource, JsonNode input, String executionId, String stateName, int attempt,
                       String idempotencyKey, String taskToken, Integer timeoutSeconds, Integer heartbeatSeconds,
                       Instant deadline, JsonNode credentials) {
            this(resource, input, executionId, stateName, attempt, idempotencyKey, taskToken, timeoutSeconds,
                    heartbeatSeconds, deadline, credentials, Effects.NONE);
        }

        public Request {
            if (effects == null) {
                effects = Effects.NONE;
            }
        }

        /** Stages an effect of this invocation; see {@link Effects#emit}. */
        public void emit(String kind, JsonNode payload) {
            effects.emit(kind, payload);
        }
    }

    /**
     * Effects a task causes outside itself (an event to publish, say), staged rather than done: the
     * engine writes them in the transaction that records the task's result, so they happen once the
     * result is committed and never twice, however often a crash makes the same attempt run again.
     * A task that fails, times out or is cancelled emits nothing; an emission after the handler
     * returned is refused. {@code kind} names who carries the effect out (the event bus takes
     * {@code "events:PutEvents"}); a kind nobody takes, or a payload its taker refuses, throws
     * {@link IllegalArgumentException} on the handler's thread.
     */
    @FunctionalInterface
    interface Effects {
        /** For requests that no engine stages: every emission throws {@link IllegalStateException}. */
        Effects NONE = (kind, payload) -> {
            throw new IllegalStateException("this invocation cannot emit effects (" + kind + "): it was not made by"
                    + " an engine that commits them with the task's result");
        };

        void emit(String kind, JsonNode payload);
    }

    /** A task invoker that routes by exact resource name; unknown resources fail clearly. */
    final class Registry implements TaskInvoker {
        private final Map<String, TaskInvoker> handlers = new ConcurrentHashMap<>();

        public Registry register(String resource, TaskInvoker handler) {
            handlers.put(resource, handler);
            return this;
        }

        @Override
        public JsonNode invoke(Request request) {
            TaskInvoker handler = handlers.get(request.resource());
            if (handler == null && request.resource().endsWith(".waitForTaskToken")) {
                handler = handlers.get(request.resource().substring(0, request.resource().length() - ".waitForTaskToken".length()));
            }
            if (handler == null) {
                throw new StatesException(ErrorNames.TASK_FAILED, "No task handler is registered for resource '"
                        + request.resource() + "'");
            }
            return handler.invoke(request);
        }
    }
}
