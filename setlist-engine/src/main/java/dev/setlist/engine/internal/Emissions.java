package dev.setlist.engine.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.engine.ExecutionEffects;
import java.util.ArrayList;
import java.util.List;

/**
 * What one task invocation emitted, as the rows the {@link ExecutionEffects} contributors made of
 * it. The rows join the write that records the task's result ({@link #seal}); anything emitted
 * after the handler returned is refused, and a failed or timed-out task's rows are dropped.
 */
final class Emissions implements TaskInvoker.Effects {
    private final Runner runner;
    private final String executionArn;
    private final List<Write.Op> ops = new ArrayList<>();
    private boolean sealed;

    Emissions(Runner runner, String executionArn) {
        this.runner = runner;
        this.executionArn = executionArn;
    }

    @Override
    public synchronized void emit(String kind, JsonNode payload) {
        if (sealed) {
            throw new IllegalStateException("the task already returned: effects must be emitted before it does");
        }
        List<Write.Op> mine = new ArrayList<>();
        for (ExecutionEffects e : runner.effects) {
            if (e.emitted(executionArn, kind, payload, (sql, params) -> mine.add(new Write.Op(Write.ROWS, sql, params)))) {
                ops.addAll(mine);
                return;
            }
        }
        throw new IllegalArgumentException("No effects contributor takes effects of kind '" + kind + "'");
    }

    /** Ends the invocation's emissions; returns their rows. */
    synchronized List<Write.Op> seal() {
        sealed = true;
        return List.copyOf(ops);
    }
}
