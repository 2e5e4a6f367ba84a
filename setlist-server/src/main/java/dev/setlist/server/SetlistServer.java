package dev.setlist.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Clock;
import dev.setlist.asl.Entropy;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.engine.Engine;
import dev.setlist.server.api.ConsoleApi;
import dev.setlist.server.console.Console;
import dev.setlist.server.auth.AuthStore;
import dev.setlist.server.auth.Policy;
import dev.setlist.server.auth.Authenticator;
import dev.setlist.server.auth.SecretBox;
import dev.setlist.server.auth.SigV4;
import dev.setlist.events.EventBus;
import dev.setlist.server.events.EventBridge;
import dev.setlist.server.config.ServerConfig;
import dev.setlist.server.http.Access;
import dev.setlist.server.http.Errors;
import dev.setlist.server.http.Gate;
import dev.setlist.server.http.Json;
import dev.setlist.server.http.StepFunctionsEndpoint;
import dev.setlist.server.sfn.StepFunctions;
import dev.setlist.server.sfn.Tags;
import dev.setlist.server.sfn.TestStates;
import dev.setlist.server.sfn.Versions;
import dev.setlist.server.store.Sql;
import dev.setlist.events.PutEntry;
import dev.setlist.flows.AlarmChange;
import dev.setlist.flows.Bindings;
import dev.setlist.flows.Catalog;
import dev.setlist.flows.FlowMonitor;
import dev.setlist.flows.Problem;
import dev.setlist.server.api.ClientTelemetryApi;
import dev.setlist.server.api.FlowsApi;
import dev.setlist.server.telemetry.FlowIndex;
import dev.setlist.server.telemetry.RateLimiter;
import dev.setlist.server.telemetry.Telemetry;
import io.javalin.Javalin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.DoubleSupplier;

/**
 * The Setlist server: the engine, the server's tables, authentication and the HTTP APIs (Step
 * Functions at {@code POST /}, Setlist's own under {@code /api/v1}, {@code /healthz} and
 * {@code /readyz}) on Javalin with virtual threads. {@link #start()} opens the database, migrates
 * it, creates the first administrator when there is none and listens; {@link #stop()} stops
 * listening, then lets the engine finish its steps in flight within the grace period. Tests build
 * one with a temporary data directory and port 0.
 */
public final class SetlistServer implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SetlistServer.class);
    private final ServerConfig config;
    private final Map<String, String> env;
    private final PrintStream out;
    private final Clock clock;
    private final Entropy entropy;
    private final DoubleSupplier routingRandom;
    private final TaskInvoker tasks;
    private final List<Extension> extensions;
    private Engine engine;
    private EventBus eventBus;
    private Javalin app;
    private StepFunctions stepFunctions;
    private AuthStore authStore;
    private Telemetry telemetry;
    private Authenticator authenticator;
    private volatile FlowMonitor flowMonitor;
    private Sql sql;
    private dev.setlist.flows.guard.Outbound outbound;
    private dev.setlist.server.guard.GuardHttp guardHttp;
    private volatile dev.setlist.flows.guard.Guard guard;
    private redis.clients.jedis.UnifiedJedis redis;
    private final List<Extension> started = new java.util.ArrayList<>();
    private final java.util.function.UnaryOperator<dev.setlist.flows.guard.Outbound.Builder> outboundSettings;

    private SetlistServer(Builder b) {
        this.config = b.config;
        this.env = b.env;
        this.out = b.out;
        this.clock = b.clock;
        this.entropy = b.entropy;
        this.routingRandom = b.routingRandom;
        this.tasks = b.tasks;
        this.extensions = List.copyOf(b.extensions);
        this.outboundSettings = b.outbound;
    }

    public static Builder builder(ServerConfig config) {
        return new Builder(config);
    }

    /** The database health breaker as meters: open (1) or closed (0), how often it opened, the calls it refused. */
    private static void bindDatabaseHealth(dev.setlist.engine.HealthBreaker breaker,
                                           io.micrometer.core.instrument.MeterRegistry registry) {
        if (breaker == null || registry == null) {
            return;
        }
        io.micrometer.core.instrument.Gauge.builder("setlist.database.breaker.open", breaker, b -> b.isOpen() ? 1 : 0)
                .description("1 while the database health breaker is open (calls fail at once)").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("setlist.database.breaker.openings", breaker,
                dev.setlist.engine.HealthBreaker::timesOpened).description("Times the database health breaker opened")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("setlist.database.breaker.refused", breaker,
                dev.setlist.engine.HealthBreaker::rejected)
                .description("Connections refused at once while the database health breaker was open").register(registry);
    }

    /** Opens everything and listens; returns once requests are answered. */
    public synchronized SetlistServer start() {
        if (app != null) {
            throw new IllegalStateException("The server is already started");
        }
        telemetry = Telemetry.create(config.telemetryEnabled(), config.otlpEndpoint());
        // Local resources: S3 on the object store, and task resources mapped to HTTP endpoints, ahead of the handlers.
        dev.setlist.asl.ObjectStore objects = config.objectsDir() == null ? dev.setlist.asl.ObjectStore.inMemory()
                : new dev.setlist.server.sfn.DirectoryObjectStore(config.objectsDir());
        dev.setlist.server.sfn.LambdaEndpoints endpoints = new dev.setlist.server.sfn.LambdaEndpoints(config.endpoints(),
                config.region(), config.account(), clock, tasks);
        dev.setlist.server.sfn.ServiceIntegrations integrations = new dev.setlist.server.sfn.ServiceIntegrations(
                new dev.setlist.server.sfn.S3Objects(objects, endpoints));
        engine = Engine.builder()
                .database(config.jdbcUrl(), config.databaseUser(), config.databasePassword())
                .poolSize(config.databasePoolSize())
                .region(config.region())
                .account(config.account())
                .clock(clock)
                .entropy(entropy)
                .objects(objects)
                .tasks(telemetry.tasks(integrations))
                .build();
        try {
            telemetry.describeExecutionsWith(engine::describeExecution);
            bindDatabaseHealth(engine.databaseHealth(), telemetry.registry());
            sql = new Sql(engine.dataSource()).migrate();
            outbound = outboundSettings.apply(dev.setlist.flows.guard.Outbound.builder().clock(clock)).build();
            endpoints.bind(outbound);
            SecureRandom random = new SecureRandom();
            SecretBox box = SecretBox.open(env.get("SETLIST_SERVER_KEY"), config.serverKeyFile(), random);
            authStore = new AuthStore(sql, box, clock, random, config.sessionTtl());
            authStore.bootstrap(env, out);
            Authenticator auth = new Authenticator(authStore, new SigV4(config.region(), Set.of("states", "events"), clock),
                    config.authEnabled());
            authenticator = auth;
            Versions versions = new Versions(sql, clock, routingRandom);
            var machineConfigurations = new dev.setlist.server.sfn.MachineConfigurations(sql);
            dev.setlist.server.auth.Ownership ownership = dev.setlist.server.auth.Ownership.of(extensions,
                    config.region(), config.account());
            stepFunctions = new StepFunctions(engine, versions, new Tags(sql),
                    new TestStates(integrations, clock, entropy, config.region(), config.account()), config.syncTimeout(),
                    config.activityPoll(), clock, ownership, machineConfigurations);
            engine.resourcePolicy(ownership.resourcePolicy());
            dev.setlist.server.sfn.Redactor redactor = new dev.setlist.server.sfn.Redactor(telemetry::flows);
            stepFunctions.redactWith(redactor);
            engine.addListener(new dev.setlist.server.sfn.ExecutionLog(machineConfigurations, redactor));
            guardHttp = new dev.setlist.server.guard.GuardHttp();
            var connections = new dev.setlist.server.events.Connections(sql, box, clock, outbound, config.region(),
                    config.account());
            integrations.http().bind(connections, config.region());
            eventBus = EventBus.builder(engine).clock(clock).entropy(entropy)
                    .sender(new dev.setlist.server.events.ApiDestinationSender(connections,
                            new dev.setlist.server.guard.GuardedTargetSender(outbound,
                                    new dev.setlist.events.internal.HttpTargetSender(java.time.Duration.ofSeconds(5)),
                                    java.time.Duration.ofSeconds(5))))
                    .deliveryListener(guardHttp.deliveries(telemetry.deliveries())).build();
            integrations.bind(stepFunctions, eventBus);
            engine.addListener(telemetry.executions());
            eventBus.forwardPolicy(ownership.forwardPolicy(config.region(), config.account()));
            engine.addEffects(eventBus.executionEffects());
            for (Extension x : extensions) {
                x.roles().forEach(Policy::define);
            }
            for (Extension x : extensions) {
                x.start(this);
                started.add(x);
            }
            EventBridge eventBridge = new EventBridge(eventBus, config.region(), config.account(), ownership,
                    connections);
            StepFunctionsEndpoint sfnEndpoint = new StepFunctionsEndpoint(stepFunctions, eventBridge,
                    config.maxBodyBytes());
            ConsoleApi console = new ConsoleApi(stepFunctions, authStore, config.maxBodyBytes(), config.sessionTtl(),
                    ownership);
            FlowsApi flowsApi = new FlowsApi(() -> flowMonitor, clock);
            Console consoleUi = new Console(auth, authStore, extensions);
            ClientTelemetryApi clientTelemetry = new ClientTelemetryApi(telemetry,
                    new RateLimiter(20, 2, System::nanoTime));
            app = Javalin.create(c -> {
                c.concurrency.useVirtualThreads = true;
                c.http.maxRequestSize = config.maxBodyBytes();
                c.startup.showJavalinBanner = false;
                c.jetty.modifyServer(server -> server.setStopTimeout(config.shutdownGrace().toMillis()));
                Errors.install(c.routes);
                c.routes.get("/healthz", ctx -> ctx.json(Json.object().put("status", "UP")), Access.anyone());
                c.routes.get("/readyz", ctx -> {
                    // At once while the health breaker is open; otherwise one SELECT 1 (within the pool's connection timeout).
                    boolean ready = engine.ready();
                    ObjectNode body = Json.object().put("status", ready ? "READY" : "DATABASE_UNREACHABLE");
                    dev.setlist.engine.HealthBreaker breaker = engine.databaseHealth();
                    if (breaker != null && breaker.isOpen()) {
                        body.put("breaker", "OPEN").put("since", String.valueOf(breaker.openedAt()));
                    }
                    if (!ready) {
                        ctx.header("Retry-After", Errors.RETRY_AFTER_SECONDS);
                    }
                    ctx.status(ready ? 200 : 503).json(body);
                }, Access.anyone());
                telemetry.routing(c.routes);
                // The gate first: nothing (the guard, its cache, a handler) answers before it has decided.
                new Gate(auth, config.maxBodyBytes(), Gate.BODY_DEADLINE).routing(c.routes);
                guardHttp.routing(c.routes);
                new dev.setlist.server.guard.GuardApi(() -> guard, config.maxBodyBytes())
                        .auditWith(new dev.setlist.server.guard.SqlLeverStore(sql, clock)::audit).routing(c.routes);
                sfnEndpoint.routing(c.routes);
                console.routing(c.routes);
                flowsApi.routing(c.routes);
                new dev.setlist.server.events.DeadLettersApi(eventBus, config.region(), config.account())
                        .routing(c.routes);
                consoleUi.routing(c.routes);
                clientTelemetry.routing(c.routes);
                for (Extension x : extensions) {
                    x.routes(c.routes, this);
                }
            });
            String extensionFlows = extensions.stream().map(Extension::flowsYaml).filter(Objects::nonNull)
                    .findFirst().orElse(null);
            if (config.flowsFile() != null) {
                startFlows(readCatalog(config.flowsFile()), config.flowsFile().toString());
            } else if (extensionFlows != null) {
                startFlows(extensionFlows, "flows.yaml");
            }
            app.start(config.host(), config.port());
        } catch (RuntimeException e) {
            stopExtensions();
            if (flowMonitor != null) {
                flowMonitor.close();
                flowMonitor = null;
            }
            closeGuard();
            telemetry.close();
            if (eventBus != null) {
                eventBus.close();
            }
            engine.shutdown(java.time.Duration.ZERO);
            throw e;
        }
        return this;
    }

    /**
     * Loads the flow catalog and starts holding its flows to their targets. Bindings are checked
     * against the routes, state machines and rules the server has now; one it does not know yet is
     * a warning (state machines and rules are often created after the first start), any other
     * problem of the catalog stops the start.
     */
    private static String readCatalog(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the flow catalog: " + e.getMessage());
        }
    }

    private void startFlows(String yaml, String file) {
        Set<String> routes = routes();
        Set<String> machines = new HashSet<>();
        String token = null;
        do {
            var page = engine.listStateMachines(1000, token);
            page.items().forEach(m -> machines.add(m.name()));
            token = page.nextToken();
        } while (token != null);
        Set<String> rules = new HashSet<>();
        eventBus.listRules(null, null).forEach(r -> rules.add(r.name()));
        for (Problem p : Catalog.check(yaml, Bindings.of(routes, machines, rules))) {
            LOG.warn("{}: {} (the flow stays in the catalog)", file, p);
        }
        Catalog catalog = Catalog.parse(yaml, Bindings.ANY);
        EventBus bus = eventBus;
        FlowMonitor monitor = FlowMonitor.builder(catalog, engine.dataSource()).clock(clock).entropy(entropy)
                .sink(change -> publish(bus, change)).outbound(outbound).build();
        FlowIndex index = new FlowIndex(catalog);
        telemetry.flows(index, monitor);
        guard = dev.setlist.server.guard.Guards.build(catalog, env, clock, sql, outbound, j -> redis = j);
        dev.setlist.server.guard.GuardMetrics.bind(guard, telemetry.registry());
        guardHttp.start(guard, index);
        flowMonitor = monitor.start();
        LOG.info("holding {} flows of {} to their targets", catalog.flows().size(), catalog.workload());
    }

    /** Publishes an alarm state change on the default bus, where rules route it to whoever must know. */
    private static void publish(EventBus bus, AlarmChange c) {
        ObjectNode detail = Json.object().put("alarm", c.alarm()).put("flow", c.flow()).put("kind", c.kind().name())
                .put("previousState", c.from() == null ? null : c.from().name()).put("state", c.to().name())
                .put("reason", c.reason());
        Json.time(detail, "time", c.time());
        bus.putEvents(List.of(PutEntry.of("setlist.flows", "Flow Alarm State Change", detail.toString())));
    }

    /**
     * The traffic guard of the flow catalog, or null when the server runs without one. Workloads
     * ask it whether a flow is in degraded mode and drop cached answers of a flow.
     */
    public dev.setlist.flows.guard.Guard guard() {
        return guard;
    }

    public Telemetry telemetry() {
        return telemetry;
    }

    /** The monitor of the flow catalog, or null when the server runs without one. */
    public FlowMonitor flowMonitor() {
        return flowMonitor;
    }

    /** The port listened on (the real one when the configuration said 0). */
    public int port() {
        return app.port();
    }

    public Engine engine() {
        return engine;
    }

    public EventBus eventBus() {
        return eventBus;
    }

    public StepFunctions stepFunctions() {
        return stepFunctions;
    }

    /** Every route the server answers, as {@code "GET /api/v1/flows"}: what a flow catalog's bindings name. */
    public Set<String> routes() {
        Set<String> routes = new HashSet<>();
        app.unsafe.internalRouter.allHttpHandlers().forEach(h -> routes.add(h.endpoint.method.name() + " " + h.endpoint.path));
        return routes;
    }

    /**
     * Every route the server answers with the access it declares ({@link Access}); a route with
     * none (null here) is closed by the gate. Tests check that this map has no null.
     */
    public Map<String, Access> routeAccess() {
        Map<String, Access> out = new java.util.TreeMap<>();
        app.unsafe.internalRouter.allHttpHandlers().forEach(h -> {
            String method = h.endpoint.method.name();
            if (!HTTP_METHODS.contains(method)) {
                return;
            }
            io.javalin.security.Roles roles = h.endpoint.metadata(io.javalin.security.Roles.class);
            List<Access> declared = roles == null ? List.of() : roles.getRoles().stream()
                    .filter(Access.class::isInstance).map(Access.class::cast).toList();
            out.put(method + " " + h.endpoint.path, declared.size() == 1 ? declared.get(0) : null);
        });
        return out;
    }

    private static final Set<String> HTTP_METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS");

    /** Who sent a request: extensions authenticate their routes with it. */
    public Authenticator authenticator() {
        return authenticator;
    }

    public AuthStore authStore() {
        return authStore;
    }

    /** Stops listening (requests in flight finish), then the engine, each within the grace period. */
    public synchronized void stop() {
        if (app != null) {
            app.stop();
            app = null;
        }
        stopExtensions();
        if (flowMonitor != null) {
            flowMonitor.close();
            flowMonitor = null;
        }
        if (eventBus != null) {
            eventBus.close();
            eventBus = null;
        }
        closeGuard(); // after the bus: its deliveries go out through the guard's outbound wrapper
        if (engine != null) {
            engine.shutdown(config.shutdownGrace());
            engine = null;
        }
        if (telemetry != null) {
            telemetry.close();
            telemetry = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void closeGuard() {
        if (guard != null) {
            guard.close();
            guard = null;
        } else if (outbound != null) {
            outbound.close();
        }
        outbound = null;
        if (redis != null) {
            redis.close();
            redis = null;
        }
    }

    private void stopExtensions() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).stop();
            } catch (RuntimeException e) {
                LOG.warn("stopping {} failed", started.get(i).getClass().getName(), dev.setlist.asl.SafeFailure.scrubbed(e));
            }
        }
        started.clear();
    }

    /** The configuration the server was built with. */
    public ServerConfig config() {
        return config;
    }

    /** The clock the server, its engine and its extensions run on. */
    public Clock clock() {
        return clock;
    }

    /** Configures a server; the clock, randomness and task handlers may be replaced by tests. */
    public static final class Builder {
        private final ServerConfig config;
        private Map<String, String> env = System.getenv();
        private PrintStream out = System.out;
        private Clock clock = Clock.SYSTEM;
        private Entropy entropy = Entropy.SYSTEM;
        private DoubleSupplier routingRandom = () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble();
        private TaskInvoker tasks = new TaskInvoker.Registry();
        private final List<Extension> extensions = new java.util.ArrayList<>();
        private java.util.function.UnaryOperator<dev.setlist.flows.guard.Outbound.Builder> outbound = o -> o;

        private Builder(ServerConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** Where {@code SETLIST_*} first-start variables are read (default: the process environment). */
        public Builder env(Map<String, String> env) {
            this.env = Objects.requireNonNull(env, "env");
            return this;
        }

        /** Where the first start prints the administrator's credentials. */
        public Builder out(PrintStream out) {
            this.out = Objects.requireNonNull(out, "out");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder entropy(Entropy entropy) {
            this.entropy = Objects.requireNonNull(entropy, "entropy");
            return this;
        }

        /** The draw in [0, 1) that splits executions between an alias's two versions. */
        public Builder routingRandom(DoubleSupplier random) {
            this.routingRandom = Objects.requireNonNull(random, "random");
            return this;
        }

        public Builder tasks(TaskInvoker tasks) {
            this.tasks = Objects.requireNonNull(tasks, "tasks");
            return this;
        }

        /** Adds a workload: its roles, routes, catalog and start/stop (see {@link Extension}). */
        public Builder extension(Extension extension) {
            this.extensions.add(Objects.requireNonNull(extension, "extension"));
            return this;
        }

        /**
         * Changes the settings of the outbound wrapper (breakers, bulkheads, retry budget) that
         * every outbound call of the server and its workloads goes through; tests shorten the
         * breakers' open state.
         */
        public Builder outbound(java.util.function.UnaryOperator<dev.setlist.flows.guard.Outbound.Builder> settings) {
            this.outbound = Objects.requireNonNull(settings, "settings");
            return this;
        }

        public SetlistServer build() {
            return new SetlistServer(this);
        }
    }
}
