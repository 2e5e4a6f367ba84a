package dev.setlist.flows;

/**
 * Receives every alarm state change once it is committed (the server publishes them on the event
 * bus). Called on the evaluating thread, in order; an exception is logged and does not stop the
 * evaluation or undo the change.
 */
@FunctionalInterface
public interface AlarmSink {
    void accept(AlarmChange change);

    AlarmSink NONE = change -> {};
}
