package dev.setlist.server;

import io.javalin.config.RoutesConfig;
import java.util.List;
import java.util.Map;

/**
 * A workload built on the server: it gets the started engine, bus and stores before the server
 * listens, adds its own routes beside the server's, may bring roles of its own and its flow
 * catalog, and is stopped before the engine. Relecloud is one.
 */
public interface Extension {

    /** Roles this workload adds to the built-in ones: name to action patterns ({@code relecloud:Buy*}). */
    default Map<String, List<String>> roles() {
        return Map.of();
    }

    /**
     * The flow catalog ({@code flows.yaml} text) the server holds to its targets when its
     * configuration names none; null for none.
     */
    default String flowsYaml() {
        return null;
    }

    /**
     * Called once the engine, the event bus and the server's stores are open and before routes are
     * bound: create state machines, rules, tables, start workers.
     */
    default void start(SetlistServer server) {}

    /** Adds this workload's routes; called while the HTTP server is configured. */
    default void routes(RoutesConfig routes, SetlistServer server) {}

    /**
     * The state machines, activities, rules and event sources this workload owns (names; {@code *}
     * matches any run of characters). The generic Step Functions and EventBridge APIs refuse to
     * drive them (start, stop, redrive, send task results, change, delete, target, publish as
     * their source) unless one of the caller's grants names them explicitly; the built-in roles
     * do not. Reading them stays open to whoever may read.
     */
    default Machinery machinery() {
        return Machinery.NONE;
    }

    /**
     * What a workload owns, by name: {@link #machinery()}. {@code taskResources} are the Task
     * {@code Resource} ARNs its own handlers answer ({@code arn:aws:states:::relecloud:*}): only its
     * own state machines may call them.
     */
    record Machinery(List<String> stateMachines, List<String> activities, List<String> rules, List<String> eventSources,
                     List<String> taskResources) {
        public static final Machinery NONE = new Machinery(List.of(), List.of(), List.of(), List.of(), List.of());

        public Machinery {
            stateMachines = List.copyOf(stateMachines);
            activities = List.copyOf(activities);
            rules = List.copyOf(rules);
            eventSources = List.copyOf(eventSources);
            taskResources = List.copyOf(taskResources);
        }

        /** A workload without task resources of its own. */
        public Machinery(List<String> stateMachines, List<String> activities, List<String> rules,
                         List<String> eventSources) {
            this(stateMachines, activities, rules, eventSources, List.of());
        }
    }

    /** Stops what {@link #start} started; called before the engine stops. */
    default void stop() {}

    /**
     * Entries this workload adds to the console's navigation, after the server's own. Each is shown
     * only to callers whose grants allow its {@code action} (null: to everyone signed in).
     */
    default List<ConsoleLink> consoleLinks() {
        return List.of();
    }

    /**
     * The console pages this workload brings: the classpath directory {@code classpathDirectory}
     * is served under {@code /console/<name>/} with the console's own headers, so its pages can
     * load {@code /console/console.css} and import {@code /console/app.js}. Null for none.
     */
    default ConsolePages consolePages() {
        return null;
    }

    /** A navigation entry: its label, the path it opens ({@code /console/relecloud/concerts.html}) and the action it needs. */
    record ConsoleLink(String label, String path, String action) {
        public ConsoleLink {
            java.util.Objects.requireNonNull(label, "label");
            if (path == null || !path.startsWith("/console/")) {
                throw new IllegalArgumentException("A console link's path starts with /console/, was " + path);
            }
        }
    }

    /** A directory of static pages on the classpath ({@code relecloud/console}) served under {@code /console/<name>/}. */
    record ConsolePages(String name, String classpathDirectory) {
        public ConsolePages {
            if (name == null || !name.matches("[a-z][a-z0-9-]{0,31}")) {
                throw new IllegalArgumentException("A console directory name is lower-case letters, digits and '-', was "
                        + name);
            }
            java.util.Objects.requireNonNull(classpathDirectory, "classpathDirectory");
        }
    }
}
