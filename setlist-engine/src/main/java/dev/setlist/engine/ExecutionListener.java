package dev.setlist.engine;

/**
 * Told of every committed change of an execution's status (started, succeeded, failed, timed
 * out, aborted, redriven), after the commit, on an engine thread. Must not block for long.
 */
@FunctionalInterface
public interface ExecutionListener {
    void statusChanged(ExecutionInfo execution);
}
