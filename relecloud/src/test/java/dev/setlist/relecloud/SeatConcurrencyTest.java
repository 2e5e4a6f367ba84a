package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.asl.StatesException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Many threads hammering one concert: never a seat sold twice or more seats than its capacity,
 * and never two purchases for one idempotency key — on H2 and on PostgreSQL.
 */
class SeatConcurrencyTest {

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnH2 extends Cases {
        @BeforeAll
        void start() {
            h = new Harness();
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnPostgres extends Cases {
        @BeforeAll
        void start() {
            String db = "relecloud_test_" + ProcessHandle.current().pid(); // other builds may share the server
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
                 Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
                s.execute("CREATE DATABASE " + db);
            } catch (SQLException e) {
                throw new IllegalStateException("PostgreSQL must run on 127.0.0.1:5432 for this test: " + e.getMessage(), e);
            }
            h = new Harness("jdbc:postgresql://127.0.0.1:5432/" + db);
        }
    }

    abstract static class Cases {
        Harness h;

        @AfterAll
        void stop() {
            h.close();
        }

        @Test
        void holdsFromManyThreads_neverOversell_andReleasesGiveBackExactlyOnce() throws Exception {
            int capacity = 60;
            long concert = h.concert("Hammered", "Rock", capacity, 1000, 30);
            Store store = h.relecloud.store();
            ExecutorService pool = Executors.newFixedThreadPool(24);
            AtomicInteger sold = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            Set<String> ticketNumbers = ConcurrentHashMap.newKeySet();
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 24; t++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 12; i++) {
                        String purchase = UUID.randomUUID().toString().substring(0, 12);
                        int quantity = ThreadLocalRandom.current().nextInt(1, 4);
                        try {
                            store.hold(purchase, List.of(new Store.Item(concert, quantity, 1000)), Duration.ofMinutes(5));
                        } catch (StatesException e) {
                            assertThat(e.error()).isEqualTo(Store.SOLD_OUT);
                            refused.incrementAndGet();
                            continue;
                        }
                        if (ThreadLocalRandom.current().nextInt(4) == 0) {
                            assertThat(store.release(purchase)).isEqualTo(quantity);
                            assertThat(store.release(purchase)).isZero();
                        } else {
                            store.issueSeats(purchase, 1).forEach(x -> ticketNumbers.add(x.number()));
                            assertThat(store.issueSeats(purchase, 1)).hasSize(quantity);
                            sold.addAndGet(quantity);
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : futures) {
                f.get();
            }
            pool.shutdown();
            Concert after = store.concert(concert);
            assertThat(refused.get()).as("the concert sold out").isPositive();
            assertThat(after.seatsLeft()).isGreaterThanOrEqualTo(0);
            assertThat(sold.get() + after.seatsLeft()).isEqualTo(capacity);
            assertThat(ticketNumbers).hasSize(sold.get());
            assertThat(store.checkSeats()).isEmpty();
        }

        @Test
        void manyAgentsBuyingTheLastSeats_overHttp_getExactlyTheCapacity_andOneKeyBuysOnce() throws Exception {
            long concert = h.concert("Last Seats", "Pop", 8, 1000, 31);
            Harness.User agent = h.login("ana");
            long customer = agent.post("/api/relecloud/customers", "{\"email\":\"crowd@example.com\",\"name\":\"Crowd\"}")
                    .json().path("id").asLong();
            String cart = "{\"customerId\":" + customer + ",\"items\":[{\"concertId\":" + concert + ",\"quantity\":1}]}";
            ExecutorService pool = Executors.newFixedThreadPool(16);
            String sharedKey = "shared-" + UUID.randomUUID();
            List<Future<Harness.Response>> same = new ArrayList<>();
            List<Future<Harness.Response>> distinct = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                same.add(pool.submit(() -> agent.post("/api/relecloud/purchases?wait=20", cart,
                        Map.of("Idempotency-Key", sharedKey))));
            }
            for (int i = 0; i < 20; i++) {
                distinct.add(pool.submit(() -> agent.post("/api/relecloud/purchases?wait=20", cart,
                        Map.of("Idempotency-Key", "k-" + UUID.randomUUID()))));
            }
            Set<String> sharedIds = ConcurrentHashMap.newKeySet();
            for (Future<Harness.Response> f : same) {
                Harness.Response r = f.get();
                assertThat(r.status()).isIn(200, 201);
                sharedIds.add(r.json().path("purchaseId").asText());
            }
            assertThat(sharedIds).as("one purchase per idempotency key").hasSize(1);
            int succeeded = 0;
            int soldOut = 0;
            List<String> ids = new ArrayList<>(sharedIds);
            for (Future<Harness.Response> f : distinct) {
                ids.add(f.get().json().path("purchaseId").asText());
            }
            pool.shutdown();
            for (String id : ids) {
                var p = Harness.eventually(() -> h.relecloud.store().purchase(id), x -> !x.status().equals("RUNNING"));
                if (p.status().equals("SUCCEEDED")) {
                    succeeded++;
                } else {
                    assertThat(p.error()).isEqualTo(Store.SOLD_OUT);
                    soldOut++;
                }
            }
            assertThat(succeeded).isEqualTo(8);
            assertThat(soldOut).isEqualTo(ids.size() - 8);
            assertThat(h.relecloud.store().concert(concert).seatsLeft()).isZero();
            assertThat(h.relecloud.store().checkSeats()).isEmpty();
        }
    }
}
