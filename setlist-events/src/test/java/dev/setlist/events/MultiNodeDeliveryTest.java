package dev.setlist.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.setlist.engine.Engine;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Two nodes on one PostgreSQL share the outbox: every event is delivered, none twice. */
class MultiNodeDeliveryTest {
    static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
    static final ObjectMapper JSON = new ObjectMapper();
    /** A name of this test JVM's own: builds of other work trees may share the server. */
    static final String DB = "setlist_events_multinode_" + ProcessHandle.current().pid();

    @Test
    void twoNodes_shareDeliveries_eachEventDeliveredOnce() throws Exception {
        try (Connection c = DriverManager.getConnection(SERVER + "postgres", "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + DB);
        }
        Map<Integer, AtomicInteger> seen = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> byNode = new ConcurrentHashMap<>();
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int i = JSON.readTree(body).path("i").asInt();
            seen.computeIfAbsent(i, k -> new AtomicInteger()).incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        http.start();
        String url = SERVER + DB;
        List<Engine> engines = new ArrayList<>();
        List<EventBus> buses = new ArrayList<>();
        try {
            for (int n = 0; n < 2; n++) {
                Engine engine = Engine.builder().database(url, "postgres", "").nodeId("node-" + n).build();
                engines.add(engine);
                String node = "node-" + n;
                buses.add(EventBus.builder(engine).nodeId("events-" + n).poll(Duration.ofMillis(50))
                        .sender((arn, payload, trace) -> {
                            byNode.computeIfAbsent(node, k -> new AtomicInteger()).incrementAndGet();
                            new dev.setlist.events.internal.HttpTargetSender(Duration.ofSeconds(5)).send(arn, payload, trace);
                        }).build());
            }
            buses.get(0).putRule("hook", null, "{\"source\": [\"load\"]}", null, null, null);
            buses.get(0).putTargets("hook", null, List.of(new Target("h",
                    "http://127.0.0.1:" + http.getAddress().getPort() + "/hook", null, "$.detail", null, null)));
            Thread.sleep(1200); // the other node sees the new rule within a second
            for (int i = 0; i < 300; i++) {
                buses.get(i % 2).putEvents(List.of(PutEntry.of("load", "Tick", "{\"i\": " + i + "}")));
            }
            for (int t = 0; t < 400 && seen.size() < 300; t++) {
                Thread.sleep(25);
            }
            Thread.sleep(300);
            assertThat(seen).hasSize(300);
            assertThat(seen.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
            assertThat(byNode).containsKeys("node-0", "node-1");
        } finally {
            buses.forEach(EventBus::close);
            engines.forEach(Engine::close);
            http.stop(0);
        }
    }
}
