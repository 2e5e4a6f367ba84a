package dev.setlist.flows;

import dev.setlist.asl.Clock;
import dev.setlist.asl.Entropy;
import dev.setlist.flows.AlarmSpec.CompositeAlarm;
import dev.setlist.flows.AlarmSpec.MetricAlarm;
import dev.setlist.flows.internal.AlarmBook;
import dev.setlist.flows.internal.Datapoints;
import dev.setlist.flows.internal.Db;
import dev.setlist.flows.internal.Escalator;
import dev.setlist.flows.internal.MetricEvaluation;
import dev.setlist.flows.internal.Minute;
import dev.setlist.flows.internal.MinuteStore;
import dev.setlist.flows.internal.Notifier;
import dev.setlist.flows.internal.RuleExpression;
import dev.setlist.flows.internal.SloMath;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds a catalog's flows to their targets. {@link #record} takes each real outcome into an
 * in-memory accumulator (no I/O); {@link #flush} writes the accumulated per-minute buckets in one
 * transaction; {@link #evaluate} flushes, then computes every flow's burn-rate alerts, every metric
 * and composite alarm, escalates incidents along the flows' paths and hands each state change to
 * the {@link AlarmSink}. {@link #start} runs flush and evaluate in the background (every
 * {@code interval} of the clock); tests call {@link #evaluate} themselves on a manual clock.
 *
 * <p>All state (minutes, alarm states and history, incidents) lives in the database, so a new
 * monitor on the same database carries on where the last stopped. Thread safe. One node at a time
 * should evaluate: alarms and escalation are not yet shared between nodes, while recording and
 * flushing are (each node writes its own rows).
 */
public final class FlowMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FlowMonitor.class);

    private final Catalog catalog;
    private final Clock clock;
    /**
     * The first minute this monitor saw: a period that began before it was not watched, so its
     * data is unknown rather than missing (a fresh start is not a silence).
     */
    private final long firstMinute;
    private final AlarmSink sink;
    private final MinuteStore minutes;
    private final AlarmBook book;
    private final Escalator escalator;
    private final Duration interval;
    private final Map<String, Flow> flowOfAlarm = new LinkedHashMap<>();
    private final Map<String, Flow> flowsById = new java.util.HashMap<>();
    /** Each flow's tail latency objective in nanoseconds, -1 without one; also the set of known flows. */
    private final Map<String, Long> tailNanos = new java.util.HashMap<>();
    private final List<CompositeAlarm> compositesInOrder;
    private final Map<String, RuleExpression> rules = new LinkedHashMap<>();
    private final Object evaluation = new Object();
    private volatile Thread loop;
    private volatile boolean closed;

    private FlowMonitor(Builder b) {
        this.catalog = b.catalog;
        this.clock = b.clock;
        this.firstMinute = SloMath.minuteOf(b.clock.now());
        this.sink = b.sink;
        this.interval = b.interval;
        Db db = new Db(b.dataSource);
        this.minutes = new MinuteStore(db, b.nodeId != null ? b.nodeId : b.entropy.uuid());
        this.book = new AlarmBook(db);
        this.escalator = new Escalator(db, b.entropy, new Notifier(b.httpTimeout, b.outbound), catalog.workload(), catalog::flow);
        Instant now = clock.now();
        List<CompositeAlarm> composites = new ArrayList<>();
        for (Flow f : catalog.flows()) {
            flowsById.put(f.id(), f);
            Map.Entry<Double, Duration> tail = f.targets().performance() == null ? null
                    : f.targets().performance().tail();
            tailNanos.put(f.id(), tail == null ? -1L : tail.getValue().toNanos());
            for (SloMath.Spec s : SloMath.specs(f)) {
                book.declare(burnRateName(f, s.name()), f.id(), AlarmChange.Kind.BURN_RATE, AlarmState.OK, now);
            }
            for (AlarmSpec a : f.alarms()) {
                flowOfAlarm.put(a.name(), f);
                if (a instanceof CompositeAlarm c) {
                    composites.add(c);
                    rules.put(c.name(), RuleExpression.parse(c.rule()));
                }
                book.declare(a.name(), f.id(), a instanceof MetricAlarm ? AlarmChange.Kind.METRIC
                        : AlarmChange.Kind.COMPOSITE, AlarmState.INSUFFICIENT_DATA, now);
            }
        }
        this.compositesInOrder = order(composites);
    }

    public static Builder builder(Catalog catalog, DataSource dataSource) {
        return new Builder(catalog, dataSource);
    }

    /** The full name of a flow's burn-rate alert: {@code purchase-ticket:burn-rate-1h}. */
    public static String burnRateName(Flow flow, String alert) {
        return flow.id() + ":" + alert;
    }

    /** Composites after the composites their rules refer to (the catalog guarantees there is no cycle). */
    private List<CompositeAlarm> order(List<CompositeAlarm> composites) {
        List<CompositeAlarm> out = new ArrayList<>();
        List<CompositeAlarm> left = new ArrayList<>(composites);
        while (!left.isEmpty()) {
            for (var it = left.iterator(); it.hasNext(); ) {
                CompositeAlarm c = it.next();
                boolean ready = rules.get(c.name()).names().stream().noneMatch(n -> left.stream()
                        .anyMatch(o -> o.name().equals(n)));
                if (ready) {
                    out.add(c);
                    it.remove();
                }
            }
        }
        return out;
    }

    public Catalog catalog() {
        return catalog;
    }

    // ---- recording ------------------------------------------------------------------------------

    /**
     * Records an outcome of a flow of the catalog (in memory until the next flush). A bad outcome
     * whose error the flow lists in {@code targets.reliability.expectedErrors} counts as good.
     */
    public void record(Outcome o) {
        record(o.flow(), SloMath.minuteOf(o.time()), o.good(), o.latency().toNanos(), o.error());
    }

    /** Records an outcome that ended now. */
    public void record(String flow, boolean good, Duration latency, String error) {
        record(flow, good, latency.toNanos(), error);
    }

    /** Records an outcome that ended now and took {@code latencyNanos}: what servers call per request. */
    public void record(String flow, boolean good, long latencyNanos, String error) {
        record(flow, SloMath.minuteOf(clock.now()), good, latencyNanos, error);
    }

    private void record(String flow, long minute, boolean good, long latencyNanos, String error) {
        Long tail = tailNanos.get(flow);
        if (tail == null) {
            throw new IllegalArgumentException("no flow " + flow + " in the catalog of " + catalog.workload());
        }
        if (!good && flowsById.get(flow).targets().reliability().expected(error)) {
            good = true; // a business outcome (a declined payment): the flow worked
        }
        minutes.add(flow, minute, good, latencyNanos / 1e6, latencyNanos <= tail, good ? null : error);
    }

    /** Writes the accumulated outcomes; on failure they stay for the next flush. */
    public void flush() {
        minutes.flush();
    }

    // ---- evaluation -----------------------------------------------------------------------------

    /** Flushes, then evaluates every alert and alarm at the clock's now, and escalates incidents. */
    public void evaluate() {
        synchronized (evaluation) {
            flush();
            Instant now = clock.now();
            long nowMinute = SloMath.minuteOf(now);
            for (Flow f : catalog.flows()) {
                SloStatus s = slo(f, now.minus(f.targets().reliability().window()), now);
                for (SloStatus.BurnRate r : s.burnRates()) {
                    String reason = String.format(java.util.Locale.ROOT,
                            "burn rate %.2f over %s and %.2f over %s, %s %.2f", r.longRate(), format(r.longWindow()),
                            r.shortRate(), format(r.shortWindow()), r.firing() ? "both above" : "not both above",
                            r.factor());
                    change(f, r.name(), burnRateName(f, r.name()), r.firing() ? AlarmState.ALARM : AlarmState.OK,
                            reason, now);
                }
                Map<String, NavigableMap<Long, Minute>> cache = new LinkedHashMap<>();
                for (AlarmSpec a : f.alarms()) {
                    if (a instanceof MetricAlarm m) {
                        int count = MetricEvaluation.rangeLength(m);
                        long first = Datapoints.firstMinute(m, nowMinute, count);
                        NavigableMap<Long, Minute> data = cache.computeIfAbsent(m.period() + "/" + count,
                                k -> minutes.minutes(f.id(), first, nowMinute + 1));
                        List<Double> range = Datapoints.of(m, data, nowMinute, count);
                        int unwatched = Datapoints.periodsBefore(m, nowMinute, count, firstMinute);
                        if (unwatched >= count) {
                            continue; // no whole period watched yet: the alarm keeps its state
                        }
                        range = range.subList(unwatched, count);
                        MetricEvaluation.Result r = MetricEvaluation.evaluate(m, range, book.get(m.name()).state());
                        change(f, m.name(), m.name(), r.state(), r.reason(), now);
                    }
                }
            }
            for (CompositeAlarm c : compositesInOrder) {
                RuleExpression rule = rules.get(c.name());
                boolean alarm = rule.evaluate(name -> {
                    Alarm a = book.get(name);
                    return a == null ? AlarmState.INSUFFICIENT_DATA : a.state();
                });
                StringBuilder states = new StringBuilder();
                for (String n : rule.names()) {
                    states.append(states.isEmpty() ? "" : ", ").append(n).append(" is ").append(book.get(n).state());
                }
                change(flowOfAlarm.get(c.name()), c.name(), c.name(), alarm ? AlarmState.ALARM : AlarmState.OK,
                        (alarm ? "the rule is true: " : "the rule is false: ") + states, now);
            }
            escalator.tick(now);
        }
    }

    private static String format(Duration d) {
        return dev.setlist.flows.internal.Durations.format(d);
    }

    private void change(Flow flow, String shortName, String name, AlarmState to, String reason, Instant now) {
        AlarmChange change = book.set(name, to, reason, now);
        if (change == null) {
            return;
        }
        try {
            sink.accept(change);
        } catch (RuntimeException e) {
            log.warn("the alarm sink failed on {} -> {}: {}", name, to, dev.setlist.asl.SafeFailure.summary(e));
        }
        if (to == AlarmState.ALARM && pages(flow, shortName)) {
            escalator.open(flow, name, reason, now);
        } else if (to == AlarmState.OK) {
            escalator.resolve(name, reason, now);
        }
    }

    private static boolean pages(Flow flow, String shortName) {
        List<String> page = flow.targets().operations() == null ? List.of() : flow.targets().operations().page();
        return page.isEmpty() || page.contains(shortName);
    }

    // ---- reading --------------------------------------------------------------------------------

    private Flow flow(String id) {
        Flow f = catalog.flow(id);
        if (f == null) {
            throw new IllegalArgumentException("no flow " + id + " in the catalog of " + catalog.workload());
        }
        return f;
    }

    /** The flow's service level over its objective window, ending now. */
    public SloStatus slo(String flowId) {
        Flow f = flow(flowId);
        Instant now = clock.now();
        return slo(f, now.minus(f.targets().reliability().window()), now);
    }

    /** The flow's service level over {@code [from, to)}, with its burn rates as of {@code to}. */
    public SloStatus slo(String flowId, Instant from, Instant to) {
        return slo(flow(flowId), from, to);
    }

    private SloStatus slo(Flow f, Instant from, Instant to) {
        Instant earliest = from;
        for (SloMath.Spec s : SloMath.specs(f)) {
            Instant start = to.minus(s.longWindow());
            if (start.isBefore(earliest)) {
                earliest = start;
            }
        }
        NavigableMap<Long, long[]> counts = minutes.counts(f.id(), SloMath.minuteOf(earliest), SloMath.minuteAfter(to));
        return SloMath.status(f, catalog.hoursOf(f), counts, from, to);
    }

    /** Every alarm and burn-rate alert with its current state. */
    public List<Alarm> alarms() {
        return book.all();
    }

    public Alarm alarm(String name) {
        return book.get(name);
    }

    /** State changes in {@code [from, to)}, oldest first; {@code flow} and {@code alarm} filter when not null. */
    public List<AlarmChange> alarmHistory(String flow, String alarm, Instant from, Instant to) {
        return book.history(flow, alarm, from, to);
    }

    /** Incidents opened in {@code [from, to)}, oldest first; only unresolved ones when {@code openOnly}. */
    public List<Incident> incidents(boolean openOnly, Instant from, Instant to) {
        return escalator.incidents(openOnly, from, to);
    }

    /** Every unresolved incident. */
    public List<Incident> openIncidents() {
        return escalator.incidents(true, Instant.EPOCH, Instant.ofEpochMilli(Long.MAX_VALUE / 2));
    }

    public Incident incident(String id) {
        return escalator.incident(id);
    }

    /**
     * Stops the escalation of an open incident. Throws {@link IllegalArgumentException} for an
     * unknown id and {@link IllegalStateException} when it is already acknowledged or resolved.
     */
    public Incident acknowledge(String incidentId, String who) {
        Objects.requireNonNull(who, "who");
        return escalator.acknowledge(incidentId, who, clock.now());
    }

    /**
     * The periodic review of a flow over {@code [from, to)}: its service level (counting minutes as
     * the objective does), latency percentiles over those minutes, how many times each of its alarms
     * and alerts went to ALARM, and its ten most frequent errors.
     */
    public FlowReview review(String flowId, Instant from, Instant to) {
        Flow f = flow(flowId);
        SloStatus slo = slo(f, from, to);
        NavigableMap<Long, Minute> all = minutes.minutes(f.id(), SloMath.minuteOf(from), SloMath.minuteAfter(to));
        java.util.function.LongPredicate counting = SloMath.counts(catalog.hoursOf(f),
                f.targets().reliability().maintenance());
        Minute merged = new Minute();
        all.forEach((minute, m) -> {
            if (counting.test(minute)) {
                merged.merge(m);
            }
        });
        Map<Double, Double> latency = new LinkedHashMap<>();
        if (merged.total() > 0) {
            for (double p : new double[] {50, 90, 95, 99}) {
                latency.put(p, merged.histogram.percentile(p, merged.latencyMin, merged.latencyMax));
            }
        }
        Map<String, Integer> fired = new LinkedHashMap<>();
        for (SloMath.Spec s : SloMath.specs(f)) {
            fired.put(burnRateName(f, s.name()), 0);
        }
        for (AlarmSpec a : f.alarms()) {
            fired.put(a.name(), 0);
        }
        for (AlarmChange c : book.history(f.id(), null, from, to)) {
            if (c.to() == AlarmState.ALARM) {
                fired.merge(c.alarm(), 1, Integer::sum);
            }
        }
        return new FlowReview(f, slo, latency, fired, minutes.topErrors(f.id(), SloMath.minuteOf(from),
                SloMath.minuteAfter(to), 10));
    }

    /** Reviews of every flow of the catalog over {@code [from, to)}, in catalog order. */
    public List<FlowReview> review(Instant from, Instant to) {
        return catalog.flows().stream().map(f -> review(f.id(), from, to)).toList();
    }

    // ---- background -----------------------------------------------------------------------------

    /** Runs flush and evaluate every {@code interval} on a daemon thread until {@link #close}. */
    public synchronized FlowMonitor start() {
        if (loop == null && !closed) {
            loop = Thread.ofPlatform().name("setlist-flows-monitor").daemon(true).start(this::run);
        }
        return this;
    }

    private void run() {
        while (!closed) {
            try {
                clock.sleepUntil(clock.now().plus(interval));
                if (!closed) {
                    evaluate();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("flow evaluation failed: {}", dev.setlist.asl.SafeFailure.summary(e));
            }
        }
    }

    /** Stops the background loop and writes what is still accumulated. */
    @Override
    public void close() {
        closed = true;
        Thread t = loop;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            flush();
        } catch (RuntimeException e) {
            log.warn("could not write the last outcomes: {}", dev.setlist.asl.SafeFailure.summary(e));
        }
    }

    public static final class Builder {
        private final Catalog catalog;
        private final DataSource dataSource;
        private Clock clock = Clock.SYSTEM;
        private Entropy entropy = Entropy.SYSTEM;
        private AlarmSink sink = AlarmSink.NONE;
        private String nodeId;
        private Duration interval = Duration.ofSeconds(15);
        private Duration httpTimeout = Duration.ofSeconds(5);
        private dev.setlist.flows.guard.Outbound outbound;

        private Builder(Catalog catalog, DataSource dataSource) {
            this.catalog = Objects.requireNonNull(catalog, "catalog");
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** Where incident ids (and a default node id) come from. */
        public Builder entropy(Entropy entropy) {
            this.entropy = Objects.requireNonNull(entropy);
            return this;
        }

        public Builder sink(AlarmSink sink) {
            this.sink = Objects.requireNonNull(sink);
            return this;
        }

        /** This node's name in the per-minute rows (default: a random one per monitor). */
        public Builder nodeId(String nodeId) {
            this.nodeId = nodeId;
            return this;
        }

        /** How often {@link #start}'s loop flushes and evaluates (default 15s). */
        public Builder interval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("interval must be positive, was " + interval);
            }
            this.interval = interval;
            return this;
        }

        /** How long a webhook may take to answer (default 5s). */
        /** Webhooks of escalation paths go out through {@code outbound} (breakers, retry budget). */
        public Builder outbound(dev.setlist.flows.guard.Outbound outbound) {
            this.outbound = outbound;
            return this;
        }

        public Builder httpTimeout(Duration timeout) {
            this.httpTimeout = timeout;
            return this;
        }

        public FlowMonitor build() {
            return new FlowMonitor(this);
        }
    }
}
