package dev.setlist.server.telemetry;

import dev.setlist.flows.Catalog;
import dev.setlist.flows.Flow;
import java.util.HashMap;
import java.util.Map;

/**
 * Which flow a route, state machine or event rule belongs to: the flow whose {@code bindings}
 * name it, or {@link #NONE}. Immutable.
 */
public final class FlowIndex {
    /** The flow tag of everything no flow is bound to. */
    public static final String NONE = "none";
    public static final FlowIndex EMPTY = new FlowIndex(null);

    private final Map<String, String> routes = new HashMap<>();
    private final Map<String, String> machines = new HashMap<>();
    private final Map<String, String> rules = new HashMap<>();
    private final Catalog catalog;

    public FlowIndex(Catalog catalog) {
        this.catalog = catalog;
        if (catalog == null) {
            return;
        }
        for (Flow f : catalog.flows()) {
            f.bindings().routes().forEach(r -> routes.putIfAbsent(r, f.id()));
            f.bindings().stateMachines().forEach(m -> machines.putIfAbsent(m, f.id()));
            f.bindings().eventRules().forEach(e -> rules.putIfAbsent(e, f.id()));
        }
    }

    /** The catalog, or null when the server runs without one. */
    public Catalog catalog() {
        return catalog;
    }

    /** {@code method} and the route's path template as registered ({@code /api/v1/executions/{arn}}). */
    public String route(String method, String pathTemplate) {
        return routes.getOrDefault(method + " " + pathTemplate, NONE);
    }

    public String stateMachine(String name) {
        return name == null ? NONE : machines.getOrDefault(name, NONE);
    }

    /** The flow of an execution or state machine ARN ({@code arn:aws:states:r:a:execution:NAME:x}). */
    public String stateMachineOfArn(String arn) {
        return stateMachine(machineName(arn));
    }

    public String rule(String name) {
        return name == null ? NONE : rules.getOrDefault(name, NONE);
    }

    /** A flow id of the catalog, or {@link #NONE} for null and unknown ids. */
    public String known(String flowId) {
        return flowId != null && catalog != null && catalog.flow(flowId) != null ? flowId : NONE;
    }

    static String machineName(String arn) {
        if (arn == null) {
            return null;
        }
        String[] parts = arn.split(":", -1);
        return parts.length >= 7 ? parts[6] : null;
    }
}
