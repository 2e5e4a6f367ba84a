package dev.setlist.asl;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * What the runner tells the interpreter about the world for one step: the time, the execution's
 * identity (for the context object {@code $$}) and randomness. The interpreter owns no clock.
 */
public interface ExecutionContext {
    /** The instant this step runs at. */
    Instant now();

    /** The {@code $$.Execution} object: Id, Input, Name, RoleArn, StartTime, RedriveCount. */
    JsonNode execution();

    /** The {@code $$.StateMachine} object: Id, Name. */
    JsonNode stateMachine();

    Entropy entropy();

    /**
     * The task token for the Task state about to be invoked ({@code $$.Task.Token}); asked only
     * for resources that wait for a callback. The same frame must get the same token.
     */
    default String taskToken(Frame frame) {
        return null;
    }

    /**
     * The id of the history event that entered the frame's current state (its
     * {@code …StateEntered} event), which Step Functions names in the cause of a
     * {@code States.Runtime} error; 0 when the runner keeps no such ids.
     */
    default long enteredEventId(Frame frame) {
        return 0;
    }
}
