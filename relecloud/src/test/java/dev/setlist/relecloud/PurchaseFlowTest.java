package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.MultiFormatReader;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.relecloud.gateway.PaymentGateway;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The purchase flow end to end through HTTP: the purchase-ticket state machine on the real
 * engine against the real gateway simulator, with its compensations, and the ticket images.
 */
class PurchaseFlowTest {
    static Harness h;
    static Harness.User agent;
    static long customerId;

    @BeforeAll
    static void start() {
        h = new Harness();
        agent = h.login("ana");
        Harness.Response c = agent.post("/api/relecloud/customers", "{\"email\":\"kim@example.com\",\"name\":\"Kim Lee\"}");
        assertThat(c.status()).isEqualTo(201);
        customerId = c.json().path("id").asLong();
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @AfterEach
    void reliable() {
        h.gateway.behaviour(PaymentGateway.Behaviour.RELIABLE);
    }

    private static Harness.Response buy(String key, String body) {
        return agent.post("/api/relecloud/purchases?wait=20", body, Map.of("Idempotency-Key", key));
    }

    private static String cart(long concert, int quantity, String card) {
        return "{\"customerId\":" + customerId + ",\"items\":[{\"concertId\":" + concert + ",\"quantity\":" + quantity
                + "}]" + (card == null ? "" : ",\"card\":{\"number\":\"" + card + "\",\"expiry\":\"12/99\"}") + "}";
    }

    private static int seatsLeft(long concert) {
        return agent.get("/api/relecloud/concerts/" + concert).json().path("seatsLeft").asInt();
    }

    @Test
    void purchase_succeeds_issuesTickets_capturesPayment_andRendersScannableImages() throws Exception {
        long concert = h.concert("Happy Path", "Rock", 50, 4500, 10);
        long other = h.concert("Second Night", "Rock", 50, 3000, 11);
        String body = "{\"customerId\":" + customerId + ",\"items\":[{\"concertId\":" + concert + ",\"quantity\":2},"
                + "{\"concertId\":" + other + ",\"quantity\":1}]}";
        Harness.Response r = buy("key-" + UUID.randomUUID(), body);

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(r.json().path("totalCents").asLong()).isEqualTo(2 * 4500 + 3000);
        JsonNode tickets = r.json().path("tickets");
        assertThat(tickets).hasSize(3);
        assertThat(seatsLeft(concert)).isEqualTo(48);
        assertThat(seatsLeft(other)).isEqualTo(49);
        String purchaseId = r.json().path("purchaseId").asText();
        assertThat(h.gateway.authorizations()).filteredOn(a -> a.path("reference").asText().equals(purchaseId))
                .singleElement().satisfies(a -> {
                    assertThat(a.path("status").asText()).isEqualTo("CAPTURED");
                    assertThat(a.path("capturedCents").asLong()).isEqualTo(12000);
                });
        ExecutionInfo exec = h.server.engine().describeExecution(r.json().path("executionArn").asText());
        assertThat(exec.status().name()).isEqualTo("SUCCEEDED");

        String number = tickets.get(0).path("number").asText();
        Harness.Response image = Harness.eventually(() -> agent.get("/api/relecloud/tickets/" + number + "/image"),
                x -> x.status() == 200);
        assertThat(image.status()).isEqualTo(200);
        assertThat(image.raw().headers().firstValue("Content-Type")).hasValue("image/png");
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(image.bytes()));
        assertThat(png.getWidth()).isEqualTo(TicketImage.WIDTH);
        assertThat(decodeQr(png)).isEqualTo(number);
        JsonNode mine = agent.get("/api/relecloud/customers/" + customerId + "/tickets").json().path("items");
        assertThat(mine.findValuesAsText("number")).contains(number);
        // The gateway's calls went through the guard's outbound wrapper: its breaker is listed.
        JsonNode outbound = h.login("olu").get("/api/v1/guard/outbound").json();
        assertThat(outbound.path("dependencies").findValuesAsText("dependency"))
                .contains(h.relecloud.gateway().dependency());
    }

    static String decodeQr(BufferedImage img) throws Exception {
        int[] pixels = img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
        var source = new RGBLuminanceSource(img.getWidth(), img.getHeight(), pixels);
        return new MultiFormatReader().decode(new BinaryBitmap(new HybridBinarizer(source))).getText();
    }

    @Test
    void sameIdempotencyKey_neverBuysTwice_andAnotherCartUnderItIsRefused() {
        long concert = h.concert("Double Click", "Pop", 20, 1000, 12);
        String key = "key-" + UUID.randomUUID();
        Harness.Response first = buy(key, cart(concert, 2, null));
        Harness.Response again = agent.post("/api/relecloud/purchases", cart(concert, 2, null), Map.of("Idempotency-Key", key));

        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().path("purchaseId").asText()).isEqualTo(first.json().path("purchaseId").asText());
        assertThat(seatsLeft(concert)).isEqualTo(18);
        Harness.Response other = agent.post("/api/relecloud/purchases", cart(concert, 3, null), Map.of("Idempotency-Key", key));
        assertThat(other.status()).isEqualTo(409);
        assertThat(other.error()).isEqualTo("IdempotencyKeyReused");
        assertThat(seatsLeft(concert)).isEqualTo(18);
    }

    @Test
    void declinedCard_releasesTheSeats_andTellsTheAgentWhy() {
        long concert = h.concert("Declined", "Jazz", 10, 2000, 13);
        Harness.Response r = buy("key-" + UUID.randomUUID(), cart(concert, 3, PaymentGateway.DECLINED_CARD));

        assertThat(r.json().path("status").asText()).isEqualTo("FAILED");
        assertThat(r.json().path("error").asText()).isEqualTo("Payment.Declined");
        assertThat(r.json().path("cause").asText()).contains("declined");
        assertThat(r.json().path("tickets")).isEmpty();
        assertThat(seatsLeft(concert)).isEqualTo(10);
        ExecutionInfo exec = h.server.engine().describeExecution(r.json().path("executionArn").asText());
        assertThat(exec.status().name()).isEqualTo("FAILED");
        assertThat(exec.error()).isEqualTo("Payment.Declined");
        assertThat(h.relecloud.store().checkSeats()).isEmpty();
    }

    @Test
    void gatewayOutage_retriesThenFailsCleanly_withNoSeatHeldAndNoAuthorizationLeft() {
        long concert = h.concert("Outage", "Folk", 10, 2000, 14);
        h.gateway.behaviour(new PaymentGateway.Behaviour(0, 0, 0, 0, List.of(), true));
        Harness.Response started = buy("key-" + UUID.randomUUID(), cart(concert, 2, null));
        // The authorization retries an unreachable gateway for up to about half a minute (longer
        // than one wait=20 answer), so the purchase is followed to its end.
        JsonNode r = started.json();
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(120).toNanos();
        while (r.path("status").asText().equals("RUNNING") && System.nanoTime() < deadline) {
            sleep(500);
            r = agent.get("/api/relecloud/purchases/" + r.path("purchaseId").asText()).json();
        }

        assertThat(r.path("status").asText()).isEqualTo("FAILED");
        assertThat(r.path("error").asText()).isEqualTo("Payment.GatewayUnavailable");
        assertThat(seatsLeft(concert)).isEqualTo(10);
        var history = h.server.engine().getExecutionHistory(r.path("executionArn").asText(), 1000, false, null,
                false).items();
        long authorizeAttempts = history.stream().filter(e -> e.type().equals("TaskScheduled")
                && e.toString().contains("authorizePayment")).count();
        assertThat(authorizeAttempts).as("the state machine retried the authorization").isGreaterThan(1);
        String purchaseId = r.path("purchaseId").asText();
        h.gateway.behaviour(PaymentGateway.Behaviour.RELIABLE);
        assertThat(h.gateway.authorizations()).noneMatch(a -> a.path("reference").asText().equals(purchaseId)
                && a.path("status").asText().equals("AUTHORIZED"));
    }

    @Test
    void flakyGateway_stillBuysOnce_thanksToIdempotencyKeys() {
        long concert = h.concert("Flaky", "Indie", 30, 1500, 15);
        h.gateway.behaviour(new PaymentGateway.Behaviour(0.4, 0, 0, 0, List.of(), false));
        Harness.Response r = buy("key-" + UUID.randomUUID(), cart(concert, 1, null));
        h.gateway.behaviour(PaymentGateway.Behaviour.RELIABLE);
        String purchaseId = r.json().path("purchaseId").asText();
        List<JsonNode> auths = h.gateway.authorizations().stream()
                .filter(a -> a.path("reference").asText().equals(purchaseId)).toList();
        assertThat(auths).hasSizeLessThanOrEqualTo(1);
        if (r.json().path("status").asText().equals("SUCCEEDED")) {
            assertThat(auths).singleElement().satisfies(a -> assertThat(a.path("status").asText()).isEqualTo("CAPTURED"));
            assertThat(seatsLeft(concert)).isEqualTo(29);
        } else {
            assertThat(seatsLeft(concert)).isEqualTo(30);
        }
        assertThat(h.relecloud.store().checkSeats()).isEmpty();
    }

    @Test
    void soldOut_failsWithTheSeatsLeft() {
        long concert = h.concert("Tiny Room", "Jazz", 3, 2000, 16);
        Harness.Response r = buy("key-" + UUID.randomUUID(), cart(concert, 5, null));

        assertThat(r.json().path("status").asText()).isEqualTo("FAILED");
        assertThat(r.json().path("error").asText()).isEqualTo("Purchase.SoldOut");
        assertThat(r.json().path("cause").asText()).contains("3 seats left");
        assertThat(seatsLeft(concert)).isEqualTo(3);
    }

    @Test
    void expiredHold_isReleasedOnce() {
        long concert = h.concert("Expiry", "Pop", 10, 1000, 17);
        Store store = h.relecloud.store();
        store.hold("EXPIRE0001", List.of(new Store.Item(concert, 4, 1000)), Duration.ofMillis(-1));
        assertThat(store.concert(concert).seatsLeft()).isEqualTo(6);
        Harness.eventually(() -> store.concert(concert).seatsLeft(), n -> n == 10);
        assertThat(store.concert(concert).seatsLeft()).isEqualTo(10);
        assertThat(store.release("EXPIRE0001")).isZero();
        assertThat(store.concert(concert).seatsLeft()).isEqualTo(10);
        assertThat(store.checkSeats()).isEmpty();
    }

    @Test
    void purchaseForACustomerGivenByEmail_createsThemOnce_andListsTheirPurchases() {
        long concert = h.concert("New Fan", "Pop", 10, 1200, 18);
        String body = "{\"customer\":{\"email\":\"New.Fan@Example.com\",\"name\":\"New Fan\"},\"items\":[{\"concertId\":"
                + concert + ",\"quantity\":1}]}";
        Harness.Response first = buy("key-" + UUID.randomUUID(), body);
        Harness.Response second = buy("key-" + UUID.randomUUID(), body);
        assertThat(first.json().path("status").asText()).isEqualTo("SUCCEEDED");
        long customer = first.json().path("customerId").asLong();
        assertThat(second.json().path("customerId").asLong()).isEqualTo(customer);
        assertThat(agent.get("/api/relecloud/customers?email=new.fan").json().path("items")).hasSize(1);
        JsonNode purchases = agent.get("/api/relecloud/purchases?customerId=" + customer).json().path("items");
        assertThat(purchases.findValuesAsText("purchaseId")).containsExactlyInAnyOrder(
                first.json().path("purchaseId").asText(), second.json().path("purchaseId").asText());
        assertThat(seatsLeft(concert)).isEqualTo(8);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
