package dev.setlist.flows;

import java.util.Set;

/**
 * What a flow's {@code bindings} may name, as the running server knows it: its routes, state
 * machines and event rules. The catalog loader asks it about every binding and reports the ones
 * it does not know. Implementations answer from memory and must be thread safe.
 */
public interface Bindings {
    /** Whether a route {@code METHOD /path} exists, e.g. {@code GET /api/concerts}. */
    boolean hasRoute(String method, String path);

    boolean hasStateMachine(String name);

    boolean hasEventRule(String name);

    /** Checks nothing beyond the syntax of each binding: for a catalog read on its own. */
    Bindings ANY = new Bindings() {
        @Override
        public boolean hasRoute(String method, String path) {
            return true;
        }

        @Override
        public boolean hasStateMachine(String name) {
            return true;
        }

        @Override
        public boolean hasEventRule(String name) {
            return true;
        }
    };

    /** Knows exactly these routes ({@code "GET /api/concerts"}), state machines and event rules. */
    static Bindings of(Set<String> routes, Set<String> stateMachines, Set<String> eventRules) {
        Set<String> r = Set.copyOf(routes);
        Set<String> m = Set.copyOf(stateMachines);
        Set<String> e = Set.copyOf(eventRules);
        return new Bindings() {
            @Override
            public boolean hasRoute(String method, String path) {
                return r.contains(method + " " + path);
            }

            @Override
            public boolean hasStateMachine(String name) {
                return m.contains(name);
            }

            @Override
            public boolean hasEventRule(String name) {
                return e.contains(name);
            }
        };
    }
}
