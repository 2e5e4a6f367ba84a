package dev.setlist.engine.internal;

/** The few places where H2 and PostgreSQL need different SQL. */
public enum Dialect {
    H2, POSTGRES;

    public static Dialect of(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return POSTGRES;
        }
        if (jdbcUrl.startsWith("jdbc:h2:")) {
            return H2;
        }
        throw new IllegalArgumentException("unsupported database URL '" + jdbcUrl
                + "': use jdbc:h2:… (embedded) or jdbc:postgresql:…");
    }

    String nextIdBlock() {
        return this == POSTGRES ? "SELECT nextval('sl_ids')" : "SELECT NEXT VALUE FOR sl_ids";
    }

    /** A claim of due executions; PostgreSQL skips rows another node is claiming right now. */
    String dueExecutions() {
        String select = "SELECT id FROM sl_execution WHERE status = 'RUNNING' AND wake_at <= ?"
                + " AND (owner IS NULL OR lease_until < ?) ORDER BY wake_at LIMIT ?";
        return this == POSTGRES ? select + " FOR UPDATE SKIP LOCKED" : select;
    }

    String nextActivityTask() {
        String select = "SELECT token, input FROM sl_activity_task WHERE activity_arn = ? AND claimed IS NULL"
                + " ORDER BY created LIMIT 1";
        return this == POSTGRES ? select + " FOR UPDATE SKIP LOCKED" : select;
    }
}
