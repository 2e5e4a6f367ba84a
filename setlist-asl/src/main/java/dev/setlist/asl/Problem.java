package dev.setlist.asl;

/**
 * One thing wrong with a definition: where (a JSON pointer into the definition, such as
 * {@code /States/Pay/Retry/0/BackoffRate}) and what, as a plain sentence.
 */
public record Problem(String location, String message) {
    @Override
    public String toString() {
        return (location.isEmpty() ? "/" : location) + ": " + message;
    }
}
