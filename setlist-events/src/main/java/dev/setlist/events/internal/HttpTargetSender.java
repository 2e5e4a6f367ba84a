package dev.setlist.events.internal;

import dev.setlist.events.TargetSender;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * POSTs the payload as JSON. 2xx is delivered; 429, 5xx and network errors are retried; any other
 * status fails for good (the endpoint refuses this event).
 */
public final class HttpTargetSender implements TargetSender {
    private final HttpClient client;
    private final Duration timeout;

    public HttpTargetSender(Duration timeout) {
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.timeout = timeout;
    }

    @Override
    public void send(String targetArn, String payload, String traceHeader) throws Failure {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(targetArn)).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(payload));
        if (traceHeader != null) {
            request.header("traceparent", traceHeader);
        }
        HttpResponse<Void> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new Failure("HTTP request to " + targetArn + " failed: " + e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted", true);
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            return;
        }
        throw new Failure("HTTP " + status + " from " + targetArn, status == 429 || status >= 500 || status == 408);
    }
}
