package dev.setlist.events.crash;

import dev.setlist.engine.Engine;
import dev.setlist.events.EventBus;
import dev.setlist.events.PutEntry;
import dev.setlist.events.Target;
import java.time.Duration;
import java.util.List;

/**
 * A node of the bus crash test, run in a child JVM: opens the database, makes sure the rule and
 * its HTTP target exist, publishes {@code count} events (printing {@code ACK i} once PutEvents
 * answered for event i), then keeps delivering until it is killed or its input closes.
 */
public final class BusNode {
    private BusNode() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String target = args[1];
        int from = Integer.parseInt(args[2]);
        int count = Integer.parseInt(args[3]);
        String node = args[4];
        Engine engine = Engine.builder().database(url, "sa", "").nodeId(node).lease(Duration.ofSeconds(1)).build();
        EventBus bus = EventBus.builder(engine).nodeId(node).lease(Duration.ofSeconds(1)).poll(Duration.ofMillis(50))
                .backoff(Duration.ofMillis(50), Duration.ofMillis(300)).build();
        bus.putRule("crash", null, "{\"source\": [\"crash.test\"]}", null, null, null);
        bus.putTargets("crash", null, List.of(new Target("http", target, null, "$.detail", null, null)));
        System.out.println("READY");
        for (int i = from; i < from + count; i++) {
            bus.putEvents(List.of(PutEntry.of("crash.test", "Tick", "{\"i\": " + i + "}")));
            System.out.println("ACK " + i);
        }
        System.out.println("PUBLISHED");
        while (System.in.read() >= 0) {
            // keep delivering until the test closes our input
        }
        bus.close();
        engine.close();
    }
}
