package dev.setlist.engine;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Contributes rows to the transaction of the step that causes them ("effects commit with the
 * step"): the rows recording an execution's status change commit with the change itself, and the
 * rows of what a task emitted ({@link dev.setlist.asl.TaskInvoker.Request#emit}) commit with the
 * task's result. Either both commit or neither does, so a crash can neither lose an effect nor,
 * by running the task again, cause it twice. The rows are typically an outbox that the
 * contributor drains after the commit ({@link #committed}). Register with
 * {@link Engine#addEffects}.
 *
 * <p>{@link #statusChanged} runs while the engine holds the execution: it must be quick and must
 * not touch the database (build rows, no reads). {@link #emitted} runs on the task's thread and may
 * validate. Standard executions only write their rows in their step's transaction; an Express
 * execution (kept in memory) commits them in a transaction of their own.
 */
public interface ExecutionEffects {

    /** Where a contributor adds statements (inserts, typically) to the step's transaction. */
    @FunctionalInterface
    interface Rows {
        void add(String sql, Object... params);
    }

    /** Adds the rows that record this change (started, ended); they commit with it. */
    void statusChanged(ExecutionInfo execution, Rows rows);

    /**
     * Adds the rows of an effect a task of {@code executionArn} emitted, if this contributor takes
     * effects of {@code kind}; returns false otherwise. Throws {@link IllegalArgumentException} for
     * a payload it refuses (the handler sees it).
     */
    boolean emitted(String executionArn, String kind, JsonNode payload, Rows rows);

    /** Called after a transaction holding rows of this contributor committed (wake the drainer). */
    default void committed() {}
}
