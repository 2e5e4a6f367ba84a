package dev.setlist.relecloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Clock;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.engine.ActivityTask;
import dev.setlist.engine.Engine;
import dev.setlist.engine.EngineException;
import dev.setlist.engine.StateMachineType;
import dev.setlist.events.EventBus;
import dev.setlist.events.PutEntry;
import dev.setlist.events.Target;
import dev.setlist.relecloud.gateway.GatewayClient;
import dev.setlist.server.Extension;
import dev.setlist.server.SetlistServer;
import dev.setlist.server.http.Json;
import io.javalin.config.RoutesConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relecloud on Setlist: its roles, its flow catalog, its tables, the {@code purchase-ticket},
 * {@code create-concert} and {@code render-tickets} state machines with their task handlers and
 * event rules, the ticket render workers, a sweeper for expired seat holds and queued voids, and
 * its JSON API ({@link RelecloudApi}). Give {@link #tasks()} to the server builder and the
 * extension itself to {@code extension(…)}.
 */
public final class Relecloud implements Extension {
    private static final Logger LOG = LoggerFactory.getLogger(Relecloud.class);
    public static final String PURCHASE = "purchase-ticket";
    public static final String CREATE_CONCERT = "create-concert";
    public static final String RENDER = "render-tickets";
    public static final String RENDER_ACTIVITY = "relecloud-render-ticket";
    public static final String SALES = "relecloud.sales";
    /** The event rule matching {@code ConcertCreated}; list-concerts' cache names it in {@code invalidatedBy}. */
    public static final String CONCERT_CREATED_RULE = "relecloud-concert-created";
    public static final String PLANNING = "relecloud.planning";
    private static final String TASK = "arn:aws:states:::relecloud:";

    /**
     * Where the gateway is, how long seats stay held and how many workers render tickets. The
     * gateway's timeouts, retries and breaker are the traffic guard's, from {@code purchase-ticket}'s
     * {@code guard.outbound} section.
     */
    public record Settings(URI gateway, Duration holdTtl, int renderWorkers) {
        public static Settings of(URI gateway) {
            return new Settings(gateway, Duration.ofMinutes(5), 2);
        }
    }

    private final Settings settings;
    private final TaskInvoker.Registry tasks = new TaskInvoker.Registry();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;
    private SetlistServer server;
    private Store store;
    private ConcertSearch search;
    private GatewayClient gateway;
    private String purchaseArn;
    private String renderActivityArn;
    private RelecloudApi api;

    public Relecloud(Settings settings) {
        this.settings = settings;
        register();
    }

    /** The task handlers of Relecloud's state machines, for {@code SetlistServer.builder(…).tasks(…)}. */
    public TaskInvoker.Registry tasks() {
        return tasks;
    }

    public Store store() {
        return store;
    }

    public GatewayClient gateway() {
        return gateway;
    }

    public ConcertSearch search() {
        return search;
    }

    public String purchaseArn() {
        return purchaseArn;
    }

    @Override
    public Map<String, List<String>> roles() {
        return Map.of(
                "planner", List.of("relecloud:ReadConcerts", "relecloud:CreateConcert", "relecloud:ReadConcertRequests",
                        "setlist:ReadFlows"),
                "agent", List.of("relecloud:ReadConcerts", "relecloud:BuyTickets", "relecloud:ReadCustomers",
                        "relecloud:WriteCustomers", "relecloud:ReadPurchases", "relecloud:ReadTickets", "setlist:ReadFlows"),
                "operator", List.of("relecloud:ReadConcerts", "relecloud:ReadPurchases", "relecloud:ReadConcertRequests",
                        "relecloud:OperateGateway"));
    }

    /**
     * The call-center pages: concerts and search, a concert with "add to cart", the cart and the
     * purchase for a customer, customers with their tickets, and creating a concert. Each entry is
     * shown to the roles whose actions it needs; the API checks every call again.
     */
    @Override
    public List<ConsoleLink> consoleLinks() {
        return List.of(
                new ConsoleLink("Concerts", "/console/relecloud/concerts.html", "relecloud:ReadConcerts"),
                new ConsoleLink("Cart", "/console/relecloud/cart.html", "relecloud:BuyTickets"),
                new ConsoleLink("Customers", "/console/relecloud/customers.html", "relecloud:ReadCustomers"),
                new ConsoleLink("New concert", "/console/relecloud/new-concert.html", "relecloud:CreateConcert"));
    }

    @Override
    public ConsolePages consolePages() {
        return new ConsolePages("relecloud", "relecloud/console");
    }

    /**
     * Relecloud's state machines, activity, rules and event sources are its own: the generic APIs
     * cannot start them, send their task results, change them or publish as their sources without
     * a grant that names them.
     */
    @Override
    public Machinery machinery() {
        return new Machinery(List.of(PURCHASE, CREATE_CONCERT, RENDER), List.of(RENDER_ACTIVITY), List.of("relecloud-*"),
                List.of("relecloud.*"), List.of("arn:aws:states:::relecloud:*"));
    }

    @Override
    public String flowsYaml() {
        return resource("relecloud/flows.yaml");
    }

    @Override
    public void start(SetlistServer server) {
        this.server = server;
        Engine engine = server.engine();
        store = new Store(engine.dataSource(), server.clock()).migrate();
        search = new ConcertSearch(store);
        search.catchUp();
        // The guard is built after the workloads start (from their catalog), so it is looked up per call.
        gateway = new GatewayClient(settings.gateway(), (dependency, attempt) -> {
            dev.setlist.flows.guard.Guard guard = server.guard();
            if (guard == null || !guard.knows(PURCHASE)) {
                throw new dev.setlist.flows.guard.Outbound.Failure("The traffic guard is not running (no catalog"
                        + " with the flow " + PURCHASE + ")", false);
            }
            return guard.call(PURCHASE, dependency, attempt);
        });
        renderActivityArn = engine.createActivity(RENDER_ACTIVITY).arn();
        purchaseArn = machine(engine, PURCHASE, resource("relecloud/purchase-ticket.asl.json"));
        String createArn = machine(engine, CREATE_CONCERT, resource("relecloud/create-concert.asl.json"));
        String renderArn = machine(engine, RENDER, resource("relecloud/render-tickets.asl.json")
                .replace("${renderActivityArn}", renderActivityArn));
        EventBus bus = server.eventBus();
        bus.putRule("relecloud-create-concert", null, "{\"source\": [\"" + PLANNING + "\"], \"detail-type\":"
                + " [\"ConcertRequested\"]}", null, null, "A planner asked for a concert: create it");
        bus.putTargets("relecloud-create-concert", null, List.of(new Target("create-concert", createArn, null, "$.detail",
                null, null)));
        // The guard drops list-concerts' cached pages when this rule matches (its invalidatedBy); a
        // rule is delivered only with a target, so its matches also go to a log group.
        bus.putRule(CONCERT_CREATED_RULE, null, "{\"source\": [\"" + PLANNING + "\"], \"detail-type\":"
                + " [\"ConcertCreated\"]}", null, null, "A concert was created: drop the cached concert lists");
        bus.putTargets(CONCERT_CREATED_RULE, null, List.of(Target.of("concert-log", "arn:aws:logs:" + engine.region() + ":"
                + engine.account() + ":log-group:/relecloud/concerts")));
        bus.putRule("relecloud-render-tickets", null, "{\"source\": [\"" + SALES + "\"], \"detail-type\":"
                + " [\"TicketsPurchased\"]}", null, null, "Tickets were bought: render their images");
        bus.putTargets("relecloud-render-tickets", null, List.of(new Target("render-tickets", renderArn, null, "$.detail",
                null, null)));
        api = new RelecloudApi(this, server);
        running = true;
        for (int i = 0; i < settings.renderWorkers(); i++) {
            String name = "relecloud-render-" + i;
            threads.add(Thread.ofVirtual().name(name).start(() -> renderLoop(engine, name)));
        }
        threads.add(Thread.ofVirtual().name("relecloud-sweeper").start(this::sweepLoop));
        ready.countDown();
    }

    @Override
    public void routes(RoutesConfig routes, SetlistServer server) {
        routes.get("/", ctx -> ctx.redirect("/console/"), dev.setlist.server.http.Access.anyone());
        api.routing(routes);
    }

    @Override
    public void stop() {
        running = false;
        threads.forEach(Thread::interrupt);
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        threads.clear();
        if (search != null) {
            search.close();
        }
    }

    Clock clock() {
        return server.clock();
    }

    SetlistServer server() {
        return server;
    }

    /** Creates the state machine, or updates its definition when it exists; returns its ARN. */
    private static String machine(Engine engine, String name, String definition) {
        String arn = "arn:aws:states:" + engine.region() + ":" + engine.account() + ":stateMachine:" + name;
        try {
            var existing = engine.describeStateMachine(arn);
            if (!existing.definition().equals(definition)) {
                engine.updateStateMachine(arn, definition, null);
            }
            return arn;
        } catch (EngineException e) {
            if (e.code() != EngineException.Code.StateMachineDoesNotExist) {
                throw e;
            }
        }
        return engine.createStateMachine(name, definition, StateMachineType.STANDARD,
                "arn:aws:iam::" + engine.account() + ":role/relecloud", null).arn();
    }

    static String resource(String name) {
        try (InputStream in = Relecloud.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("Missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- task handlers -------------------------------------------------------------------------

    /**
     * The task handlers. The input of a step is a request, not a fact: each reads the purchase
     * (or concert request) it names from the database and acts only when the row was made by the
     * API, is bound to this very execution and is in the status the step expects; amounts, items,
     * the customer and the card token come from the row. Anything else fails with
     * {@code Purchase.NotFound}, {@code Purchase.WrongExecution} or {@code Purchase.WrongState}
     * ({@code ConcertRequest.*} for concerts) and changes nothing.
     */
    private void register() {
        handle("reserveSeats", (in, r) -> {
            store.reserve(purchaseId(in), r.executionId(), settings.holdTtl());
            return Json.object().put("heldUntil", clock().now().plus(settings.holdTtl()).toString());
        });
        handle("authorizePayment", (in, r) -> {
            Store.Purchase p = store.toAuthorize(purchaseId(in), r.executionId());
            if (p.card().token() == null) {
                throw new StatesException(Store.PURCHASE_WRONG_STATE, "Purchase " + p.id() + " has no card token");
            }
            JsonNode auth = gateway.authorize("auth-" + p.id(), p.id(), p.totalCents(), "USD", p.card().token());
            String authorization = auth.path("id").asText();
            store.authorized(p.id(), r.executionId(), authorization);
            return Json.object().put("authorizationId", authorization).put("amountCents", auth.path("amountCents")
                    .asLong());
        });
        handle("issueTickets", (in, r) -> {
            ArrayNode out = Json.array();
            for (Store.Ticket t : store.issueTickets(purchaseId(in), r.executionId())) {
                out.addObject().put("number", t.number()).put("concertId", t.concertId()).put("seat", t.seatLabel());
            }
            return out;
        });
        handle("capturePayment", (in, r) -> {
            Store.Purchase p = store.toCapture(purchaseId(in), r.executionId());
            JsonNode c = gateway.capture("capture-" + p.id(), p.authorizationId(), p.totalCents());
            return Json.object().put("status", c.path("status").asText());
        });
        handle("completePurchase", (in, r) -> {
            Store.Purchase p = store.complete(purchaseId(in), r.executionId());
            ArrayNode tickets = Json.array();
            for (Store.Ticket t : store.ticketsOfPurchase(p.id())) {
                if (t.status().equals("ISSUED")) {
                    tickets.addObject().put("number", t.number()).put("concertId", t.concertId()).put("seat",
                            t.seatLabel());
                }
            }
            ObjectNode detail = Json.object().put("purchaseId", p.id()).put("customerId", p.customerId())
                    .put("amountCents", p.totalCents());
            detail.set("tickets", tickets);
            // Staged: committed with this step's result, so a re-run after a crash does not publish twice.
            EventBus.emit(r, PutEntry.of(SALES, "TicketsPurchased", detail.toString()));
            ObjectNode out = Json.object().put("purchaseId", p.id()).put("status", "SUCCEEDED");
            out.set("tickets", tickets);
            return out;
        });
        handle("cancelTickets", (in, r) -> {
            store.cancelTickets(purchaseId(in), r.executionId());
            return Json.object();
        });
        handle("voidPayment", (in, r) -> {
            voidAll(store.toCompensate(purchaseId(in), r.executionId(), "voiding the payment").id(), true);
            return Json.object();
        });
        handle("releaseSeats", (in, r) -> Json.object().put("released", store.release(purchaseId(in), r.executionId())));
        handle("failPurchase", (in, r) -> {
            store.fail(purchaseId(in), r.executionId(), text(in.path("error").path("Error"), 200),
                    text(in.path("error").path("Cause"), 2000));
            return Json.object();
        });

        handle("validateConcert", (in, r) -> {
            Store.Request request = store.requestRunning(requestId(in), r.executionId());
            Concert.Draft d = ConcertRules.draft(request.payload());
            ConcertRules.check(d, clock().now());
            if (store.concertOfRequest(request.id()) == null && store.concertExists(d.artist(), d.venue(), d.startsAt())) {
                throw new StatesException(ConcertRules.INVALID, d.artist() + " already plays " + d.venue() + " at "
                        + d.startsAt());
            }
            return Json.object();
        });
        handle("persistConcert", (in, r) -> Json.object().put("concertId",
                store.persistRequested(requestId(in), r.executionId(), ConcertRules::draft)));
        handle("publishConcertCreated", (in, r) -> {
            String requestId = requestId(in);
            Long created = store.concertOfRequest(requestId);
            if (created != null) {
                search.catchUp(); // searchable before the request reads SUCCEEDED
            }
            long id = store.requestSucceeded(requestId, r.executionId());
            Concert c = store.concert(id);
            EventBus.emit(r, PutEntry.of(PLANNING, "ConcertCreated", c.json().toString()));
            return Json.object().put("requestId", requestId).put("concertId", id);
        });
        handle("rejectConcertRequest", (in, r) -> {
            store.requestFailed(requestId(in), r.executionId(), text(in.path("error").path("Error"), 200),
                    text(in.path("error").path("Cause"), 2000));
            return Json.object();
        });
    }

    /** The purchase id a step names (what it names is checked against the database). */
    private static String purchaseId(JsonNode in) {
        JsonNode id = in.path("purchaseId");
        return id.isTextual() ? id.textValue() : null;
    }

    private static String requestId(JsonNode in) {
        JsonNode id = in.path("requestId");
        return id.isTextual() ? id.textValue() : null;
    }

    private static String text(JsonNode n, int max) {
        if (n == null || !n.isTextual()) {
            return null;
        }
        return n.textValue().length() <= max ? n.textValue() : n.textValue().substring(0, max);
    }

    @FunctionalInterface
    private interface Handler {
        JsonNode handle(JsonNode input, TaskInvoker.Request request);
    }

    /** Registers a handler that waits for the start and turns a database outage into a retryable error. */
    private void handle(String name, Handler h) {
        tasks.register(TASK + name, r -> {
            try {
                if (!ready.await(30, TimeUnit.SECONDS)) {
                    throw new StatesException(Store.TRANSIENT, "Relecloud is not started yet");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StatesException(Store.TRANSIENT, "Interrupted");
            }
            try {
                return h.handle(r.input(), r);
            } catch (Store.Unavailable e) {
                throw new StatesException(Store.TRANSIENT, e.getMessage());
            } catch (IllegalStateException e) {
                throw new StatesException(Store.TRANSIENT, e.getMessage());
            }
        });
    }

    /**
     * Voids every uncaptured authorization of the purchase. When the gateway cannot be reached
     * and {@code queue} is set, the void is queued for the sweeper and this returns: the purchase
     * can end now, and the hold on the customer's card is lifted as soon as the gateway answers.
     */
    private void voidAll(String purchaseId, boolean queue) {
        try {
            for (JsonNode a : gateway.byReference(purchaseId)) {
                if ("AUTHORIZED".equals(a.path("status").asText())) {
                    gateway.voidAuthorization("void-" + a.path("id").asText(), a.path("id").asText());
                } else if ("CAPTURED".equals(a.path("status").asText())) {
                    LOG.warn("Purchase {} failed after its payment {} was captured: refund it", purchaseId,
                            a.path("id").asText());
                }
            }
            if (!queue) {
                store.voidDone(purchaseId);
            }
        } catch (StatesException e) {
            if (!GatewayClient.UNAVAILABLE.equals(e.error())) {
                throw e;
            }
            if (!queue) {
                throw e;
            }
            store.queueVoid(purchaseId);
        }
    }

    // ---- workers -------------------------------------------------------------------------------

    private void renderLoop(Engine engine, String name) {
        while (running) {
            ActivityTask task;
            try {
                task = engine.getActivityTask(renderActivityArn, name, Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                pause(1000);
                continue;
            }
            if (task == null || task.taskToken() == null) {
                continue;
            }
            try {
                JsonNode in = Json.MAPPER.readTree(task.input());
                String number = in.path("number").isTextual() ? in.path("number").textValue() : null;
                render(number);
                engine.sendTaskSuccess(task.taskToken(), Json.object().put("number", number).put("image", "READY")
                        .toString());
            } catch (Exception e) {
                // A ticket that does not exist or is not to be rendered is refused for good (not retried).
                String error = e instanceof StatesException se ? se.error() : "Relecloud.RenderFailed";
                LOG.warn("Rendering a ticket failed: {} {}", error, dev.setlist.asl.SafeFailure.summary(e));
                try {
                    engine.sendTaskFailure(task.taskToken(), error, String.valueOf(e.getMessage()));
                } catch (RuntimeException ignored) {
                    // the task times out and is retried
                }
            }
        }
    }

    /**
     * Renders a ticket's image from the database and attaches it (again, harmlessly, when it was
     * rendered before): only an issued ticket of a completed purchase ({@code Ticket.NotFound},
     * {@code Ticket.WrongState} otherwise).
     */
    public void render(String number) {
        Store.Ticket t = store.ticketToRender(number);
        Concert c = store.concert(t.concertId());
        Store.Customer customer = store.customer(t.customerId());
        store.attachImage(number, TicketImage.render(number, c, t.seatLabel(), customer.name() + " <" + customer.email()
                + ">"));
    }

    private void sweepLoop() {
        while (running) {
            pause(2000);
            try {
                int released = store.releaseExpiredHolds();
                if (released > 0) {
                    LOG.info("Released {} seats of expired holds", released);
                }
                startStalePurchases();
                for (String purchaseId : store.dueVoids()) {
                    try {
                        voidAll(purchaseId, false);
                    } catch (RuntimeException e) {
                        store.voidLater(purchaseId);
                    }
                }
            } catch (RuntimeException e) {
                LOG.debug("Sweep failed: {}", dev.setlist.asl.SafeFailure.summary(e));
            }
        }
    }

    /** How long a purchase may stay PENDING before the sweeper starts its execution itself. */
    static final Duration PENDING_GRACE = Duration.ofSeconds(5);

    /**
     * Starts the execution of every purchase left {@code PENDING} for longer than
     * {@link #PENDING_GRACE} (the API recorded it, then stopped before or while starting it). The
     * execution is named by the purchase id, so a start the API did make is not repeated; a start
     * the engine refuses for good (not for a passing outage or limit) fails the purchase, whose
     * seats were never held. Returns how many were looked at.
     */
    int startStalePurchases() {
        List<Store.Purchase> stale = store.stalePending(clock().now().minus(PENDING_GRACE), 50);
        for (Store.Purchase p : stale) {
            try {
                api.start(p);
                LOG.info("Started the execution of purchase {}, left pending", p.id());
            } catch (dev.setlist.engine.EngineException e) {
                if (e.code() == dev.setlist.engine.EngineException.Code.ServiceUnavailable
                        || e.code() == dev.setlist.engine.EngineException.Code.ExecutionLimitExceeded) {
                    continue; // the next sweep tries again
                }
                store.endPurchase(p.id(), "FAILED", "Purchase.NotStarted", "Its execution could not be started: "
                        + e.getMessage());
            }
        }
        return stale.size();
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
