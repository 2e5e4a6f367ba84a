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

    /**
     * One stage of the current state's data flow, for a runner that inspects it (TestState):
     * {@code member} is the name AWS gives the stage in TestState's {@code inspectionData}
     * ({@code afterInputPath}, {@code afterParameters}, {@code afterArguments}, {@code result},
     * {@code afterResultSelector}, {@code afterResultPath}, {@code variables}). Runners that do not
     * inspect ignore it.
     */
    default void inspect(String member, JsonNode value) {
    }

    /**
     * The state's error was handled: by its Retry at {@code retryIndex} (after
     * {@code backoffMillis}), or by its Catch at {@code catchIndex}; the other index is -1.
     */
    default void handled(String error, String cause, int retryIndex, long backoffMillis, int catchIndex) {
    }
}
