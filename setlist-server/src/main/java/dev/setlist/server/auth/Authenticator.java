package dev.setlist.server.auth;

import dev.setlist.server.http.ApiException;
import io.javalin.http.Context;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * Finds out who sent a request: a SigV4 signature (AWS CLI and SDKs), an API key
 * ({@code Authorization: Bearer <key>} or {@code X-Api-Key}) or, where allowed, a console session
 * cookie. A session-authenticated request that changes something must carry the session's CSRF
 * token ({@code X-CSRF-Token} header or {@code _csrf} form field). No credentials at all is
 * {@code MissingAuthenticationTokenException}; every credentials problem is a 401, a
 * missing CSRF token a 403.
 *
 * <p>Credentials are checked against the database. When it cannot be reached the caller gets 503
 * {@code ServiceUnavailable} with {@code Retry-After}, never a 500; except that a read
 * ({@code GET}, {@code HEAD}) with a session verified in the last few minutes is still recognized
 * ({@link AuthStore#recentSession}), so that cached and stale answers keep reaching signed-in
 * users during an outage. Nothing that changes anything is let through that way. Thread safe.
 */
public final class Authenticator {
    public static final String SESSION_COOKIE = "setlist_session";
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    private final AuthStore store;
    private final SigV4 sigV4;
    private final boolean enabled;

    public Authenticator(AuthStore store, SigV4 sigV4, boolean enabled) {
        this.store = store;
        this.sigV4 = sigV4;
        this.enabled = enabled;
    }

    public Principal authenticate(Context ctx, byte[] body, boolean allowSession) {
        if (!enabled) {
            return Principal.unauthenticated();
        }
        try {
            return check(ctx, body, allowSession);
        } catch (RuntimeException e) {
            if (!databaseUnreachable(e)) {
                throw e;
            }
            String sessionId = allowSession ? ctx.cookie(SESSION_COOKIE) : null;
            String method = ctx.method().name();
            AuthStore.Session recent = sessionId != null && ctx.header("Authorization") == null
                    && ctx.header("X-Api-Key") == null && (method.equals("GET") || method.equals("HEAD"))
                    ? store.recentSession(sessionId) : null;
            if (recent == null) {
                throw ApiException.unavailable("The database is unavailable, so credentials cannot be checked;"
                        + " retry the request");
            }
            return recent.principal();
        }
    }

    /** The store's failures to reach the database ({@code Sql}'s and the engine's). */
    static boolean databaseUnreachable(Throwable e) {
        return e instanceof dev.setlist.engine.internal.StoreException
                || e instanceof IllegalStateException && e.getCause() instanceof java.sql.SQLException;
    }

    private Principal check(Context ctx, byte[] body, boolean allowSession) {
        String authorization = ctx.header("Authorization");
        if (authorization != null && authorization.startsWith("AWS4-")) {
            SigV4.Request r = new SigV4.Request(ctx.method().name(), ctx.req().getRequestURI(), ctx.req().getQueryString(),
                    name -> {
                        var values = ctx.req().getHeaders(name);
                        return values == null ? null : Collections.list(values);
                    }, body);
            String keyId = sigV4.verify(r, store::accessKeySecret);
            Principal p = store.byAccessKey(keyId);
            if (p == null) {
                throw ApiException.unauthenticated("UnrecognizedClientException", "The security token included in the request is invalid.");
            }
            return p;
        }
        String apiKey = authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7).trim()
                : ctx.header("X-Api-Key");
        if (apiKey != null) {
            Principal p = apiKey.length() > 200 ? null : store.byApiKey(apiKey);
            if (p == null) {
                throw ApiException.unauthenticated("UnrecognizedClientException", "The API key included in the request is invalid.");
            }
            return p;
        }
        if (authorization != null) {
            throw ApiException.unauthenticated("IncompleteSignatureException", "Unsupported Authorization header: use AWS"
                    + " Signature Version 4 or 'Bearer <API key>'");
        }
        String sessionId = allowSession ? ctx.cookie(SESSION_COOKIE) : null;
        if (sessionId != null) {
            AuthStore.Session s = store.session(sessionId);
            if (s == null) {
                throw ApiException.unauthenticated("UnrecognizedClientException", "The session has expired or was ended; log in again");
            }
            if (!SAFE.contains(ctx.method().name())) {
                String token = ctx.header("X-CSRF-Token");
                if (token == null && ctx.isFormUrlencoded()) {
                    token = dev.setlist.server.http.Forms.parse(body).get("_csrf");
                }
                if (token == null || !java.security.MessageDigest.isEqual(token.getBytes(), s.csrf().getBytes())) {
                    throw new ApiException(403, "InvalidCsrfToken", "This form post needs the session's CSRF token"
                            + " (X-CSRF-Token header or _csrf field)");
                }
            }
            return s.principal();
        }
        throw ApiException.unauthenticated("MissingAuthenticationTokenException", "Missing Authentication Token");
    }

    /** Whether authentication is on (off only for local experiments). */
    public boolean enabled() {
        return enabled;
    }

}
