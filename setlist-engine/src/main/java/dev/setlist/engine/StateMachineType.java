package dev.setlist.engine;

/** How a state machine's executions run: durably in the database, or in memory. */
public enum StateMachineType {
    /** Every transition committed before the next begins; exactly-once transitions; resumable. */
    STANDARD,
    /** In memory on the same interpreter; at-least-once; nothing survives a restart. */
    EXPRESS
}
