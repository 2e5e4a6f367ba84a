package dev.setlist.flows;

/**
 * One thing wrong with a catalog: where (a JSON pointer into the document, such as
 * {@code /flows/3/targets/reliability/availability}, and the line and column of that place in the
 * YAML text, 0 when unknown) and what, as a plain sentence.
 */
public record Problem(String location, int line, int column, String message) {
    /** {@code /flows/3/targets/reliability/availability: must be between 0 and 100, was 120}. */
    @Override
    public String toString() {
        return (location.isEmpty() ? "/" : location) + ": " + message;
    }

    /** {@code 12:7: /flows/3/…: …}, the way compilers print it, or {@link #toString} without a line. */
    public String located() {
        return line > 0 ? line + ":" + column + ": " + this : toString();
    }
}
