package dev.setlist.server.auth;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which role may do what. A role is a list of action patterns ({@code states:Describe*},
 * {@code setlist:*}); a user holds grants, each a role on the resources matching a pattern
 * ({@code *}, or {@code arn:aws:states:*:*:stateMachine:orders-*}). A call is allowed when one
 * grant's role matches the action and its pattern matches the call's resource. Calls without a
 * single resource (listings, creating activities, callbacks by task token) are account-wide:
 * any grant whose role matches the action allows them. Immutable and thread safe.
 */
public final class Policy {
    public static final String ADMINISTRATOR = "administrator";
    public static final String DEVELOPER = "developer";
    public static final String OPERATOR = "operator";
    public static final String VIEWER = "viewer";

    private static final List<String> READ = List.of("states:Describe*", "states:List*", "states:GetExecutionHistory",
            "states:ValidateStateMachineDefinition", "events:Describe*", "events:List*", "events:TestEventPattern", "setlist:ReadFlows", "setlist:ReadTelemetry", "setlist:ReadGuard");

    /** The built-in roles, from most to least powerful. */
    private static final Map<String, List<String>> BUILT_IN;

    /** Every role: the built-in ones, then those workloads defined (copy on write). */
    private static volatile Map<String, List<String>> roles;

    static {
        Map<String, List<String>> roles = new LinkedHashMap<>();
        roles.put(ADMINISTRATOR, List.of("*"));
        roles.put(DEVELOPER, List.of("states:*", "events:*", "setlist:ReadFlows", "setlist:ReadTelemetry", "setlist:ReadGuard",
                "setlist:AcknowledgeIncident"));
        roles.put(OPERATOR, concat(READ, List.of("states:StartExecution", "states:StartSyncExecution",
                "states:StopExecution", "states:RedriveExecution", "states:SendTask*", "states:GetActivityTask",
                "states:UpdateMapRun", "events:PutEvents", "setlist:AcknowledgeIncident", "setlist:ManageGuard")));
        roles.put(VIEWER, READ);
        BUILT_IN = java.util.Collections.unmodifiableMap(roles);
        Policy.roles = BUILT_IN;
    }

    /**
     * Adds a workload's role (or replaces one a workload defined before). A built-in role is
     * extended instead: the actions are added to its own (a workload's levers for operators), and
     * none of its own is taken away.
     */
    public static synchronized void define(String role, List<String> actions) {
        if (BUILT_IN.containsKey(role)) {
            java.util.LinkedHashSet<String> merged = new java.util.LinkedHashSet<>(roles.get(role));
            merged.addAll(actions);
            if (merged.size() == roles.get(role).size()) {
                return;
            }
            Map<String, List<String>> next = new LinkedHashMap<>(roles);
            next.put(role, List.copyOf(merged));
            roles = java.util.Collections.unmodifiableMap(next);
            return;
        }
        if (role == null || !role.matches("[a-z][a-z0-9-]{0,63}")) {
            throw new IllegalArgumentException("A role name is lower-case letters, digits and '-': " + role);
        }
        Map<String, List<String>> next = new LinkedHashMap<>(roles);
        next.put(role, List.copyOf(actions));
        roles = java.util.Collections.unmodifiableMap(next);
    }

    /** Every role with its action patterns, the built-in ones first. */
    public static Map<String, List<String>> all() {
        return roles;
    }

    private Policy() {}

    private static List<String> concat(List<String> a, List<String> b) {
        var all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    public static boolean isRole(String role) {
        return roles.containsKey(role);
    }

    public static Set<String> roles() {
        return roles.keySet();
    }

    /** A role held on the resources matching {@code resources}. */
    public record Grant(String role, String resources) {}

    /**
     * True when one of the grants allows {@code action} ({@code service:Name}) on {@code resource}
     * (null for an account-wide call).
     */
    public static boolean allows(List<Grant> grants, String action, String resource) {
        for (Grant g : grants) {
            List<String> actions = roles.get(g.role());
            if (actions == null || actions.stream().noneMatch(p -> glob(p, action))) {
                continue;
            }
            if (resource == null || glob(g.resources(), resource)) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when one of the grants allows {@code action} on {@code resource} and its resource
     * pattern names the resource explicitly: its last segment (after the last {@code :} or
     * {@code /}) starts with the name, not with {@code *}. {@code *},
     * {@code arn:aws:states:*:*:stateMachine:*}, {@code ...:stateMachine:*-*} and
     * {@code ...:stateMachine:*ticket} do not name anything; {@code
     * arn:aws:states:*:*:stateMachine:purchase-ticket} and {@code ...:stateMachine:purchase-*} do.
     * A workload's own machinery needs such a grant.
     */
    public static boolean allowsExplicitly(List<Grant> grants, String action, String resource) {
        for (Grant g : grants) {
            List<String> actions = roles.get(g.role());
            if (actions == null || actions.stream().noneMatch(p -> glob(p, action))) {
                continue;
            }
            String pattern = g.resources();
            String last = pattern.substring(Math.max(pattern.lastIndexOf(':'), pattern.lastIndexOf('/')) + 1);
            if (!last.isEmpty() && last.charAt(0) != '*' && glob(pattern, resource)) {
                return true;
            }
        }
        return false;
    }

    /** {@code *} matches any run of characters; everything else matches itself. */
    static boolean glob(String pattern, String value) {
        if (pattern.equals("*")) {
            return true;
        }
        if (pattern.indexOf('*') < 0) {
            return pattern.equals(value);
        }
        return COMPILED.computeIfAbsent(pattern, Policy::compile).matcher(value).matches();
    }

    private static final java.util.Map<String, Pattern> COMPILED = new java.util.concurrent.ConcurrentHashMap<>();

    private static Pattern compile(String glob) {
        if (COMPILED.size() > 10_000) {
            COMPILED.clear();
        }
        StringBuilder re = new StringBuilder();
        for (String part : glob.split("\\*", -1)) {
            if (!re.isEmpty()) {
                re.append(".*");
            }
            re.append(Pattern.quote(part));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
