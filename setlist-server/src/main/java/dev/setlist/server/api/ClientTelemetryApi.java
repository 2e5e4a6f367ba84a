package dev.setlist.server.api;

import dev.setlist.server.http.Gate;
import dev.setlist.server.http.Access;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.auth.Principal;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Bodies;
import dev.setlist.server.http.Json;
import dev.setlist.server.telemetry.FlowIndex;
import dev.setlist.server.telemetry.RateLimiter;
import dev.setlist.server.telemetry.Telemetry;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * {@code POST /api/v1/telemetry}: errors and warnings reported by browsers, one report
 * ({@code {"level": "error", "message": "…", "page": "/tickets", "flow": "purchase-ticket",
 * "time": "2026-11-25T10:00:00Z"}}) or an array of at most 100. Any authenticated caller may report
 * (session or API key); each caller may send {@code burst} requests at once, refilled at
 * {@code perSecond}, and gets 429 with {@code Retry-After} beyond. Reports are counted
 * ({@code setlist.client.events} by flow and level) and logged on {@code setlist.client} with the
 * flow in the MDC. A flow the catalog does not know is tagged {@code none}.
 */
public final class ClientTelemetryApi {
    static final int MAX_BODY = 64 * 1024;
    private static final int MAX_REPORTS = 100;
    private static final Logger clientLog = LoggerFactory.getLogger("setlist.client");

    private final Telemetry telemetry;
    private final RateLimiter limiter;

    public ClientTelemetryApi(Telemetry telemetry, RateLimiter limiter) {
        this.telemetry = telemetry;
        this.limiter = limiter;
    }

    public void routing(RoutesConfig routes) {
        routes.post("/api/v1/telemetry", this::report, Access.signedIn());
    }

    private record Report(String level, String message, String page, String flow, Instant time) {}

    private void report(Context ctx) {
        byte[] raw = Bodies.read(ctx, MAX_BODY);
        Principal p = Gate.principal(ctx);
        long wait = limiter.tryTake(p.user() != null ? p.user() : ctx.ip());
        if (wait > 0) {
            ctx.header("Retry-After", Long.toString(wait));
            throw new ApiException(429, "TooManyRequestsException", "Too many telemetry reports from " + p.user()
                    + "; retry after " + wait + " s");
        }
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(raw);
        } catch (JsonProcessingException e) {
            throw ApiException.serialization("The body is not JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiException.serialization("The body could not be read");
        }
        List<Report> reports = new ArrayList<>();
        if (body != null && body.isArray()) {
            if (body.size() > MAX_REPORTS) {
                throw ApiException.validation("At most " + MAX_REPORTS + " reports per request, was " + body.size());
            }
            for (int i = 0; i < body.size(); i++) {
                reports.add(parse(body.get(i), "/" + i));
            }
        } else {
            reports.add(parse(body, ""));
        }
        FlowIndex flows = telemetry.flows();
        for (Report r : reports) {
            String flow = flows.known(r.flow);
            Counter.builder("setlist.client.events").description("Errors and warnings reported by browsers")
                    .tags("flow", flow, "level", r.level).register(telemetry.registry()).increment();
            MDC.put("flow", flow);
            MDC.put("user", String.valueOf(p.user()));
            try {
                if (r.level.equals("error")) {
                    clientLog.error("{} at {} ({}): {}", r.level, r.page, r.time, r.message);
                } else {
                    clientLog.warn("{} at {} ({}): {}", r.level, r.page, r.time, r.message);
                }
            } finally {
                MDC.remove("flow");
                MDC.remove("user");
            }
        }
        ctx.status(202).json(Json.object().put("accepted", reports.size()));
    }

    private static Report parse(JsonNode n, String where) {
        if (n == null || !n.isObject()) {
            throw ApiException.validation(where(where) + "a report must be a JSON object");
        }
        String level = text(n, where, "level", 16, true);
        if (!level.equals("error") && !level.equals("warning") && !level.equals("warn")) {
            throw ApiException.validation(where(where) + "level must be error or warning, was '" + level + "'");
        }
        String message = text(n, where, "message", 4096, true);
        String page = text(n, where, "page", 2048, false);
        String flow = text(n, where, "flow", 128, false);
        String time = text(n, where, "time", 64, false);
        Instant at;
        try {
            at = time == null ? null : Instant.parse(time);
        } catch (DateTimeParseException e) {
            throw ApiException.validation(where(where) + "time must be an ISO-8601 instant, was '" + time + "'");
        }
        return new Report(level.equals("warn") ? "warning" : level, message.replaceAll("[\\r\\n]+", " "), page, flow, at);
    }

    private static String where(String where) {
        return where.isEmpty() ? "" : where + ": ";
    }

    private static String text(JsonNode n, String where, String field, int max, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw ApiException.validation(where(where) + field + " is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw ApiException.validation(where(where) + field + " must be a string, was " + v.getNodeType());
        }
        String s = v.textValue();
        if (s.isEmpty() && required || s.length() > max) {
            throw ApiException.validation(where(where) + field + " must have 1 to " + max + " characters, had "
                    + s.length());
        }
        return s;
    }
}
