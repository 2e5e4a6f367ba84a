package dev.setlist.server.http;

/**
 * An error answered in the AWS JSON shape: {@code {"__type": "...#Name", "message": "..."}} with
 * the HTTP status (400 for the API's own errors, 401 for missing or bad credentials, 403 for a
 * missing permission, 413 for a body too large). Every refusal of the server is one of these; they are mapped in one place
 * ({@link Errors}).
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;

    public ApiException(int status, String type, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
    }

    /** A 400 with this error name. */
    public static ApiException badRequest(String type, String message) {
        return new ApiException(400, type, message);
    }

    public static ApiException validation(String message) {
        return badRequest("ValidationException", message);
    }

    /** AWS's wording for a missing member: "Value null at 'name' failed to satisfy constraint: …". */
    public static ApiException missing(String member) {
        return validation("1 validation error detected: Value null at '" + member
                + "' failed to satisfy constraint: Member must not be null");
    }

    public static ApiException serialization(String message) {
        return badRequest("SerializationException", message);
    }

    /** A 503: a dependency (the database) cannot be reached; answered with {@code Retry-After}. */
    public static ApiException unavailable(String message) {
        return new ApiException(503, "ServiceUnavailable", message);
    }

    /** A 403: the caller is known, but their grants do not allow what they asked. */
    public static ApiException accessDenied(String message) {
        return new ApiException(403, "AccessDeniedException", message);
    }

    /** A 401: credentials are missing, malformed, unknown, expired or do not verify. */
    public static ApiException unauthenticated(String type, String message) {
        return new ApiException(401, type, message);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }
}
