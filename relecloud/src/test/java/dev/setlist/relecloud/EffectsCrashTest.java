package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.setlist.engine.StateMachineType;
import dev.setlist.engine.internal.Committer;
import dev.setlist.engine.internal.Write;
import dev.setlist.events.Target;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Purchases while commits fail at every boundary: before a transaction commits (it rolls back, as
 * a crash before the commit leaves it) and after it committed (its writers are told it failed, as
 * a crash right after the commit leaves them: executions resume from what the database holds,
 * tasks run again). Faults hit every transaction of the engine and the bus (steps, starts, the
 * outbox's routing, deliveries), and most of the steps that stage an event. Once the faults stop
 * and everything settled: every succeeded purchase has exactly one {@code TicketsPurchased}
 * (archived) and one {@code render-tickets} execution, every status change of a purchase's
 * execution reached a rule's target exactly once, and no purchase is PENDING without an execution.
 */
class EffectsCrashTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PURCHASES = 12;

    @AfterEach
    void noFaults() {
        Committer.faults = null;
    }

    @Test
    void h2() throws Exception {
        try (Harness h = new Harness()) {
            purchasesUnderFaults(h);
        }
    }

    @Test
    void postgres() throws Exception {
        String db = "relecloud_effects_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        } catch (SQLException e) {
            Assumptions.abort("no PostgreSQL at 127.0.0.1:5432: " + e.getMessage());
        }
        try (Harness h = new Harness("jdbc:postgresql://127.0.0.1:5432/" + db)) {
            purchasesUnderFaults(h);
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
        }
    }

    /**
     * The API recorded a purchase and stopped before starting its execution (a crash between the
     * two commits): the sweeper starts it once the purchase is a few seconds old, and it succeeds.
     */
    @Test
    void purchaseLeftPendingWithoutExecution_isStartedBySweeper() throws Exception {
        try (Harness h = new Harness()) {
            Store store = h.relecloud.store();
            Harness.Response c = h.login("ana").post("/api/relecloud/customers",
                    "{\"email\":\"left@example.com\",\"name\":\"Left Pending\"}");
            long customer = c.json().path("id").asLong();
            long concert = h.concert("Left Behind", "Jazz", 10, 2000, 15);
            JsonNode token = h.relecloud.gateway().tokenize("4242424242424242", "12/99");
            String id = "LEFTPEND01";
            String arn = h.relecloud.purchaseArn().replace(":stateMachine:", ":execution:") + ":" + id;
            store.createPurchase(id, "left-" + UUID.randomUUID(), "hash", customer,
                    List.of(new Store.Item(concert, 2, 2000)), "ana", arn, new Store.Card(token.path("token").asText(),
                            token.path("last4").asText(), token.path("brand").asText()));
            assertThat(store.purchase(id).status()).isEqualTo("PENDING");
            assertThat(strings(h.server.engine().dataSource(), "SELECT status FROM sl_execution WHERE arn = ?", arn))
                    .isEmpty();

            settle(() -> store.purchase(id).status(), "SUCCEEDED"::equals, Duration.ofSeconds(30));
            assertThat(store.purchase(id).status()).isEqualTo("SUCCEEDED");
            assertThat(strings(h.server.engine().dataSource(), "SELECT status FROM sl_execution WHERE arn = ?", arn))
                    .containsExactly("SUCCEEDED");
            assertThat(store.concert(concert).seatsLeft()).isEqualTo(8);
        }
    }

    private static void purchasesUnderFaults(Harness h) throws Exception {
        var engine = h.server.engine();
        var bus = h.server.eventBus();
        String prefix = "arn:aws:states:" + engine.region() + ":" + engine.account() + ":stateMachine:";
        String purchaseArn = prefix + Relecloud.PURCHASE;
        String renderArn = prefix + Relecloud.RENDER;
        // Every status change of a purchase's execution goes to a machine that does nothing: a delivery
        // starts one execution of it (named by the delivery), so counting them counts deliveries.
        String sinkArn = engine.createStateMachine("status-sink", "{\"StartAt\":\"Done\",\"States\":{\"Done\":"
                + "{\"Type\":\"Pass\",\"End\":true}}}", StateMachineType.STANDARD, null, null).arn();
        bus.putRule("purchase-status", null, "{\"source\":[\"aws.states\"],\"detail\":{\"stateMachineArn\":[\""
                + purchaseArn + "\"]}}", null, null, "status changes of purchases");
        bus.putTargets("purchase-status", null, List.of(new Target("sink", sinkArn, null, "$.detail", null, null)));
        bus.createArchive("tickets-purchased", "arn:aws:events:" + engine.region() + ":" + engine.account()
                + ":event-bus/default", "{\"detail-type\":[\"TicketsPurchased\"]}", null, 0);

        Harness.User agent = h.login("ana");
        Harness.Response c = agent.post("/api/relecloud/customers", "{\"email\":\"crash@example.com\",\"name\":\"Cr Ash\"}");
        assertThat(c.status()).isEqualTo(201);
        long customer = c.json().path("id").asLong();
        long concert = h.concert("Crash Night", "Rock", 500, 1000, 20);

        AtomicInteger before = new AtomicInteger();
        AtomicInteger after = new AtomicInteger();
        Committer.faults = new Committer.Faults() {
            @Override
            public void beforeCommit(List<Write> group) {
                if (ThreadLocalRandom.current().nextInt(100) < chance(group)) {
                    before.incrementAndGet();
                    throw new IllegalStateException("injected: the process died before the commit");
                }
            }

            @Override
            public void afterCommit(List<Write> group) {
                if (ThreadLocalRandom.current().nextInt(100) < chance(group)) {
                    after.incrementAndGet();
                    throw new IllegalStateException("injected: the process died right after the commit");
                }
            }

            private int chance(List<Write> group) {
                // Steps that stage an event are the boundary that used to publish twice: hit them hard.
                return group.stream().anyMatch(w -> w.mentions("ev_outbox")) ? 35 : 12;
            }
        };
        List<Thread> buyers = new ArrayList<>();
        List<Integer> answers = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < PURCHASES; i++) {
            String body = "{\"customerId\":" + customer + ",\"items\":[{\"concertId\":" + concert + ",\"quantity\":1}]}";
            buyers.add(Thread.ofVirtual().start(() -> answers.add(agent.post("/api/relecloud/purchases", body,
                    Map.of("Idempotency-Key", "crash-" + UUID.randomUUID())).status())));
        }
        for (Thread t : buyers) {
            t.join(Duration.ofSeconds(60));
        }
        Thread.sleep(3000); // faults while the executions run
        Committer.faults = null;
        assertThat(before.get() + after.get()).as("faults injected").isGreaterThan(0);

        Store store = h.relecloud.store();
        // Every purchase recorded ends (the sweeper starts those whose start was lost).
        List<Store.Purchase> purchases = store.purchasesOf(customer, 100);
        assertThat(purchases).as("purchases recorded (answers %s)", answers).isNotEmpty();
        settle(() -> store.purchasesOf(customer, 100), ps -> ps.stream().allMatch(p -> p.status().equals("SUCCEEDED")
                || p.status().equals("FAILED")), Duration.ofSeconds(90));
        purchases = store.purchasesOf(customer, 100);
        assertThat(purchases).allSatisfy(p -> assertThat(p.status()).as(p.id()).isIn("SUCCEEDED", "FAILED"));
        List<Store.Purchase> succeeded = purchases.stream().filter(p -> p.status().equals("SUCCEEDED")).toList();
        assertThat(succeeded).isNotEmpty();

        javax.sql.DataSource ds = engine.dataSource();
        // Each purchase's execution exists and ended, and each of its two status changes (RUNNING,
        // then its end) reached the sink exactly once.
        int expectedSink = 0;
        for (Store.Purchase p : purchases) {
            List<String> st = strings(ds, "SELECT status FROM sl_execution WHERE arn = ?", p.executionArn());
            assertThat(st).as("execution of %s", p.id()).singleElement().isNotEqualTo("RUNNING");
            expectedSink += 2;
        }
        settle(() -> strings(ds, "SELECT status FROM sl_execution WHERE state_machine_arn = ?", sinkArn),
                l -> l.size() >= 2 * executions(ds, purchaseArn) && l.stream().noneMatch("RUNNING"::equals),
                Duration.ofSeconds(60));
        Map<String, Integer> changes = new HashMap<>();
        for (String input : strings(ds, "SELECT input FROM sl_execution WHERE state_machine_arn = ?", sinkArn)) {
            JsonNode d = JSON.readTree(input);
            changes.merge(d.path("executionArn").asText() + " " + d.path("status").asText(), 1, Integer::sum);
        }
        assertThat(changes).as("status changes delivered").allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1));
        int purchaseExecutions = executions(ds, purchaseArn);
        assertThat(changes).hasSize(2 * purchaseExecutions);
        assertThat(purchaseExecutions).isEqualTo(purchases.size());
        assertThat(changes.size()).isEqualTo(expectedSink);

        // Exactly one TicketsPurchased and one render-tickets execution per succeeded purchase.
        settle(() -> strings(ds, "SELECT input FROM sl_execution WHERE state_machine_arn = ?", renderArn),
                l -> l.size() >= succeeded.size(), Duration.ofSeconds(30));
        Thread.sleep(1500); // a duplicate, if any, would have time to show
        Map<String, Integer> renders = new HashMap<>();
        for (String input : strings(ds, "SELECT input FROM sl_execution WHERE state_machine_arn = ?", renderArn)) {
            renders.merge(JSON.readTree(input).path("purchaseId").asText(), 1, Integer::sum);
        }
        Map<String, Integer> archived = new HashMap<>();
        for (String body : strings(ds, "SELECT body FROM ev_archived_event WHERE archive = ?", "tickets-purchased")) {
            archived.merge(JSON.readTree(body).path("detail").path("purchaseId").asText(), 1, Integer::sum);
        }
        for (Store.Purchase p : succeeded) {
            assertThat(renders.get(p.id())).as("render-tickets executions of %s", p.id()).isEqualTo(1);
            assertThat(archived.get(p.id())).as("TicketsPurchased of %s", p.id()).isEqualTo(1);
        }
        assertThat(renders).hasSize(succeeded.size());
        assertThat(archived).hasSize(succeeded.size());
        // Executions still ending (render-tickets, the sink's) stage status changes until the end.
        settle(() -> strings(ds, "SELECT id FROM ev_outbox"), List::isEmpty, Duration.ofSeconds(20));
        assertThat(strings(ds, "SELECT id FROM ev_outbox")).as("outbox drained").isEmpty();
        // Nothing PENDING without an execution.
        for (String id : strings(ds, "SELECT id FROM relecloud_purchase WHERE status = 'PENDING'")) {
            assertThat(strings(ds, "SELECT status FROM sl_execution WHERE name = ? AND state_machine_arn = ?", id,
                    purchaseArn)).as("execution of pending %s", id).isNotEmpty();
        }
        System.out.printf("effects crash test: %d purchases (%d succeeded), %d faults before and %d after commits%n",
                purchases.size(), succeeded.size(), before.get(), after.get());
    }

    private static int executions(javax.sql.DataSource ds, String purchaseArn) {
        return strings(ds, "SELECT status FROM sl_execution WHERE state_machine_arn = ?", purchaseArn).size();
    }

    private static List<String> strings(javax.sql.DataSource ds, String sql, Object... params) {
        try (Connection c = ds.getConnection(); var ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> void settle(java.util.function.Supplier<T> get, Predicate<T> done, Duration max)
            throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            if (done.test(get.get())) {
                return;
            }
            Thread.sleep(200);
        }
    }
}
