package dev.setlist.server.auth;

import dev.setlist.server.Extension;
import dev.setlist.server.http.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The resources workloads own ({@link Extension#machinery()}), as ARN patterns, and the rule that
 * guards them: reading is allowed by the usual grants, anything else only by a grant that names
 * the resource explicitly ({@link Policy#allowsExplicitly}). Immutable and thread safe.
 */
public final class Ownership {
    /** No workload owns anything. */
    public static final Ownership NONE = new Ownership(List.of());

    private record Owned(String owner, String pattern) {}

    private final List<Owned> owned;
    /** The owned event sources by name (globs such as {@code relecloud.*}), with their owner. */
    private final List<Owned> sources;

    private Ownership(List<Owned> owned) {
        this(owned, List.of());
    }

    private Ownership(List<Owned> owned, List<Owned> sources) {
        this.owned = List.copyOf(owned);
        this.sources = List.copyOf(sources);
    }

    /** What {@code extensions} own, as ARNs of {@code region} and {@code account}. */
    public static Ownership of(List<Extension> extensions, String region, String account) {
        List<Owned> all = new ArrayList<>();
        List<Owned> sources = new ArrayList<>();
        String states = "arn:aws:states:" + region + ":" + account + ":";
        String events = "arn:aws:events:" + region + ":" + account + ":";
        for (Extension x : extensions) {
            String owner = x.getClass().getSimpleName();
            Extension.Machinery m = x.machinery();
            m.stateMachines().forEach(n -> all.add(new Owned(owner, states + "stateMachine:" + n)));
            m.activities().forEach(n -> all.add(new Owned(owner, states + "activity:" + n)));
            m.rules().forEach(n -> {
                all.add(new Owned(owner, events + "rule/" + n));
                all.add(new Owned(owner, events + "rule/*/" + n));
            });
            m.eventSources().forEach(n -> {
                all.add(new Owned(owner, eventSource(region, account, n)));
                sources.add(new Owned(owner, n));
            });
            m.taskResources().forEach(arn -> all.add(new Owned(owner, arn)));
        }
        return new Ownership(all, sources);
    }

    /**
     * The owned event sources (as names, with their owners) that an event pattern's {@code source}
     * field could let through: all of them when the pattern says nothing of the source or uses a
     * matcher this cannot bound ({@code anything-but}, {@code wildcard}, {@code exists}…); else those
     * an exact name or a {@code prefix} could reach. A pattern that is not JSON reaches none (the
     * bus refuses it).
     */
    public List<String> sourcesReachedBy(String eventPattern) {
        if (sources.isEmpty() || eventPattern == null) {
            return List.of();
        }
        com.fasterxml.jackson.databind.JsonNode pattern;
        try {
            pattern = dev.setlist.server.http.Json.MAPPER.readTree(eventPattern);
        } catch (java.io.IOException e) {
            return List.of();
        }
        if (pattern == null || !pattern.isObject()) {
            return List.of();
        }
        com.fasterxml.jackson.databind.JsonNode source = pattern.get("source");
        List<String> reached = new ArrayList<>();
        for (Owned s : sources) {
            if (source == null || !source.isArray() || reaches(source, s.pattern())) {
                reached.add(s.pattern());
            }
        }
        return reached;
    }

    private static boolean reaches(com.fasterxml.jackson.databind.JsonNode values, String ownedGlob) {
        String literal = ownedGlob.contains("*") ? ownedGlob.substring(0, ownedGlob.indexOf('*')) : ownedGlob;
        for (com.fasterxml.jackson.databind.JsonNode v : values) {
            if (v.isTextual()) {
                if (Policy.glob(ownedGlob, v.textValue())) {
                    return true;
                }
            } else if (v.isObject() && v.size() == 1 && v.has("prefix") && v.get("prefix").isTextual()) {
                String p = v.get("prefix").textValue();
                if (p.startsWith(literal) || literal.startsWith(p)) {
                    return true;
                }
            } else if (!v.isNull() && !v.isNumber() && !v.isBoolean()) {
                return true; // anything-but, wildcard, exists, suffix…: could be any source
            }
        }
        return false;
    }

    /** The resource a {@code PutEvents} entry of {@code source} acts on, for grants: {@code arn:aws:events:…:event-source/<source>}. */
    public static String eventSource(String region, String account, String source) {
        return "arn:aws:events:" + region + ":" + account + ":event-source/" + source;
    }

    /**
     * The workload that owns {@code arn}, or null. A qualified state machine ARN (version, alias),
     * an execution's, an Express execution's and a Map Run's belong to their state machine.
     */
    public String ownerOf(String arn) {
        if (arn == null || owned.isEmpty()) {
            return null;
        }
        arn = unqualified(arn);
        for (Owned o : owned) {
            if (Policy.glob(o.pattern(), arn)) {
                return o.owner();
            }
        }
        return null;
    }

    /** {@code arn:aws:states:r:a:stateMachine:name} for any ARN that belongs to that state machine; other ARNs as they are. */
    static String unqualified(String arn) {
        String[] p = arn.split(":", -1);
        if (p.length < 7 || !p[0].equals("arn") || !p[2].equals("states")) {
            return arn;
        }
        return switch (p[5]) {
            case "stateMachine", "execution", "express", "mapRun" -> String.join(":", p[0], p[1], p[2], p[3], p[4])
                    + ":stateMachine:" + p[6].split("/", 2)[0];
            default -> arn;
        };
    }

    /**
     * What executions may reach from their Task states: a workload's state machine (as a child
     * execution) or activity only from a state machine of the same workload. Executions carry no
     * caller whose grants could name it, so a state machine anyone may create cannot start the
     * workload's machinery on their behalf.
     */
    public dev.setlist.engine.ResourcePolicy resourcePolicy() {
        return (stateMachineArn, resourceArn) -> {
            String owner = ownerOf(resourceArn);
            if (owner == null || owner.equals(ownerOf(stateMachineArn))) {
                return null;
            }
            return "The state machine " + stateMachineArn + " may not use " + resourceArn + ": it belongs to the"
                    + " workload " + owner + ", whose own state machines alone may use it";
        };
    }

    /**
     * Which events rules may forward onto a bus: an event in a workload's source's name only by
     * the workload's own rules. Whoever may create a rule could otherwise put any event through
     * it (its target's input is the forwarded event) that {@code PutEvents} refuses them.
     */
    public dev.setlist.events.ForwardPolicy forwardPolicy(String region, String account) {
        return (ruleArn, source) -> {
            String owner = ownerOf(eventSource(region, account, source));
            if (owner == null || owner.equals(ownerOf(ruleArn))) {
                return null;
            }
            return "The rule " + ruleArn + " may not forward an event of the source " + source + ": it belongs to the"
                    + " workload " + owner + ", whose own rules alone may forward its events";
        };
    }

    /**
     * Refuses {@code action} on {@code arn} when a workload owns it and no grant of the caller names
     * it explicitly; {@code reads} are the actions that only look.
     */
    public void check(Principal caller, String action, String arn, Set<String> reads) {
        String owner = ownerOf(arn);
        if (owner == null || reads.contains(action.substring(action.indexOf(':') + 1))) {
            return;
        }
        if (!Policy.allowsExplicitly(caller.grants(), action, unqualified(arn))) {
            throw ApiException.accessDenied("User: " + caller.user() + " is not authorized to perform: " + action
                    + " on resource: " + arn + " because it belongs to the workload " + owner
                    + "; only a grant naming it explicitly allows that");
        }
    }
}
