package dev.setlist.flows.internal;

import dev.setlist.flows.FlowReview.ErrorCount;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Outcomes per flow and minute: an in-memory accumulator that {@link #add} fills without touching
 * the database, and {@link #flush} writes in one transaction, adding to this node's rows. Reads sum
 * every node's rows. Thread safe; flushes are serialized. The accumulator is split in stripes, each
 * with its own lock, chosen by the calling thread: every request of a server records an outcome,
 * and one lock for all of them would have the request threads queue on it.
 */
public final class MinuteStore {
    private static final int STRIPES = 8;

    private final Db db;
    private final String node;
    private final Object flushLock = new Object();
    private final Stripe[] stripes = new Stripe[STRIPES];

    private record Key(String flow, long minute) {}

    private static final class Stripe {
        Map<Key, Minute> pending = new HashMap<>();
    }

    public MinuteStore(Db db, String node) {
        this.db = db;
        this.node = node;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    public void add(String flow, long minute, boolean good, double latencyMillis, boolean fast, String error) {
        Stripe s = stripes[(int) (Thread.currentThread().threadId() & (STRIPES - 1))];
        synchronized (s) {
            s.pending.computeIfAbsent(new Key(flow, minute), k -> new Minute()).add(good, latencyMillis, fast, error);
        }
    }

    /** How many flow-minutes wait for the next flush. */
    public int pendingMinutes() {
        java.util.Set<Key> keys = new java.util.HashSet<>();
        for (Stripe s : stripes) {
            synchronized (s) {
                keys.addAll(s.pending.keySet());
            }
        }
        return keys.size();
    }

    /** Writes what accumulated; on failure keeps it for the next flush and rethrows. */
    public void flush() {
        synchronized (flushLock) {
            Map<Key, Minute> batch = new HashMap<>();
            for (Stripe s : stripes) {
                Map<Key, Minute> taken;
                synchronized (s) {
                    if (s.pending.isEmpty()) {
                        continue;
                    }
                    taken = s.pending;
                    s.pending = new HashMap<>();
                }
                taken.forEach((k, m) -> batch.merge(k, m, (a, b) -> {
                    a.merge(b);
                    return a;
                }));
            }
            if (batch.isEmpty()) {
                return;
            }
            try {
                db.transaction(c -> {
                    for (Map.Entry<Key, Minute> e : batch.entrySet()) {
                        write(c, e.getKey(), e.getValue());
                    }
                    return null;
                });
            } catch (RuntimeException e) {
                Stripe s = stripes[0];
                synchronized (s) {
                    batch.forEach((k, m) -> s.pending.computeIfAbsent(k, x -> new Minute()).merge(m));
                }
                throw e;
            }
        }
    }

    private void write(Connection c, Key k, Minute add) throws SQLException {
        List<Minute> rows = Db.query(c, "SELECT good, bad, fast, latency_sum, latency_min, latency_max, histogram "
                + "FROM fl_minute WHERE flow = ? AND epoch_minute = ? AND node = ? FOR UPDATE", rs -> {
                    Minute m = new Minute(Histogram.decode(rs.getString(7)));
                    m.good = rs.getLong(1);
                    m.bad = rs.getLong(2);
                    m.fast = rs.getLong(3);
                    m.latencySum = rs.getDouble(4);
                    m.latencyMin = rs.getDouble(5);
                    m.latencyMax = rs.getDouble(6);
                    return m;
                }, k.flow, k.minute, node);
        Minute total = rows.isEmpty() ? new Minute() : rows.get(0);
        total.merge(add);
        if (rows.isEmpty()) {
            Db.update(c, "INSERT INTO fl_minute (flow, epoch_minute, node, good, bad, fast, latency_sum, latency_min, "
                            + "latency_max, histogram) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", k.flow, k.minute, node,
                    total.good, total.bad, total.fast, total.latencySum, total.latencyMin, total.latencyMax,
                    total.histogram.encode());
        } else {
            Db.update(c, "UPDATE fl_minute SET good = ?, bad = ?, fast = ?, latency_sum = ?, latency_min = ?, "
                            + "latency_max = ?, histogram = ? WHERE flow = ? AND epoch_minute = ? AND node = ?", total.good,
                    total.bad, total.fast, total.latencySum, total.latencyMin, total.latencyMax,
                    total.histogram.encode(), k.flow, k.minute, node);
        }
        for (Map.Entry<String, Long> e : add.errors.entrySet()) {
            String error = e.getKey().length() > 256 ? e.getKey().substring(0, 256) : e.getKey();
            int n = Db.update(c, "UPDATE fl_minute_error SET n = n + ? WHERE flow = ? AND epoch_minute = ? AND node = ? "
                    + "AND error_name = ?", e.getValue(), k.flow, k.minute, node, error);
            if (n == 0) {
                Db.update(c, "INSERT INTO fl_minute_error (flow, epoch_minute, node, error_name, n) VALUES (?, ?, ?, ?, ?)",
                        k.flow, k.minute, node, error, e.getValue());
            }
        }
    }

    /** Good, bad and fast counts per minute in {@code [from, to)}, summed over nodes: {@code {good, bad, fast}}. */
    public NavigableMap<Long, long[]> counts(String flow, long fromMinute, long toMinute) {
        NavigableMap<Long, long[]> out = new TreeMap<>();
        db.query("SELECT epoch_minute, SUM(good), SUM(bad), SUM(fast) FROM fl_minute WHERE flow = ? AND epoch_minute >= ? "
                + "AND epoch_minute < ? GROUP BY epoch_minute", rs -> out.put(rs.getLong(1),
                new long[] {rs.getLong(2), rs.getLong(3), rs.getLong(4)}), flow, fromMinute, toMinute);
        return out;
    }

    /** Every minute in {@code [from, to)} with its histogram, summed over nodes (errors not included). */
    public NavigableMap<Long, Minute> minutes(String flow, long fromMinute, long toMinute) {
        NavigableMap<Long, Minute> out = new TreeMap<>();
        db.query("SELECT epoch_minute, good, bad, fast, latency_sum, latency_min, latency_max, histogram FROM fl_minute "
                + "WHERE flow = ? AND epoch_minute >= ? AND epoch_minute < ?", rs -> {
                    Minute m = new Minute(Histogram.decode(rs.getString(8)));
                    m.good = rs.getLong(2);
                    m.bad = rs.getLong(3);
                    m.fast = rs.getLong(4);
                    m.latencySum = rs.getDouble(5);
                    m.latencyMin = rs.getDouble(6);
                    m.latencyMax = rs.getDouble(7);
                    out.merge(rs.getLong(1), m, (a, b) -> {
                        a.merge(b);
                        return a;
                    });
                    return null;
                }, flow, fromMinute, toMinute);
        return out;
    }

    /** The most frequent errors of a flow in {@code [from, to)}, most frequent first, then by name. */
    public List<ErrorCount> topErrors(String flow, long fromMinute, long toMinute, int limit) {
        List<ErrorCount> all = db.query("SELECT error_name, SUM(n) FROM fl_minute_error WHERE flow = ? AND epoch_minute >= ? "
                + "AND epoch_minute < ? GROUP BY error_name ORDER BY SUM(n) DESC, error_name", rs -> new ErrorCount(rs.getString(1),
                rs.getLong(2)), flow, fromMinute, toMinute);
        return all.size() > limit ? List.copyOf(all.subList(0, limit)) : all;
    }
}
