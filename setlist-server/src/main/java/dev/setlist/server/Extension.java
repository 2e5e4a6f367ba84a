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

    /** Stops what {@link #start} started; called before the engine stops. */
    default void stop() {}
}
