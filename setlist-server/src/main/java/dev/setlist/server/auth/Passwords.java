package dev.setlist.server.auth;

import com.password4j.Password;
import java.security.SecureRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * Console password hashes: Argon2id with the parameters of {@code psw4j.properties}. A check
 * against no hash (an unknown or disabled user, or one without a password) is made against a
 * dummy hash of the same algorithm and cost, so that it takes the same work as a check against a
 * real one and the time of an answer does not tell whether the user exists. Counts its checks.
 * Thread safe.
 */
public final class Passwords {
    private final String dummy;
    private final LongAdder checks = new LongAdder();
    private final LongAdder dummyChecks = new LongAdder();

    public Passwords(SecureRandom random) {
        byte[] b = new byte[24];
        random.nextBytes(b);
        this.dummy = hash(java.util.HexFormat.of().formatHex(b));
    }

    /** A new salted hash of {@code password}. */
    public String hash(String password) {
        return Password.hash(password).addRandomSalt(16).withArgon2().getResult();
    }

    /**
     * Whether {@code password} matches {@code hash}; a null hash is never matched, but the check is
     * still done, against the dummy hash.
     */
    public boolean check(String password, String hash) {
        checks.increment();
        if (hash == null) {
            dummyChecks.increment();
        }
        boolean ok = Password.check(password == null ? "" : password, hash == null ? dummy : hash).withArgon2();
        return ok && hash != null;
    }

    /** Checks done so far. */
    public long checks() {
        return checks.sum();
    }

    /** Checks done so far against the dummy hash. */
    public long dummyChecks() {
        return dummyChecks.sum();
    }

    /** The dummy hash (its parameters are those of every real one). */
    String dummyHash() {
        return dummy;
    }
}
