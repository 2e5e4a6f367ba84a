package dev.setlist.engine;

/**
 * Which state machines, activities and task resources an execution's Task states may reach: a
 * child state machine ({@code arn:aws:states:::states:startExecution}, its {@code StateMachineArn}),
 * or else the Task's {@code Resource} (an activity, a handler's resource). Asked before the child starts or the activity task is
 * queued; a refusal fails the Task state with {@value #ERROR}, which the state's
 * {@code Catch} may handle, and nothing is started or queued. Implementations are thread safe.
 */
@FunctionalInterface
public interface ResourcePolicy {
    /** The error a refused Task state fails with. */
    String ERROR = "StepFunctions.AccessDeniedException";

    /** Everything is reachable. */
    ResourcePolicy OPEN = (stateMachineArn, resourceArn) -> null;

    /**
     * Null when an execution of {@code stateMachineArn} may use {@code resourceArn}; else the
     * reason it may not (the failure's cause).
     */
    String refusal(String stateMachineArn, String resourceArn);
}
