package dev.setlist.asl;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One event of an execution's history, named as Step Functions names them
 * ({@code TaskStateEntered}, {@code TaskScheduled}, {@code ExecutionSucceeded}, …).
 * {@code details} holds the event's fields (input, output, error, cause, resource…).
 */
public record HistoryEvent(String type, String machine, String state, JsonNode details) {

    /** The "entered" event type for a state type: {@code Task} → {@code TaskStateEntered}. */
    public static String entered(String stateType) {
        return stateType + "StateEntered";
    }

    /** The "exited" event type for a state type: {@code Map} → {@code MapStateExited}. */
    public static String exited(String stateType) {
        return stateType + "StateExited";
    }
}
