package dev.setlist.server.guard;

import dev.setlist.asl.Clock;
import dev.setlist.flows.GuardSpec;
import dev.setlist.flows.guard.GuardPolicy;
import dev.setlist.flows.guard.LeverStore;
import dev.setlist.flows.guard.Levers;
import dev.setlist.server.store.Sql;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The guard's levers in the server's database ({@code sl_guard_lever}): a save updates the flow's
 * row, bumps {@code sl_guard_version} and writes the audit record in one transaction, so every
 * node polling the version sees the change, and the audit log never misses one.
 */
public final class SqlLeverStore implements LeverStore {
    private final Sql sql;
    private final Clock clock;

    public SqlLeverStore(Sql sql, Clock clock) {
        this.sql = sql;
        this.clock = clock;
    }

    @Override
    public long version() {
        Long v = sql.one("SELECT version FROM sl_guard_version WHERE id = 1", rs -> rs.getLong(1));
        return v == null ? 0 : v;
    }

    @Override
    public Map<String, Levers> load() {
        Map<String, Levers> out = new HashMap<>();
        sql.query("SELECT flow, disabled, degraded, rate_per_second, burst, quota_overridden, quota_limit, quota_period,"
                + " changed_by, changed FROM sl_guard_lever", rs -> {
                    double rate = rs.getDouble(4);
                    boolean hasRate = !rs.wasNull();
                    long burst = rs.getLong(5);
                    long limit = rs.getLong(7);
                    boolean hasLimit = !rs.wasNull();
                    String period = rs.getString(8);
                    long changed = rs.getLong(10);
                    boolean hasChanged = !rs.wasNull();
                    out.put(rs.getString(1), new Levers(rs.getBoolean(2), rs.getBoolean(3),
                            hasRate ? new GuardPolicy.Rate(rate, burst) : null, rs.getBoolean(6),
                            hasLimit && period != null ? new GuardSpec.Quota(limit, GuardSpec.Period.valueOf(period)) : null,
                            rs.getString(9), hasChanged ? Instant.ofEpochMilli(changed) : null));
                    return null;
                });
        return out;
    }

    @Override
    public void save(String flow, Levers l, String action, String details) {
        sql.transaction(c -> {
            Sql.update(c, "DELETE FROM sl_guard_lever WHERE flow = ?", flow);
            Sql.update(c, "INSERT INTO sl_guard_lever (flow, disabled, degraded, rate_per_second, burst, quota_overridden,"
                            + " quota_limit, quota_period, changed_by, changed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    flow, l.disabled(), l.degraded(), l.rate() == null ? null : l.rate().perSecond(),
                    l.rate() == null ? null : l.rate().burst(), l.quotaOverridden(),
                    l.quota() == null ? null : l.quota().limit(), l.quota() == null ? null : l.quota().period().name(),
                    l.changedBy(), l.changedAt() == null ? null : l.changedAt().toEpochMilli());
            Sql.update(c, "UPDATE sl_guard_version SET version = version + 1 WHERE id = 1");
            audit(c, l.changedBy() == null ? "unknown" : l.changedBy(), action, flow, details);
            return null;
        });
    }

    /** Writes an audit record of a guard action that changes no lever (dropping a cache). */
    public void audit(String actor, String action, String target, String details) {
        sql.transaction(c -> {
            audit(c, actor, action, target, details);
            return null;
        });
    }

    private void audit(java.sql.Connection c, String actor, String action, String target, String details)
            throws java.sql.SQLException {
        Sql.update(c, "INSERT INTO sl_audit (ts, actor, action, target, details) VALUES (?, ?, ?, ?, ?)",
                clock.now().toEpochMilli(), actor, action, target, details);
    }
}
