package dev.setlist.server.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Clock;
import dev.setlist.flows.guard.Outbound;
import dev.setlist.server.auth.SecretBox;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Json;
import dev.setlist.server.sfn.Req;
import dev.setlist.server.store.Sql;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * EventBridge connections and API destinations, kept in the server's tables. A connection's secret
 * values (API key value, password, client secret, parameters marked {@code IsValueSecret}) are
 * sealed with the server key and never answered: Describe shows the parameters without them, as
 * EventBridge does. {@link #authorize} opens them for the calls that authorize with the connection
 * (HTTP Tasks, API destination deliveries); OAuth client-credentials tokens are fetched through the
 * outbound wrapper and cached until they expire. Thread safe.
 */
public final class Connections {
    public static final List<String> TYPES = List.of("BASIC", "OAUTH_CLIENT_CREDENTIALS", "API_KEY");
    public static final List<String> STATES = List.of("CREATING", "UPDATING", "DELETING", "AUTHORIZED", "DEAUTHORIZED",
            "AUTHORIZING", "DEAUTHORIZING", "ACTIVE", "FAILED_CONNECTIVITY");
    public static final List<String> METHODS = List.of("POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE");
    private static final Pattern NAME = Pattern.compile("[\\.\\-_A-Za-z0-9]+");
    private static final Pattern API_KEY_NAME = Pattern.compile("[ \\t]*[^\\x00-\\x1F:\\x7F]+([ \\t]+[^\\x00-\\x1F:\\x7F]+)*[ \\t]*");
    private static final Pattern HEADER_VALUE = Pattern.compile("[^\\x00-\\x09\\x0B\\x0C\\x0E-\\x1F\\x7F]*");
    private static final Pattern ENDPOINT = Pattern.compile("https?://((%[0-9A-Fa-f]{2}|[-()_.!~*';/?:@\\x26=+$,A-Za-z0-9])+)");
    /** What EventBridge allows at most per second per API destination (and its default). */
    public static final int MAX_RATE = 300;
    private static final Duration TOKEN_TIMEOUT = Duration.ofSeconds(5);
    /** The largest AuthParameters kept (as JSON; the columns hold them sealed and without secrets). */
    static final int MAX_PARAMETER_BYTES = 12_000;

    private final Sql sql;
    private final SecretBox box;
    private final Clock clock;
    private final Outbound outbound;
    private final String arnPrefix;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    public record Connection(String name, String arn, String description, String type, String state, String stateReason,
                             ObjectNode parameters, long created, long modified, Long authorized) {}

    public record Destination(String name, String arn, String description, String connectionArn, String endpoint,
                              String method, int rate, String state, long created, long modified) {}

    /** What a call authorized by a connection adds: headers, query parameters, body parameters (in order). */
    public record Auth(Map<String, String> headers, Map<String, String> query, Map<String, String> body) {}

    /** A connection that cannot authorize a call: missing, or in a state other than AUTHORIZED. */
    public static final class Unusable extends Exception {
        public Unusable(String message) {
            super(message, null, false, false);
        }
    }

    private record Token(String value, long expires, long modified) {}

    public Connections(Sql sql, SecretBox box, Clock clock, Outbound outbound, String region, String account) {
        this.sql = sql;
        this.box = box;
        this.clock = clock;
        this.outbound = outbound;
        this.arnPrefix = "arn:aws:events:" + region + ":" + account + ":";
    }

    /** The client HTTP Tasks and API destinations send with (no redirects followed). */
    public HttpClient http() {
        return http;
    }

    public Outbound outbound() {
        return outbound;
    }

    // ---- connections: the API ---------------------------------------------------------------------

    /** The ARN a request's connection {@code Name} names (for authorization), or null. */
    String connectionResource(String name) {
        if (name == null) {
            return null;
        }
        Connection c = name.length() <= 64 ? find(name) : null;
        return c != null ? c.arn() : arnPrefix + "connection/" + name;
    }

    String destinationResource(String name) {
        if (name == null) {
            return null;
        }
        Destination d = name.length() <= 64 ? findDestination(name) : null;
        return d != null ? d.arn() : arnPrefix + "api-destination/" + name;
    }

    ObjectNode create(Req r) {
        String name = name(r);
        String description = r.optStr("Description", 0, 512);
        String type = r.optEnum("AuthorizationType", TYPES);
        if (type == null) {
            throw ApiException.missing("authorizationType");
        }
        refuseUnsupported(r);
        ObjectNode given = r.optObject("AuthParameters");
        if (given == null) {
            throw ApiException.missing("authParameters");
        }
        ObjectNode full = normalize(type, given);
        long now = clock.now().toEpochMilli();
        String arn = arnPrefix + "connection/" + name + "/" + UUID.randomUUID();
        boolean inserted = sql.transaction(c -> {
            if (!Sql.query(c, "SELECT name FROM sl_connection WHERE name = ?", rs -> rs.getString(1), name).isEmpty()) {
                return false;
            }
            Sql.update(c, "INSERT INTO sl_connection (name, arn, description, authorization_type, state, parameters, sealed,"
                    + " created, modified, authorized) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", name, arn, description, type,
                    "AUTHORIZED", Json.text(withoutSecrets(full)), box.seal(Json.text(full)), now, now, now);
            return true;
        });
        if (!inserted) {
            throw ApiException.badRequest("ResourceAlreadyExistsException", "Connection " + name + " already exists.");
        }
        return Json.object().put("ConnectionArn", arn).put("ConnectionState", "AUTHORIZED")
                .put("CreationTime", now / 1000.0).put("LastModifiedTime", now / 1000.0);
    }

    ObjectNode describe(Req r) {
        Connection c = existing(name(r));
        ObjectNode o = Json.object().put("ConnectionArn", c.arn()).put("Name", c.name());
        Json.opt(o, "Description", c.description());
        o.put("ConnectionState", c.state());
        Json.opt(o, "StateReason", c.stateReason());
        o.put("AuthorizationType", c.type());
        o.set("AuthParameters", c.parameters());
        times(o, c);
        return o;
    }

    ObjectNode list(Req r) {
        String prefix = r.optStr("NamePrefix", 1, 64);
        String state = r.optEnum("ConnectionState", STATES);
        List<Connection> all = sql.query(SELECT + " ORDER BY name", this::connection);
        return EventBridge.page(r, "Connections", all.stream()
                .filter(c -> prefix == null || c.name().startsWith(prefix))
                .filter(c -> state == null || c.state().equals(state)).toList(), Connection::name, c -> {
                    ObjectNode o = Json.object().put("ConnectionArn", c.arn()).put("Name", c.name())
                            .put("ConnectionState", c.state());
                    Json.opt(o, "StateReason", c.stateReason());
                    o.put("AuthorizationType", c.type());
                    times(o, c);
                    return o;
                });
    }

    ObjectNode update(Req r) {
        String name = name(r);
        String description = r.optStr("Description", 0, 512);
        String type = r.optEnum("AuthorizationType", TYPES);
        refuseUnsupported(r);
        ObjectNode given = r.optObject("AuthParameters");
        Connection existing = existing(name);
        String newType = type == null ? existing.type() : type;
        ObjectNode full;
        if (given == null && newType.equals(existing.type())) {
            full = sealed(name);
        } else {
            ObjectNode merged = newType.equals(existing.type()) ? sealed(name) : Json.object();
            if (given != null) {
                given.fields().forEachRemaining(e -> {
                    JsonNode old = merged.get(e.getKey());
                    if (e.getValue().isObject() && old != null && old.isObject()
                            && !e.getKey().equals("InvocationHttpParameters")) {
                        ObjectNode m = ((ObjectNode) old).deepCopy();
                        mergeInto(m, (ObjectNode) e.getValue());
                        merged.set(e.getKey(), m);
                    } else {
                        merged.set(e.getKey(), e.getValue());
                    }
                });
            }
            if (!newType.equals(existing.type()) && given == null) {
                throw ApiException.validation("AuthParameters are required when AuthorizationType changes from "
                        + existing.type() + " to " + newType + ".");
            }
            full = normalize(newType, merged);
        }
        long now = clock.now().toEpochMilli();
        ObjectNode finalFull = full;
        sql.update("UPDATE sl_connection SET description = ?, authorization_type = ?, state = 'AUTHORIZED',"
                + " state_reason = NULL, parameters = ?, sealed = ?, modified = ?, authorized = ? WHERE name = ?",
                description != null ? description : existing.description(), newType,
                Json.text(withoutSecrets(finalFull)), box.seal(Json.text(finalFull)), now, now, name);
        tokens.remove(existing.arn());
        return Json.object().put("ConnectionArn", existing.arn()).put("ConnectionState", "AUTHORIZED")
                .put("CreationTime", existing.created() / 1000.0).put("LastModifiedTime", now / 1000.0)
                .put("LastAuthorizedTime", now / 1000.0);
    }

    ObjectNode delete(Req r) {
        Connection c = existing(name(r));
        sql.update("DELETE FROM sl_connection WHERE name = ? AND arn = ?", c.name(), c.arn());
        tokens.remove(c.arn());
        ObjectNode o = Json.object().put("ConnectionArn", c.arn()).put("ConnectionState", "DELETING");
        times(o, c);
        return o;
    }

    /** Removes the connection's secret values: it is kept, DEAUTHORIZED, until UpdateConnection authorizes it again. */
    ObjectNode deauthorize(Req r) {
        Connection c = existing(name(r));
        long now = clock.now().toEpochMilli();
        sql.update("UPDATE sl_connection SET state = 'DEAUTHORIZED', state_reason = ?, sealed = ?, modified = ?"
                + " WHERE name = ?", "Connection deauthorized by DeauthorizeConnection.",
                box.seal(Json.text(c.parameters())), now, c.name());
        tokens.remove(c.arn());
        ObjectNode o = Json.object().put("ConnectionArn", c.arn()).put("ConnectionState", "DEAUTHORIZED")
                .put("CreationTime", c.created() / 1000.0).put("LastModifiedTime", now / 1000.0);
        if (c.authorized() != null) {
            o.put("LastAuthorizedTime", c.authorized() / 1000.0);
        }
        return o;
    }

    private static void times(ObjectNode o, Connection c) {
        o.put("CreationTime", c.created() / 1000.0).put("LastModifiedTime", c.modified() / 1000.0);
        if (c.authorized() != null) {
            o.put("LastAuthorizedTime", c.authorized() / 1000.0);
        }
    }

    private static void mergeInto(ObjectNode target, ObjectNode given) {
        given.fields().forEachRemaining(e -> {
            JsonNode old = target.get(e.getKey());
            if (e.getValue().isObject() && old != null && old.isObject()) {
                mergeInto((ObjectNode) old, (ObjectNode) e.getValue());
            } else {
                target.set(e.getKey(), e.getValue());
            }
        });
    }

    private static void refuseUnsupported(Req r) {
        if (r.has("KmsKeyIdentifier")) {
            throw ApiException.validation("KmsKeyIdentifier is not supported: Setlist seals connection secrets with its"
                    + " own server key, not with AWS KMS keys.");
        }
        if (r.has("InvocationConnectivityParameters")) {
            throw ApiException.validation("InvocationConnectivityParameters are not supported: Setlist calls endpoints"
                    + " directly and has no VPC Lattice resource configurations.");
        }
    }

    private static String name(Req r) {
        String name = r.str("Name", 1, 64);
        if (!NAME.matcher(name).matches()) {
            throw ApiException.validation("1 validation error detected: Value '" + name + "' at 'name' failed to satisfy"
                    + " constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+");
        }
        return name;
    }

    /**
     * The connection's parameters, checked and in their stored shape: the type's own parameters
     * (every member required) and the optional {@code InvocationHttpParameters}. Members of
     * another type are refused.
     */
    private static ObjectNode normalize(String type, ObjectNode given) {
        ObjectNode out = Json.object();
        String own = switch (type) {
            case "API_KEY" -> "ApiKeyAuthParameters";
            case "BASIC" -> "BasicAuthParameters";
            default -> "OAuthParameters";
        };
        for (Iterator<String> it = given.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals(own) && !k.equals("InvocationHttpParameters") && !given.get(k).isNull()) {
                if (List.of("ApiKeyAuthParameters", "BasicAuthParameters", "OAuthParameters").contains(k)) {
                    throw ApiException.validation("AuthParameters." + k + " cannot be given for AuthorizationType " + type
                            + ": give " + own + ".");
                }
                if (k.equals("ConnectivityParameters")) {
                    throw ApiException.validation("AuthParameters.ConnectivityParameters are not supported: Setlist"
                            + " calls endpoints directly.");
                }
                throw ApiException.serialization("Unknown member AuthParameters." + k);
            }
        }
        Req p = member(Req.of(given), own, "authParameters." + lowerFirst(own));
        ObjectNode o = out.putObject(own);
        switch (type) {
            case "API_KEY" -> {
                String keyName = p.str("ApiKeyName", 1, 512);
                if (!API_KEY_NAME.matcher(keyName).matches()) {
                    throw ApiException.validation("1 validation error detected: Value at 'authParameters.apiKeyAuthParameters"
                            + ".apiKeyName' failed to satisfy constraint: Member must be a valid HTTP header name");
                }
                o.put("ApiKeyName", keyName);
                o.put("ApiKeyValue", headerValue(p.str("ApiKeyValue", 1, 512), "ApiKeyValue"));
            }
            case "BASIC" -> {
                String user = p.str("Username", 1, 512);
                if (user.contains(":")) {
                    throw ApiException.validation("1 validation error detected: Value at 'authParameters"
                            + ".basicAuthParameters.username' failed to satisfy constraint: Member must not contain ':'");
                }
                o.put("Username", user);
                o.put("Password", p.str("Password", 1, 512));
            }
            default -> {
                Req client = member(p, "ClientParameters", "authParameters.oAuthParameters.clientParameters");
                o.putObject("ClientParameters").put("ClientID", client.str("ClientID", 1, 512))
                        .put("ClientSecret", client.str("ClientSecret", 1, 512));
                o.put("AuthorizationEndpoint", endpoint(p.str("AuthorizationEndpoint", 1, 2048), "AuthorizationEndpoint"));
                String method = p.optEnum("HttpMethod", List.of("GET", "POST", "PUT"));
                if (method == null) {
                    throw ApiException.missing("authParameters.oAuthParameters.httpMethod");
                }
                o.put("HttpMethod", method);
                ObjectNode http = p.optObject("OAuthHttpParameters");
                if (http != null) {
                    o.set("OAuthHttpParameters", httpParameters(Req.of(http), "OAuthHttpParameters"));
                }
            }
        }
        ObjectNode invocation = given.hasNonNull("InvocationHttpParameters")
                ? Req.of(given).optObject("InvocationHttpParameters") : null;
        if (invocation != null) {
            out.set("InvocationHttpParameters", httpParameters(Req.of(invocation), "InvocationHttpParameters"));
        }
        if (Json.bytes(out).length > MAX_PARAMETER_BYTES) {
            throw ApiException.validation("The connection's AuthParameters take " + Json.bytes(out).length
                    + " bytes as JSON; at most " + MAX_PARAMETER_BYTES + " are kept.");
        }
        return out;
    }

    private static String lowerFirst(String s) {
        return Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }

    private static Req member(Req r, String name, String path) {
        ObjectNode o = r.optObject(name);
        if (o == null) {
            throw ApiException.missing(path);
        }
        return Req.of(o);
    }

    private static String headerValue(String v, String what) {
        if (!HEADER_VALUE.matcher(v).matches()) {
            throw ApiException.validation(what + " must not contain control characters.");
        }
        return v;
    }

    static String endpoint(String url, String what) {
        if (!ENDPOINT.matcher(url).matches()) {
            throw ApiException.validation("1 validation error detected: Value '" + url + "' at '" + lowerFirst(what)
                    + "' failed to satisfy constraint: Member must be an http(s) URL of URL characters");
        }
        try {
            URI u = URI.create(url.replace("*", "x"));
            if (u.getHost() == null) {
                throw new IllegalArgumentException("no host");
            }
        } catch (IllegalArgumentException e) {
            throw ApiException.validation(what + " is not a valid URL: " + url);
        }
        return url;
    }

    /** {HeaderParameters, QueryStringParameters, BodyParameters}: lists of {Key, Value, IsValueSecret}. */
    private static ObjectNode httpParameters(Req r, String what) {
        ObjectNode out = Json.object();
        for (String list : List.of("HeaderParameters", "QueryStringParameters", "BodyParameters")) {
            List<Req> items = r.optObjects(list);
            if (items == null) {
                continue;
            }
            if (items.size() > 100) {
                throw ApiException.validation(what + "." + list + " can have at most 100 entries.");
            }
            ArrayNode a = out.putArray(list);
            for (Req item : items) {
                String key = item.str("Key", 1, 512);
                String value = item.optStr("Value", 0, 512);
                if (list.equals("HeaderParameters")) {
                    if (!API_KEY_NAME.matcher(key).matches()) {
                        throw ApiException.validation(what + ".HeaderParameters: '" + key + "' is not a valid header name.");
                    }
                    if (value != null) {
                        headerValue(value, what + ".HeaderParameters." + key);
                    }
                }
                ObjectNode p = a.addObject().put("Key", key);
                if (value != null) {
                    p.put("Value", value);
                }
                p.put("IsValueSecret", item.bool("IsValueSecret", false));
            }
        }
        return out;
    }

    /** The parameters as Describe shows them: no secret value. */
    static ObjectNode withoutSecrets(ObjectNode full) {
        ObjectNode out = full.deepCopy();
        if (out.get("ApiKeyAuthParameters") instanceof ObjectNode k) {
            k.remove("ApiKeyValue");
        }
        if (out.get("BasicAuthParameters") instanceof ObjectNode b) {
            b.remove("Password");
        }
        if (out.get("OAuthParameters") instanceof ObjectNode o) {
            if (o.get("ClientParameters") instanceof ObjectNode c) {
                c.remove("ClientSecret");
            }
            if (o.get("OAuthHttpParameters") instanceof ObjectNode h) {
                hideSecretValues(h);
            }
        }
        if (out.get("InvocationHttpParameters") instanceof ObjectNode h) {
            hideSecretValues(h);
        }
        return out;
    }

    private static void hideSecretValues(ObjectNode http) {
        http.fields().forEachRemaining(e -> e.getValue().forEach(p -> {
            if (p.path("IsValueSecret").asBoolean(false)) {
                ((ObjectNode) p).remove("Value");
            }
        }));
    }

    // ---- connections: the store -------------------------------------------------------------------

    private static final String SELECT = "SELECT name, arn, description, authorization_type, state, state_reason,"
            + " parameters, created, modified, authorized FROM sl_connection";

    private Connection connection(java.sql.ResultSet rs) throws java.sql.SQLException {
        long authorized = rs.getLong(10);
        boolean none = rs.wasNull();
        ObjectNode parameters;
        try {
            parameters = (ObjectNode) Json.MAPPER.readTree(rs.getString(7));
        } catch (java.io.IOException e) {
            throw new java.sql.SQLException("unreadable connection parameters", e);
        }
        return new Connection(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), parameters, rs.getLong(8), rs.getLong(9), none ? null : authorized);
    }

    private Connection find(String name) {
        return sql.one(SELECT + " WHERE name = ?", this::connection, name);
    }

    private Connection existing(String name) {
        Connection c = find(name);
        if (c == null) {
            throw ApiException.badRequest("ResourceNotFoundException", "Failed to describe the connection(s)."
                    + " Connection '" + name + "' does not exist.");
        }
        return c;
    }

    /** The connection an ARN names (null when none has exactly this ARN). */
    public Connection byArn(String arn) {
        String name = nameOf(arn, "connection/");
        return name == null ? null : sql.one(SELECT + " WHERE name = ? AND arn = ?", this::connection, name, arn);
    }

    private String nameOf(String arn, String kind) {
        if (arn == null || !arn.startsWith(arnPrefix + kind)) {
            return null;
        }
        String rest = arn.substring(arnPrefix.length() + kind.length());
        int slash = rest.indexOf('/');
        return slash <= 0 ? null : rest.substring(0, slash);
    }

    private ObjectNode sealed(String name) {
        String s = sql.one("SELECT sealed FROM sl_connection WHERE name = ?", rs -> rs.getString(1), name);
        try {
            return (ObjectNode) Json.MAPPER.readTree(box.open(s));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("unreadable sealed connection parameters", e);
        }
    }

    // ---- authorizing calls ------------------------------------------------------------------------

    /**
     * What a call authorized by the connection {@code arn} adds (its secrets opened, an OAuth
     * token fetched when none is cached). Never logged: callers put it on the request only.
     */
    public Auth authorize(String arn) throws Unusable {
        Connection c = byArn(arn);
        if (c == null) {
            throw new Unusable("Connection '" + arn + "' does not exist.");
        }
        if (!c.state().equals("AUTHORIZED")) {
            throw new Unusable("Connection '" + arn + "' is " + c.state() + ", not AUTHORIZED.");
        }
        ObjectNode full = sealed(c.name());
        Map<String, String> headers = new LinkedHashMap<>();
        Map<String, String> query = new LinkedHashMap<>();
        Map<String, String> body = new LinkedHashMap<>();
        ObjectNode invocation = (ObjectNode) full.get("InvocationHttpParameters");
        if (invocation != null) {
            invocation.path("HeaderParameters").forEach(p -> headers.put(p.path("Key").asText(), p.path("Value").asText("")));
            invocation.path("QueryStringParameters").forEach(p -> query.put(p.path("Key").asText(), p.path("Value").asText("")));
            invocation.path("BodyParameters").forEach(p -> body.put(p.path("Key").asText(), p.path("Value").asText("")));
        }
        switch (c.type()) {
            case "API_KEY" -> {
                JsonNode k = full.path("ApiKeyAuthParameters");
                headers.put(k.path("ApiKeyName").asText(), k.path("ApiKeyValue").asText());
            }
            case "BASIC" -> {
                JsonNode b = full.path("BasicAuthParameters");
                headers.put("Authorization", "Basic " + Base64.getEncoder().encodeToString((b.path("Username").asText()
                        + ":" + b.path("Password").asText()).getBytes(StandardCharsets.UTF_8)));
            }
            default -> headers.put("Authorization", "Bearer " + token(c, full.path("OAuthParameters")));
        }
        return new Auth(headers, query, body);
    }

    /** A call was refused (401): the cached OAuth token is dropped so that the next call fetches a new one. */
    public void refused(String arn) {
        tokens.remove(arn);
    }

    private String token(Connection c, JsonNode oauth) throws Unusable {
        long now = clock.now().toEpochMilli();
        Token cached = tokens.get(c.arn());
        if (cached != null && cached.modified() == c.modified() && cached.expires() > now) {
            return cached.value();
        }
        String endpoint = oauth.path("AuthorizationEndpoint").asText();
        String method = oauth.path("HttpMethod").asText("POST");
        JsonNode params = oauth.path("OAuthHttpParameters");
        StringBuilder url = new StringBuilder(endpoint);
        char sep = endpoint.contains("?") ? '&' : '?';
        for (JsonNode q : params.path("QueryStringParameters")) {
            url.append(sep).append(form(q.path("Key").asText())).append('=').append(form(q.path("Value").asText("")));
            sep = '&';
        }
        StringBuilder form = new StringBuilder();
        for (JsonNode b : params.path("BodyParameters")) {
            if (!form.isEmpty()) {
                form.append('&');
            }
            form.append(form(b.path("Key").asText())).append('=').append(form(b.path("Value").asText("")));
        }
        URI uri = URI.create(url.toString());
        JsonNode client = oauth.path("ClientParameters");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TOKEN_TIMEOUT)
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((client.path("ClientID").asText()
                        + ":" + client.path("ClientSecret").asText()).getBytes(StandardCharsets.UTF_8)))
                .header("Accept", "application/json");
        for (JsonNode h : params.path("HeaderParameters")) {
            request.header(h.path("Key").asText(), h.path("Value").asText(""));
        }
        if (method.equals("GET")) {
            request.GET();
        } else {
            request.header("Content-Type", "application/x-www-form-urlencoded")
                    .method(method, HttpRequest.BodyPublishers.ofString(form.toString()));
        }
        String answer;
        try {
            answer = outbound.call(dependency(uri), new Outbound.Policy(TOKEN_TIMEOUT, 2, Duration.ofMillis(100),
                    Duration.ofSeconds(1)), () -> {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status / 100 != 2) {
                    throw new Outbound.Failure("the authorization endpoint answered HTTP " + status,
                            status == 429 || status >= 500);
                }
                return response.body();
            });
        } catch (Outbound.Failure f) {
            throw new Unusable("Connection '" + c.arn() + "' could not get an OAuth token: " + f.getMessage());
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(answer);
        } catch (java.io.IOException e) {
            throw new Unusable("Connection '" + c.arn() + "': the authorization endpoint's answer is not JSON");
        }
        String value = json.path("access_token").asText(null);
        if (value == null || value.isEmpty()) {
            throw new Unusable("Connection '" + c.arn() + "': the authorization endpoint's answer has no access_token");
        }
        long ttl = json.path("expires_in").asLong(3600);
        tokens.put(c.arn(), new Token(value, now + Math.max(0, ttl - 30) * 1000, c.modified()));
        return value;
    }

    private static String form(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The outbound wrapper's name of an HTTP dependency: host and port. */
    public static String dependency(URI u) {
        int port = u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
        return u.getHost() + ":" + port;
    }

    // ---- API destinations -------------------------------------------------------------------------

    private static final String SELECT_DESTINATION = "SELECT name, arn, description, connection_arn, endpoint,"
            + " http_method, rate_per_second, state, created, modified FROM sl_api_destination";

    private static Destination destination(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Destination(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getInt(7), rs.getString(8), rs.getLong(9), rs.getLong(10));
    }

    private Destination findDestination(String name) {
        return sql.one(SELECT_DESTINATION + " WHERE name = ?", Connections::destination, name);
    }

    private Destination existingDestination(String name) {
        Destination d = findDestination(name);
        if (d == null) {
            throw ApiException.badRequest("ResourceNotFoundException", "Failed to describe the api-destination(s)."
                    + " An api-destination '" + name + "' does not exist.");
        }
        return d;
    }

    /** The API destination an ARN names (null when none has exactly this ARN). */
    public Destination destinationByArn(String arn) {
        String name = nameOf(arn, "api-destination/");
        return name == null ? null : sql.one(SELECT_DESTINATION + " WHERE name = ? AND arn = ?", Connections::destination,
                name, arn);
    }

    public boolean isDestinationArn(String arn) {
        return arn != null && arn.startsWith(arnPrefix + "api-destination/");
    }

    private String connectionOf(Req r, boolean required) {
        String arn = required ? r.str("ConnectionArn", 1, 1600) : r.optStr("ConnectionArn", 1, 1600);
        if (arn != null && byArn(arn) == null) {
            throw ApiException.badRequest("ResourceNotFoundException", "Connection '" + arn + "' does not exist.");
        }
        return arn;
    }

    private static Integer rate(Req r) {
        return r.optInt("InvocationRateLimitPerSecond", 1, MAX_RATE);
    }

    ObjectNode createDestination(Req r) {
        String name = name(r);
        String description = r.optStr("Description", 0, 512);
        String connection = connectionOf(r, true);
        String endpoint = endpoint(r.str("InvocationEndpoint", 1, 2048), "InvocationEndpoint");
        String method = r.optEnum("HttpMethod", METHODS);
        if (method == null) {
            throw ApiException.missing("httpMethod");
        }
        Integer rate = rate(r);
        long now = clock.now().toEpochMilli();
        String arn = arnPrefix + "api-destination/" + name + "/" + UUID.randomUUID();
        boolean inserted = sql.transaction(c -> {
            if (!Sql.query(c, "SELECT name FROM sl_api_destination WHERE name = ?", rs -> rs.getString(1), name).isEmpty()) {
                return false;
            }
            Sql.update(c, "INSERT INTO sl_api_destination (name, arn, description, connection_arn, endpoint, http_method,"
                    + " rate_per_second, state, created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, 'ACTIVE', ?, ?)", name, arn,
                    description, connection, endpoint, method, rate == null ? MAX_RATE : rate, now, now);
            return true;
        });
        if (!inserted) {
            throw ApiException.badRequest("ResourceAlreadyExistsException", "An api-destination " + name
                    + " already exists.");
        }
        return Json.object().put("ApiDestinationArn", arn).put("ApiDestinationState", "ACTIVE")
                .put("CreationTime", now / 1000.0).put("LastModifiedTime", now / 1000.0);
    }

    static ObjectNode destinationJson(Destination d, boolean withDescription) {
        ObjectNode o = Json.object().put("ApiDestinationArn", d.arn()).put("Name", d.name());
        if (withDescription) {
            Json.opt(o, "Description", d.description());
        }
        o.put("ApiDestinationState", d.state()).put("ConnectionArn", d.connectionArn())
                .put("InvocationEndpoint", d.endpoint()).put("HttpMethod", d.method())
                .put("InvocationRateLimitPerSecond", d.rate())
                .put("CreationTime", d.created() / 1000.0).put("LastModifiedTime", d.modified() / 1000.0);
        return o;
    }

    ObjectNode describeDestination(Req r) {
        return destinationJson(existingDestination(name(r)), true);
    }

    ObjectNode listDestinations(Req r) {
        String prefix = r.optStr("NamePrefix", 1, 64);
        String connection = r.optStr("ConnectionArn", 1, 1600);
        List<Destination> all = sql.query(SELECT_DESTINATION + " ORDER BY name", Connections::destination);
        return EventBridge.page(r, "ApiDestinations", all.stream()
                .filter(d -> prefix == null || d.name().startsWith(prefix))
                .filter(d -> connection == null || d.connectionArn().equals(connection)).toList(), Destination::name,
                d -> destinationJson(d, false));
    }

    ObjectNode updateDestination(Req r) {
        String name = name(r);
        String description = r.optStr("Description", 0, 512);
        String connection = connectionOf(r, false);
        String endpoint = r.has("InvocationEndpoint")
                ? endpoint(r.str("InvocationEndpoint", 1, 2048), "InvocationEndpoint") : null;
        String method = r.optEnum("HttpMethod", METHODS);
        Integer rate = rate(r);
        Destination d = existingDestination(name);
        long now = clock.now().toEpochMilli();
        sql.update("UPDATE sl_api_destination SET description = ?, connection_arn = ?, endpoint = ?, http_method = ?,"
                + " rate_per_second = ?, modified = ? WHERE name = ?", description != null ? description : d.description(),
                connection != null ? connection : d.connectionArn(), endpoint != null ? endpoint : d.endpoint(),
                method != null ? method : d.method(), rate != null ? rate : d.rate(), now, name);
        return Json.object().put("ApiDestinationArn", d.arn()).put("ApiDestinationState", d.state())
                .put("CreationTime", d.created() / 1000.0).put("LastModifiedTime", now / 1000.0);
    }

    ObjectNode deleteDestination(Req r) {
        Destination d = existingDestination(name(r));
        sql.update("DELETE FROM sl_api_destination WHERE name = ? AND arn = ?", d.name(), d.arn());
        return Json.object();
    }

    /** A list of key/value pairs with a new value for a key (case-insensitive for headers). */
    public static void putCaseInsensitive(Map<String, String> map, String key, String value) {
        List<String> same = new ArrayList<>();
        for (String k : map.keySet()) {
            if (k.equalsIgnoreCase(key)) {
                same.add(k);
            }
        }
        same.forEach(map::remove);
        map.put(key, value);
    }
}
