package dev.setlist.asl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;

/**
 * Where one execution, Parallel branch or Map iteration stands between two steps: everything a
 * durable engine must persist to resume it. Immutable; the interpreter never mutates the nodes
 * it is given and treats them as owned by the frame.
 *
 * @param machine   which (sub-)machine: "" for the top level, {@code "P#1"} for branch 1 of
 *                  Parallel state P, {@code "M"} for Map state M's item processor, nested with "/"
 * @param state     the state to run next
 * @param input     the state's raw input
 * @param variables the variables assigned in this frame's own scope (an object)
 * @param outer     the variables of the enclosing scopes, read-only here (an object, possibly empty)
 * @param retries   for the state about to run, how often each of its retriers has fired
 */
public record Frame(String machine, String state, JsonNode input, ObjectNode variables, ObjectNode outer, int[] retries) {

    private static final int[] NONE = new int[0];

    public Frame {
        retries = retries == null ? NONE : retries;
    }

    /** Total retries so far of the current state ({@code $$.State.RetryCount}). */
    public int retryCount() {
        int sum = 0;
        for (int r : retries) {
            sum += r;
        }
        return sum;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Frame f && machine.equals(f.machine) && state.equals(f.state) && input.equals(f.input)
                && variables.equals(f.variables) && outer.equals(f.outer) && Arrays.equals(retries, f.retries);
    }

    @Override
    public int hashCode() {
        return (machine.hashCode() * 31 + state.hashCode()) * 31 + Arrays.hashCode(retries);
    }

    @Override
    public String toString() {
        return "Frame[" + (machine.isEmpty() ? "" : machine + ":") + state + ", retries=" + Arrays.toString(retries) + "]";
    }
}
