package dev.setlist.server.auth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts the secrets of access keys at rest (AES-256-GCM). SigV4 needs the secret itself to
 * compute the expected signature, so it cannot be hashed like a password; it is kept encrypted
 * with the server key instead. The key is a file in the data directory (created on first start,
 * readable by its owner only), or {@code SETLIST_SERVER_KEY} (base64 of 32 bytes) so that several
 * nodes on one PostgreSQL database share it. Thread safe.
 */
public final class SecretBox {
    private static final int NONCE = 12;
    private final SecretKeySpec key;
    private final SecureRandom random;

    public SecretBox(byte[] key, SecureRandom random) {
        if (key.length != 32) {
            throw new IllegalArgumentException("The server key must be 32 bytes, was " + key.length);
        }
        this.key = new SecretKeySpec(key, "AES");
        this.random = random;
    }

    /** The key from {@code base64} when given, else from {@code file}, which is created when missing. */
    public static SecretBox open(String base64, Path file, SecureRandom random) {
        if (base64 != null && !base64.isBlank()) {
            try {
                return new SecretBox(Base64.getDecoder().decode(base64.trim()), random);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("SETLIST_SERVER_KEY must be the base64 of 32 bytes: " + e.getMessage());
            }
        }
        try {
            if (Files.exists(file)) {
                return new SecretBox(Base64.getDecoder().decode(Files.readString(file).trim()), random);
            }
            byte[] k = new byte[32];
            random.nextBytes(k);
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, Base64.getEncoder().encodeToString(k) + "\n");
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the directory's permissions must protect it
            }
            return new SecretBox(k, random);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read or create the server key " + file + ": " + e.getMessage(), e);
        }
    }

    public String seal(String plain) {
        try {
            byte[] nonce = new byte[NONCE];
            random.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            byte[] sealed = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            return "v1:" + Base64.getEncoder().encodeToString(ByteBuffer.allocate(NONCE + sealed.length).put(nonce)
                    .put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The plain text, or an exception when the text was sealed with another key or altered. */
    public String open(String sealed) {
        if (!sealed.startsWith("v1:")) {
            throw new IllegalStateException("Not a sealed secret");
        }
        try {
            byte[] all = Base64.getDecoder().decode(sealed.substring(3));
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, all, 0, NONCE));
            return new String(c.doFinal(all, NONCE, all.length - NONCE), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("The secret cannot be opened with this server key (was the key changed?)", e);
        }
    }
}
