package dev.setlist.server.auth;

import java.util.List;

/**
 * Who is calling and what they were granted. {@code via} says how they proved it (an access key
 * id, an API key id, or "session").
 */
public record Principal(String user, List<Policy.Grant> grants, String via) {

    public boolean allows(String action, String resource) {
        return Policy.allows(grants, action, resource);
    }

    /** The caller when authentication is switched off: an administrator of everything. */
    public static Principal unauthenticated() {
        return new Principal("anonymous", List.of(new Policy.Grant(Policy.ADMINISTRATOR, "*")), "none");
    }
}
