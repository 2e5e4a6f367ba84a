package dev.setlist.engine.internal;

import java.sql.SQLException;

/** The database failed; the message names the statement. */
public final class StoreException extends RuntimeException {
    public StoreException(String what, SQLException cause) {
        super("database error in " + abbreviate(what) + ": " + cause.getMessage(), cause);
    }

    public SQLException sqlException() {
        return (SQLException) getCause();
    }

    private static String abbreviate(String sql) {
        return sql.length() > 80 ? sql.substring(0, 80) + "…" : sql;
    }
}
