package dev.setlist.engine;

/** An execution's status, as Step Functions names it. */
public enum ExecutionStatus {
    RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE;

    /** True once the execution can make no more progress (until a redrive). */
    public boolean terminal() {
        return this != RUNNING && this != PENDING_REDRIVE;
    }
}
