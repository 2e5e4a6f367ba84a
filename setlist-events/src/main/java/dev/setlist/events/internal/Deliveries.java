package dev.setlist.events.internal;

import dev.setlist.asl.Clock;
import dev.setlist.asl.Entropy;
import dev.setlist.engine.internal.Committer;
import dev.setlist.engine.internal.Db;
import dev.setlist.engine.internal.Write;
import dev.setlist.engine.internal.Dialect;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox worker: claims due deliveries (leased, so that several nodes share them and a dead
 * node's are taken over), sends each on a virtual thread, and records the outcome: delivered rows
 * are deleted, failures retried with capped exponential back-off and full jitter, and deliveries
 * out of attempts or age become dead letters. At least once: a crash between sending and
 * recording sends again.
 */
public final class Deliveries implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Deliveries.class);

    /** Sends one delivery; returns normally when delivered. */
    @FunctionalInterface
    public interface Sender {
        void send(Row row) throws dev.setlist.events.TargetSender.Failure;
    }

    /** A claimed delivery. */
    public record Row(String id, String eventId, String bus, String rule, String targetId, String targetArn,
                      String payload, long eventTime, long created, int attempts, int maxAgeSeconds, int maxAttempts,
                      String traceHeader, String deadLetterArn, String httpParameters) {}

    private final Db db;
    private final Committer committer;
    private final Clock clock;
    private final Entropy entropy;
    private final String nodeId;
    private final Sender sender;
    private final long pollMillis;
    private final long leaseMillis;
    private final long baseBackoffMillis;
    private final long maxBackoffMillis;
    private final Semaphore inFlight;
    private final BlockingQueue<Boolean> wake = new LinkedBlockingQueue<>();
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread loop;
    private volatile boolean closed;

    public Deliveries(Db db, Committer committer, Clock clock, Entropy entropy, String nodeId, Sender sender, long pollMillis, long leaseMillis,
                      long baseBackoffMillis, long maxBackoffMillis, int concurrency) {
        this.db = db;
        this.committer = committer;
        this.clock = clock;
        this.entropy = entropy;
        this.nodeId = nodeId;
        this.sender = sender;
        this.pollMillis = pollMillis;
        this.leaseMillis = leaseMillis;
        this.baseBackoffMillis = baseBackoffMillis;
        this.maxBackoffMillis = maxBackoffMillis;
        this.inFlight = new Semaphore(concurrency);
        this.loop = Thread.ofPlatform().name("setlist-deliveries").daemon(true).start(this::run);
    }

    /** New deliveries were committed: look now rather than at the next poll. */
    public void poke() {
        wake.offer(Boolean.TRUE);
    }

    private void run() {
        while (!closed) {
            try {
                int claimed = claimAndSend();
                if (claimed == 0) {
                    wake.poll(pollMillis, TimeUnit.MILLISECONDS);
                    wake.clear();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!closed) {
                    log.warn("delivery poll failed: {}", dev.setlist.asl.SafeFailure.summary(e));
                    try {
                        Thread.sleep(pollMillis);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    private int claimAndSend() throws InterruptedException {
        int room = inFlight.availablePermits();
        if (room == 0) {
            inFlight.acquire();
            inFlight.release();
            return 1;
        }
        long now = clock.now().toEpochMilli();
        List<Row> rows = db.transaction(c -> {
            String select = "SELECT id FROM ev_delivery WHERE status = 'PENDING' AND next_at <= ?"
                    + " AND (owner IS NULL OR lease_until < ?) ORDER BY next_at LIMIT ?"
                    + (db.dialect() == Dialect.POSTGRES ? " FOR UPDATE SKIP LOCKED" : "");
            List<String> ids = Db.query(c, select, rs -> rs.getString(1), now, now, Math.min(room, 256));
            List<Row> claimed = new java.util.ArrayList<>();
            for (String id : ids) {
                int n = Db.update(c, "UPDATE ev_delivery SET owner = ?, lease_until = ? WHERE id = ? AND status = 'PENDING'"
                        + " AND (owner IS NULL OR lease_until < ?)", nodeId, now + leaseMillis, id, now);
                if (n == 1) {
                    claimed.addAll(Db.query(c, "SELECT id, event_id, bus, rule, target_id, target_arn, payload, event_time,"
                            + " created, attempts, max_age_seconds, max_attempts, trace_header, dead_letter_arn, http_parameters"
                            + " FROM ev_delivery WHERE id = ?",
                            rs -> new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                    rs.getString(5), rs.getString(6), rs.getString(7), rs.getLong(8), rs.getLong(9),
                                    rs.getInt(10), rs.getInt(11), rs.getInt(12), rs.getString(13), rs.getString(14),
                                    rs.getString(15)), id));
                }
            }
            return claimed;
        });
        for (Row row : rows) {
            inFlight.acquire();
            workers.execute(() -> {
                try {
                    deliver(row);
                } finally {
                    inFlight.release();
                }
            });
        }
        return rows.size();
    }

    private void deliver(Row row) {
        try {
            sender.send(row);
            // Group-committed with other deletes; lost in a crash, the row is delivered again (at least once).
            committer.submit(new Write().add(Write.DELETE, "DELETE FROM ev_delivery WHERE id = ? AND owner = ?", row.id(),
                    nodeId));
        } catch (dev.setlist.events.TargetSender.Failure f) {
            failed(row, f.getMessage(), f.retriable());
        } catch (RuntimeException e) {
            failed(row, e.toString(), true);
        }
    }

    private void failed(Row row, String error, boolean retriable) {
        long now = clock.now().toEpochMilli();
        int attempts = row.attempts() + 1;
        boolean tooOld = now - row.eventTime() >= row.maxAgeSeconds() * 1000L;
        boolean tooMany = attempts > row.maxAttempts();
        String message = error.length() > 1000 ? error.substring(0, 1000) : error;
        if (!retriable || tooOld || tooMany) {
            String condition = !retriable ? "NotRetriable" : tooOld ? "MaximumEventAgeInSeconds" : "MaximumRetryAttempts";
            if (row.deadLetterArn() != null) {
                // Moved to its dead-letter queue in one transaction: in the queue or still here, never both or neither.
                db.transaction(c -> {
                    if (Db.update(c, "DELETE FROM ev_delivery WHERE id = ? AND owner = ?", row.id(), nodeId) == 1) {
                        Db.update(c, "INSERT INTO ev_dead_letter (id, queue, event_id, bus, rule, target_id, target_arn,"
                                + " body, error_code, error_message, exhausted, attempts, sent)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row.id(), row.deadLetterArn(),
                                row.eventId(), row.bus(), row.rule(), row.targetId(), row.targetArn(), row.payload(),
                                retriable ? "TARGET_UNAVAILABLE" : "TARGET_REFUSED", message, condition, attempts, now);
                    }
                    return null;
                });
                log.warn("delivery {} of event {} to {} gave up ({}) and went to {}: {}", row.id(), row.eventId(),
                        row.targetArn(), condition, row.deadLetterArn(), message);
                return;
            }
            db.update("UPDATE ev_delivery SET status = 'DEAD', attempts = ?, last_error = ?, owner = NULL, lease_until = NULL"
                    + " WHERE id = ?", attempts, message + (retriable ? (tooOld ? " (maximum event age reached)"
                    : " (maximum retry attempts reached)") : " (not retriable)"), row.id());
            log.warn("delivery {} of event {} to {} is a dead letter: {}", row.id(), row.eventId(), row.targetArn(), message);
            return;
        }
        long cap = Math.min(maxBackoffMillis, baseBackoffMillis << Math.min(attempts - 1, 30));
        long delay = (long) (entropy.nextDouble() * cap);
        db.update("UPDATE ev_delivery SET attempts = ?, next_at = ?, last_error = ?, owner = NULL, lease_until = NULL"
                + " WHERE id = ?", attempts, now + Math.max(1, delay), message, row.id());
    }

    @Override
    public void close() {
        closed = true;
        loop.interrupt();
        workers.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        db.update("UPDATE ev_delivery SET owner = NULL, lease_until = NULL WHERE owner = ? AND status = 'PENDING'", nodeId);
    }
}
