package dev.setlist.asl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.setlist.asl.internal.model.Parser;
import dev.setlist.asl.internal.model.State;
import dev.setlist.asl.internal.model.State.Machine;
import dev.setlist.asl.internal.validate.Validator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled Amazon States Language definition. {@link #check} returns every problem of a
 * definition; {@link #compile} returns a machine that cannot fail at run time for any reason
 * the check could have seen. Immutable and thread safe: compile once, run many executions.
 */
public final class StateMachine {
    static final ObjectMapper JSON = new ObjectMapper();

    private final JsonNode definition;
    private final Machine root;
    private final Map<String, Machine> machines;

    private StateMachine(JsonNode definition, Machine root) {
        this.definition = definition;
        this.root = root;
        Map<String, Machine> all = new HashMap<>();
        register("", root, all);
        this.machines = Map.copyOf(all);
    }

    /** Every problem of a definition, located; empty when it is valid. Never throws. */
    public static List<Problem> check(String definition) {
        return Validator.check(definition);
    }

    /**
     * As {@link #check(String)}; with {@code allowPlaceholders}, {@code ${…}} placeholders of a
     * deployment template (SAM, CDK, Terraform) may stand in a Task's {@code Resource}.
     */
    public static List<Problem> check(String definition, boolean allowPlaceholders) {
        return Validator.check(definition, allowPlaceholders);
    }

    public static StateMachine compile(String definition) throws InvalidDefinitionException {
        List<Problem> problems = Validator.check(definition);
        if (!problems.isEmpty()) {
            throw new InvalidDefinitionException(problems);
        }
        try {
            return compile(JSON.readTree(definition));
        } catch (JsonProcessingException e) {
            throw new InvalidDefinitionException(List.of(new Problem("", "not valid JSON: " + e.getOriginalMessage())));
        }
    }

    public static StateMachine compile(JsonNode definition) throws InvalidDefinitionException {
        List<Problem> problems = Validator.check(definition);
        if (!problems.isEmpty()) {
            throw new InvalidDefinitionException(problems);
        }
        try {
            return new StateMachine(definition, Parser.parse(definition));
        } catch (Parser.CompileException e) {
            throw new InvalidDefinitionException(List.of(e.problem()));
        } catch (RuntimeException e) {
            throw new InvalidDefinitionException(List.of(new Problem("", "cannot be compiled: " + e)));
        }
    }

    private static void register(String path, Machine machine, Map<String, Machine> all) {
        all.put(path, machine);
        for (State state : machine.states().values()) {
            String prefix = path.isEmpty() ? "" : path + "/";
            if (state instanceof State.Parallel p) {
                for (int i = 0; i < p.branches().size(); i++) {
                    register(prefix + p.name() + "#" + i, p.branches().get(i), all);
                }
            } else if (state instanceof State.MapState m) {
                register(prefix + m.name(), m.processor(), all);
            }
        }
    }

    /** The definition as given. */
    public JsonNode definition() {
        return definition;
    }

    public String startAt() {
        return root.startAt();
    }

    /** The top-level {@code TimeoutSeconds}, or null. */
    public Integer timeoutSeconds() {
        JsonNode t = definition.get("TimeoutSeconds");
        return t == null || !t.canConvertToInt() ? null : t.intValue();
    }

    /** The type ("Task", "Map", …) of a state in the given (sub-)machine, or null. */
    public String stateType(String machine, String state) {
        State s = state(machine, state);
        return s == null ? null : s.type();
    }

    /**
     * Whether a Map state ends at its first failed iteration (it has no {@code ToleratedFailure*}
     * field), as a Parallel state always does. A runner may then abort the other iterations.
     */
    public boolean failsFast(String machine, String state) {
        State s = state(machine, state);
        if (s instanceof State.MapState m) {
            return m.toleratedFailureCount() == null && m.toleratedFailurePercentage() == null;
        }
        return true;
    }

    /** Every (sub-)machine by its path. */
    Map<String, Machine> machines() {
        return machines;
    }

    Machine machine(String path) {
        Machine m = machines.get(path);
        if (m == null) {
            throw new IllegalArgumentException("no sub-machine \"" + path + "\" in this state machine");
        }
        return m;
    }

    State state(String machine, String name) {
        Machine m = machines.get(machine);
        return m == null ? null : m.state(name);
    }

    @Override
    public String toString() {
        return "StateMachine[StartAt=" + root.startAt() + ", " + root.states().size() + " states]";
    }

}
