package dev.setlist.flows.internal;

import dev.setlist.flows.Incident.State;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one transition table of an incident's life. An OPEN incident escalates (stays OPEN, the next
 * contact is called) until someone acknowledges it; an OPEN or ACKNOWLEDGED incident resolves when
 * its alarm returns to OK. Everything else is refused.
 */
public final class IncidentLifecycle {
    public enum Event {
        ESCALATE, ACKNOWLEDGE, RESOLVE
    }

    public record Transition(State from, Event event) {}

    public static final Map<Transition, State> TABLE = Map.of(
            new Transition(State.OPEN, Event.ESCALATE), State.OPEN,
            new Transition(State.OPEN, Event.ACKNOWLEDGE), State.ACKNOWLEDGED,
            new Transition(State.OPEN, Event.RESOLVE), State.RESOLVED,
            new Transition(State.ACKNOWLEDGED, Event.RESOLVE), State.RESOLVED);

    /** Transitions taken since the class loaded, so that a test can require that each was exercised. */
    private static final Set<Transition> TAKEN = ConcurrentHashMap.newKeySet();

    private IncidentLifecycle() {}

    /** The state after {@code event}, or {@code null} when the table has no such transition. */
    public static State next(State from, Event event) {
        Transition t = new Transition(from, event);
        State to = TABLE.get(t);
        if (to != null) {
            TAKEN.add(t);
        }
        return to;
    }

    public static Set<Transition> taken() {
        return Set.copyOf(TAKEN);
    }
}
