package dev.setlist.flows.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.flows.Flow;
import dev.setlist.flows.guard.Outbound;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reaches a contact of an escalation path by its channel: a webhook gets the notification as the
 * JSON body of an HTTP POST (any 2xx is a delivery), the log gets one WARN line. Thread safe.
 */
public final class Notifier {
    private static final Logger log = LoggerFactory.getLogger("dev.setlist.flows.escalation");

    private final HttpClient http;
    private final Duration timeout;
    private final Outbound outbound;

    public Notifier(Duration timeout) {
        this(timeout, null);
    }

    /** Webhooks go through {@code outbound} when it is not null: one attempt, its breaker and bulkhead. */
    public Notifier(Duration timeout, Outbound outbound) {
        this.timeout = timeout;
        this.outbound = outbound;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Sends {@code notification} to {@code contact}; returns {@code null} when delivered, else why not. */
    public String send(Flow.Contact contact, ObjectNode notification) {
        return switch (contact.channel()) {
            case LOG -> {
                log.warn("{} {} for {}{}: {}", notification.path("event").asText(), notification.path("alarm").asText(),
                        contact.name(), contact.address() == null ? "" : " (" + contact.address() + ")", notification);
                yield null;
            }
            case WEBHOOK -> post(contact.address(), notification.toString());
        };
    }

    private String post(URI url, String body) {
        if (outbound != null) {
            try {
                // One attempt: the escalator already retries and moves on along the path.
                outbound.postJson(url, body, java.util.Map.of(), new Outbound.Policy(timeout, 1, Duration.ZERO,
                        Duration.ZERO));
                return null;
            } catch (Outbound.Failure f) {
                return f.getMessage();
            }
        }
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            return status / 100 == 2 ? null : "HTTP " + status;
        } catch (IOException e) {
            return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
