package dev.setlist.server.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.setlist.asl.Clock;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Json;
import dev.setlist.server.store.Sql;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Users, their grants, access keys, API keys, console sessions and the audit log, in the
 * server's tables. Passwords are Argon2id hashes (password4j); API keys and session ids are kept
 * as SHA-256 digests; access-key secrets are sealed by the {@link SecretBox} because SigV4 needs
 * them. Every administrative change writes an audit record in the same transaction. Looked-up
 * callers are cached for a few seconds and the cache is cleared by every change made here.
 * Sessions verified in the last {@link #RECENT} are remembered (at most {@link #RECENT_MAX}) so
 * that {@link Authenticator} can still recognize them for reads while the database is down; sign-out
 * forgets the session and every change of users or grants made on this node forgets them all.
 * Sign-ins are throttled ({@link SignInThrottle}), cost the same work for unknown users
 * ({@link Passwords}) and are audited, succeeded, failed or refused. No change leaves the
 * installation without an enabled administrator (409).
 * Thread safe.
 */
public final class AuthStore {
    public static final String ACCESS = "access";
    public static final String API = "api";
    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9._@+-]{1,64}");
    private static final Pattern ACCESS_KEY_ID = Pattern.compile("[A-Z0-9]{16,128}");
    private static final char[] UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();
    private static final char[] SECRET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".toCharArray();
    private static final long CACHE_MILLIS = 5_000;
    /** How long a verified session is recognized without the database. */
    public static final Duration RECENT = Duration.ofMinutes(5);
    public static final int RECENT_MAX = 10_000;

    private final Sql sql;
    private final SecretBox box;
    private final Clock clock;
    private final SecureRandom random;
    private final Duration sessionTtl;
    private final Passwords passwords;
    private final SignInThrottle throttle;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Principal principal, String secret, long until) {}

    /** Sessions verified lately, by the digest of their id (the ids themselves are not kept). */
    private final Cache<String, Session> recent;

    public AuthStore(Sql sql, SecretBox box, Clock clock, SecureRandom random, Duration sessionTtl) {
        this.sql = sql;
        this.box = box;
        this.clock = clock;
        this.random = random;
        this.sessionTtl = sessionTtl;
        this.passwords = new Passwords(random);
        this.throttle = new SignInThrottle(sql, clock);
        this.recent = Caffeine.newBuilder().maximumSize(RECENT_MAX).expireAfterWrite(RECENT)
                .ticker(() -> clock.now().toEpochMilli() * 1_000_000L).executor(Runnable::run).build();
    }

    // ---- first start ----------------------------------------------------------------------------

    /**
     * On the first start (no users yet) creates the administrator {@code admin} with a console
     * password and an access key, from {@code SETLIST_ADMIN_PASSWORD}, {@code SETLIST_ACCESS_KEY_ID}
     * and {@code SETLIST_SECRET_ACCESS_KEY} when set, else random, and prints them once to
     * {@code out}. Later starts do nothing.
     */
    public void bootstrap(Map<String, String> env, PrintStream out) {
        Long users = sql.one("SELECT COUNT(*) FROM sl_user", rs -> rs.getLong(1));
        if (users != null && users > 0) {
            return;
        }
        String password = env.getOrDefault("SETLIST_ADMIN_PASSWORD", randomString(SECRET, 20).replace('+', '-').replace('/', '_'));
        String keyId = env.get("SETLIST_ACCESS_KEY_ID");
        String secret = env.get("SETLIST_SECRET_ACCESS_KEY");
        if ((keyId == null) != (secret == null)) {
            throw new IllegalArgumentException("Set both SETLIST_ACCESS_KEY_ID and SETLIST_SECRET_ACCESS_KEY, or neither");
        }
        if (keyId != null && !ACCESS_KEY_ID.matcher(keyId).matches()) {
            throw new IllegalArgumentException("SETLIST_ACCESS_KEY_ID must be 16 to 128 upper-case letters and digits, was '"
                    + keyId + "'");
        }
        if (secret != null && secret.length() < 16) {
            throw new IllegalArgumentException("SETLIST_SECRET_ACCESS_KEY must be at least 16 characters");
        }
        createUser("setlist", "admin", password);
        grant("setlist", "admin", Policy.ADMINISTRATOR, "*");
        String[] key = createAccessKey("setlist", "admin", keyId, secret);
        out.println("setlist: first start: created the administrator 'admin'. These credentials are shown only once:");
        out.println("  console user:          admin");
        out.println("  console password:      " + (env.containsKey("SETLIST_ADMIN_PASSWORD") ? "(from SETLIST_ADMIN_PASSWORD)" : password));
        out.println("  AWS_ACCESS_KEY_ID=" + key[0]);
        out.println("  AWS_SECRET_ACCESS_KEY=" + (secret != null ? "(from SETLIST_SECRET_ACCESS_KEY)" : key[1]));
        out.flush();
    }

    // ---- users and grants ----------------------------------------------------------------------

    public record User(String name, Instant created, boolean disabled, List<Policy.Grant> grants) {}

    public void createUser(String actor, String name, String password) {
        checkUserName(name);
        if (password != null && password.length() < 8) {
            throw ApiException.validation("password must be at least 8 characters");
        }
        String hash = password == null ? null : passwords.hash(password);
        sql.transaction(c -> {
            if (!Sql.query(c, "SELECT 1 FROM sl_user WHERE name = ?", rs -> 1, name).isEmpty()) {
                throw ApiException.badRequest("ResourceAlreadyExists", "User '" + name + "' already exists");
            }
            Sql.update(c, "INSERT INTO sl_user (name, password_hash, created, disabled) VALUES (?, ?, ?, ?)", name, hash,
                    clock.now().toEpochMilli(), false);
            audit(c, actor, "CreateUser", name, null);
            return null;
        });
        changed();
    }

    public void setPassword(String actor, String name, String password) {
        requireUser(name);
        if (password == null || password.length() < 8) {
            throw ApiException.validation("password must be at least 8 characters");
        }
        String hash = passwords.hash(password);
        sql.transaction(c -> {
            Sql.update(c, "UPDATE sl_user SET password_hash = ? WHERE name = ?", hash, name);
            Sql.update(c, "DELETE FROM sl_session WHERE user_name = ?", name);
            audit(c, actor, "SetPassword", name, null);
            return null;
        });
        changed();
    }

    public void deleteUser(String actor, String name) {
        requireUser(name);
        if (name.equals(actor)) {
            throw conflict("Administrators cannot delete themselves");
        }
        sql.transaction(c -> {
            int before = lockAdministrators(c);
            Sql.update(c, "DELETE FROM sl_grant WHERE user_name = ?", name);
            Sql.update(c, "DELETE FROM sl_key WHERE user_name = ?", name);
            Sql.update(c, "DELETE FROM sl_session WHERE user_name = ?", name);
            Sql.update(c, "DELETE FROM sl_user WHERE name = ?", name);
            keepAnAdministrator(c, before, "User '" + name + "' is the last administrator: deleting them would leave"
                    + " nobody able to administer Setlist. Grant the administrator role to another user first.");
            audit(c, actor, "DeleteUser", name, null);
            return null;
        });
        changed();
    }

    public List<User> listUsers() {
        return sql.query("SELECT name, created, disabled FROM sl_user ORDER BY name", rs -> new User(rs.getString(1),
                Instant.ofEpochMilli(rs.getLong(2)), rs.getBoolean(3), grants(rs.getString(1))));
    }

    public List<Policy.Grant> grants(String user) {
        return sql.query("SELECT role, resources FROM sl_grant WHERE user_name = ? ORDER BY role, resources",
                rs -> new Policy.Grant(rs.getString(1), rs.getString(2)), user);
    }

    public void grant(String actor, String user, String role, String resources) {
        requireUser(user);
        checkRole(role);
        String res = resources == null || resources.isBlank() ? "*" : resources;
        if (res.length() > 400) {
            throw ApiException.validation("resources must be at most 400 characters, was " + res.length());
        }
        sql.transaction(c -> {
            if (Sql.query(c, "SELECT 1 FROM sl_grant WHERE user_name = ? AND role = ? AND resources = ?", rs -> 1, user,
                    role, res).isEmpty()) {
                Sql.update(c, "INSERT INTO sl_grant (user_name, role, resources, granted) VALUES (?, ?, ?, ?)", user, role, res,
                        clock.now().toEpochMilli());
            }
            audit(c, actor, "GrantRole", user, "{\"role\":\"" + role + "\",\"resources\":" + quote(res) + "}");
            return null;
        });
        changed();
    }

    public void revoke(String actor, String user, String role, String resources) {
        requireUser(user);
        checkRole(role);
        String res = resources == null || resources.isBlank() ? "*" : resources;
        sql.transaction(c -> {
            int before = lockAdministrators(c);
            int n = Sql.update(c, "DELETE FROM sl_grant WHERE user_name = ? AND role = ? AND resources = ?", user, role, res);
            if (n == 0) {
                throw ApiException.badRequest("ResourceNotFound", "User '" + user + "' holds no grant of role '" + role
                        + "' on '" + res + "'");
            }
            keepAnAdministrator(c, before, "User '" + user + "' holds the last grant of the administrator role: revoking"
                    + " it would leave nobody able to administer Setlist. Grant the administrator role to another user first.");
            audit(c, actor, "RevokeRole", user, "{\"role\":\"" + role + "\",\"resources\":" + quote(res) + "}");
            return null;
        });
        changed();
    }

    /** The answer to a change that would leave nobody able to administer (409). */
    static ApiException conflict(String message) {
        return new ApiException(409, "ConflictException", message);
    }

    /** The roles that allow administration ({@code setlist:Admin}), the built-in one and any workload's. */
    private static List<String> administratorRoles() {
        return Policy.roles().stream().filter(r -> Policy.allows(List.of(new Policy.Grant(r, "*")), "setlist:Admin", null))
                .toList();
    }

    /**
     * Locks the grants of the roles that allow administration (so that two administrators removing
     * each other at once on two nodes are serialized) and returns how many enabled users hold one.
     */
    private static int lockAdministrators(java.sql.Connection c) throws java.sql.SQLException {
        List<String> roles = administratorRoles();
        String in = String.join(", ", java.util.Collections.nCopies(roles.size(), "?"));
        Sql.query(c, "SELECT user_name FROM sl_grant WHERE role IN (" + in + ") FOR UPDATE", rs -> 1, roles.toArray());
        return administrators(c, roles);
    }

    private static int administrators(java.sql.Connection c, List<String> roles) throws java.sql.SQLException {
        String in = String.join(", ", java.util.Collections.nCopies(roles.size(), "?"));
        Long n = Sql.query(c, "SELECT COUNT(DISTINCT g.user_name) FROM sl_grant g JOIN sl_user u ON u.name = g.user_name"
                + " WHERE g.role IN (" + in + ") AND NOT u.disabled", rs -> rs.getLong(1), roles.toArray()).get(0);
        return n.intValue();
    }

    /**
     * Refuses (409, and the transaction is rolled back) a change that took the last enabled
     * administrator away: call it after the change, in its transaction, with what
     * {@link #lockAdministrators} answered before it. Deleting a user and revoking a grant go
     * through here (and so must anything that disables a user).
     */
    private static void keepAnAdministrator(java.sql.Connection c, int before, String message) throws java.sql.SQLException {
        if (before > 0 && administrators(c, administratorRoles()) == 0) {
            throw conflict(message);
        }
    }

    private void requireUser(String name) {
        checkUserName(name);
        if (sql.one("SELECT 1 FROM sl_user WHERE name = ?", rs -> 1, name) == null) {
            throw ApiException.badRequest("ResourceNotFound", "User '" + name + "' does not exist");
        }
    }

    private static void checkUserName(String name) {
        if (name == null || !USER_NAME.matcher(name).matches()) {
            throw ApiException.validation("user name must be 1 to 64 letters, digits or ._@+-, was "
                    + (name == null ? "null" : "'" + name + "'"));
        }
    }

    private static void checkRole(String role) {
        if (role == null || !Policy.isRole(role)) {
            throw ApiException.validation("role must be one of " + Policy.roles() + ", was "
                    + (role == null ? "null" : "'" + role + "'"));
        }
    }

    // ---- keys ----------------------------------------------------------------------------------

    public record Key(String id, String kind, String user, Instant created, boolean active) {}

    /** Creates an access key pair; returns {id, secret}. {@code id} and {@code secret} may be given (bootstrap). */
    public String[] createAccessKey(String actor, String user, String id, String secret) {
        requireUser(user);
        String keyId = id != null ? id : "SL" + randomString(UPPER, 18);
        String keySecret = secret != null ? secret : randomString(SECRET, 40);
        insertKey(actor, keyId, ACCESS, user, box.seal(keySecret), "CreateAccessKey");
        return new String[] {keyId, keySecret};
    }

    /** Creates an API key; returns {id, token}: the token ({@code id.secret}) is shown once and kept hashed. */
    public String[] createApiKey(String actor, String user) {
        requireUser(user);
        String keyId = "SLAPI" + randomString(UPPER, 15);
        String secret = randomString(SECRET, 40).replace('+', '-').replace('/', '_');
        insertKey(actor, keyId, API, user, sha256(secret), "CreateApiKey");
        return new String[] {keyId, keyId + "." + secret};
    }

    private void insertKey(String actor, String id, String kind, String user, String stored, String action) {
        sql.transaction(c -> {
            if (!Sql.query(c, "SELECT 1 FROM sl_key WHERE id = ?", rs -> 1, id).isEmpty()) {
                throw ApiException.badRequest("ResourceAlreadyExists", "Key '" + id + "' already exists");
            }
            Sql.update(c, "INSERT INTO sl_key (id, kind, user_name, secret, created, active) VALUES (?, ?, ?, ?, ?, ?)", id,
                    kind, user, stored, clock.now().toEpochMilli(), true);
            audit(c, actor, action, user, "{\"keyId\":\"" + id + "\"}");
            return null;
        });
        changed();
    }

    public void deleteKey(String actor, String id) {
        sql.transaction(c -> {
            int n = Sql.update(c, "DELETE FROM sl_key WHERE id = ?", id);
            if (n == 0) {
                throw ApiException.badRequest("ResourceNotFound", "Key '" + id + "' does not exist");
            }
            audit(c, actor, "DeleteKey", id, null);
            return null;
        });
        changed();
    }

    public List<Key> listKeys(String user) {
        return sql.query("SELECT id, kind, user_name, created, active FROM sl_key" + (user == null ? "" : " WHERE user_name = ?")
                + " ORDER BY user_name, id", rs -> new Key(rs.getString(1), rs.getString(2), rs.getString(3),
                Instant.ofEpochMilli(rs.getLong(4)), rs.getBoolean(5)), user == null ? new Object[0] : new Object[] {user});
    }

    /** The secret of an active access key, or null for an unknown one (SigV4 calls this). */
    public String accessKeySecret(String id) {
        Cached c = lookupKey(id);
        return c == null ? null : c.secret;
    }

    /** The caller behind an access key (after its signature was verified). */
    public Principal byAccessKey(String id) {
        Cached c = lookupKey(id);
        return c == null ? null : c.principal;
    }

    private Cached lookupKey(String id) {
        long now = clock.now().toEpochMilli();
        Cached c = cache.get("k:" + id);
        if (c != null && c.until > now) {
            return c;
        }
        record Row(String user, String secret) {}
        Row row = sql.one("SELECT k.user_name, k.secret FROM sl_key k JOIN sl_user u ON u.name = k.user_name"
                + " WHERE k.id = ? AND k.kind = ? AND k.active AND NOT u.disabled", rs -> new Row(rs.getString(1),
                rs.getString(2)), id, ACCESS);
        if (row == null) {
            return null;
        }
        Cached fresh = new Cached(new Principal(row.user, grants(row.user), id), box.open(row.secret), now + CACHE_MILLIS);
        cache.put("k:" + id, fresh);
        return fresh;
    }

    /** The caller behind an API key token ({@code id.secret}), or null. */
    public Principal byApiKey(String token) {
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        String id = token.substring(0, dot);
        String hash = sha256(token.substring(dot + 1));
        long now = clock.now().toEpochMilli();
        Cached c = cache.get("a:" + id);
        if (c == null || c.until <= now) {
            record Row(String user, String hash) {}
            Row row = sql.one("SELECT k.user_name, k.secret FROM sl_key k JOIN sl_user u ON u.name = k.user_name"
                    + " WHERE k.id = ? AND k.kind = ? AND k.active AND NOT u.disabled", rs -> new Row(rs.getString(1),
                    rs.getString(2)), id, API);
            if (row == null) {
                return null;
            }
            c = new Cached(new Principal(row.user, grants(row.user), id), row.hash, now + CACHE_MILLIS);
            cache.put("a:" + id, c);
        }
        return java.security.MessageDigest.isEqual(c.secret.getBytes(StandardCharsets.UTF_8),
                hash.getBytes(StandardCharsets.UTF_8)) ? c.principal : null;
    }

    // ---- sessions ------------------------------------------------------------------------------

    /** A console session: its id goes in an HttpOnly cookie, its CSRF token in every form post. */
    public record Session(String id, String csrf, Principal principal, Instant expires) {}

    /**
     * The outcome of a sign-in: a session, or none (wrong user name or password: the same for both),
     * or refused for {@code retryAfterSeconds} because of earlier failures ({@link SignInThrottle}).
     */
    public record SignIn(Session session, long retryAfterSeconds) {
        public boolean throttled() {
            return retryAfterSeconds > 0;
        }
    }

    /**
     * Signs in with a password from {@code clientAddress} (null when unknown). Refused without any
     * check while the user name or the address is throttled; else the password is checked (against a
     * dummy hash of the same cost when the user does not exist, is disabled or has no password, so
     * that the work is the same). Every outcome is written to the audit log (never the password).
     */
    public SignIn signIn(String name, String password, String clientAddress) {
        String claimed = name == null ? "" : name;
        long wait = throttle.begin(claimed, clientAddress);
        if (wait > 0) {
            auditSignIn(claimed, "SignInRefused", clientAddress, "throttled for " + wait + " s after failed sign-ins");
            return new SignIn(null, wait);
        }
        boolean valid = password != null && USER_NAME.matcher(claimed).matches();
        String hash = valid ? sql.one("SELECT password_hash FROM sl_user WHERE name = ? AND NOT disabled",
                rs -> rs.getString(1), claimed) : null;
        if (!passwords.check(password, hash) || !valid) {
            throttle.failed(claimed, clientAddress);
            auditSignIn(claimed, "SignInFailed", clientAddress, hash == null ? "no such user, disabled or no password"
                    : "wrong password");
            return new SignIn(null, 0);
        }
        throttle.succeeded(claimed, clientAddress);
        String id = randomString(SECRET, 43).replace('+', '-').replace('/', '_');
        String csrf = randomString(SECRET, 32).replace('+', '-').replace('/', '_');
        Instant expires = clock.now().plus(sessionTtl);
        sql.transaction(c -> {
            Sql.update(c, "INSERT INTO sl_session (id_hash, user_name, csrf, expires) VALUES (?, ?, ?, ?)", sha256(id), claimed,
                    csrf, expires.toEpochMilli());
            audit(c, claimed, "SignIn", claimed, signInDetails(clientAddress, null));
            return null;
        });
        return new SignIn(new Session(id, csrf, new Principal(claimed, grants(claimed), "session"), expires), 0);
    }

    /** {@link #signIn} from an unknown address: the new session, or null when refused or wrong. */
    public Session login(String name, String password) {
        return signIn(name, password, null).session();
    }

    private void auditSignIn(String claimed, String action, String clientAddress, String reason) {
        String who = claimed.isEmpty() ? "(none)" : claimed.length() > 64 ? claimed.substring(0, 64) : claimed;
        sql.transaction(c -> {
            audit(c, who, action, who, signInDetails(clientAddress, reason));
            return null;
        });
    }

    private static String signInDetails(String clientAddress, String reason) {
        ObjectNode n = Json.object();
        if (clientAddress != null) {
            n.put("address", clientAddress);
        }
        if (reason != null) {
            n.put("reason", reason);
        }
        return Json.text(n);
    }

    /** The password hashing (its counts tell tests how many checks were made). */
    Passwords passwords() {
        return passwords;
    }

    /** The sign-in throttle. */
    SignInThrottle throttle() {
        return throttle;
    }

    public Session session(String id) {
        if (id == null || id.isEmpty() || id.length() > 100) {
            return null;
        }
        record Row(String user, String csrf, long expires) {}
        Row row = sql.one("SELECT s.user_name, s.csrf, s.expires FROM sl_session s JOIN sl_user u ON u.name = s.user_name"
                + " WHERE s.id_hash = ? AND NOT u.disabled", rs -> new Row(rs.getString(1), rs.getString(2), rs.getLong(3)),
                sha256(id));
        if (row == null || row.expires <= clock.now().toEpochMilli()) {
            recent.invalidate(sha256(id));
            return null;
        }
        Session s = new Session(id, row.csrf, new Principal(row.user, grants(row.user), "session"),
                Instant.ofEpochMilli(row.expires));
        recent.put(sha256(id), s);
        return s;
    }

    /**
     * The session as it was last verified by {@link #session}, if that was within {@link #RECENT},
     * it has not expired since, and it was not signed out or affected by a change on this node;
     * else null. Reads no table: for when the database cannot be reached.
     */
    public Session recentSession(String id) {
        if (id == null || id.isEmpty() || id.length() > 100) {
            return null;
        }
        Session s = recent.getIfPresent(sha256(id));
        return s == null || !s.expires().isAfter(clock.now()) ? null : s;
    }

    public void logout(String id) {
        recent.invalidate(sha256(id));
        sql.update("DELETE FROM sl_session WHERE id_hash = ?", sha256(id));
    }

    // ---- audit ---------------------------------------------------------------------------------

    public record AuditRecord(long id, Instant at, String actor, String action, String target, String details) {}

    private void audit(java.sql.Connection c, String actor, String action, String target, String details)
            throws java.sql.SQLException {
        audit(c, clock, actor, action, target, details);
    }

    static void audit(java.sql.Connection c, Clock clock, String actor, String action, String target, String details)
            throws java.sql.SQLException {
        Sql.update(c, "INSERT INTO sl_audit (ts, actor, action, target, details) VALUES (?, ?, ?, ?, ?)",
                clock.now().toEpochMilli(), actor, action, target, details);
    }

    /** Newest first; {@code before} (an id) pages back. */
    public List<AuditRecord> audit(Long before, int limit) {
        return sql.query("SELECT id, ts, actor, action, target, details FROM sl_audit WHERE id < ? ORDER BY id DESC LIMIT ?",
                rs -> new AuditRecord(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6)), before == null ? Long.MAX_VALUE : before, limit);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private void changed() {
        cache.clear();
        recent.invalidateAll();
    }

    private String randomString(char[] alphabet, int length) {
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = alphabet[random.nextInt(alphabet.length)];
        }
        return new String(out);
    }

    static String sha256(String s) {
        return SigV4.sha256Hex(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String quote(String s) {
        ObjectNode n = Json.object();
        n.put("v", s);
        return Json.text(n.get("v"));
    }
}
