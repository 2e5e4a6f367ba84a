package dev.setlist.server.auth;

import dev.setlist.asl.Clock;
import dev.setlist.server.store.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Slows down password guessing at console sign-in, per user name and per client address, in the
 * server's tables (so every node sees the same counts). A few failures in a row are free; after
 * them each failure refuses the next attempt for a delay that doubles with every further failure,
 * up to a cap. A refused attempt is not checked at all (a right password is refused too) and does
 * not count. A success clears the user name's count and takes one failure off the address's. A
 * count is forgotten after a quiet period. Unknown user names are counted like known ones, so the
 * answers do not tell which users exist.
 *
 * <p>An attempt is counted against its user name before its password is checked ({@link #begin}),
 * so that parallel guesses cannot all slip in before the first is counted; a success takes it back.
 * Times come from the server's {@link Clock}. Thread safe.
 */
public final class SignInThrottle {
    /**
     * How one kind of key is throttled: after {@code free} failures in a row the next attempt is
     * refused for {@code first}, after each further failure for twice as long as before, at most
     * {@code max}; a count is forgotten {@code forget} after its last failure.
     */
    public record Limits(int free, Duration first, Duration max, Duration forget) {
        long delayMillis(int failures) {
            if (failures < free) {
                return 0;
            }
            int doublings = failures - free;
            long cap = max.toMillis();
            long start = first.toMillis();
            return doublings >= 62 || start > (cap >> doublings) ? cap : Math.min(cap, start << doublings);
        }
    }

    /** Per user name: after 5 failures in a row, 2 s, then 4 s, 8 s… up to 15 minutes; forgotten after a day. */
    public static final Limits USER = new Limits(5, Duration.ofSeconds(2), Duration.ofMinutes(15), Duration.ofDays(1));
    /** Per client address: after 20 failures in a row, 1 s, then 2 s, 4 s… up to 15 minutes; forgotten after an hour. */
    public static final Limits ADDRESS = new Limits(20, Duration.ofSeconds(1), Duration.ofMinutes(15), Duration.ofHours(1));

    private static final int PURGE_EVERY = 1000;

    private final Sql sql;
    private final Clock clock;
    private final Limits user;
    private final Limits address;
    private final AtomicLong writes = new AtomicLong();

    public SignInThrottle(Sql sql, Clock clock) {
        this(sql, clock, USER, ADDRESS);
    }

    public SignInThrottle(Sql sql, Clock clock, Limits user, Limits address) {
        this.sql = sql;
        this.clock = clock;
        this.user = user;
        this.address = address;
    }

    /**
     * Starts an attempt for {@code userName} from {@code clientAddress} (null when unknown):
     * returns the seconds to wait when it is refused, else 0, having counted it as a failure of the
     * user name (a success takes that back with {@link #succeeded}).
     */
    public long begin(String userName, String clientAddress) {
        long now = clock.now().toEpochMilli();
        String u = userKey(userName);
        String a = addressKey(clientAddress);
        return retrying(() -> sql.transaction(c -> {
            Row ur = lock(c, u);
            Row ar = a == null ? null : lock(c, a);
            long until = Math.max(ur == null ? 0 : ur.lockedUntil, ar == null ? 0 : ar.lockedUntil);
            if (until > now) {
                return Math.max(1, (until - now + 999) / 1000);
            }
            count(c, u, ur, user, now);
            return 0L;
        }));
    }

    /** The attempt begun for {@code userName} failed: counts it against the client address as well. */
    public void failed(String userName, String clientAddress) {
        String a = addressKey(clientAddress);
        if (a == null) {
            return;
        }
        long now = clock.now().toEpochMilli();
        retrying(() -> sql.transaction(c -> {
            count(c, a, lock(c, a), address, now);
            return null;
        }));
        if (writes.incrementAndGet() % PURGE_EVERY == 0) {
            purge(now);
        }
    }

    /** The attempt succeeded: clears the user name's count and takes one failure off the address's. */
    public void succeeded(String userName, String clientAddress) {
        sql.update("DELETE FROM sl_sign_in_throttle WHERE throttle_key = ?", userKey(userName));
        String a = addressKey(clientAddress);
        if (a != null) {
            sql.update("UPDATE sl_sign_in_throttle SET failures = failures - 1 WHERE throttle_key = ? AND failures > 0", a);
        }
    }

    /** Forgets everything about {@code userName} (an administrator reset the password). */
    public static void clear(Connection c, String userName) throws SQLException {
        Sql.update(c, "DELETE FROM sl_sign_in_throttle WHERE throttle_key = ?", userKey(userName));
    }

    /** Deletes the counts nobody needs any more. */
    void purge(long now) {
        long longest = Math.max(user.forget.toMillis(), address.forget.toMillis());
        sql.update("DELETE FROM sl_sign_in_throttle WHERE last_failure < ? AND locked_until < ?", now - longest, now);
    }

    private record Row(int failures, long lastFailure, long lockedUntil) {}

    private static Row lock(Connection c, String key) throws SQLException {
        var rows = Sql.query(c, "SELECT failures, last_failure, locked_until FROM sl_sign_in_throttle WHERE throttle_key = ?"
                + " FOR UPDATE", rs -> new Row(rs.getInt(1), rs.getLong(2), rs.getLong(3)), key);
        return rows.isEmpty() ? null : rows.get(0);
    }

    private static void count(Connection c, String key, Row row, Limits limits, long now) throws SQLException {
        int failures = row == null || now - row.lastFailure > limits.forget.toMillis() ? 1 : row.failures + 1;
        long delay = limits.delayMillis(failures);
        long until = delay == 0 ? 0 : now + delay;
        if (row == null) {
            Sql.update(c, "INSERT INTO sl_sign_in_throttle (throttle_key, failures, last_failure, locked_until)"
                    + " VALUES (?, ?, ?, ?)", key, failures, now, until);
        } else {
            Sql.update(c, "UPDATE sl_sign_in_throttle SET failures = ?, last_failure = ?, locked_until = ?"
                    + " WHERE throttle_key = ?", failures, now, until, key);
        }
    }

    /** Runs the work again once when two nodes inserted the same new key at once. */
    private static <T> T retrying(java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (IllegalStateException e) {
            if (!(e.getCause() instanceof SQLException s) || !isDuplicate(s)) {
                throw e;
            }
            return work.get();
        }
    }

    private static boolean isDuplicate(SQLException e) {
        String state = e.getSQLState();
        return "23505".equals(state) || "23000".equals(state);
    }

    static String userKey(String userName) {
        return "u:" + AuthStore.sha256(userName == null ? "" : userName);
    }

    static String addressKey(String clientAddress) {
        if (clientAddress == null || clientAddress.isEmpty()) {
            return null;
        }
        return "a:" + (clientAddress.length() > 100 ? clientAddress.substring(0, 100) : clientAddress);
    }
}
