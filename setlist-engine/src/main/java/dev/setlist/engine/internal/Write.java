package dev.setlist.engine.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The rows one step changes, committed atomically by the {@link Committer}, possibly in the same
 * transaction as other executions' steps. A fencing statement must change exactly one row; if it
 * changes none, the whole write is refused with {@link FencedException} and nothing of it is kept.
 * Statements run in rank order, then in the order they were added.
 */
public final class Write {
    /** Ranks: inserts of new executions first, then fencing updates, then the rest, deletes last. */
    public static final int INSERT = 0;
    public static final int FENCE = 1;
    public static final int ROWS = 2;
    public static final int DELETE = 3;

    record Op(int rank, String sql, Object[] params) {}

    final List<Op> ops = new ArrayList<>(8);
    final CompletableFuture<Void> done = new CompletableFuture<>();
    /**
     * The run whose step this is (null for other writes). Once one of a run's writes is refused,
     * none after it may commit: a later one could pass its fence (an outside change such as a
     * claim or a callback moves the version by one, to the version that write expects) without
     * the changes of the refused one.
     */
    Run run;

    public Write add(int rank, String sql, Object... params) {
        ops.add(new Op(rank, sql, params));
        return this;
    }

    /** Whether a statement of this write contains {@code fragment} (for tests that pick writes). */
    public boolean mentions(String fragment) {
        for (Op op : ops) {
            if (op.sql().contains(fragment)) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return ops.isEmpty();
    }

    public CompletableFuture<Void> done() {
        return done;
    }

    /** The execution was changed by someone else (another node, a stop, a callback) since it was read. */
    public static final class FencedException extends RuntimeException {
        public FencedException() {
            super("the execution was changed by another writer", null, false, false);
        }
    }
}
