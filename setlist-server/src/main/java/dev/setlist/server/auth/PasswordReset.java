package dev.setlist.server.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Clock;
import dev.setlist.server.http.Json;
import dev.setlist.server.store.Sql;
import java.security.SecureRandom;
import java.util.List;

/**
 * Recovers an installation nobody can administer any more (the {@code setlist admin reset-password}
 * command): gives a user a new random password, makes them an administrator (the administrator
 * role on {@code *}), enables them, ends their sessions and clears their failed sign-ins, in one
 * transaction, audited. Works on the server's tables directly, with or without a server running
 * on them (a running node forgets what it cached about the user within a few seconds).
 */
public final class PasswordReset {
    /** The actor the audit log names for a reset from the command line. */
    public static final String ACTOR = "setlist-cli";
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

    private final Sql sql;
    private final Clock clock;
    private final SecureRandom random;

    public PasswordReset(Sql sql, Clock clock, SecureRandom random) {
        this.sql = sql;
        this.clock = clock;
        this.random = random;
    }

    /** What a reset did: the new password (to be shown once) and whether the role had to be granted. */
    public record Result(String user, String password, boolean grantedAdministrator, int sessionsEnded) {}

    /** Resets {@code user}'s password; fails with {@link IllegalArgumentException} for an unknown user. */
    public Result reset(String user) {
        List<String> users = sql.query("SELECT name FROM sl_user ORDER BY name", rs -> rs.getString(1));
        if (!users.contains(user)) {
            throw new IllegalArgumentException("no user '" + user + "' (users: " + (users.isEmpty() ? "none"
                    : String.join(", ", users.size() > 20 ? users.subList(0, 20) : users)) + ")");
        }
        char[] chars = new char[24];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        String password = new String(chars);
        String hash = new Passwords(random).hash(password);
        return sql.transaction(c -> {
            Sql.update(c, "UPDATE sl_user SET password_hash = ?, disabled = ? WHERE name = ?", hash, false, user);
            int sessions = Sql.update(c, "DELETE FROM sl_session WHERE user_name = ?", user);
            boolean grant = Sql.query(c, "SELECT 1 FROM sl_grant WHERE user_name = ? AND role = ? AND resources = ?",
                    rs -> 1, user, Policy.ADMINISTRATOR, "*").isEmpty();
            if (grant) {
                Sql.update(c, "INSERT INTO sl_grant (user_name, role, resources, granted) VALUES (?, ?, ?, ?)", user,
                        Policy.ADMINISTRATOR, "*", clock.now().toEpochMilli());
            }
            SignInThrottle.clear(c, user);
            ObjectNode details = Json.object().put("grantedAdministrator", grant).put("sessionsEnded", sessions);
            AuthStore.audit(c, clock, ACTOR, "ResetPassword", user, Json.text(details));
            return new Result(user, password, grant, sessions);
        });
    }
}
