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
                   Instant deadline, JsonNode credentials) {}

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
