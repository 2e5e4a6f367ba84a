package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.events.PutEntry;
import dev.setlist.server.http.Json;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Relecloud's state machines are its own, and their task handlers never trust their input: an
 * execution started by hand (or by a forged event) with a made-up purchase, concert request or
 * ticket fails with a clear error and changes nothing; one naming another execution's purchase
 * cannot touch it. The executions are started on the engine itself, below any gate, so that what
 * is tested is the handlers' own check.
 */
class TrustBoundaryTest {
    static Harness h;
    static Harness.User agent;
    static long customerId;

    @BeforeAll
    static void start() {
        h = new Harness();
        agent = h.login("ana");
        customerId = agent.post("/api/relecloud/customers", "{\"email\":\"vera@example.com\",\"name\":\"Vera\"}").json()
                .path("id").asLong();
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static String arn(String machine) {
        return h.relecloud.purchaseArn().replace(":" + Relecloud.PURCHASE, ":" + machine);
    }

    private static ExecutionInfo run(String machine, String input) {
        ExecutionInfo started = h.server.engine().startExecution(arn(machine), "forged-" + UUID.randomUUID(), input, null);
        ExecutionInfo done = h.server.engine().awaitExecution(started.arn(), Duration.ofSeconds(30));
        assertThat(done.status().name()).as("the forged execution ended").isEqualTo("FAILED");
        return done;
    }

    private static JsonNode buy(long concert, int quantity) {
        Harness.Response r = agent.post("/api/relecloud/purchases?wait=20", "{\"customerId\":" + customerId
                + ",\"items\":[{\"concertId\":" + concert + ",\"quantity\":" + quantity + "}]}",
                Map.of("Idempotency-Key", "key-" + UUID.randomUUID()));
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().path("status").asText()).isEqualTo("SUCCEEDED");
        return r.json();
    }

    @Test
    void forgedPurchaseStart_issuesNothing_andChargesNothing() {
        long concert = h.concert("Forged Cheap Seats", "Rock", 10, 5000, 20);
        int authorizations = h.gateway.authorizations().size();
        String forged = "{\"purchaseId\":\"FORGED0001\",\"customerId\":" + customerId + ",\"amountCents\":1,"
                + "\"items\":[{\"concertId\":" + concert + ",\"quantity\":10,\"priceCents\":0}]}";

        ExecutionInfo done = run(Relecloud.PURCHASE, forged);

        assertThat(done.error()).isEqualTo("Purchase.NotFound");
        assertThat(done.cause()).contains("FORGED0001");
        assertThat(h.relecloud.store().concert(concert).seatsLeft()).isEqualTo(10);
        assertThat(h.relecloud.store().ticketsOfPurchase("FORGED0001")).isEmpty();
        assertThat(h.relecloud.store().purchase("FORGED0001")).isNull();
        assertThat(h.gateway.authorizations()).hasSize(authorizations);
        var history = h.server.engine().getExecutionHistory(done.arn(), 1000, false, null, false).items();
        assertThat(history.stream().filter(e -> e.type().equals("TaskScheduled")).count())
                .as("refused at the first step, with no compensation run").isEqualTo(1);
        assertThat(h.relecloud.store().checkSeats()).isEmpty();
    }

    @Test
    void forgedExecutionNamingAnotherPurchase_cannotReleaseItsSeats_norTouchItsPayment() {
        long concert = h.concert("Forged Refund", "Jazz", 10, 3000, 21);
        JsonNode victim = buy(concert, 2);
        String id = victim.path("purchaseId").asText();
        // A declined card and a bigger cart: the authorization would fail and compensate, releasing the seats.
        String forged = "{\"purchaseId\":\"" + id + "\",\"customerId\":" + customerId + ",\"amountCents\":6000,"
                + "\"card\":\"4000000000000002\",\"items\":[{\"concertId\":" + concert + ",\"quantity\":2,"
                + "\"priceCents\":3000}]}";

        ExecutionInfo done = run(Relecloud.PURCHASE, forged);

        assertThat(done.error()).isEqualTo("Purchase.WrongExecution");
        assertVictimUntouched(id, concert);

        // Every step of the purchase, invoked as a forged execution would, refuses and changes nothing.
        for (String step : List.of("reserveSeats", "authorizePayment", "issueTickets", "capturePayment",
                "completePurchase", "cancelTickets", "voidPayment", "releaseSeats", "failPurchase")) {
            JsonNode input = Json.object().put("purchaseId", id).set("error", Json.object().put("Error", "X")
                    .put("Cause", "forged"));
            String forgedArn = h.relecloud.purchaseArn().replace(":stateMachine:", ":execution:") + ":forged-" + step;
            assertThatThrownBy(() -> invoke(step, input, forgedArn)).as(step).isInstanceOf(StatesException.class)
                    .satisfies(e -> assertThat(((StatesException) e).error()).as(step)
                            .isEqualTo("Purchase.WrongExecution"));
            assertThatThrownBy(() -> invoke(step, Json.object().put("purchaseId", "NOSUCH0001"), forgedArn))
                    .as(step).isInstanceOf(StatesException.class)
                    .satisfies(e -> assertThat(((StatesException) e).error()).as(step).isEqualTo("Purchase.NotFound"));
        }
        assertVictimUntouched(id, concert);

        // Its own execution, invoked again after the purchase succeeded, cannot compensate it either.
        String own = victim.path("executionArn").asText();
        for (String step : List.of("cancelTickets", "voidPayment", "releaseSeats", "failPurchase")) {
            assertThatThrownBy(() -> invoke(step, Json.object().put("purchaseId", id), own)).as(step)
                    .isInstanceOf(StatesException.class)
                    .satisfies(e -> assertThat(((StatesException) e).error()).as(step).isEqualTo("Purchase.WrongState"));
        }
        assertVictimUntouched(id, concert);
    }

    private static void assertVictimUntouched(String id, long concert) {
        Store store = h.relecloud.store();
        assertThat(store.purchase(id).status()).isEqualTo("SUCCEEDED");
        assertThat(store.concert(concert).seatsLeft()).isEqualTo(8);
        assertThat(store.ticketsOfPurchase(id)).hasSize(2).allMatch(t -> t.status().equals("ISSUED"));
        assertThat(h.gateway.authorizations()).filteredOn(a -> a.path("reference").asText().equals(id)).singleElement()
                .satisfies(a -> assertThat(a.path("status").asText()).isEqualTo("CAPTURED"));
        assertThat(store.checkSeats()).isEmpty();
    }

    private static JsonNode invoke(String step, JsonNode input, String executionArn) {
        return h.relecloud.tasks().invoke(new TaskInvoker.Request("arn:aws:states:::relecloud:" + step, input,
                executionArn, step, 1, UUID.randomUUID().toString(), null, null, null, null, null));
    }

    @Test
    void forgedCreateConcert_createsNothing_andAForgedEventNamingARealRequestCannotChangeIt() {
        String forged = "{\"requestId\":\"cr-forged0001\",\"requestedBy\":\"pat\",\"concert\":{\"title\":\"Forged Gala\","
                + "\"artist\":\"Nobody\",\"genre\":\"Pop\",\"venue\":\"Nowhere\",\"location\":\"Here\",\"startsAt\":\""
                + h.server.clock().now().plus(Duration.ofDays(30)) + "\",\"priceCents\":0,\"capacity\":100000}}";

        ExecutionInfo done = run(Relecloud.CREATE_CONCERT, forged);

        assertThat(done.error()).isEqualTo("ConcertRequest.NotFound");
        assertThat(h.relecloud.store().concertOfRequest("cr-forged0001")).isNull();
        assertThat(h.relecloud.store().upcoming(h.server.clock().now(), 0, 1000)).noneMatch(c -> c.title()
                .equals("Forged Gala"));

        // A real request, created and done; then a forged ConcertRequested event naming it, with another concert.
        Harness.User planner = h.login("pat");
        Harness.Response asked = planner.post("/api/relecloud/concerts", "{\"title\":\"Real Gala\",\"artist\":\"Someone\","
                + "\"genre\":\"Pop\",\"venue\":\"Town Hall\",\"location\":\"Here\",\"startsAt\":\""
                + h.server.clock().now().plus(Duration.ofDays(40)) + "\",\"priceCents\":2500,\"capacity\":300}");
        assertThat(asked.status()).isEqualTo(202);
        String requestId = asked.json().path("requestId").asText();
        JsonNode real = Harness.eventually(() -> planner.get("/api/relecloud/concert-requests/" + requestId).json(),
                j -> j.path("status").asText().equals("SUCCEEDED"));
        assertThat(real.path("status").asText()).isEqualTo("SUCCEEDED");
        long concertId = real.path("concertId").asLong();
        int failedBefore = failed(Relecloud.CREATE_CONCERT, "ConcertRequest.WrongExecution");
        h.server.eventBus().putEvents(List.of(PutEntry.of(Relecloud.PLANNING, "ConcertRequested", forged
                .replace("cr-forged0001", requestId))));
        assertThat(Harness.eventually(() -> failed(Relecloud.CREATE_CONCERT, "ConcertRequest.WrongExecution"),
                n -> n > failedBefore)).as("the forged event's execution was refused").isEqualTo(failedBefore + 1);
        JsonNode after = planner.get("/api/relecloud/concert-requests/" + requestId).json();
        assertThat(after.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(after.path("concertId").asLong()).isEqualTo(concertId);
        assertThat(h.relecloud.store().concert(concertId).title()).isEqualTo("Real Gala");
        assertThat(h.relecloud.store().upcoming(h.server.clock().now(), 0, 1000)).noneMatch(c -> c.title()
                .equals("Forged Gala"));
    }

    private static int failed(String machine, String error) {
        return (int) h.server.engine().listExecutions(arn(machine), null, null, 1000, null).items().stream()
                .filter(e -> e.status().name().equals("FAILED"))
                .filter(e -> error.equals(h.server.engine().describeExecution(e.arn()).error())).count();
    }

    @Test
    void forgedRenderTickets_isRefusedAtOnce_andAttachesNoImage() {
        ExecutionInfo done = run(Relecloud.RENDER, "{\"tickets\":[{\"number\":\"T-FORGED0001-1\"}]}");
        assertThat(done.error()).isEqualTo("Ticket.NotFound");
        assertThat(h.relecloud.store().ticket("T-FORGED0001-1")).isNull();

        // A real ticket whose purchase never completed is not rendered either.
        long concert = h.concert("Half Done", "Folk", 5, 1000, 22);
        Store store = h.relecloud.store();
        store.hold("HALFDONE01", List.of(new Store.Item(concert, 1, 1000)), Duration.ofMinutes(5));
        String number = store.issueSeats("HALFDONE01", customerId).get(0).number();
        assertThatThrownBy(() -> h.relecloud.render(number)).isInstanceOf(StatesException.class)
                .satisfies(e -> assertThat(((StatesException) e).error()).isEqualTo("Ticket.WrongState"));
        assertThat(store.image(number)).isNull();
    }
}
