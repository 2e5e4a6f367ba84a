package dev.setlist.asl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** How an execution ended: SUCCEEDED with an output, or FAILED / TIMED_OUT with an error and cause. */
public record ExecutionResult(Status status, JsonNode output, String error, String cause, int transitions) {
    public enum Status { SUCCEEDED, FAILED, TIMED_OUT }

    public boolean succeeded() {
        return status == Status.SUCCEEDED;
    }

    /** {@code {"Error": …, "Cause": …}} for a failed execution. */
    public ObjectNode errorJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("Error", error);
        node.put("Cause", cause);
        return node;
    }
}
