package dev.setlist.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.engine.EngineException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP answers: {@link ApiException} and
 * {@link EngineException} as AWS-shaped JSON errors, a database that cannot be reached (the
 * engine's {@code StoreException}, {@code Sql}'s failures, any module's failure caused by a
 * connection-level one, such as the health breaker's) as a 503 with {@code Retry-After},
 * anything unexpected as a 500
 * {@code InternalFailure} whose details go to the log, not to the caller.
 */
public final class Errors {
    private static final Logger LOG = LoggerFactory.getLogger(Errors.class);
    /** Setlist's own namespace of error names; botocore and the AWS SDKs strip what comes before the '#'. */
    public static final String NAMESPACE = "dev.setlist#";

    private Errors() {}

    public static void install(RoutesConfig routes) {
        routes.exception(ApiException.class, (e, ctx) -> {
            if (e.status() == 503 && ctx.res().getHeader("Retry-After") == null) {
                ctx.header("Retry-After", "1");
            }
            write(ctx, e.status(), e.type(), e.getMessage());
        });
        routes.exception(EngineException.class, (e, ctx) -> write(ctx, e.code() == EngineException.Code.ServiceUnavailable
                ? 503 : 400, e.code().name(), e.getMessage()));
        routes.exception(dev.setlist.engine.internal.StoreException.class, (e, ctx) -> unavailable(e, ctx));
        routes.exception(IllegalStateException.class, (e, ctx) -> {
            if (!(e.getCause() instanceof java.sql.SQLException)) {
                LOG.error("Unexpected failure on {} {}", ctx.method(), ctx.path(), dev.setlist.asl.SafeFailure.scrubbed(e));
                write(ctx, 500, "InternalFailure", "The server failed to process the request; see its log");
                return;
            }
            unavailable(e, ctx);
        });
        routes.exception(HttpResponseException.class, (e, ctx) -> write(ctx, e.getStatus(),
                e.getStatus() == 413 ? "RequestEntityTooLargeException" : e.getStatus() == 404 ? "NotFound"
                        : "InvalidRequestException", e.getMessage()));
        routes.exception(Exception.class, (e, ctx) -> {
            if (unreachable(e)) {
                unavailable(e, ctx); // another module's own failure (the flows', the event bus's) for the same outage
                return;
            }
            LOG.error("Unexpected failure on {} {}", ctx.method(), ctx.path(), dev.setlist.asl.SafeFailure.scrubbed(e));
            write(ctx, 500, "InternalFailure", "The server failed to process the request; see its log");
        });
        routes.error(404, "*", ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty()) {
                write(ctx, 404, "NotFound", "No resource at " + ctx.method() + " " + ctx.path());
            }
        });
        routes.error(405, "*", ctx -> write(ctx, 405, "MethodNotAllowed", "Method " + ctx.method() + " is not allowed on "
                + ctx.path()));
    }

    /** Seconds a caller is told to wait on a 503 for the database (the health breaker probes more often). */
    public static final String RETRY_AFTER_SECONDS = "1";

    /**
     * A 503 {@code ServiceUnavailable} with {@code Retry-After} for a database that cannot be
     * reached. While the health breaker is open every call fails this way at once; the breaker
     * logs its opening and closing, so these answers are logged at debug only then.
     */
    static void unavailable(Exception e, Context ctx) {
        if (breakerOpen(e)) {
            LOG.debug("Database unavailable (health breaker open) on {} {}", ctx.method(), ctx.path());
        } else {
            LOG.warn("Database unavailable on {} {}: {}", ctx.method(), ctx.path(), dev.setlist.asl.SafeFailure.summary(e));
        }
        ctx.header("Retry-After", RETRY_AFTER_SECONDS);
        write(ctx, 503, "ServiceUnavailable", "The database is unavailable; retry the request");
    }

    private static boolean breakerOpen(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof dev.setlist.engine.HealthBreaker.Unavailable) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code e} comes from a database that cannot be reached (a connection-level failure in its causes). */
    public static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof java.sql.SQLException s && s.getSQLState() != null && (s.getSQLState().startsWith("08")
                    || s.getSQLState().startsWith("57P0"))) {
                return true;
            }
        }
        return false;
    }

    public static void write(Context ctx, int status, String type, String message) {
        ObjectNode body = Json.object();
        body.put("__type", NAMESPACE + type);
        body.put("message", message);
        ctx.status(status);
        ctx.header("x-amzn-ErrorType", type);
        ctx.contentType("application/x-amz-json-1.0");
        ctx.result(Json.bytes(body));
    }
}
