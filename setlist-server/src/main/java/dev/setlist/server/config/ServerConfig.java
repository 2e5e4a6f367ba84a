package dev.setlist.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * How {@code setlist serve} runs. Values come, lowest precedence first, from the defaults, a YAML
 * file, environment variables ({@code SETLIST_PORT}, …) and command-line flags; {@link #load}
 * merges them and names the source and key of any bad value.
 *
 * @param databaseUrl  null for the embedded H2 database under {@code dataDir}
 * @param maxBodyBytes requests with a larger body are refused with 413
 * @param authEnabled  false only for local experiments: every caller is then an administrator
 * @param flowsFile    the flow catalog ({@code flows.yaml}) the server holds to its targets; null for none
 * @param telemetryEnabled metrics, traces and per-request log context (on by default)
 * @param otlpEndpoint an OpenTelemetry collector's OTLP/HTTP URL to export spans to; null for none
 * @param objectsDir   the directory of the local object store (a folder per bucket) behind Distributed
 *                     Map's ItemReader/ResultWriter and the S3 integrations; null for one in memory
 * @param endpoints    Task resources answered by HTTP endpoints (Lambda functions without Java handlers)
 */
public record ServerConfig(String host, int port, Path dataDir, String databaseUrl, String databaseUser,
                           String databasePassword, int databasePoolSize, String region, String account,
                           int maxBodyBytes, Duration syncTimeout, Duration activityPoll, Duration shutdownGrace,
                           Duration sessionTtl, boolean authEnabled, Path flowsFile, boolean telemetryEnabled,
                           String otlpEndpoint, Path objectsDir, List<TaskEndpoint> endpoints) {

    public ServerConfig {
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    }

    /** Without a local object directory or task endpoints. */
    public ServerConfig(String host, int port, Path dataDir, String databaseUrl, String databaseUser,
                        String databasePassword, int databasePoolSize, String region, String account, int maxBodyBytes,
                        Duration syncTimeout, Duration activityPoll, Duration shutdownGrace, Duration sessionTtl,
                        boolean authEnabled, Path flowsFile, boolean telemetryEnabled, String otlpEndpoint) {
        this(host, port, dataDir, databaseUrl, databaseUser, databasePassword, databasePoolSize, region, account,
                maxBodyBytes, syncTimeout, activityPoll, shutdownGrace, sessionTtl, authEnabled, flowsFile,
                telemetryEnabled, otlpEndpoint, null, List.of());
    }

    /** Without a flow catalog, with telemetry on and no OTLP export. */
    public ServerConfig(String host, int port, Path dataDir, String databaseUrl, String databaseUser,
                        String databasePassword, int databasePoolSize, String region, String account, int maxBodyBytes,
                        Duration syncTimeout, Duration activityPoll, Duration shutdownGrace, Duration sessionTtl,
                        boolean authEnabled) {
        this(host, port, dataDir, databaseUrl, databaseUser, databasePassword, databasePoolSize, region, account,
                maxBodyBytes, syncTimeout, activityPoll, shutdownGrace, sessionTtl, authEnabled, null, true, null);
    }

    /**
     * How long GetActivityTask waits for a task before answering an empty one: AWS long-polls up
     * to 60 s, but the common SDKs' read timeouts are 60 to 70 s, so the default answers by 50 s.
     */
    public static final Duration ACTIVITY_POLL = Duration.ofSeconds(50);

    /** AWS's longest GetActivityTask long poll; a longer setting would outlast every client's read timeout. */
    public static final int MAX_ACTIVITY_POLL_SECONDS = 60;

    public static ServerConfig defaults() {
        return new ServerConfig("0.0.0.0", 8080, Path.of("data"), null, "sa", "", 16, "us-east-1", "000000000000",
                2 * 1024 * 1024, Duration.ofMinutes(5), ACTIVITY_POLL, Duration.ofSeconds(20),
                Duration.ofHours(12), true, null, true, null, null, List.of());
    }

    /** This configuration with another flow catalog file (null for none). */
    public ServerConfig withFlows(Path file) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, databasePoolSize,
                region, account, maxBodyBytes, syncTimeout, activityPoll, shutdownGrace, sessionTtl, authEnabled, file,
                telemetryEnabled, otlpEndpoint, objectsDir, endpoints);
    }

    /** This configuration with telemetry on or off and spans exported to {@code otlp} (null for none). */
    public ServerConfig withTelemetry(boolean enabled, String otlp) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, databasePoolSize,
                region, account, maxBodyBytes, syncTimeout, activityPoll, shutdownGrace, sessionTtl, authEnabled,
                flowsFile, enabled, otlp, objectsDir, endpoints);
    }

    /** This configuration with the local object store in {@code dir} (null: in memory). */
    public ServerConfig withObjects(Path dir) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, databasePoolSize,
                region, account, maxBodyBytes, syncTimeout, activityPoll, shutdownGrace, sessionTtl, authEnabled,
                flowsFile, telemetryEnabled, otlpEndpoint, dir, endpoints);
    }

    /**
     * This configuration with {@code more} task endpoints; one for a resource already mapped replaces
     * it (command-line flags over the environment over the file).
     */
    public ServerConfig withEndpoints(List<TaskEndpoint> more) {
        return new ServerConfig(host, port, dataDir, databaseUrl, databaseUser, databasePassword, databasePoolSize,
                region, account, maxBodyBytes, syncTimeout, activityPoll, shutdownGrace, sessionTtl, authEnabled,
                flowsFile, telemetryEnabled, otlpEndpoint, objectsDir,
                TaskEndpoint.merge(endpoints, more, "endpoints"));
    }

    /**
     * The JDBC URL the engine opens: the configured one, or an H2 file in the data directory. An
     * H2 database is kept open at JVM exit, so that the graceful shutdown (which runs in a
     * shutdown hook too) can still hand running executions back to it.
     */
    public String jdbcUrl() {
        String url = databaseUrl != null ? databaseUrl : "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("setlist");
        if (url.startsWith("jdbc:h2:") && !url.toUpperCase(java.util.Locale.ROOT).contains("DB_CLOSE_ON_EXIT")) {
            url += ";DB_CLOSE_ON_EXIT=FALSE";
        }
        return url;
    }

    /** Where the server keeps its key for encrypting access-key secrets (embedded or not). */
    public Path serverKeyFile() {
        return dataDir.resolve("server.key");
    }

    private static final Set<String> KEYS = Set.of("host", "port", "dataDir", "database", "database.url",
            "database.user", "database.password", "database.poolSize", "region", "account", "limits",
            "limits.maxBodyBytes", "limits.syncTimeoutSeconds", "limits.activityPollSeconds", "shutdownGraceSeconds",
            "auth", "auth.enabled", "auth.sessionTtlMinutes", "flows", "telemetry", "telemetry.enabled",
            "telemetry.otlpEndpoint", "objects", "endpoints");

    /**
     * Merges the sources. {@code file} may be null; {@code env} is usually {@code System.getenv()};
     * {@code port} and {@code dataDir} are the flags (null when not given).
     *
     * @throws IllegalArgumentException naming the source, key and value that are wrong
     */
    public static ServerConfig load(Path file, Map<String, String> env, Integer port, Path dataDir) {
        Builder b = new Builder(defaults());
        if (file != null) {
            b.yaml(file);
        }
        b.env(env);
        if (port != null) {
            b.port = checkPort("--port", port);
        }
        if (dataDir != null) {
            b.dataDir = dataDir;
        }
        return b.build();
    }

    private static int checkPort(String source, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(source + ": port must be between 0 and 65535, was " + port);
        }
        return port;
    }

    private static final class Builder {
        String host;
        int port;
        Path dataDir;
        String url;
        String user;
        String password;
        int poolSize;
        String region;
        String account;
        int maxBody;
        Duration sync;
        Duration poll;
        Duration grace;
        Duration sessionTtl;
        boolean auth;
        Path flows;
        boolean telemetry;
        String otlp;
        Path objects;
        List<TaskEndpoint> endpoints;

        Builder(ServerConfig d) {
            host = d.host;
            port = d.port;
            dataDir = d.dataDir;
            url = d.databaseUrl;
            user = d.databaseUser;
            password = d.databasePassword;
            poolSize = d.databasePoolSize;
            region = d.region;
            account = d.account;
            maxBody = d.maxBodyBytes;
            sync = d.syncTimeout;
            poll = d.activityPoll;
            grace = d.shutdownGrace;
            sessionTtl = d.sessionTtl;
            auth = d.authEnabled;
            flows = d.flowsFile;
            telemetry = d.telemetryEnabled;
            otlp = d.otlpEndpoint;
            objects = d.objectsDir;
            endpoints = d.endpoints;
        }

        void yaml(Path file) {
            JsonNode root;
            try {
                root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ": cannot read the configuration: " + e.getMessage());
            }
            if (root == null || root.isMissingNode() || root.isNull()) {
                return;
            }
            if (!root.isObject()) {
                throw new IllegalArgumentException(file + ": the configuration must be a mapping of keys to values");
            }
            Set<String> unknown = new TreeSet<>();
            collect(root, "", unknown);
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException(file + ": unknown keys " + unknown + " (known: " + new TreeSet<>(KEYS) + ")");
            }
            String src = file.toString();
            host = text(root.at("/host"), src + ": host", host);
            port = checkPort(src + ": port", integer(root.at("/port"), src + ": port", port));
            String dd = text(root.at("/dataDir"), src + ": dataDir", null);
            dataDir = dd == null ? dataDir : Path.of(dd);
            url = text(root.at("/database/url"), src + ": database.url", url);
            user = text(root.at("/database/user"), src + ": database.user", user);
            password = text(root.at("/database/password"), src + ": database.password", password);
            poolSize = positive(src + ": database.poolSize", integer(root.at("/database/poolSize"), src + ": database.poolSize", poolSize));
            region = text(root.at("/region"), src + ": region", region);
            account = text(root.at("/account"), src + ": account", account);
            maxBody = positive(src + ": limits.maxBodyBytes", integer(root.at("/limits/maxBodyBytes"), src + ": limits.maxBodyBytes", maxBody));
            sync = seconds(root.at("/limits/syncTimeoutSeconds"), src + ": limits.syncTimeoutSeconds", sync);
            poll = seconds(root.at("/limits/activityPollSeconds"), src + ": limits.activityPollSeconds", poll);
            if (poll.toSeconds() > MAX_ACTIVITY_POLL_SECONDS) {
                throw new IllegalArgumentException(src + ": limits.activityPollSeconds must be at most "
                        + MAX_ACTIVITY_POLL_SECONDS + " (AWS's long poll; clients time out after it), was " + poll.toSeconds());
            }
            grace = seconds(root.at("/shutdownGraceSeconds"), src + ": shutdownGraceSeconds", grace);
            JsonNode a = root.at("/auth/enabled");
            if (!a.isMissingNode()) {
                if (!a.isBoolean()) {
                    throw new IllegalArgumentException(src + ": auth.enabled must be true or false, was " + a);
                }
                auth = a.booleanValue();
            }
            String f = text(root.at("/flows"), src + ": flows", null);
            if (f != null) {
                Path dir = file.toAbsolutePath().getParent();
                flows = dir == null ? Path.of(f) : dir.resolve(f);
            }
            String o = text(root.at("/objects"), src + ": objects", null);
            if (o != null) {
                Path dir = file.toAbsolutePath().getParent();
                objects = dir == null ? Path.of(o) : dir.resolve(o);
            }
            endpoints = TaskEndpoint.merge(endpoints, TaskEndpoint.fromYaml(src + ": endpoints", root.at("/endpoints")),
                    src + ": endpoints");
            JsonNode t = root.at("/telemetry/enabled");
            if (!t.isMissingNode()) {
                if (!t.isBoolean()) {
                    throw new IllegalArgumentException(src + ": telemetry.enabled must be true or false, was " + t);
                }
                telemetry = t.booleanValue();
            }
            otlp = otlpUrl(src + ": telemetry.otlpEndpoint", text(root.at("/telemetry/otlpEndpoint"),
                    src + ": telemetry.otlpEndpoint", otlp));
            JsonNode ttl = root.at("/auth/sessionTtlMinutes");
            if (!ttl.isMissingNode()) {
                sessionTtl = Duration.ofMinutes(positive(src + ": auth.sessionTtlMinutes",
                        integer(ttl, src + ": auth.sessionTtlMinutes", 0)));
            }
        }

        private static void collect(JsonNode node, String prefix, Set<String> unknown) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                var e = it.next();
                String key = prefix + e.getKey();
                if (!KEYS.contains(key)) {
                    unknown.add(key);
                } else if (e.getValue().isObject() && !key.equals("endpoints")) { // endpoints: checked as a list
                    collect(e.getValue(), key + ".", unknown);
                }
            }
        }

        void env(Map<String, String> env) {
            String v;
            if ((v = env.get("SETLIST_HOST")) != null) host = v;
            if ((v = env.get("SETLIST_PORT")) != null) port = checkPort("SETLIST_PORT", parseInt("SETLIST_PORT", v));
            if ((v = env.get("SETLIST_DATA_DIR")) != null) dataDir = Path.of(v);
            if ((v = env.get("SETLIST_DATABASE_URL")) != null) url = v;
            if ((v = env.get("SETLIST_DATABASE_USER")) != null) user = v;
            if ((v = env.get("SETLIST_DATABASE_PASSWORD")) != null) password = v;
            if ((v = env.get("SETLIST_REGION")) != null) region = v;
            if ((v = env.get("SETLIST_ACCOUNT")) != null) account = v;
            if ((v = env.get("SETLIST_MAX_BODY_BYTES")) != null) maxBody = positive("SETLIST_MAX_BODY_BYTES", parseInt("SETLIST_MAX_BODY_BYTES", v));
            if ((v = env.get("SETLIST_FLOWS")) != null) flows = v.isBlank() ? null : Path.of(v);
            if ((v = env.get("SETLIST_OBJECTS_DIR")) != null) objects = v.isBlank() ? null : Path.of(v);
            if ((v = env.get("SETLIST_ENDPOINTS")) != null) {
                endpoints = TaskEndpoint.merge(endpoints, TaskEndpoint.parseList("SETLIST_ENDPOINTS", v), "SETLIST_ENDPOINTS");
            }
            if ((v = env.get("SETLIST_OTLP_ENDPOINT")) != null) otlp = otlpUrl("SETLIST_OTLP_ENDPOINT", v.isBlank() ? null : v);
            if ((v = env.get("SETLIST_TELEMETRY_ENABLED")) != null) {
                if (!v.equals("true") && !v.equals("false")) {
                    throw new IllegalArgumentException("SETLIST_TELEMETRY_ENABLED must be true or false, was '" + v + "'");
                }
                telemetry = Boolean.parseBoolean(v);
            }
            if ((v = env.get("SETLIST_AUTH_ENABLED")) != null) {
                if (!v.equals("true") && !v.equals("false")) {
                    throw new IllegalArgumentException("SETLIST_AUTH_ENABLED must be true or false, was '" + v + "'");
                }
                auth = Boolean.parseBoolean(v);
            }
        }

        ServerConfig build() {
            if (!region.matches("[a-z]{2}(-[a-z]+)+-\\d+")) {
                throw new IllegalArgumentException("region must look like us-east-1, was '" + region + "'");
            }
            if (!account.matches("\\d{12}")) {
                throw new IllegalArgumentException("account must be 12 digits, was '" + account + "'");
            }
            return new ServerConfig(host, port, dataDir, url, user, password, poolSize, region, account, maxBody, sync,
                    poll, grace, sessionTtl, auth, flows, telemetry, otlp, objects, endpoints);
        }

        private static String otlpUrl(String where, String url) {
            if (url != null && !url.matches("https?://[^\\s]+")) {
                throw new IllegalArgumentException(where + " must be an http:// or https:// URL, was '" + url + "'");
            }
            return url;
        }

        private static String text(JsonNode n, String where, String dflt) {
            if (n.isMissingNode() || n.isNull()) {
                return dflt;
            }
            if (!n.isValueNode()) {
                throw new IllegalArgumentException(where + " must be a single value, was " + n);
            }
            return n.asText();
        }

        private static int integer(JsonNode n, String where, int dflt) {
            if (n.isMissingNode() || n.isNull()) {
                return dflt;
            }
            if (!n.canConvertToInt() || !n.isIntegralNumber()) {
                throw new IllegalArgumentException(where + " must be an integer, was " + n);
            }
            return n.intValue();
        }

        private static Duration seconds(JsonNode n, String where, Duration dflt) {
            if (n.isMissingNode() || n.isNull()) {
                return dflt;
            }
            return Duration.ofSeconds(positive(where, integer(n, where, 0)));
        }

        private static int parseInt(String where, String v) {
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + " must be an integer, was '" + v + "'");
            }
        }

        private static int positive(String where, int v) {
            if (v <= 0) {
                throw new IllegalArgumentException(where + " must be > 0, was " + v);
            }
            return v;
        }
    }
}
