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
 * status fails for good (the endpoint refuses this event). A target's {@code HttpParameters} fill
 * the URL's {@code *} wildcards and add headers and query string parameters.
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
        send(targetArn, payload, traceHeader, null);
    }

    @Override
    public void send(String targetArn, String payload, String traceHeader, dev.setlist.events.Target.HttpParameters http)
            throws Failure {
        String url = targetArn;
        if (http != null) {
            url = withQuery(withPath(targetArn, http.pathParameterValues()), http.queryStringParameters());
        } else if (targetArn.contains("*")) {
            throw new Failure("The endpoint " + targetArn + " has path wildcards (*) but the target has no"
                    + " HttpParameters.PathParameterValues", false);
        }
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout);
        } catch (IllegalArgumentException e) {
            throw new Failure("The endpoint " + url + " is not a valid URL", false);
        }
        if (http != null) {
            headers(request, http.headerParameters());
        }
        request.setHeader("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(payload));
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

    /**
     * Replaces the {@code *} wildcards of an endpoint by the values, in order, each encoded as a
     * path segment; fails for good when their numbers differ.
     */
    public static String withPath(String endpoint, java.util.List<String> values) throws Failure {
        int wildcards = (int) endpoint.chars().filter(ch -> ch == '*').count();
        if (wildcards != values.size()) {
            throw new Failure("The endpoint " + endpoint + " has " + wildcards + " path wildcard(s) (*) but the target's"
                    + " HttpParameters.PathParameterValues has " + values.size() + " value(s)", false);
        }
        StringBuilder out = new StringBuilder();
        int v = 0;
        for (int i = 0; i < endpoint.length(); i++) {
            char ch = endpoint.charAt(i);
            if (ch == '*') {
                out.append(java.net.URLEncoder.encode(values.get(v++), java.nio.charset.StandardCharsets.UTF_8)
                        .replace("+", "%20"));
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    /** Sets a target's header parameters; a header the HTTP client may not set refuses the delivery. */
    public static void headers(HttpRequest.Builder request, java.util.Map<String, String> headers) throws Failure {
        for (java.util.Map.Entry<String, String> h : headers.entrySet()) {
            try {
                request.setHeader(h.getKey(), h.getValue().strip());
            } catch (IllegalArgumentException e) {
                throw new Failure("The header " + h.getKey() + " of the target's HttpParameters cannot be sent", false);
            }
        }
    }

    /** Appends query string parameters (URL-encoded) to an endpoint. */
    public static String withQuery(String endpoint, java.util.Map<String, String> query) {
        if (query.isEmpty()) {
            return endpoint;
        }
        StringBuilder url = new StringBuilder(endpoint);
        char sep = endpoint.contains("?") ? '&' : '?';
        for (java.util.Map.Entry<String, String> e : query.entrySet()) {
            url.append(sep).append(java.net.URLEncoder.encode(e.getKey(), java.nio.charset.StandardCharsets.UTF_8))
                    .append('=').append(java.net.URLEncoder.encode(e.getValue(), java.nio.charset.StandardCharsets.UTF_8));
            sep = '&';
        }
        return url.toString();
    }
}
