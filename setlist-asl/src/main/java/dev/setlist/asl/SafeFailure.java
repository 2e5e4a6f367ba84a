package dev.setlist.asl;

import java.sql.SQLException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a log line may say about a failure. Exception messages are not safe to log: a JDBC
 * driver's (H2's, PostgreSQL's, a {@code BatchUpdateException}'s) names the statement with the
 * values it was given, a JSON parser's quotes the document, an HTTP client's may carry the body.
 * {@link #summary} keeps the exception's class and, for a database failure, the SQLState, the
 * vendor code and the statement's kind and table ({@code INSERT into ev_outbox}); never a value.
 * {@link #scrubbed} gives the same chain with those summaries as messages and the original stack
 * traces, for the log lines that need a stack trace. Lives in the lowest module so every module's
 * log lines use it.
 */
public final class SafeFailure {
    private static final int MAX_CAUSES = 16;
    /** The statement's kind and table, as the drivers quote the statement in their messages. */
    private static final Pattern STATEMENT = Pattern.compile(
            "(?i)\\b(INSERT\\s+INTO|MERGE\\s+INTO|UPDATE|DELETE\\s+FROM|SELECT\\b[^;]{0,400}?\\bFROM)\\s+\"?([A-Za-z_][A-Za-z0-9_]{0,63})");

    private SafeFailure() {}

    /**
     * One line about {@code t} and its causes, without their messages: {@code
     * java.sql.BatchUpdateException (SQLState 23505, code 23505, INSERT into ev_outbox)}, joined
     * with " <- " for the causes that add something.
     */
    public static String summary(Throwable t) {
        if (t == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable c = t; c != null && seen.put(c, true) == null && seen.size() <= MAX_CAUSES; c = c.getCause()) {
            if (!b.isEmpty()) {
                b.append(" <- ");
            }
            b.append(one(c));
        }
        return b.toString();
    }

    /** A description of {@code t} alone: its class and, for a database failure, what is safe to say of it. */
    private static String one(Throwable t) {
        String name = t.getClass().getName();
        if (t instanceof SQLException s) {
            StringBuilder b = new StringBuilder(name).append(" (SQLState ").append(s.getSQLState())
                    .append(", code ").append(s.getErrorCode());
            String statement = statement(s.getMessage());
            if (statement != null) {
                b.append(", ").append(statement);
            }
            return b.append(')').toString();
        }
        return name;
    }

    /** {@code INSERT into ev_outbox}: the kind and table of the first statement a message quotes, or null. */
    static String statement(String message) {
        if (message == null) {
            return null;
        }
        Matcher m = STATEMENT.matcher(message);
        if (!m.find()) {
            return null;
        }
        String kind = m.group(1).toUpperCase(java.util.Locale.ROOT).split("\\s+")[0];
        String prep = switch (kind) {
            case "INSERT", "MERGE" -> " into ";
            case "UPDATE" -> " ";
            default -> " from ";
        };
        return kind + prep + m.group(2).toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The chain of {@code t} with every message replaced by {@link #summary} of that link alone
     * and the original stack traces, for a log line that wants a stack trace.
     */
    public static Throwable scrubbed(Throwable t) {
        return scrubbed(t, 0);
    }

    private static Throwable scrubbed(Throwable t, int depth) {
        if (t == null) {
            return null;
        }
        Scrubbed s = new Scrubbed(one(t));
        s.setStackTrace(t.getStackTrace());
        if (t.getCause() != null && t.getCause() != t && depth < MAX_CAUSES) {
            s.initCause(scrubbed(t.getCause(), depth + 1));
        }
        return s;
    }

    /** An exception that stands for another in a log: its text is the summary, its stack the original's. */
    public static final class Scrubbed extends RuntimeException {
        Scrubbed(String summary) {
            super(summary);
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }
}
