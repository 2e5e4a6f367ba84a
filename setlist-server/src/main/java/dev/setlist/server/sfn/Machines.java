package dev.setlist.server.sfn;

import dev.setlist.asl.Clock;
import dev.setlist.engine.Engine;
import dev.setlist.engine.StateMachineInfo;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * State machines as executions start them, remembered for a second so that a busy state machine
 * is not read from the database for every start. A change made through this node is seen at once
 * ({@link #forget}); one made on another node within the second, as Step Functions documents for
 * its own API, may not be seen by starts in that second. Thread safe.
 */
final class Machines {
    private static final long TTL_MILLIS = 1_000;
    private static final int MAX = 10_000;

    private record Entry(StateMachineInfo info, long until) {}

    private final Engine engine;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    Machines(Engine engine, Clock clock) {
        this.engine = engine;
        this.clock = clock;
    }

    /** The state machine at {@code arn} (unqualified); {@code StateMachineDoesNotExist} when there is none. */
    StateMachineInfo get(String arn) {
        long now = clock.now().toEpochMilli();
        Entry e = entries.get(arn);
        if (e != null && e.until > now) {
            return e.info;
        }
        StateMachineInfo info = engine.describeStateMachine(arn);
        if (entries.size() >= MAX) {
            entries.clear();
        }
        entries.put(arn, new Entry(info, now + TTL_MILLIS));
        return info;
    }

    void forget(String arn) {
        entries.remove(arn);
    }
}
