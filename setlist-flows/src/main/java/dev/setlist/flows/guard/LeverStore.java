package dev.setlist.flows.guard;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where levers live so that every node of a deployment sees them: a version that changes with
 * every save (polled often, so it must be cheap), every flow's levers, and a save that also
 * records who changed what and why. The server keeps them in its database; {@link #memory()}
 * serves a single process and tests.
 */
public interface LeverStore {

    /** Changes whenever a save commits. */
    long version();

    /** The levers of every flow that has any. */
    Map<String, Levers> load();

    /**
     * Stores {@code levers} for {@code flow} and records the change ({@code action} such as
     * {@code SetGuardLevers}, with {@code details} as JSON) for the audit log, atomically.
     */
    void save(String flow, Levers levers, String action, String details);

    /** Levers of this process only. */
    static LeverStore memory() {
        return new LeverStore() {
            private final Map<String, Levers> levers = new ConcurrentHashMap<>();
            private final AtomicLong version = new AtomicLong();

            @Override
            public long version() {
                return version.get();
            }

            @Override
            public Map<String, Levers> load() {
                return Map.copyOf(levers);
            }

            @Override
            public void save(String flow, Levers l, String action, String details) {
                levers.put(flow, l);
                version.incrementAndGet();
            }
        };
    }
}
