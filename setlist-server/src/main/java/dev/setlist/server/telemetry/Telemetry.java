package dev.setlist.server.telemetry;

import dev.setlist.server.http.Access;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.engine.ExecutionListener;
import dev.setlist.engine.ExecutionStatus;
import dev.setlist.events.DeliveryListener;
import dev.setlist.flows.FlowMonitor;
import dev.setlist.flows.Outcome;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Json;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Metrics, traces and request-scoped log context for everything the server does, each tagged with
 * the flow it belongs to ({@link FlowIndex}): HTTP requests (a server span continuing an incoming
 * {@code traceparent}, a timer per route and status), executions (started, ended by status, their
 * duration, a span from start to end under the trace that started them), task invocations and
 * event deliveries. Outcomes of bound flows also go to the {@link FlowMonitor} when there is one.
 *
 * <p>Metrics are served in the Prometheus text format at {@code GET /metrics}; finished spans are
 * kept in a bounded ring served at {@code GET /api/v1/traces/{traceId}}, and exported over OTLP/HTTP
 * too when an endpoint is configured. A disabled instance installs no hooks and records nothing.
 * Thread safe; {@link #close} flushes and stops the exporters.
 */
public final class Telemetry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Telemetry.class);
    private static final String IN_FLIGHT = "setlist.telemetry";
    /** Set by handlers that know the state machine a request is about (StartExecution and the like). */
    public static final String STATE_MACHINE_ATTRIBUTE = "setlist.stateMachineArn";
    private static final int MAX_OPEN_EXECUTIONS = 10_000;
    private static final AttributeKey<String> FLOW = AttributeKey.stringKey("setlist.flow");
    private static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");

    private final boolean enabled;
    private final PrometheusMeterRegistry registry;
    private final SdkTracerProvider tracerProvider;
    private final Tracer tracer;
    private final SpanRing ring;
    private final Map<String, Span> openExecutions = new ConcurrentHashMap<>();
    /** The meters of each endpoint (and of requests matching none), looked up on its first request. */
    private final Map<Endpoint, RouteMeters> routeMeters = new ConcurrentHashMap<>();
    /** By method and route: requests matching no endpoint, and the rare method an endpoint was not first hit with. */
    private final Map<String, RouteMeters> otherMeters = new ConcurrentHashMap<>();
    /**
     * Executions that ended recently, with their redrive count: a start may be announced after a
     * fast execution already ended, and must not open a span nobody will end.
     */
    private final Map<String, Integer> recentlyEnded = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
                    return size() > MAX_OPEN_EXECUTIONS;
                }
            });
    private volatile FlowIndex index = FlowIndex.EMPTY;
    private volatile FlowMonitor monitor;
    /** How often the heartbeat beats: well inside the 5-minute periods of a silence alarm. */
    static final Duration HEARTBEAT = Duration.ofMinutes(1);
    private volatile java.util.concurrent.ScheduledExecutorService heartbeats;
    private volatile java.util.function.Function<String, ExecutionInfo> describe = arn -> null;

    private Telemetry(boolean enabled, String otlpEndpoint, int ringCapacity) {
        this.enabled = enabled;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.ring = new SpanRing(ringCapacity);
        if (!enabled) {
            this.tracerProvider = null;
            this.tracer = OpenTelemetry.noop().getTracer("dev.setlist.server");
            return;
        }
        SdkTracerProviderBuilder b = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                        AttributeKey.stringKey("service.name"), "setlist"))))
                // A burst beyond the queue drops spans (counted and logged by the processor) rather
                // than slowing requests down.
                .addSpanProcessor(BatchSpanProcessor.builder(ring).setScheduleDelay(Duration.ofMillis(200))
                        .setMaxQueueSize(8192).setMaxExportBatchSize(1024).build());
        if (otlpEndpoint != null && !otlpEndpoint.isBlank()) {
            String url = otlpEndpoint.endsWith("/v1/traces") ? otlpEndpoint
                    : otlpEndpoint.replaceAll("/+$", "") + "/v1/traces";
            b.addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder().setEndpoint(url).build()).build());
        }
        this.tracerProvider = b.build();
        this.tracer = tracerProvider.get("dev.setlist.server");
    }

    /**
     * Telemetry on or off; {@code otlpEndpoint} (null: none) is a collector's OTLP/HTTP base URL
     * ({@code http://collector:4318}).
     */
    public static Telemetry create(boolean enabled, String otlpEndpoint) {
        return new Telemetry(enabled, otlpEndpoint, 10_000);
    }

    public boolean enabled() {
        return enabled;
    }

    public MeterRegistry registry() {
        return registry;
    }

    public Tracer tracer() {
        return tracer;
    }

    public FlowIndex flows() {
        return index;
    }

    /**
     * Which flow each route, state machine and rule belongs to, and where bound flows' outcomes go.
     * While telemetry is on, starts the heartbeat ({@link #heartbeat}) once a minute.
     */
    public void flows(FlowIndex index, FlowMonitor monitor) {
        this.index = index;
        this.monitor = monitor;
        routeMeters.clear();
        otherMeters.clear();
        if (enabled && heartbeats == null) {
            heartbeat();
            heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "setlist-telemetry-heartbeat");
                t.setDaemon(true);
                return t;
            });
            heartbeats.scheduleAtFixedRate(this::heartbeat, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * One heartbeat of this instance's telemetry: the metrics are rendered as a scrape renders them
     * and the result is an outcome of the flow bound to {@code GET /metrics} (else to
     * {@code POST /api/v1/telemetry}): good when they rendered, {@code Telemetry.ScrapeFailed}
     * when not. So the flow's outcomes never stop while telemetry works, even on an idle
     * instance, and an alarm on their absence (a "telemetry has gone silent" alarm) means that
     * telemetry really stopped: the instance is gone or hung, or its telemetry was switched off.
     * Returns the flow beaten for, or null when no flow is bound.
     */
    public String heartbeat() {
        FlowIndex idx = index;
        String flow = idx.route("GET", "/metrics");
        if (FlowIndex.NONE.equals(flow)) {
            flow = idx.route("POST", "/api/v1/telemetry");
        }
        if (FlowIndex.NONE.equals(flow) || monitor == null) {
            return null;
        }
        long start = System.nanoTime();
        boolean good;
        try {
            registry.scrape();
            good = true;
        } catch (RuntimeException e) {
            log.warn("the telemetry heartbeat could not render the metrics: {}", dev.setlist.asl.SafeFailure.summary(e));
            good = false;
        }
        recordOutcome(flow, good, System.nanoTime() - start, good ? null : "Telemetry.ScrapeFailed");
        Counter.builder("setlist.telemetry.heartbeats").description("Heartbeats of this instance's telemetry")
                .tags("flow", flow, "outcome", good ? "good" : "bad").register(registry).increment();
        return flow;
    }

    /**
     * How to look an execution up by ARN: a task may run before its execution's start was announced
     * (or after a restart), and its span still belongs under the execution's.
     */
    public void describeExecutionsWith(java.util.function.Function<String, ExecutionInfo> describe) {
        this.describe = describe;
    }

    // ---- HTTP -------------------------------------------------------------------------------------

    private record InFlight(Span span, Scope scope, long startNanos) {}

    /** The hooks around every request, {@code GET /metrics} and {@code GET /api/v1/traces/{traceId}}. */
    public void routing(RoutesConfig routes) {
        routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(registry.scrape()), Access.anyone());
        routes.get("/api/v1/traces/{traceId}", this::trace, Access.action("setlist:ReadTelemetry"));
        if (!enabled) {
            return;
        }
        routes.before(this::beforeRequest);
        routes.after(this::afterRequest);
    }

    private void beforeRequest(Context ctx) {
        Span span = tracer.spanBuilder(ctx.method().name())
                .setSpanKind(SpanKind.SERVER)
                .setParent(Traceparent.parent(ctx.header("traceparent")))
                .setAttribute(HTTP_METHOD, ctx.method().name())
                .setAttribute(URL_PATH, ctx.path())
                .startSpan();
        Scope scope = span.makeCurrent();
        MDC.put("traceId", span.getSpanContext().getTraceId());
        MDC.put("spanId", span.getSpanContext().getSpanId());
        ctx.attribute(IN_FLIGHT, new InFlight(span, scope, System.nanoTime()));
    }

    private void afterRequest(Context ctx) {
        InFlight f = ctx.attribute(IN_FLIGHT);
        if (f == null) {
            return;
        }
        ctx.attribute(IN_FLIGHT, null);
        long nanos = System.nanoTime() - f.startNanos;
        try {
            RouteMeters meters = routeMeters(ctx.endpoints().lastHttpEndpoint(), ctx.method().name());
            String machineArn = ctx.attribute(STATE_MACHINE_ATTRIBUTE);
            if (machineArn != null && FlowIndex.NONE.equals(meters.flow)) {
                meters = meters.forFlow(index.stateMachineOfArn(machineArn));
            }
            int status = ctx.statusCode();
            boolean bad = status >= 500 || status == 408;
            meters.timer(status).record(nanos, TimeUnit.NANOSECONDS);
            if (bad) {
                meters.errors().increment();
            }
            // Only the AWS APIs' single route says what the request does in a header.
            String target = meters.route.equals("/") ? ctx.header("X-Amz-Target") : null;
            f.span.updateName(target == null ? meters.spanName : meters.spanName + " " + abbreviate(target));
            f.span.setAttribute(HTTP_ROUTE, meters.route);
            f.span.setAttribute(HTTP_STATUS, status);
            f.span.setAttribute(FLOW, meters.flow);
            if (bad) {
                f.span.setStatus(StatusCode.ERROR);
            }
            recordOutcome(meters.flow, !bad, nanos, bad ? "HTTP " + status : null);
        } finally {
            f.span.end();
            f.scope.close();
            MDC.remove("traceId");
            MDC.remove("spanId");
        }
    }

    private RouteMeters routeMeters(Endpoint endpoint, String method) {
        if (endpoint == null) {
            return otherMeters.computeIfAbsent(method + " unmatched",
                    k -> new RouteMeters(registry, FlowIndex.NONE, method, "unmatched"));
        }
        RouteMeters m = routeMeters.get(endpoint);
        if (m == null) {
            m = routeMeters.computeIfAbsent(endpoint, e -> new RouteMeters(registry, index.route(method, e.path), method,
                    e.path));
        }
        if (!m.method.equals(method)) {
            return otherMeters.computeIfAbsent(method + " " + endpoint.path,
                    k -> new RouteMeters(registry, index.route(method, endpoint.path), method, endpoint.path));
        }
        return m;
    }

    /**
     * The meters of one route and flow: the request timer per status and the error counter,
     * registered on first use (registering a meter costs more than recording into it), and the
     * span name. The same route may count for other flows (the AWS APIs' route, by the state
     * machine a request names): their meters hang off the route's own.
     */
    private static final class RouteMeters {
        final PrometheusMeterRegistry registry;
        final String flow;
        final String method;
        final String route;
        final String spanName;
        private final java.util.concurrent.atomic.AtomicReferenceArray<Timer> timers =
                new java.util.concurrent.atomic.AtomicReferenceArray<>(600);
        private volatile Counter errors;
        private final Map<String, RouteMeters> otherFlows = new ConcurrentHashMap<>();

        RouteMeters(PrometheusMeterRegistry registry, String flow, String method, String route) {
            this.registry = registry;
            this.flow = flow;
            this.method = method;
            this.route = route;
            this.spanName = method + " " + route;
        }

        RouteMeters forFlow(String other) {
            return other.equals(flow) ? this
                    : otherFlows.computeIfAbsent(other, o -> new RouteMeters(registry, o, method, route));
        }

        Timer timer(int status) {
            boolean cached = status >= 0 && status < timers.length();
            Timer t = cached ? timers.get(status) : null;
            if (t == null) {
                t = Timer.builder("setlist.http.server.requests").description("HTTP requests by flow, route and status")
                        .tags("flow", flow, "method", method, "route", route, "status", Integer.toString(status),
                                "outcome", outcome(status))
                        .publishPercentileHistogram()
                        .register(registry);
                if (cached) {
                    timers.compareAndSet(status, null, t);
                }
            }
            return t;
        }

        Counter errors() {
            Counter c = errors;
            if (c == null) {
                c = Counter.builder("setlist.http.server.errors").description("HTTP requests answered 5xx or 408")
                        .tags("flow", flow, "method", method, "route", route).register(registry);
                errors = c;
            }
            return c;
        }
    }

    private static String outcome(int status) {
        return status >= 500 ? "SERVER_ERROR" : status >= 400 ? "CLIENT_ERROR" : status >= 300 ? "REDIRECTION"
                : "SUCCESS";
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) : s;
    }

    private void recordOutcome(String flow, boolean good, Duration latency, String error) {
        recordOutcome(flow, good, latency.toNanos(), error);
    }

    private void recordOutcome(String flow, boolean good, long latencyNanos, String error) {
        FlowMonitor m = monitor;
        if (m != null && !FlowIndex.NONE.equals(flow)) {
            try {
                m.record(flow, good, latencyNanos, error);
            } catch (RuntimeException e) {
                log.warn("could not record an outcome of flow {}: {}", flow, dev.setlist.asl.SafeFailure.summary(e));
            }
        }
    }

    // ---- executions -------------------------------------------------------------------------------

    /** Counts, times and traces executions; add it to the engine. */
    public ExecutionListener executions() {
        if (!enabled) {
            return info -> {};
        }
        return this::executionChanged;
    }

    private void executionChanged(ExecutionInfo info) {
        String machine = FlowIndex.machineName(info.stateMachineArn());
        String flow = index.stateMachine(machine);
        if (info.status() == ExecutionStatus.RUNNING) {
            Counter.builder("setlist.executions.started").description("Executions started (and redriven)")
                    .tags("flow", flow, "stateMachine", String.valueOf(machine)).register(registry).increment();
            Integer ended = recentlyEnded.get(info.arn());
            if (openExecutions.size() < MAX_OPEN_EXECUTIONS && (ended == null || ended < info.redriveCount())) {
                openExecutions.computeIfAbsent(info.arn(), arn -> executionSpan(info, machine, flow));
            }
            return;
        }
        recentlyEnded.put(info.arn(), info.redriveCount());
        Span span = openExecutions.remove(info.arn());
        if (span == null) {
            span = executionSpan(info, machine, flow);
        }
        Instant stop = info.stopDate() != null ? info.stopDate() : Instant.now();
        Duration took = info.startDate() == null ? Duration.ZERO : Duration.between(info.startDate(), stop);
        boolean bad = info.status() == ExecutionStatus.FAILED || info.status() == ExecutionStatus.TIMED_OUT
                || info.status() == ExecutionStatus.ABORTED;
        Timer.builder("setlist.executions").description("Ended executions by flow, state machine and status")
                .tags("flow", flow, "stateMachine", String.valueOf(machine), "status", info.status().name())
                .publishPercentileHistogram()
                .register(registry).record(took);
        span.setAttribute("setlist.execution.status", info.status().name());
        if (bad) {
            span.setStatus(StatusCode.ERROR, info.error() == null ? info.status().name() : info.error());
        }
        span.end(stop);
        recordOutcome(flow, !bad, took, bad ? (info.error() != null ? info.error() : info.status().name()) : null);
    }

    /** The open span of a running execution, opened now if its start was not announced yet. */
    private Span executionSpanOf(String arn) {
        Span open = openExecutions.get(arn);
        if (open != null || arn == null || openExecutions.size() >= MAX_OPEN_EXECUTIONS) {
            return open;
        }
        ExecutionInfo info;
        try {
            info = describe.apply(arn);
        } catch (RuntimeException e) {
            return null;
        }
        if (info == null || info.status() != ExecutionStatus.RUNNING) {
            return null;
        }
        String machine = FlowIndex.machineName(info.stateMachineArn());
        return openExecutions.computeIfAbsent(arn, a -> executionSpan(info, machine, index.stateMachine(machine)));
    }

    private Span executionSpan(ExecutionInfo info, String machine, String flow) {
        var b = tracer.spanBuilder("execution " + machine)
                .setParent(Traceparent.parent(info.traceHeader()))
                .setAttribute("setlist.execution.arn", info.arn())
                .setAttribute(FLOW, flow);
        if (info.startDate() != null) {
            b.setStartTimestamp(info.startDate());
        }
        return b.startSpan();
    }

    /** Executions whose span is open (tests). */
    int openExecutionSpans() {
        return openExecutions.size();
    }

    // ---- tasks ------------------------------------------------------------------------------------

    /** {@code tasks}, timed and traced per invocation under the span of its execution. */
    public TaskInvoker tasks(TaskInvoker tasks) {
        if (!enabled) {
            return tasks;
        }
        return request -> {
            String flow = index.stateMachineOfArn(request.executionId());
            Span parent = executionSpanOf(request.executionId());
            var b = tracer.spanBuilder("task " + request.stateName())
                    .setAttribute("setlist.task.resource", request.resource())
                    .setAttribute("setlist.task.attempt", request.attempt())
                    .setAttribute(FLOW, flow);
            if (parent != null) {
                b.setParent(io.opentelemetry.context.Context.root().with(parent));
            }
            Span span = b.startSpan();
            long start = System.nanoTime();
            String error = null;
            try (Scope ignored = span.makeCurrent()) {
                return tasks.invoke(request);
            } catch (StatesException e) {
                error = e.error();
                throw e;
            } catch (RuntimeException e) {
                error = "States.TaskFailed";
                throw e;
            } finally {
                Timer.builder("setlist.tasks").description("Task invocations by flow, resource and outcome")
                        .tags("flow", flow, "resource", request.resource(), "outcome", error == null ? "success" : "error")
                        .publishPercentileHistogram()
                        .register(registry).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                if (error != null) {
                    Counter.builder("setlist.task.errors").description("Failed task invocations by error name")
                            .tags("flow", flow, "resource", request.resource(), "error", abbreviate(error))
                            .register(registry).increment();
                    span.setStatus(StatusCode.ERROR, error);
                }
                span.end();
            }
        };
    }

    // ---- event deliveries -------------------------------------------------------------------------

    /** Times, counts and traces every event delivery attempt; give it to the event bus. */
    public DeliveryListener deliveries() {
        if (!enabled) {
            return DeliveryListener.NONE;
        }
        return a -> {
            String flow = index.rule(a.rule());
            Timer.builder("setlist.event.deliveries").description("Event delivery attempts by flow, rule and outcome")
                    .tags("flow", flow, "rule", String.valueOf(a.rule()), "outcome", a.delivered() ? "delivered" : "failed")
                    .publishPercentileHistogram()
                    .register(registry).record(a.took());
            if (!a.delivered()) {
                Counter.builder("setlist.event.delivery.errors").description("Failed event delivery attempts")
                        .tags("flow", flow, "rule", String.valueOf(a.rule())).register(registry).increment();
            }
            Instant end = Instant.now();
            Span span = tracer.spanBuilder("deliver " + a.rule())
                    .setSpanKind(SpanKind.CONSUMER)
                    .setParent(Traceparent.parent(a.traceHeader()))
                    .setStartTimestamp(end.minus(a.took()))
                    .setAttribute("setlist.event.bus", String.valueOf(a.bus()))
                    .setAttribute("setlist.event.target", a.targetArn())
                    .setAttribute("setlist.event.attempt", a.attempt())
                    .setAttribute(FLOW, flow)
                    .startSpan();
            if (!a.delivered()) {
                span.setStatus(StatusCode.ERROR, abbreviate(a.error()));
            }
            span.end(end);
        };
    }

    // ---- the trace view ---------------------------------------------------------------------------

    private void trace(Context ctx) {
        String id = ctx.pathParam("traceId");
        if (!id.matches("[0-9a-f]{32}")) {
            throw ApiException.validation("traceId must be 32 lowercase hexadecimal digits, was '" + abbreviate(id) + "'");
        }
        List<RecentSpan> spans = trace(id);
        if (spans.isEmpty()) {
            throw new ApiException(404, "ResourceNotFoundException", "No recent spans of trace " + id);
        }
        ObjectNode out = Json.object().put("traceId", id);
        ArrayNode list = out.putArray("spans");
        for (RecentSpan s : spans) {
            ObjectNode o = list.addObject().put("spanId", s.spanId()).put("name", s.name()).put("kind", s.kind());
            o.put("parentSpanId", s.parentSpanId());
            o.put("start", Instant.ofEpochSecond(0, s.startEpochNanos()).toString());
            o.put("end", Instant.ofEpochSecond(0, s.endEpochNanos()).toString());
            o.put("durationMs", (s.endEpochNanos() - s.startEpochNanos()) / 1e6);
            o.put("status", s.status());
            ObjectNode attrs = o.putObject("attributes");
            s.attributeMap().forEach(attrs::put);
        }
        ctx.json(out);
    }

    /** The recent spans of a trace, after exporting the ones that ended. */
    public List<RecentSpan> trace(String traceId) {
        if (tracerProvider != null) {
            tracerProvider.forceFlush().join(2, TimeUnit.SECONDS);
        }
        return ring.trace(traceId);
    }

    @Override
    public void close() {
        if (heartbeats != null) {
            heartbeats.shutdownNow();
        }
        if (tracerProvider != null) {
            openExecutions.clear();
            tracerProvider.shutdown().join(5, TimeUnit.SECONDS);
        }
        registry.close();
    }
}
