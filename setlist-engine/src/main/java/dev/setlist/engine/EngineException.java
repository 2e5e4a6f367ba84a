package dev.setlist.engine;

/**
 * A request the engine refuses: the {@link Code} is the Step Functions error name
 * ({@code ExecutionDoesNotExist}, …) and the message says what was wrong with which value.
 * Nothing was changed when this is thrown.
 */
public final class EngineException extends RuntimeException {

    /** The Step Functions API error names the engine can answer with. */
    public enum Code {
        ValidationException, InvalidArn, InvalidName, InvalidDefinition, InvalidExecutionInput, InvalidOutput,
        InvalidToken, TaskDoesNotExist, TaskTimedOut, StateMachineDoesNotExist, StateMachineAlreadyExists,
        StateMachineDeleting, StateMachineTypeNotSupported, ExecutionDoesNotExist, ExecutionAlreadyExists,
        ExecutionLimitExceeded, ExecutionNotRedrivable, ActivityDoesNotExist, ActivityAlreadyExists,
        ActivityWorkerLimitExceeded, ResourceNotFound, ConflictException, ServiceUnavailable
    }

    private final Code code;

    public EngineException(Code code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
