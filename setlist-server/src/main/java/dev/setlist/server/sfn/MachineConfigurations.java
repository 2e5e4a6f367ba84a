package dev.setlist.server.sfn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Json;
import dev.setlist.server.store.Sql;
import java.util.List;
import java.util.Set;

/**
 * A state machine's {@code loggingConfiguration}, {@code tracingConfiguration} and
 * {@code encryptionConfiguration}: checked as AWS checks them, kept in the server's tables and
 * echoed by DescribeStateMachine and DescribeStateMachineForExecution. Logging is honoured by
 * {@link ExecutionLog}; tracing and encryption are kept and echoed (every execution is traced
 * by the server's telemetry whatever the flag, and definitions are stored as they are). Thread safe.
 */
public final class MachineConfigurations {
    private static final Set<String> LEVELS = Set.of("ALL", "ERROR", "FATAL", "OFF");
    private static final Set<String> KEY_TYPES = Set.of("AWS_OWNED_KEY", "CUSTOMER_MANAGED_KMS_KEY");

    /** One state machine's three configurations, as AWS shows them; {@code encryption} is null when none was given. */
    public record Configuration(ObjectNode logging, ObjectNode tracing, ObjectNode encryption) {
        /** The log level: ALL, ERROR, FATAL or OFF. */
        public String level() {
            return logging.path("level").asText("OFF");
        }

        public boolean includeExecutionData() {
            return logging.path("includeExecutionData").asBoolean(false);
        }
    }

    private final Sql sql;
    /** Read often (every execution's status change asks for its level); a change on another node shows within seconds. */
    private final com.github.benmanes.caffeine.cache.Cache<String, Configuration> cache =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000)
                    .expireAfterWrite(java.time.Duration.ofSeconds(5)).build();

    public MachineConfigurations(Sql sql) {
        this.sql = sql;
    }

    /** What a state machine has when it was given nothing. */
    public static Configuration defaults() {
        ObjectNode logging = Json.object().put("level", "OFF").put("includeExecutionData", false);
        ObjectNode tracing = Json.object().put("enabled", false);
        return new Configuration(logging, tracing, null);
    }

    /**
     * The configuration a Create or Update request asks for, over {@code current} (members it does
     * not name are kept); a bad one is a precise 400 before anything changes.
     */
    public static Configuration read(Req r, Configuration current) {
        ObjectNode logging = r.optObject("loggingConfiguration");
        ObjectNode tracing = r.optObject("tracingConfiguration");
        ObjectNode encryption = r.optObject("encryptionConfiguration");
        return new Configuration(logging == null ? current.logging() : logging(logging),
                tracing == null ? current.tracing() : tracing(tracing),
                encryption == null ? current.encryption() : encryption(encryption));
    }

    private static ObjectNode logging(ObjectNode n) {
        Req r = Req.of(n);
        String level = r.optStr("level");
        if (level != null && !LEVELS.contains(level)) {
            throw ApiException.validation("1 validation error detected: Value '" + level + "' at 'loggingConfiguration.level'"
                    + " failed to satisfy constraint: Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]");
        }
        boolean data = r.bool("includeExecutionData", false);
        List<Req> destinations = r.optObjects("destinations");
        ObjectNode out = Json.object().put("level", level == null ? "OFF" : level).put("includeExecutionData", data);
        if (destinations != null) {
            if (destinations.size() > 1) {
                throw ApiException.badRequest("InvalidLoggingConfiguration", "Invalid Logging Configuration: at most one"
                        + " destination, was " + destinations.size());
            }
            ArrayNode list = out.putArray("destinations");
            for (Req d : destinations) {
                ObjectNode group = d.optObject("cloudWatchLogsLogGroup");
                String arn = group == null ? null : Req.of(group).optStr("logGroupArn", 1, 256);
                if (arn == null || !arn.startsWith("arn:") || !arn.contains(":log-group:")) {
                    throw ApiException.badRequest("InvalidLoggingConfiguration", "Invalid Logging Configuration: a"
                            + " destination needs cloudWatchLogsLogGroup.logGroupArn, a log group ARN ending in ':*'");
                }
                list.addObject().putObject("cloudWatchLogsLogGroup").put("logGroupArn", arn);
            }
        }
        if (!"OFF".equals(out.path("level").asText()) && !out.has("destinations")) {
            throw ApiException.badRequest("InvalidLoggingConfiguration", "Invalid Logging Configuration: Must specify"
                    + " exactly one Log Destination when the level is " + level);
        }
        return out;
    }

    private static ObjectNode tracing(ObjectNode n) {
        return Json.object().put("enabled", Req.of(n).bool("enabled", false));
    }

    private static ObjectNode encryption(ObjectNode n) {
        Req r = Req.of(n);
        String type = r.optStr("type");
        if (type == null) {
            throw ApiException.missing("encryptionConfiguration.type");
        }
        if (!KEY_TYPES.contains(type)) {
            throw ApiException.validation("1 validation error detected: Value '" + type + "' at"
                    + " 'encryptionConfiguration.type' failed to satisfy constraint: Member must satisfy enum value set:"
                    + " [AWS_OWNED_KEY, CUSTOMER_MANAGED_KMS_KEY]");
        }
        ObjectNode out = Json.object().put("type", type);
        String key = r.optStr("kmsKeyId", 1, 2048);
        Integer reuse = r.optInt("kmsDataKeyReusePeriodSeconds", 60, 900);
        if (type.equals("CUSTOMER_MANAGED_KMS_KEY")) {
            if (key == null) {
                throw ApiException.badRequest("InvalidEncryptionConfiguration", "Invalid Encryption Configuration:"
                        + " kmsKeyId is required when the type is CUSTOMER_MANAGED_KMS_KEY");
            }
            out.put("kmsKeyId", key).put("kmsDataKeyReusePeriodSeconds", reuse == null ? 300 : reuse);
        } else if (key != null) {
            throw ApiException.badRequest("InvalidEncryptionConfiguration", "Invalid Encryption Configuration:"
                    + " kmsKeyId is only allowed when the type is CUSTOMER_MANAGED_KMS_KEY");
        }
        return out;
    }

    /** The configuration of {@code stateMachineArn} (unqualified); the defaults when it was given none. */
    public Configuration of(String stateMachineArn) {
        Configuration c = cache.getIfPresent(stateMachineArn);
        if (c != null) {
            return c;
        }
        List<Configuration> rows = sql.query("SELECT logging, tracing, encryption FROM sl_machine_configuration"
                + " WHERE state_machine_arn = ?", rs -> new Configuration(parse(rs.getString(1)), parse(rs.getString(2)),
                rs.getString(3) == null ? null : parse(rs.getString(3))), stateMachineArn);
        c = rows.isEmpty() ? defaults() : rows.get(0);
        cache.put(stateMachineArn, c);
        return c;
    }

    public void put(String stateMachineArn, Configuration c) {
        sql.transaction(conn -> {
            Sql.update(conn, "DELETE FROM sl_machine_configuration WHERE state_machine_arn = ?", stateMachineArn);
            Sql.update(conn, "INSERT INTO sl_machine_configuration (state_machine_arn, logging, tracing, encryption)"
                    + " VALUES (?, ?, ?, ?)", stateMachineArn, c.logging().toString(), c.tracing().toString(),
                    c.encryption() == null ? null : c.encryption().toString());
            return null;
        });
        cache.invalidate(stateMachineArn);
    }

    public void remove(String stateMachineArn) {
        sql.update("DELETE FROM sl_machine_configuration WHERE state_machine_arn = ?", stateMachineArn);
        cache.invalidate(stateMachineArn);
    }

    /** Adds the three configurations to a Describe answer. */
    public static void echo(ObjectNode out, Configuration c) {
        out.set("loggingConfiguration", c.logging().deepCopy());
        out.set("tracingConfiguration", c.tracing().deepCopy());
        if (c.encryption() != null) {
            out.set("encryptionConfiguration", c.encryption().deepCopy());
        }
    }

    private static ObjectNode parse(String json) {
        try {
            JsonNode n = Json.MAPPER.readTree(json);
            return (ObjectNode) n;
        } catch (java.io.IOException | ClassCastException e) {
            throw new IllegalStateException("A stored state machine configuration is not a JSON object", e);
        }
    }
}
