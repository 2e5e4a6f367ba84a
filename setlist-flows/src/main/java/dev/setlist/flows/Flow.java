package dev.setlist.flows;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * One flow of a workload, documented the way the flow guide asks: what it is and which business
 * process it supports, its use case, who owns it, who to inform, whom to call in which order when
 * it fails, what it means to the business, how critical it is, its targets per pillar, what it is
 * bound to in the running system, its metric alarms and what the traffic guard does for it. Optional text fields are {@code null}
 * when absent; lists are empty.
 */
public record Flow(String id, String name, Kind kind, String description, String businessProcess, UseCase useCase,
                   String owner, List<String> stakeholders, List<Contact> escalation, String businessImpact,
                   Criticality criticality, Targets targets, BindingSet bindings, List<AlarmSpec> alarms,
                   GuardSpec guard) {
    public Flow {
        guard = guard == null ? GuardSpec.NONE : guard;
        stakeholders = List.copyOf(stakeholders);
        escalation = List.copyOf(escalation);
        alarms = List.copyOf(alarms);
    }

    /** A flow the traffic guard treats by its criticality alone. */
    public Flow(String id, String name, Kind kind, String description, String businessProcess, UseCase useCase,
                String owner, List<String> stakeholders, List<Contact> escalation, String businessImpact,
                Criticality criticality, Targets targets, BindingSet bindings, List<AlarmSpec> alarms) {
        this(id, name, kind, description, businessProcess, useCase, owner, stakeholders, escalation, businessImpact,
                criticality, targets, bindings, alarms, GuardSpec.NONE);
    }

    /** A user flow determines user interactions; a system flow, communication between components. */
    public enum Kind {
        USER, SYSTEM;

        public String yaml() {
            return name().toLowerCase();
        }
    }

    /** The flow's qualitative criticality rating. Under overload, lower ratings are shed first. */
    public enum Criticality {
        LOW, MEDIUM, HIGH;

        public String yaml() {
            return name().toLowerCase();
        }
    }

    /**
     * The use case the flow supports: its purpose, how important it is (routine to critical), who
     * consumes it, the events that start and end it, how often and how regularly it runs, and the
     * flows it depends on (by id).
     */
    public record UseCase(String purpose, String criticality, List<String> consumers, String startEvent,
                          String endEvent, String frequency, String variability, List<String> dependencies) {
        public UseCase {
            consumers = List.copyOf(consumers);
            dependencies = List.copyOf(dependencies);
        }
    }

    /** How a contact on the escalation path is reached. */
    public enum Channel {
        /** An HTTP POST of a JSON notification to the contact's address. */
        WEBHOOK,
        /** A line in the application log (SLF4J), for contacts who watch the logs. */
        LOG;

        public String yaml() {
            return name().toLowerCase();
        }
    }

    /**
     * One step of the escalation path: who, how to reach them ({@code address} is the URL of a
     * webhook; optional for the log), and how long to wait for an acknowledgement before the next
     * contact is called.
     */
    public record Contact(String name, Channel channel, URI address, Duration ackTimeout) {}

    /** What the flow is in the running system: HTTP routes, state machines and event rules by name. */
    public record BindingSet(List<String> routes, List<String> stateMachines, List<String> eventRules) {
        public static final BindingSet NONE = new BindingSet(List.of(), List.of(), List.of());

        public BindingSet {
            routes = List.copyOf(routes);
            stateMachines = List.copyOf(stateMachines);
            eventRules = List.copyOf(eventRules);
        }
    }

    /** The alarm of this flow named {@code name}, or {@code null}. */
    public AlarmSpec alarm(String name) {
        for (AlarmSpec a : alarms) {
            if (a.name().equals(name)) {
                return a;
            }
        }
        return null;
    }
}
