package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.StatesException;
import dev.setlist.flows.guard.Outbound;
import dev.setlist.relecloud.gateway.GatewayClient;
import dev.setlist.relecloud.gateway.PaymentGateway;
import dev.setlist.server.http.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway simulator's consistency and failures, and the client going through the guard's
 * outbound wrapper (retries, retry budget, breaker), over real HTTP.
 */
class PaymentGatewayTest {
    PaymentGateway gateway;
    GatewayClient client;
    Outbound outbound;
    final AtomicInteger attempts = new AtomicInteger();
    String card;
    String declined;

    @BeforeEach
    void start() {
        gateway = PaymentGateway.start(0, 7);
        outbound = Outbound.builder().breaker(4, 4, Duration.ofMillis(500)).retryBudget(0.5, 100).build();
        Outbound.Policy policy = new Outbound.Policy(Duration.ofSeconds(2), 3, Duration.ofMillis(10),
                Duration.ofMillis(50));
        client = new GatewayClient(gateway.uri(), (dependency, attempt) -> outbound.call(dependency, policy, () -> {
            attempts.incrementAndGet();
            return attempt.run();
        }));
        // The cards are tokenized beforehand, outside the outbound wrapper under test (its breaker counts calls).
        try (Outbound plain = Outbound.builder().build()) {
            GatewayClient vault = GatewayClient.of(gateway.uri(), plain, policy);
            card = vault.tokenize("4242424242424242", "12/99").path("token").asText();
            declined = vault.tokenize(PaymentGateway.DECLINED_CARD, "12/99").path("token").asText();
        }
    }

    @AfterEach
    void stop() {
        outbound.close();
        gateway.close();
    }

    @Test
    void captureOnlyTheAuthorizedAmountOnce_voidOnlyUncaptured_sameKeySameAnswer() {
        JsonNode a = client.authorize("k1", "P1", 5000, "USD", card);
        JsonNode again = client.authorize("k1", "P1", 5000, "USD", card);
        assertThat(again.path("id").asText()).isEqualTo(a.path("id").asText());
        assertThat(gateway.authorizations()).hasSize(1);
        String id = a.path("id").asText();

        assertThatThrownBy(() -> client.capture("c0", id, 6000)).isInstanceOf(StatesException.class)
                .hasMessageContaining("more than the authorized");
        assertThat(client.capture("c1", id, 5000).path("status").asText()).isEqualTo("CAPTURED");
        assertThat(client.capture("c1", id, 5000).path("status").asText()).isEqualTo("CAPTURED");
        assertThatThrownBy(() -> client.capture("c2", id, 5000)).isInstanceOf(StatesException.class)
                .satisfies(e -> assertThat(((StatesException) e).error()).isEqualTo(GatewayClient.REJECTED));
        assertThatThrownBy(() -> client.voidAuthorization("v1", id)).hasMessageContaining("captured");

        String other = client.authorize("k2", "P2", 100, "USD", card).path("id").asText();
        assertThat(client.voidAuthorization("v2", other).path("status").asText()).isEqualTo("VOIDED");
        assertThatThrownBy(() -> client.capture("c3", other, 100)).hasMessageContaining("VOIDED");
        assertThat(client.byReference("P2")).singleElement()
                .satisfies(x -> assertThat(x.path("status").asText()).isEqualTo("VOIDED"));
    }

    @Test
    void tokenize_keepsTheNumberAtTheGateway_answersLastFourBrandAndAStableFingerprint() throws Exception {
        JsonNode t = client.tokenize("4111111111111111", "01/40");
        assertThat(t.path("token").asText()).startsWith("tok_").doesNotContain("4111");
        assertThat(t.path("last4").asText()).isEqualTo("1111");
        assertThat(t.path("brand").asText()).isEqualTo("visa");
        assertThat(t.toString()).doesNotContain("4111111111111111");
        JsonNode again = client.tokenize("4111111111111111", "01/40");
        assertThat(again.path("token").asText()).isNotEqualTo(t.path("token").asText());
        assertThat(again.path("fingerprint").asText()).isEqualTo(t.path("fingerprint").asText());
        assertThat(client.tokenize("5555555555554444", "01/40").path("fingerprint").asText())
                .isNotEqualTo(t.path("fingerprint").asText());
        assertThat(client.authorize("a1", "P9", 100, "USD", t.path("token").asText()).path("status").asText())
                .isEqualTo("AUTHORIZED");
        for (String[] bad : new String[][] {{"4111111111111112", "01/40", "Luhn"}, {"41111", "01/40", "digits"},
                {"4111111111111111", "13/40", "expiry"}}) {
            assertThatThrownBy(() -> client.tokenize(bad[0], bad[1])).isInstanceOf(StatesException.class)
                    .hasMessageContaining(bad[2]).satisfies(e -> assertThat(e.getMessage()).doesNotContain(bad[0]));
        }
        assertThatThrownBy(() -> client.authorize("a2", "P9", 100, "USD", "tok_forged"))
                .hasMessageContaining("token").satisfies(e -> assertThat(((StatesException) e).error())
                        .isEqualTo(GatewayClient.REJECTED));
    }

    @Test
    void declinedCard_isPaymentDeclined_andNotRetried() {
        assertThatThrownBy(() -> client.authorize("k", "P", 100, "USD", declined))
                .isInstanceOf(StatesException.class)
                .satisfies(e -> assertThat(((StatesException) e).error()).isEqualTo(GatewayClient.DECLINED));
        assertThat(attempts.get()).isEqualTo(1);
        assertThat(gateway.authorizations()).isEmpty();
        assertThat(outbound.budget().retried()).isZero();
    }

    @Test
    void lostAnswers_areRetriedWithTheSameKey_andAuthorizeOnce() {
        gateway.behaviour(new PaymentGateway.Behaviour(0.5, 0, 0, 0, List.of(), false));
        int ok = 0;
        for (int i = 0; i < 30; i++) {
            try {
                client.authorize("key-" + i, "R" + i, 100, "USD", card);
                ok++;
            } catch (StatesException e) {
                assertThat(e.error()).isEqualTo(GatewayClient.UNAVAILABLE);
            }
        }
        assertThat(ok).isPositive();
        assertThat(outbound.budget().retried()).as("lost answers were retried").isPositive();
        for (int i = 0; i < 30; i++) {
            String ref = "R" + i;
            assertThat(gateway.authorizations().stream().filter(a -> a.path("reference").asText().equals(ref)))
                    .hasSizeLessThanOrEqualTo(1);
        }
    }

    @Test
    void outageWindow_failsEveryCall_andTheBreakerOpensThenCloses() throws Exception {
        Instant now = Instant.now();
        gateway.behaviour(new PaymentGateway.Behaviour(0, 0, 0, 0, List.of(new PaymentGateway.Outage(now.minusSeconds(1),
                now.plusSeconds(60))), false));
        assertThatThrownBy(() -> client.authorize("k", "P", 100, "USD", card))
                .isInstanceOf(StatesException.class).hasMessageContaining("did not answer")
                .satisfies(e -> assertThat(((StatesException) e).error()).isEqualTo(GatewayClient.UNAVAILABLE));
        assertThat(attempts.get()).as("three attempts, then a clean failure").isEqualTo(3);
        assertThatThrownBy(() -> client.authorize("k", "P", 100, "USD", card))
                .hasMessageContaining("circuit open");
        assertThat(outbound.state(client.dependency())).isEqualTo("OPEN");
        int refused = attempts.get();
        assertThatThrownBy(() -> client.authorize("k", "P", 100, "USD", card))
                .satisfies(e -> assertThat(((StatesException) e).error()).isEqualTo(GatewayClient.UNAVAILABLE));
        assertThat(attempts.get()).as("an open breaker sends nothing").isEqualTo(refused);
        gateway.behaviour(PaymentGateway.Behaviour.RELIABLE);
        Thread.sleep(600);
        assertThat(client.authorize("k", "P", 100, "USD", card).path("status").asText())
                .isEqualTo("AUTHORIZED");
        client.authorize("k", "P", 100, "USD", card);
        assertThat(outbound.state(client.dependency())).isEqualTo("CLOSED");
    }

    @Test
    void adminEndpoint_changesBehaviourAtRunTime_andRefusesBadInput() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(gateway.uri() + "/admin/behaviour"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"failureRate\": 0.25, \"latencyMs\": {\"median\": 5, \"p99\":"
                        + " 50}}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(gateway.behaviour().failureRate()).isEqualTo(0.25);
        assertThat(gateway.behaviour().p99Ms()).isEqualTo(50);
        for (String bad : List.of("{\"failureRate\": -1}", "{\"declineRate\": \"x\"}", "{\"latencyMs\": 5}",
                "{\"latencyMs\": {\"median\": 50, \"p99\": 5}}", "{\"outages\": [{\"start\": \"nope\", \"end\": \"x\"}]}",
                "{\"down\": 1}", "not json", "[]")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway.uri() + "/admin/behaviour"))
                    .PUT(HttpRequest.BodyPublishers.ofString(bad)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(Json.MAPPER.readTree(r.body()).path("message").asText()).as(bad).isNotBlank();
        }
        assertThat(gateway.behaviour().failureRate()).isEqualTo(0.25);
        HttpResponse<String> noKey = http.send(HttpRequest.newBuilder(URI.create(gateway.uri() + "/v1/authorizations"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"amountCents\": 1, \"reference\": \"x\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noKey.statusCode()).isIn(400, 503);
    }
}
