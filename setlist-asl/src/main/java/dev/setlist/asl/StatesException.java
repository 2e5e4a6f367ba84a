package dev.setlist.asl;

/**
 * A failure in the States language's own terms: an error name (such as {@code States.Runtime}
 * or a name a task chose) and a human cause. It is how a state fails; Retry and Catch match on
 * {@link #error()}. Instances are immutable and carry no stack trace, because they are ordinary
 * outcomes of an execution, not bugs.
 */
public final class StatesException extends RuntimeException {
    private final String error;
    private final String cause;

    public StatesException(String error, String cause) {
        super(error + ": " + cause, null, false, false);
        this.error = error;
        this.cause = cause;
    }

    public String error() {
        return error;
    }

    public String cause() {
        return cause;
    }

    public static StatesException runtime(String cause) {
        return new StatesException(ErrorNames.RUNTIME, cause);
    }
}
