package dev.setlist.relecloud.prove;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.http.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The proving ground's HTTP client, behaving as the console does: a session cookie with its CSRF
 * token on writes, a new sign-in when the session is refused, and retries with capped exponential
 * back-off and full jitter (honouring {@code Retry-After}) for the calls that are safe to repeat.
 * Thread safe; each virtual user has its own {@link Session}.
 */
final class Client {
    /** Which failures a call may be retried after. */
    enum Retry {
        /** Never: the first answer stands. */
        NONE,
        /** Only when the request cannot have been acted on: refused connection, 503. */
        UNSENT,
        /** Network errors, 429, 502, 503 and 504: the call is idempotent (a GET, or a write with an idempotency key). */
        IDEMPOTENT
    }

    /** The final answer: {@code status} 0 when none came ({@code failure} says why). */
    record Answer(int status, JsonNode json, java.net.http.HttpHeaders headers, int attempts, String failure) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The error's name ({@code AccessDeniedException}) or null. */
        String error() {
            String t = json.path("__type").asText(null);
            return t == null ? null : t.substring(t.indexOf('#') + 1);
        }

        String describe() {
            if (status == 0) {
                return failure;
            }
            String e = error();
            return "HTTP " + status + (e == null ? "" : " " + e);
        }
    }

    /** A signed-in user: the cookie and CSRF token, replaced when the client signs in again. */
    static final class Session {
        final String user;
        final String password;
        volatile String cookie;
        volatile String csrf;

        Session(String user, String password) {
            this.user = user;
            this.password = password;
        }
    }

    static final int MAX_ATTEMPTS = 5;
    static final long BASE_BACKOFF_MS = 250;
    static final long MAX_BACKOFF_MS = 4000;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final URI base;

    Client(URI base) {
        this.base = base;
    }

    /** Signs in; the session carries the new cookie when the answer is 200. */
    Answer signIn(Session s) {
        Answer a = send(null, "POST", "/api/v1/session", Json.object().put("user", s.user).put("password", s.password)
                .toString(), Map.of(), Retry.IDEMPOTENT, Duration.ofSeconds(10));
        if (a.status() == 200) {
            s.cookie = a.headers().firstValue("Set-Cookie").map(c -> c.substring(0, c.indexOf(';'))).orElse(null);
            s.csrf = a.json().path("csrfToken").asText();
        }
        return a;
    }

    Answer get(Session s, String path) {
        return send(s, "GET", path, null, Map.of(), Retry.IDEMPOTENT, Duration.ofSeconds(10));
    }

    /**
     * One call, retried as {@code retry} allows; a 401 with a session signs in again once. The
     * answer counts every attempt.
     */
    Answer send(Session s, String method, String path, String body, Map<String, String> headers, Retry retry,
                Duration timeout) {
        int attempts = 0;
        boolean signedInAgain = false;
        if (s != null && s.cookie == null) {
            signIn(s); // the first sign-in failed: sign in before the call, as the console sends you to sign-in
        }
        while (true) {
            attempts++;
            Answer a = once(s, method, path, body, headers, timeout, attempts);
            if (a.status() == 401 && s != null && !signedInAgain && !path.equals("/api/v1/session")) {
                signedInAgain = true;
                if (signIn(s).status() == 200) {
                    continue;
                }
            }
            if (attempts >= MAX_ATTEMPTS || !retryable(a, retry)) {
                return a;
            }
            long cap = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS << (attempts - 1));
            long wait = ThreadLocalRandom.current().nextLong(cap + 1);
            String after = a.headers() == null ? null : a.headers().firstValue("Retry-After").orElse(null);
            if (after != null && after.matches("[0-9]{1,3}")) {
                wait = Math.max(wait, Math.min(5000, Long.parseLong(after) * 1000));
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return a;
            }
        }
    }

    private static boolean retryable(Answer a, Retry retry) {
        return switch (retry) {
            case NONE -> false;
            case UNSENT -> a.status() == 503 || a.status() == 0 && a.failure().startsWith("ConnectException");
            case IDEMPOTENT -> a.status() == 0 || a.status() == 429 || a.status() == 502 || a.status() == 503
                    || a.status() == 504;
        };
    }

    private Answer once(Session s, String method, String path, String body, Map<String, String> headers,
                        Duration timeout, int attempt) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (s != null && s.cookie != null) {
            b.header("Cookie", s.cookie);
            if (!method.equals("GET")) {
                b.header("X-CSRF-Token", s.csrf);
            }
        }
        headers.forEach(b::header);
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json;
            try {
                json = r.body().length == 0 ? Json.object() : Json.MAPPER.readTree(r.body());
            } catch (IOException e) {
                json = Json.object();
            }
            return new Answer(r.statusCode(), json == null ? Json.object() : json, r.headers(), attempt, null);
        } catch (IOException e) {
            Throwable root = e instanceof ConnectException || e.getCause() == null ? e : e.getCause();
            if (e instanceof ConnectException || root instanceof ConnectException) {
                return new Answer(0, Json.object(), null, attempt, "ConnectException");
            }
            return new Answer(0, Json.object(), null, attempt, e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, Json.object(), null, attempt, "Interrupted");
        }
    }
}
