package dev.setlist.engine.internal;

import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: one thread takes every {@link Write} waiting in its queue and commits them in one
 * transaction, each kind of statement as one JDBC batch. While a transaction commits, the next
 * group gathers, so the number of commits per second, not per step, is the limit. A write whose
 * fencing statement changes no row, or that fails, does not take the others down: the group is
 * rolled back and committed again without it (or one by one, to find it). When nothing else is in
 * flight, a caller commits its own write on its own thread: a single execution does not pay the
 * handoff to the committer thread and back on every step.
 */
public final class Committer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Committer.class);
    private static final Write POISON = new Write();

    /**
     * For crash tests: called before and after each transaction commits (on the committing thread).
     * Throwing before makes the transaction roll back; throwing after makes its writes fail although
     * they committed, as a crash right after the commit would leave them (the runs resume from what
     * the database holds). Null, the default, costs nothing.
     */
    public interface Faults {
        void beforeCommit(List<Write> group);

        void afterCommit(List<Write> group);
    }

    public static volatile Faults faults;

    private final Db db;
    private final int maxGroup;
    private final BlockingQueue<Write> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;
    /** Writes submitted and not yet committed or refused; 0 lets a caller commit its own write. */
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    /** One transaction at a time, whether the committer thread or a caller runs it. */
    private final java.util.concurrent.locks.ReentrantLock commitLock = new java.util.concurrent.locks.ReentrantLock();

    public Committer(Db db, int maxGroup) {
        this.db = db;
        this.maxGroup = maxGroup;
        this.thread = Thread.ofPlatform().name("setlist-committer").daemon(true).start(this::loop);
    }

    /** Queues the write; its {@link Write#done()} completes once it is committed (or refused). */
    public Write submit(Write write) {
        if (closed) {
            write.done.completeExceptionally(new IllegalStateException("the engine is closed"));
            return write;
        }
        if (inFlight.compareAndSet(0, 1)) {
            // Nothing else is queued or committing: commit on the caller's thread, without the handoff
            // to the committer thread and back. No earlier write can be overtaken (none is in flight).
            commitLock.lock();
            try {
                commitGroup(new ArrayList<>(List.of(write)));
            } catch (RuntimeException e) {
                write.done.completeExceptionally(e);
            } finally {
                commitLock.unlock();
                inFlight.decrementAndGet();
            }
            return write;
        }
        inFlight.incrementAndGet();
        queue.add(write);
        return write;
    }

    private void loop() {
        List<Write> group = new ArrayList<>(maxGroup);
        while (true) {
            try {
                Write first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closed) {
                        return;
                    }
                    continue;
                }
                if (first == POISON) {
                    return;
                }
                group.add(first);
                queue.drainTo(group, maxGroup - 1);
                boolean stop = group.remove(POISON);
                int size = group.size();
                commitLock.lock();
                try {
                    commitGroup(group);
                } finally {
                    commitLock.unlock();
                    inFlight.addAndGet(-size);
                }
                group.clear();
                if (stop) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("committer failed", dev.setlist.asl.SafeFailure.scrubbed(e));
                for (Write w : group) {
                    w.done.completeExceptionally(e);
                }
                group.clear();
            }
        }
    }

    private void commitGroup(List<Write> group) {
        List<Write> pending = new ArrayList<>(group);
        while (!pending.isEmpty()) {
            refuseAfterRefused(pending);
            if (pending.isEmpty()) {
                return;
            }
            Attempt attempt = tryCommit(pending);
            if (attempt.fenced.isEmpty() && attempt.failure == null) {
                pending.forEach(w -> w.done.complete(null));
                return;
            }
            if (!attempt.fenced.isEmpty()) {
                for (Write w : attempt.fenced) {
                    if (w.run != null) {
                        w.run.refused = true;
                    }
                    w.done.completeExceptionally(new Write.FencedException());
                }
                pending.removeAll(attempt.fenced);
                continue;
            }
            if (pending.size() == 1) {
                Write w = pending.get(0);
                if (w.run != null) {
                    w.run.refused = true;
                }
                w.done.completeExceptionally(attempt.failure);
                return;
            }
            // Find the failing write: commit one at a time.
            for (Write w : pending) {
                commitGroup(new ArrayList<>(List.of(w)));
            }
            return;
        }
    }

    /** Refuses the writes of runs one of whose earlier writes was refused (they queue in version order). */
    private static void refuseAfterRefused(List<Write> pending) {
        pending.removeIf(w -> {
            if (w.run == null || !w.run.refused) {
                return false;
            }
            w.done.completeExceptionally(new Write.FencedException());
            return true;
        });
    }

    private record Attempt(List<Write> fenced, RuntimeException failure) {}

    private Attempt tryCommit(List<Write> writes) {
        record Entry(Write write, Write.Op op) {}
        Map<String, List<Entry>> bySql = new LinkedHashMap<>();
        List<Entry> all = new ArrayList<>();
        for (Write w : writes) {
            for (Write.Op op : w.ops) {
                all.add(new Entry(w, op));
            }
        }
        // By rank; fencing updates also by execution id (stable: one execution's writes keep their order),
        // the order in which lease renewals lock the same rows.
        all.sort(Comparator.<Entry>comparingInt(e -> e.op.rank()).thenComparingLong(e -> e.op.rank() == Write.FENCE
                ? (Long) e.op.params()[e.op.params().length - 2] : 0L));
        for (Entry e : all) {
            bySql.computeIfAbsent(e.op.sql(), k -> new ArrayList<>()).add(e);
        }
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                List<Write> fenced = new ArrayList<>();
                for (Map.Entry<String, List<Entry>> group : bySql.entrySet()) {
                    List<Entry> entries = group.getValue();
                    boolean fence = entries.get(0).op.rank() == Write.FENCE;
                    try (PreparedStatement ps = c.prepareStatement(group.getKey())) {
                        int[] counts;
                        if (entries.size() == 1) {
                            Db.bind(ps, entries.get(0).op.params());
                            counts = new int[] {ps.executeUpdate()};
                        } else {
                            for (Entry e : entries) {
                                Db.bind(ps, e.op.params());
                                ps.addBatch();
                            }
                            counts = ps.executeBatch();
                        }
                        if (fence) {
                            for (int i = 0; i < counts.length; i++) {
                                if (counts[i] == 0 && !fenced.contains(entries.get(i).write)) {
                                    fenced.add(entries.get(i).write);
                                }
                            }
                        }
                    }
                }
                if (!fenced.isEmpty()) {
                    c.rollback();
                    return new Attempt(fenced, null);
                }
                Faults f = faults;
                if (f != null) {
                    f.beforeCommit(writes);
                }
                c.commit();
                if (f != null) {
                    f.afterCommit(writes);
                }
                return new Attempt(List.of(), null);
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                SQLException sql = e instanceof BatchUpdateException b && b.getNextException() != null ? b.getNextException()
                        : e instanceof SQLException s ? s : null;
                return new Attempt(List.of(), sql != null ? new StoreException("commit", sql)
                        : (RuntimeException) e);
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            return new Attempt(List.of(), new StoreException("commit", e));
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // The connection is broken; the pool will discard it.
        }
    }

    /** Commits what is queued, then stops. */
    @Override
    public void close() {
        closed = true;
        queue.add(POISON);
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
